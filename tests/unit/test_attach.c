// SPDX-License-Identifier: LGPL-2.1-or-later
/* reap() against the tcx hooks of lo in a network namespace of its own
 * (root only; skipped otherwise, and on kernels without tcx): only the
 * container's programs attached without a link are detached, a host
 * program on the same hook stays, report mode only lists. */
#include <bpf/bpf.h>
#include <net/if.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "reap-bpfobj.h"
#include "bpfuapi.h"
#include "check.h"
#include "reap.h"
#include "util.h"

static int ifindex_lo;
static uint32_t host; /* the host's program, attached first */

/* A sched_cls program attached to lo's tcx ingress hook; its id. With
 * ret_link, attached through a tcx link returned there. */
static uint32_t tcx_prog(int *ret_link)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = -1 }, /* TCX_NEXT */
		{ .code = BPF_JMP | BPF_EXIT },
	};
	_cleanup_close_ int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "attachtest", "GPL", insns, 2, NULL);
	uint32_t kind = 0, id = 0;

	if (fd < 0 || obj_identify(fd, &kind, &id) < 0)
		return 0;
	if (ret_link) {
		*ret_link = bpf_link_create(fd, ifindex_lo, BPFREAPER_BPF_TCX_INGRESS, NULL);
		return *ret_link < 0 ? 0 : id;
	}
	return bpf_prog_attach(fd, ifindex_lo, BPFREAPER_BPF_TCX_INGRESS, 0) < 0 ? 0 : id;
}

/* The programs on lo's tcx ingress hook, as "id,id,...". */
static void hook_view(char *buf, size_t size)
{
	uint32_t ids[BPFREAPER_MPROG_MAX], links[BPFREAPER_MPROG_MAX];
	struct bpfreaper_prog_query q = {
		.target = (uint32_t)ifindex_lo,
		.attach_type = BPFREAPER_BPF_TCX_INGRESS,
		.prog_ids = (uint64_t)(uintptr_t)ids,
		.count = BPFREAPER_MPROG_MAX,
		.link_ids = (uint64_t)(uintptr_t)links,
	};
	size_t used = 0;

	buf[0] = '\0';
	if (syscall(__NR_bpf, BPF_PROG_QUERY, &q, sizeof(q)) < 0)
		return;
	for (uint32_t i = 0; i < q.count && i < BPFREAPER_MPROG_MAX && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%u", i ? "," : "", ids[i]);
}

static bool listed(const struct path_list *l, const char *where, uint32_t id, const char *why)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].path, where) && l->v[i].id == id && (!why || (l->v[i].why && streq(l->v[i].why, why))))
			return true;
	return false;
}

TEST(only_ours_detached)
{
	struct binds binds = {}; /* no bpffs: nothing pinned */
	struct reap_opts opts = { .remove = false, .binds = &binds };
	struct reap_result res = {};
	_cleanup_close_ int link = -EBADF;
	uint32_t ours, linked, link_id = 0, kind = 0;
	struct record v[2] = {};
	struct record_list records = { .v = v, .n = ARRAY_SIZE(v) };
	char before[128], after[128], want[128];

	ours = tcx_prog(NULL);
	linked = tcx_prog(&link);
	CHECK(ours && linked && obj_identify(link, &kind, &link_id) == 0);
	v[0] = (struct record){ .kind = REC_CREATE };
	v[1] = (struct record){ .kind = REC_CREATE };
	CHECK_EQ_INT(obj_fingerprint(OBJ_PROG, ours, &v[0].create.obj), 0);
	CHECK_EQ_INT(obj_fingerprint(OBJ_PROG, linked, &v[1].create.obj), 0);
	hook_view(before, sizeof(before));

	/* Report mode: the hook as it was, the container's program listed. */
	CHECK_EQ_INT(reap(&records, &opts, &res), 0);
	hook_view(after, sizeof(after));
	CHECK_EQ_STR(after, before);
	CHECK(listed(&res.attach_left, "tcx ingress dev lo", ours, "report mode"));
	reap_result_done(&res);

	/* Enforce: ours goes; the host's and the one a link holds stay. */
	opts.remove = true;
	CHECK_EQ_INT(reap(&records, &opts, &res), 0);
	hook_view(after, sizeof(after));
	snprintf(want, sizeof(want), "%u,%u", host, linked);
	CHECK_EQ_STR(after, want);
	CHECK_EQ_INT(res.attach_detached.n, 1);
	CHECK(listed(&res.attach_detached, "tcx ingress dev lo", ours, NULL));
	snprintf(want, sizeof(want), "tcx ingress dev lo link %u", link_id);
	CHECK(listed(&res.attach_left, want, linked, "attached through a link"));
	reap_result_done(&res);
}

static int setup(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return CHECK_SKIP("needs root for a network namespace");
	ifindex_lo = (int)if_nametoindex("lo");
	host = tcx_prog(NULL);
	if (!host)
		return CHECK_SKIP("no tcx on this kernel (6.6+)");
	return 0;
}
TEST_FIXTURE(setup, NULL);
