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
/* bpf_tracing.h names pt_regs fields the kernel's way when it sees this. */
#define __VMLINUX_H__

/* uapi: bpf() commands, union bpf_attr, map types and flags. */
#include <linux/types.h>
#include <linux/bpf.h>

typedef __u8 u8;
typedef __u32 u32;
typedef __u64 u64;
typedef _Bool bool;
#define true 1
#define false 0

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct list_head {
	struct list_head *next;
};

struct hlist_node {
	struct hlist_node *next;
};

struct hlist_head {
	struct hlist_node *first;
};

struct hlist_bl_node {
	struct hlist_bl_node *next;
	struct hlist_bl_node **pprev;
};

/* hash and len sit in an anonymous struct in the kernel; CO-RE finds them
 * there by name. */
struct qstr {
	u32 len;
	const unsigned char *name;
};

struct super_block {
	u32 s_dev;
	unsigned long s_magic;
};

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
};

/* A dentry's children: an hlist through d_sib from 6.8 on, a list through
 * d_child before (struct dentry___old). */
struct dentry {
	struct hlist_bl_node d_hash; /* pprev NULL: unhashed, no longer found by name */
	struct qstr d_name;
	struct inode *d_inode;
	struct super_block *d_sb;
	struct hlist_node d_sib;
	struct hlist_head d_children;
};

struct dentry___old {
	struct list_head d_child;
	struct list_head d_subdirs;
};

struct vfsmount {
	struct dentry *mnt_root;
};

/* The kernel's mount behind a vfsmount (fs/mount.h): its children are
 * the mounts on directories inside it. */
struct mount {
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
	struct list_head mnt_mounts;
	struct list_head mnt_child;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

typedef struct {
	long counter;
} atomic_long_t;

typedef struct {
	int counter;
} atomic_t;

/* 6.13+: the count less one (0: one reference). */
typedef struct {
	atomic_long_t refcnt;
} file_ref_t;

struct file {
	void *private_data;
	struct path f_path;
	atomic_long_t f_count; /* before 6.13 */
	file_ref_t f_ref;      /* 6.13+ */
};

/* The kernel's copy of a path name passed to a syscall. */
struct filename {
	const char *name;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	atomic_t count;
	struct fdtable *fdt;
};

struct fs_struct {
	struct path root;
	struct path pwd;
};

struct thread_info {
	u32 status;
};

struct task_struct {
	struct thread_info thread_info;
	int pid;
	int tgid;
	char comm[16];
	struct files_struct *files;
	struct fs_struct *fs;
};

/* The user registers a task saved on kernel entry: a syscall's arguments. */
#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long bx;
	unsigned long r10;
	unsigned long r8;
	unsigned long r9;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
};
#elif defined(__TARGET_ARCH_arm64)
struct user_pt_regs {
	u64 regs[31];
	u64 sp;
	u64 pc;
	u64 pstate;
};

struct pt_regs {
	union {
		struct user_pt_regs user_regs;
		struct {
			u64 regs[31];
			u64 sp;
			u64 pc;
			u64 pstate;
		};
	};
	u64 orig_x0;
};
#endif

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
	u64 session_id;
	u64 seq_num;
};

/* The context of iter/task_file programs (pointers are 8 bytes in it). */
struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	u32 fd;
	struct file *file;
};

typedef struct {
	long long counter;
} atomic64_t;

struct bpf_map {
	enum bpf_map_type map_type;
	u32 key_size;
	u32 value_size;
	u32 max_entries;
	u32 map_flags;
	u32 id;
	char name[16];
	atomic64_t refcnt;
};

struct bpf_prog_aux {
	atomic64_t refcnt;
	u32 id;
	u64 load_time;
	char name[16];
};

struct bpf_prog {
	enum bpf_prog_type type;
	u8 tag[8];
	struct bpf_prog_aux *aux;
};

struct bpf_link {
	atomic64_t refcnt;
	u32 id;
	enum bpf_link_type type;
	struct bpf_prog *prog;
};

/* An exec in progress: buf holds the start of the file it runs. */
struct linux_binprm {
	char buf[256];
};

/* An io_uring request. */
struct io_kiocb {
	unsigned char opcode;
};

#pragma clang attribute pop

/* Passed by value (two argument slots in a trampoline's context): declared
 * as the kernel does, outside preserve_access_index. */
typedef struct {
	union {
		void *kernel;
		void *user;
	};
	bool is_kernel : 1;
} sockptr_t;
typedef sockptr_t bpfptr_t;

#endif
