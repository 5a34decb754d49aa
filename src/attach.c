// SPDX-License-Identifier: LGPL-2.1-or-later
/* Detaching what outlives the container without a pin; see attach.h. */
#include "attach.h"
#include "cgroup.h"
#include "crashpoint.h"
#include "tcfilter.h"
#include "util.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

/* The container's own program (it created it, provably), or NULL. */
static struct reap_object *ours(struct reap_result *res, uint32_t prog_id)
{
	return prog_id ? reap_find_object(res, OBJ_PROG, prog_id) : NULL;
}

/* A program a keep rule holds (by its pin, or a kept link's) keeps its
 * attachments: listed with the rule, never detached. */
static int keep(struct reap_result *res, const char *where, const struct reap_object *prog)
{
	return reap_path_add_kept(&res->attach_kept, where, OBJ_PROG, prog->id, prog->kept_rule);
}

/* List what detach() did (r), or what report mode left; where names the
 * attachment. */
static int settle(struct reap_result *res, bool remove, const char *where, uint32_t prog_id, int r)
{
	if (!remove)
		return reap_path_add(&res->attach_left, where, OBJ_PROG, prog_id, 0, "report mode");
	if (r < 0)
		return reap_path_add(&res->attach_left, where, OBJ_PROG, prog_id, r, "detach failed");
	crashpoint("detached");
	return reap_path_add(&res->attach_detached, where, OBJ_PROG, prog_id, 0, NULL);
}

static bool attached_at(int cg_fd, uint32_t attach_type, uint32_t prog_id)
{
	uint32_t ids[64], cnt = ARRAY_SIZE(ids), flags = 0;

	if (bpf_prog_query(cg_fd, attach_type, 0, &flags, ids, &cnt) < 0)
		return false;
	for (uint32_t i = 0; i < cnt && i < ARRAY_SIZE(ids); i++)
		if (ids[i] == prog_id)
			return true;
	return false;
}

int detach_cgroup_attachments(const struct record_list *records, struct reap_result *res, bool remove)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < records->n; i++) {
		const struct record *rec = &records->v[i];
		_cleanup_close_ int cg_fd = -EBADF, prog_fd = -EBADF;
		const char *type = libbpf_bpf_attach_type_str(rec->attach_type);
		char where[PATH_MAX + 64], path[PATH_MAX] = "?";
		const struct reap_object *prog;

		if (rec->kind != REC_ATTACH || !(rec->flags & REC_F_TARGET_CGROUP))
			continue;
		cg_fd = cgroup_open_by_id(rec->parent_ino);
		if (cg_fd == -ENOENT)
			continue; /* the cgroup is gone, and its attachments with it */
		if (cg_fd < 0) {
			/* No usable cgroup2 mount here (or no right to open by
			 * handle): whether it is still attached cannot be told,
			 * so it is listed, never taken for gone. */
			snprintf(where, sizeof(where), "cgroup id %llu %s", (unsigned long long)rec->parent_ino,
				 type ? type : "?");
			r = reap_path_add(&res->attach_left, where, OBJ_PROG, rec->obj_id, cg_fd,
					  "cannot open the cgroup");
			continue;
		}
		/* Detached already (by the container, or a previous run). */
		if (!attached_at(cg_fd, rec->attach_type, rec->obj_id))
			continue;
		(void)cgroup_path_of_fd(cg_fd, path, sizeof(path));
		snprintf(where, sizeof(where), "cgroup %s %s", path, type ? type : "?");
		/* The record's program id was read from the container's memory,
		 * which another of its threads can rewrite after the kernel read
		 * it: only a program the container created is ever detached. */
		prog = ours(res, rec->obj_id);
		if (!prog) {
			r = reap_path_add(&res->attach_left, where, OBJ_PROG, rec->obj_id, 0,
					  "not a program the container created");
			continue;
		}
		if (prog->kept) {
			r = keep(res, where, prog);
			continue;
		}
		if (remove) {
			prog_fd = bpf_prog_get_fd_by_id(rec->obj_id);
			r = prog_fd < 0 ? prog_fd : bpf_prog_detach2(prog_fd, cg_fd, rec->attach_type);
		}
		r = settle(res, remove, where, rec->obj_id, r < 0 ? -errno : 0);
	}
	return r;
}

static int detach_xdp(struct reap_result *res, bool remove, int ifindex, const char *ifname)
{
	static const struct {
		const char *name;
		uint32_t flag;
	} modes[] = { { "skb", XDP_FLAGS_SKB_MODE }, { "drv", XDP_FLAGS_DRV_MODE }, { "hw", XDP_FLAGS_HW_MODE } };
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	uint32_t ids[3];
	int r = 0;

	if (bpf_xdp_query(ifindex, 0, &q) < 0)
		return 0; /* a device that went away meanwhile */
	ids[0] = q.skb_prog_id;
	ids[1] = q.drv_prog_id;
	ids[2] = q.hw_prog_id;
	for (size_t m = 0; r == 0 && m < ARRAY_SIZE(modes); m++) {
		_cleanup_close_ int fd = -EBADF;
		const struct reap_object *prog = ours(res, ids[m]);
		char where[IF_NAMESIZE + 32];
		int err = 0;

		if (!prog)
			continue;
		snprintf(where, sizeof(where), "xdp %s dev %s", modes[m].name, ifname);
		if (prog->kept) {
			r = keep(res, where, prog);
			continue;
		}
		if (remove) {
			LIBBPF_OPTS(bpf_xdp_attach_opts, a);

			fd = bpf_prog_get_fd_by_id(ids[m]);
			/* old_prog_fd: the kernel replaces only if ours is still
			 * the one attached (XDP_FLAGS_REPLACE). */
			a.old_prog_fd = fd;
			err = fd < 0 ? -errno : bpf_xdp_detach(ifindex, modes[m].flag, &a);
		}
		r = settle(res, remove, where, ids[m], err);
	}
	return r;
}

static int detach_tc(struct reap_result *res, bool remove, int ifindex, const char *ifname)
{
	int r = 0;

	for (int egress = 0; r == 0 && egress < 2; egress++) {
		struct tc_bpf_filter *f = NULL;
		size_t n = 0;

		if (tc_bpf_filters(ifindex, egress, &f, &n) < 0)
			continue;
		for (size_t i = 0; r == 0 && i < n; i++) {
			const struct reap_object *prog = ours(res, f[i].prog_id);
			char where[IF_NAMESIZE + 64];

			if (!prog)
				continue;
			snprintf(where, sizeof(where), "tc %s dev %s prio %u handle 0x%x",
				 egress ? "egress" : "ingress", ifname, f[i].prio, f[i].handle);
			if (prog->kept) {
				r = keep(res, where, prog);
				continue;
			}
			r = settle(res, remove, where, f[i].prog_id,
				   remove ? tc_bpf_filter_delete(ifindex, &f[i]) : 0);
		}
		free(f);
	}
	return r;
}

int detach_netdev_attachments(struct reap_result *res, bool remove)
{
	struct if_nameindex *ifs;
	bool any = false;
	int r = 0;

	for (size_t i = 0; i < res->n_objects && !any; i++)
		any = res->objects[i].kind == OBJ_PROG;
	if (!any)
		return 0; /* no program of its own: nothing to find on any device */
	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (struct if_nameindex *i = ifs; r == 0 && i->if_index; i++) {
		r = detach_xdp(res, remove, (int)i->if_index, i->if_name);
		if (r == 0)
			r = detach_tc(res, remove, (int)i->if_index, i->if_name);
	}
	if_freenameindex(ifs);
	return r;
}
