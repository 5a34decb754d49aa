/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types the tracer reads, declared by hand with
 * preserve_access_index so libbpf relocates every field at load time.
 *
 * Why not `bpftool btf dump file /sys/kernel/btf/vmlinux format c`: a build
 * host (a package builder, a CI container) often has no BTF of its own, and
 * a 130k-line generated header hides which fields we depend on. CO-RE makes
 * the declared layout irrelevant; only names and types must match.
 */
#ifndef BPFREAPER_VMLINUX_H
#define BPFREAPER_VMLINUX_H

/* uapi: bpf() commands, union bpf_attr, map types and flags. */
#include <linux/types.h>
#include <linux/bpf.h>

typedef __u32 u32;
typedef __u64 u64;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct qstr {
	const unsigned char *name;
};

struct dentry {
	struct qstr d_name;
};

struct path {
	struct dentry *dentry;
};

struct file {
	void *private_data;
	struct path f_path;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct task_struct {
	struct files_struct *files;
};

struct bpf_map {
	u32 map_type;
	u32 id;
	char name[16];
};

struct bpf_prog_aux {
	u32 id;
	char name[16];
};

struct bpf_prog {
	u32 type;
	struct bpf_prog_aux *aux;
};

struct bpf_link {
	u32 id;
	u32 type;
	struct bpf_prog *prog;
};

#pragma clang attribute pop

#endif
