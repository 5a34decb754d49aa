/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tc cls_bpf filters over rtnetlink: list the BPF filters on a device's
 * clsact ingress/egress hooks and delete one by its exact key. libbpf's
 * bpf_tc_query needs the handle and priority up front, which only a dump
 * can tell.
 */
#ifndef BPFREAPER_TCFILTER_H
#define BPFREAPER_TCFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tc_bpf_filter {
	uint32_t parent;   /* clsact ingress or egress */
	uint32_t handle;
	uint16_t prio;
	uint16_t protocol; /* network byte order, as tc keeps it */
	uint32_t prog_id;
};

/* BPF filters of ifindex on clsact ingress (egress=false) or egress. No
 * clsact qdisc is not an error: zero filters. */
int tc_bpf_filters(int ifindex, bool egress, struct tc_bpf_filter **ret, size_t *ret_n);
int tc_bpf_filter_delete(int ifindex, const struct tc_bpf_filter *f);

#endif
