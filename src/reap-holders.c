// SPDX-License-Identifier: LGPL-2.1-or-later
/* Holders of BPF objects; see reap-holders.h. */
#include "reap-holders.h"
#include "fileio.h"
#include "input-limits.h"
#include "util.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "holders.skel.h"

void holder_list_done(struct holder_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int holders_scan(struct holder_list *ret)
{
	struct holders_bpf *skel;
	struct bpf_link *link = NULL;
	_cleanup_close_ int iter = -EBADF;
	_cleanup_free_ char *buf = NULL;
	struct holder_list l = {};
	uint32_t self = (uint32_t)getpid();
	size_t len = 0;
	int r;

	skel = holders_bpf__open_and_load();
	if (!skel)
		return negative_errno();
	link = bpf_program__attach_iter(skel->progs.dump_holders, NULL);
	r = link ? 0 : negative_errno();
	if (r == 0) {
		iter = bpf_iter_create(bpf_link__fd(link));
		r = iter < 0 ? negative_errno() : read_fd_limited(iter, HOLDERS_OUTPUT_MAX, &buf, &len);
	}
	bpf_link__destroy(link);
	holders_bpf__destroy(skel);
	if (r < 0)
		return r;
	l.v = malloc(len ? len : 1);
	if (!l.v)
		return -ENOMEM;
	for (size_t off = 0; off + sizeof(struct holder_rec) <= len; off += sizeof(struct holder_rec)) {
		struct holder_rec h;

		memcpy(&h, buf + off, sizeof(h));
		if (h.pid != self)
			l.v[l.n++] = h;
	}
	*ret = l;
	return 0;
}

int progs_using_map(uint32_t map_id, uint32_t *ret, size_t max, size_t *ret_n)
{
	uint32_t id = 0;
	size_t n = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info info = {};
		uint32_t len = sizeof(info), maps[64];
		_cleanup_close_ int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue; /* freed meanwhile */
		info.nr_map_ids = ARRAY_SIZE(maps);
		info.map_ids = (uint64_t)(uintptr_t)maps;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
			continue;
		for (uint32_t i = 0; i < info.nr_map_ids && i < ARRAY_SIZE(maps); i++) {
			if (maps[i] != map_id)
				continue;
			if (n < max)
				ret[n] = id;
			n++;
			break;
		}
	}
	*ret_n = n;
	return 0;
}
