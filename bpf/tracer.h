/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Record layout shared by the tracer (bpf/tracer.bpf.c) and user space
 * (src/tracer.c). Changing anything here changes TRACER_LAYOUT_VERSION, so a
 * new bpfreaper never reads a running tracer of an older layout.
 */
#ifndef BPFREAPER_TRACER_H
#define BPFREAPER_TRACER_H

#include <linux/types.h>

#define TRACER_LAYOUT_VERSION 2

#define RECORD_PATH_MAX 256
#define RECORD_NAME_MAX 16

/* Per container: object records (creations and pins) and directory records
 * have separate budgets, so a container that makes many ordinary directories
 * can never crowd out the record of a map. Past a budget the overflow flag is
 * set and the record dropped. */
#define MAX_OBJ_RECORDS 32768
#define MAX_DIR_RECORDS 4096
#define DIR_SEQ_BASE (1u << 24)

#define MAX_REGISTERED_CGROUPS 8192
#define MAX_RECORDS_TOTAL 262144
/* bpf()/mkdir()/symlink() calls of registered containers between enter and
 * exit at one time (preallocated: ~1.5 MiB). */
#define MAX_INFLIGHT 4096
/* cgroup2 nesting levels walked to find a registered ancestor. */
#define MAX_CGROUP_DEPTH 32

/* Pseudo commands for mkdir()/mkdirat() and symlink()/symlinkat(), beside
 * the real bpf() commands. */
#define TRACE_CMD_MKDIR 0x10000
#define TRACE_CMD_SYMLINK 0x10001

enum record_kind {
	REC_CREATE = 1, /* obj_kind/obj_id: a map, prog or link the container made */
	REC_PIN = 2,    /* obj_kind/obj_id pinned at path (container's view) */
	REC_MKDIR = 3,  /* a directory created at path (container's view) */
	/* BPF_PROG_ATTACH of prog obj_id to the file target_ino on device
	 * target_dev (a cgroup2 directory when REC_F_TARGET_CGROUP), with
	 * attach_type: a legacy attachment outlives the process. */
	REC_ATTACH = 4,
	/* symlink(2)/symlinkat(2) at path (container's view); name holds the
	 * start of the target and obj_type its length, to recognize it. */
	REC_SYMLINK = 5,
};

enum obj_kind {
	OBJ_NONE = 0,
	OBJ_MAP = 1,
	OBJ_PROG = 2,
	OBJ_LINK = 3,
};

enum cg_flags {
	CG_OVERFLOW_OBJ = 1u << 0,
	CG_OVERFLOW_DIR = 1u << 1,
};

enum record_flags {
	REC_F_PATH_TRUNCATED = 1u << 0,
	REC_F_RELATIVE = 1u << 1, /* path is relative to parent_dev/parent_ino */
	REC_F_TARGET_CGROUP = 1u << 2, /* REC_ATTACH: parent_ino is a cgroup id */
	/* REC_CREATE: the tracer could not prove the object is the one the
	 * call created (something else already referenced it when the call
	 * returned: a racing fd swap). Reported, never removed. */
	REC_F_UNPROVEN = 1u << 3,
};

struct cg_state {
	__u32 next_obj_seq;
	__u32 next_dir_seq;
	__u32 flags;
	__u32 pad;
	__u64 registered_ns;
};

struct record_key {
	__u64 cgroup_id;
	__u32 seq;
	__u32 pad;
};

struct record {
	__u32 kind;
	__u32 obj_kind;
	__u32 obj_id;
	__u32 obj_type;  /* map type, prog type or link type */
	__u32 cmd;       /* bpf() command, or TRACE_CMD_MKDIR */
	__u32 pid;       /* thread group id, host pid namespace */
	__s32 dirfd;     /* mkdirat/obj_pin path_fd; AT_FDCWD (-100) if none */
	__u32 flags;     /* enum record_flags */
	__u64 owner_id;  /* the registered cgroup this record belongs to */
	__u64 cgroup_id; /* the cgroup the caller ran in (maybe a descendant) */
	/* mkdir with a relative path: the directory it is relative to, on a
	 * bpffs (kernel dev_t, inode number); REC_ATTACH: the target file;
	 * 0 otherwise. */
	__u64 parent_ino;
	__u32 parent_dev;
	__u32 attach_type; /* REC_ATTACH: enum bpf_attach_type */
	__u64 ts_ns;
	char comm[16];
	char name[RECORD_NAME_MAX];
	char path[RECORD_PATH_MAX];
};

#endif
