/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Record layout shared by the tracer's programs (bpf/record.bpf.h, used
 * by bpf/tracepoint.bpf.c and bpf/trampoline.bpf.c) and user space
 * (src/tracer-records.c). Changing anything here changes
 * TRACER_LAYOUT_VERSION, so a new bpfreaper never reads a running tracer of
 * an older layout.
 */
#ifndef BPFREAPER_RECORD_H
#define BPFREAPER_RECORD_H

#include <linux/types.h>

#define TRACER_LAYOUT_VERSION 7

#define RECORD_PATH_MAX 256
#define RECORD_NAME_MAX 16

/* Where a container's records are kept. Most containers never call bpf():
 * a registration costs only its cg_state (a few hundred bytes), no map.
 *
 * - Its first FIRST_RECORDS records go to `first`, one map all registered
 *   containers share, keyed by owner and record key. Each container may
 *   hold at most FIRST_RECORDS there (cg_state.first_records, reserved
 *   before the insert), and the map holds that many for every container
 *   that can be registered: a container under its quota can always insert,
 *   whatever its neighbours do.
 * - Past that, its records go to a records map of its own (an inner map of
 *   the `records` array of maps), which the tracer claims for it the first
 *   time it needs one from `free_slots`, a pool of empty maps that user
 *   space keeps filled ahead of time (POOL_SPARE of them). Updating an
 *   array of maps from user space waits for an RCU grace period (10 to
 *   20 ms): the hooks never do it themselves; a detached process refills the
 *   pool after a prestart, and gc trims it. A map is cleared, not freed,
 *   when its container goes, and goes back to the pool.
 * - A container that finds the pool empty (others took its maps between
 *   two hook runs) records into `spill`, one map all containers share
 *   without quotas (CG_SPILLED), until a later record finds a map in the
 *   pool. Only when `spill` is full too are records dropped (CG_POOL_DRY):
 *   reported as an overflow, never a removal.
 *
 * The budgets count records that are live, not every record ever written:
 * a record is keyed by what it names (the object's id, or a hash of the
 * name), so it can be found and dropped again when that thing goes: the
 * tracer drops a creation record at the close that frees the object and a
 * name record at the unlink or rmdir of that name; gc drops the records of
 * objects the kernel has freed (a process exit, a program that held a map).
 * Object records (creations, pins, attachments) and name records (mkdir,
 * symlink) have separate budgets, so a container that makes many
 * directories never crowds out the record of a map. Past a budget the
 * overflow flag is set and the record dropped. A hash map's buckets cost
 * memory whether used or not (a power of two at least its max_entries, 16
 * bytes each): the budgets are sized for that (see docs/limits.md). */
#define FIRST_RECORDS 8
#define POOL_SPARE 2
#define SPILL_RECORDS 32768
#define NO_SLOT 0xffffffffu
#define MAX_OBJ_RECORDS 30720
#define MAX_DIR_RECORDS 2048
#define MAX_RECORDS_PER_CGROUP (MAX_OBJ_RECORDS + MAX_DIR_RECORDS)

/* The key of a container's records map: the kind of record in the top two
 * bits, then what the record names. */
typedef __u64 record_key_t;
#define KEY_SPACE_SHIFT 62
#define KEY_NAME 0ull   /* mkdir, symlink: hash of the name */
#define KEY_CREATE 1ull /* a creation: obj_kind << 32 | obj_id */
#define KEY_PIN 2ull    /* a pin: hash of the name */
#define KEY_ATTACH 3ull /* a legacy attachment: hash of program, target, type */
#define KEY_LOW_MASK ((1ull << KEY_SPACE_SHIFT) - 1)

/* The key of `first`: a container's record key, with the container. */
struct first_key {
	__u64 owner;
	record_key_t key;
};

/* What gc dropped of a container's records (objects the kernel freed),
 * written by user space only, read by the tracer: the tracer's counts in
 * cg_state less these are what is live (neither side overwrites the
 * other's count). */
struct compacted {
	__u32 obj;   /* object records dropped, in either map */
	__u32 first; /* of those, in `first` */
};

/* `pool`, indexed by these: empty records maps user space put on
 * `free_slots`, and those the tracer took off. Each side writes only its
 * own count: what the pool holds is their difference. */
enum pool_count {
	POOL_PUSHED = 0,
	POOL_POPPED = 1,
};

#define MAX_REGISTERED_CGROUPS 8192
/* mkdir()/symlink() calls of registered containers between entry and exit
 * at one time, trampoline backend (preallocated: ~1.5 MiB). */
#define MAX_INFLIGHT 4096
/* cgroup2 nesting levels walked to find a registered ancestor. */
#define MAX_CGROUP_DEPTH 32

/* Where in the container's mount namespace a bpffs is reachable (its bind
 * mounts of a bpffs, by destination): an absolute mkdir()/symlink() is only
 * recorded under one of these, so that ordinary directories (a package
 * install) never use the directory budget. No view (an unreadable bundle):
 * no absolute name is recorded. CG_VIEWS_ALL: more or longer views than fit
 * here, every absolute name is recorded. */
#define CG_VIEWS_MAX 4
#define CG_VIEW_LEN 64

/* Pseudo commands for mkdir()/mkdirat() and symlink()/symlinkat(), beside
 * the real bpf() commands. */
#define TRACE_CMD_MKDIR 0x10000
#define TRACE_CMD_SYMLINK 0x10001
/* ... and for the removals that drop a name record again. */
#define TRACE_CMD_RMDIR 0x10002
#define TRACE_CMD_UNLINK 0x10003

enum record_kind {
	/* Not a record: a name being removed (rmdir, unlink), filled like the
	 * record of that name to find and drop it (struct record.removal). */
	REC_NONE = 0,
	REC_CREATE = 1, /* a map, prog or link the container made */
	REC_PIN = 2,    /* an object pinned at a name (container's view) */
	REC_MKDIR = 3,  /* a directory made at a name (container's view) */
	/* BPF_PROG_ATTACH of a prog to a file (a cgroup2 directory when
	 * REC_F_TARGET_CGROUP): a legacy attachment outlives the process. */
	REC_ATTACH = 4,
	/* symlink(2)/symlinkat(2) at a name (container's view). */
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
	CG_VIEWS_ALL = 1u << 2, /* set by user space at registration */
	/* A pin record was dropped (its name unlinked) or replaced (its name
	 * pinned again): a pin may have moved to a name no record holds (a
	 * rename or hard link before the unlink), so poststop looks for the
	 * container's pins by walking its views, not at the recorded names. */
	CG_PINS_FORGOTTEN = 1u << 3,
	/* What the tracepoint backend sees happen but cannot record (the
	 * trampoline backend records it): a 32-bit program, whose syscalls
	 * take the compat table, and io_uring mkdirat or symlinkat. What they
	 * made is not removed; the report says so. */
	CG_UNSEEN_COMPAT = 1u << 4,
	CG_UNSEEN_IO_URING = 1u << 5,
	/* A bpf() call that created or pinned something succeeded, but the
	 * fd it returned (or the pin's bpf_fd) named no BPF object at exit:
	 * another thread had dup2()'d another file onto it. What it made has
	 * no record; poststop walks the views as for CG_PINS_FORGOTTEN and
	 * names what it finds as unproven (cg_state.unresolved counts them). */
	CG_UNRESOLVED = 1u << 6,
	/* Tracepoint backend: a BPF_PROG_TYPE_SYSCALL program was loaded. Its
	 * bpf_sys_bpf() calls make objects without a syscall, so no syscall
	 * tracepoint sees them (the trampoline backend does). */
	CG_UNSEEN_SYSCALL_PROG = 1u << 7,
	/* A record past the first FIRST_RECORDS found the pool of records
	 * maps empty and `spill` full, and was dropped (set with the overflow
	 * flag). */
	CG_POOL_DRY = 1u << 8,
	/* Some of its records went to `spill` (the pool was empty then). */
	CG_SPILLED = 1u << 9,
};

enum record_flags {
	REC_F_PATH_TRUNCATED = 1u << 0,
	REC_F_RELATIVE = 1u << 1, /* the name is relative to dir_dev/dir_ino */
	REC_F_TARGET_CGROUP = 1u << 2, /* REC_ATTACH: the target is a cgroup */
	/* REC_CREATE: the tracer could not prove the object is the one the
	 * call created (something else already referenced it when the call
	 * returned: a racing fd swap). Reported, never removed. */
	REC_F_UNPROVEN = 1u << 3,
	/* REC_MKDIR, REC_SYMLINK: record_name.ino and .dev name the entry the
	 * call made, found by the tracer in the kernel's dentries when the call
	 * returned (bpf/walk.bpf.h). Without it the entry is reported, never
	 * removed. */
	REC_F_IDENTIFIED = 1u << 8,
};

struct cg_state {
	/* Records in the map by budget, less those the tracer dropped; gc's
	 * drops are counted in `compacted` (user space writes it, the tracer
	 * only reads: neither overwrites the other's count). */
	__u32 obj_records;
	__u32 dir_records;
	__u32 flags;
	__u32 n_views;
	__u64 registered_ns;
	/* Index of its records map in `records`: NO_SLOT until the tracer
	 * claims one from the pool. */
	__u32 slot;
	/* Its records in `first`, less those the tracer dropped there. */
	__u32 first_records;
	/* Creation records the tracer dropped because their object was freed,
	 * and name records (dirs, symlinks, pins) dropped at their removal. */
	__u32 freed_objs;
	__u32 removed_names;
	__u32 unresolved; /* creations and pins left unresolved (CG_UNRESOLVED) */
	/* Each a directory path without a trailing '/', NUL-terminated. */
	char views[CG_VIEWS_MAX][CG_VIEW_LEN];
};

/* Task storage of the tracepoint backend: the syscall this thread entered
 * (sys_enter ran for it), or TRACE_NR_NONE. A sys_exit without it is a call
 * that never ran: seccomp (SECCOMP_RET_USER_NOTIF, RET_ERRNO, RET_TRACE),
 * ptrace's SYSEMU and syscall user dispatch skip the syscall and its
 * sys_enter tracepoint, yet sys_exit still fires with whatever return value
 * they chose (an fd of a host object included). */
#define TRACE_NR_NONE (-1)
struct entered {
	__s32 nr;
	/* close(): the object this close frees, as entry saw it (OBJ_NONE:
	 * none); dropped at a successful exit. */
	__u32 obj_kind;
	__u32 obj_id;
	__u32 pad;
};

/* A BPF object as its file showed it. Ids are allocated cyclically and
 * reused once freed: the id names the object, the fingerprint (type, name
 * and fp) tells it from a later owner of the same id. Each field is one
 * bpf_obj_get_info_by_fd gives user space (src/reap-bpfobj.c,
 * obj_fingerprint_matches). */
struct record_obj {
	__u32 kind;  /* enum obj_kind */
	__u32 id;
	__u32 type;  /* map type, prog type or link type */
	__u32 pad;
	char name[RECORD_NAME_MAX]; /* a link's: its program's, not checked */
	union {
		struct {
			__u64 load_time; /* boot-time ns, bpf_prog_info.load_time */
			__u8 tag[8];
		} prog;
		struct {
			__u32 key_size;
			__u32 value_size;
			__u32 max_entries;
			__u32 map_flags;
		} map;
		struct {
			__u32 prog_id; /* the program it runs */
			__u32 pad[3];
		} link;
	} fp;
};

/* A name as the container spelled it: absolute in its mount namespace, or
 * (REC_F_RELATIVE) relative to a directory on a bpffs, named by identity
 * so the host finds it after the container's mount namespace is gone. */
struct record_name {
	__u64 dir_ino;
	__u32 dir_dev;  /* kernel dev_t of the directory's bpffs */
	__s32 dirfd;    /* mkdirat/symlinkat/obj_pin path_fd; AT_FDCWD (-100) if none */
	/* REC_F_IDENTIFIED: the entry itself, by identity: a directory or
	 * symlink is removed only while this very entry is there. */
	__u64 ino;
	__u32 dev;      /* kernel dev_t of the entry's bpffs */
	__u32 pad;
	char path[RECORD_PATH_MAX];
};

struct record {
	__u32 kind;      /* enum record_kind: which member of the union */
	__u32 flags;     /* enum record_flags */
	__u32 cmd;       /* bpf() command, or a TRACE_CMD_* */
	__u32 pid;       /* thread group id, host pid namespace */
	__u64 owner_id;  /* the registered cgroup this record belongs to */
	__u64 cgroup_id; /* the cgroup the caller ran in (maybe a descendant) */
	__u64 ts_ns;
	char comm[16];
	union {
		struct {
			struct record_obj obj;
		} create;
		struct {
			struct record_name at;
			struct record_obj obj;
		} pin;
		struct {
			struct record_name at;
		} mkdir;
		struct {
			struct record_name at;
			/* The target's full length and its start, to tell it
			 * from a target that only starts alike. */
			__u32 target_len;
			__u32 pad;
			char target[RECORD_NAME_MAX];
		} symlink;
		struct {
			struct record_obj prog;
			union {
				__u64 target_ino;    /* the target file's inode */
				__u64 target_cgroup; /* REC_F_TARGET_CGROUP: its cgroup id */
			};
			__u32 target_dev;  /* kernel dev_t of the target's filesystem */
			__u32 attach_type; /* enum bpf_attach_type */
		} attach;
		struct {
			struct record_name at;
		} removal; /* REC_NONE */
	};
};

#ifdef __bpf__
#define RECORD_INLINE static __always_inline
#else
#define RECORD_INLINE static inline
#endif

/* The object a record names: a creation's, a pin's, an attachment's
 * program; NULL for names. */
RECORD_INLINE const struct record_obj *record_obj_of(const struct record *rec)
{
	switch (rec->kind) {
	case REC_CREATE:
		return &rec->create.obj;
	case REC_PIN:
		return &rec->pin.obj;
	case REC_ATTACH:
		return &rec->attach.prog;
	default:
		return 0;
	}
}

/* The name a record was made at: a pin's, a directory's, a symlink's, a
 * removal's; NULL for creations and attachments. */
RECORD_INLINE const struct record_name *record_name_of(const struct record *rec)
{
	switch (rec->kind) {
	case REC_PIN:
		return &rec->pin.at;
	case REC_MKDIR:
		return &rec->mkdir.at;
	case REC_SYMLINK:
		return &rec->symlink.at;
	case REC_NONE:
		return &rec->removal.at;
	default:
		return 0;
	}
}

#endif
