/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bpf(2) numbers and layouts newer than the uapi headers bpfreaper builds
 * against (Debian 12: 6.1), as the kernel defines them; uapi numbers never
 * change. The kernel's names are enum constants, which the preprocessor
 * cannot test, so ours carry a BPFREAPER_ prefix and never collide with
 * newer headers. Nothing else may define a bpf uapi value.
 */
#ifndef BPFREAPER_BPFUAPI_H
#define BPFREAPER_BPFUAPI_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

/* BPF_OBJ_GET relative to a directory fd (6.5): flag, and where path_fd
 * sits in union bpf_attr. */
#define BPFREAPER_BPF_F_PATH_FD (1U << 14)
#define BPFREAPER_OBJ_GET_PATH_FD_OFFSET 16

/* enum bpf_attach_type: tcx (6.6) and netkit (6.7) device hooks. */
#define BPFREAPER_BPF_TCX_INGRESS 46
#define BPFREAPER_BPF_TCX_EGRESS 47
#define BPFREAPER_BPF_NETKIT_PRIMARY 54
#define BPFREAPER_BPF_NETKIT_PEER 55

/* Programs one tcx or netkit hook can hold (bpf_mprog_max(), 6.6+). */
#define BPFREAPER_MPROG_MAX 64

/* BPF_PROG_QUERY's part of union bpf_attr as of 6.6: the query of a
 * tcx or netkit hook also says, per program, the link that attached it
 * (0: BPF_PROG_ATTACH). The target is a device's ifindex there. */
struct bpfreaper_prog_query {
	uint32_t target; /* fd, or ifindex for tcx and netkit */
	uint32_t attach_type;
	uint32_t query_flags;
	uint32_t attach_flags;
	uint64_t prog_ids;
	uint32_t count;
	uint32_t pad;
	uint64_t prog_attach_flags;
	uint64_t link_ids;
	uint64_t link_attach_flags;
	uint64_t revision;
};

_Static_assert(offsetof(struct bpfreaper_prog_query, prog_ids) == offsetof(union bpf_attr, query.prog_ids),
	       "BPF_PROG_QUERY layout");
_Static_assert(offsetof(struct bpfreaper_prog_query, prog_attach_flags) ==
		       offsetof(union bpf_attr, query.prog_attach_flags),
	       "BPF_PROG_QUERY layout");

#endif
