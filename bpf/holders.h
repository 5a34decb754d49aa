/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What bpf/holders.bpf.c writes per open fd of a BPF object. */
#ifndef BPFREAPER_HOLDERS_H
#define BPFREAPER_HOLDERS_H

#include <linux/types.h>

struct holder_rec {
	__u32 pid;      /* thread group id */
	__u32 fd;
	__u32 obj_kind; /* enum obj_kind */
	__u32 obj_id;
	char comm[16];
};

#endif
