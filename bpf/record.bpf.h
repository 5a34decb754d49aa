/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What both tracer backends share: the pinned maps and how a record is made.
 * A backend only decides where it gets a call's arguments from (saved user
 * registers at a syscall tracepoint, or the kernel function's own arguments
 * in a BPF trampoline) and then calls record_bpf() or fill_name().
 *
 * Strings and bpf_attr come from user memory at a syscall, or from kernel
 * memory where the kernel has copied them (struct filename) or made them
 * (bpf() from a BPF_PROG_TYPE_SYSCALL program): `kernel` says which.
 */
#ifndef BPFREAPER_RECORD_BPF_H
#define BPFREAPER_RECORD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "tracer.h"
#include "objfile.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_REGISTERED_CGROUPS);
	__type(key, __u64);
	__type(value, struct cg_state);
} cgroups SEC(".maps");

/* One records map per registered container (key record_key_t, value struct
 * record) in the slot its cg_state names, made by user space; src/tracer.c gives the
 * loader a template of it (bpf_map__set_inner_map_fd): clang 14 emits
 * struct record only as a forward declaration when a template is written
 * here with __array. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, MAX_REGISTERED_CGROUPS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} records SEC(".maps");

/* User space only: the id of the records map in each slot of `records`, 0
 * for an empty slot. Reading `records` itself from user space waits for an
 * RCU grace period on kernels before 6.8 (10 to 20 ms per lookup); this
 * plain array does not. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_REGISTERED_CGROUPS);
	__type(key, __u32);
	__type(value, __u32);
} slot_maps SEC(".maps");

/* User space only: filled slots no container uses, pushed when a container
 * is forgotten, popped by the next registration (atomic: no lock, no walk
 * over the registered cgroups). */
struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, MAX_REGISTERED_CGROUPS);
	__uint(key_size, 0);
	__uint(value_size, sizeof(__u32));
} free_slots SEC(".maps");

/* A record is larger than the BPF stack allows; build it here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct record);
} scratch SEC(".maps");

static __always_inline __u64 registered_ancestor(void)
{
	__u64 self = bpf_get_current_cgroup_id();
	__u64 id;
	int level;

	if (bpf_map_lookup_elem(&cgroups, &self))
		return self;
	/* Level 0 is the root cgroup, never registered. The helper returns our
	 * own id at our own level and 0 below it. */
	for (level = 1; level < MAX_CGROUP_DEPTH; level++) {
		id = bpf_get_current_ancestor_cgroup_id(level);
		if (!id || id == self)
			break;
		if (bpf_map_lookup_elem(&cgroups, &id))
			return id;
	}
	return 0;
}

static __always_inline struct record *scratch_record(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline struct file *file_of_fd(int fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (fd < 0 || !fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

static __always_inline int resolve_fd(int fd, struct record *rec, __s64 *refs)
{
	struct file *file = file_of_fd(fd);

	if (!file)
		return -1;
	return resolve_file(file, &rec->obj_kind, &rec->obj_id, &rec->obj_type, &rec->name, refs);
}

static __always_inline void append_record(struct record *rec)
{
	record_key_t key;
	struct cg_state *st;
	void *own;
	__u32 seq;

	st = bpf_map_lookup_elem(&cgroups, &rec->owner_id);
	if (!st)
		return; /* unregistered since the call began */
	own = bpf_map_lookup_elem(&records, &st->slot);
	if (!own)
		return;
	rec->ts_ns = bpf_ktime_get_boot_ns();
	if (rec->kind == REC_MKDIR || rec->kind == REC_SYMLINK) {
		seq = __sync_fetch_and_add(&st->next_dir_seq, 1);
		if (seq >= MAX_DIR_RECORDS) {
			__sync_fetch_and_or(&st->flags, CG_OVERFLOW_DIR);
			return;
		}
		key = DIR_SEQ_BASE + seq;
	} else {
		seq = __sync_fetch_and_add(&st->next_obj_seq, 1);
		if (seq >= MAX_OBJ_RECORDS) {
			__sync_fetch_and_or(&st->flags, CG_OVERFLOW_OBJ);
			return;
		}
		key = seq;
	}
	if (bpf_map_update_elem(own, &key, rec, BPF_NOEXIST))
		__sync_fetch_and_or(&st->flags,
				    rec->kind == REC_MKDIR || rec->kind == REC_SYMLINK ? CG_OVERFLOW_DIR
											 : CG_OVERFLOW_OBJ);
}

#define AT_FDCWD_ (-100)

static __always_inline struct record *begin(__u32 cmd, __u64 owner)
{
	struct record *rec = scratch_record();

	if (!rec)
		return NULL;
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->cmd = cmd;
	rec->pid = bpf_get_current_pid_tgid() >> 32;
	rec->dirfd = AT_FDCWD_;
	rec->cgroup_id = bpf_get_current_cgroup_id();
	rec->owner_id = owner;
	bpf_get_current_comm(rec->comm, sizeof(rec->comm));
	return rec;
}

#define CGROUP2_SUPER_MAGIC_ 0x63677270

/* An attach target by identity: a cgroup2 directory is its cgroup id. */
static __always_inline int resolve_target(int fd, struct record *rec)
{
	struct file *file = file_of_fd(fd);
	struct dentry *d;
	struct super_block *sb;

	if (!file)
		return -1;
	d = BPF_CORE_READ(file, f_path.dentry);
	sb = BPF_CORE_READ(d, d_sb);
	rec->parent_ino = BPF_CORE_READ(d, d_inode, i_ino);
	rec->parent_dev = BPF_CORE_READ(sb, s_dev);
	if (BPF_CORE_READ(sb, s_magic) == CGROUP2_SUPER_MAGIC_)
		rec->flags |= REC_F_TARGET_CGROUP;
	return 0;
}

static __always_inline long read_mem(void *dst, __u32 size, const void *src, bool kernel)
{
	return kernel ? bpf_probe_read_kernel(dst, size, src) : bpf_probe_read_user(dst, size, src);
}

static __always_inline long read_str(void *dst, __u32 size, const void *src, bool kernel)
{
	return kernel ? bpf_probe_read_kernel_str(dst, size, src) : bpf_probe_read_user_str(dst, size, src);
}

/* The bpf() commands that create, pin or attach something. */
static __always_inline bool creates_or_pins(__u32 cmd)
{
	return cmd == BPF_MAP_CREATE || cmd == BPF_PROG_LOAD || cmd == BPF_LINK_CREATE ||
	       cmd == BPF_RAW_TRACEPOINT_OPEN || cmd == BPF_OBJ_PIN || cmd == BPF_PROG_ATTACH;
}

/* A successful bpf(cmd, uattr) that returned ret: a record for the commands
 * that create, pin or attach something. Caller checked ret >= 0. */
static __always_inline int record_bpf(__u32 cmd, union bpf_attr *uattr, long ret, bool kernel)
{
	struct record *rec;
	__u64 owner;

	if (!creates_or_pins(cmd))
		return 0;
	owner = registered_ancestor();
	if (!owner)
		return 0;
	rec = begin(cmd, owner);
	if (!rec)
		return 0;
	if (cmd == BPF_OBJ_PIN) {
		__u64 pathname = 0;
		__u32 bpf_fd = 0, file_flags = 0;
		__s32 path_fd = 0;

		read_mem(&pathname, sizeof(pathname), &uattr->pathname, kernel);
		read_mem(&bpf_fd, sizeof(bpf_fd), &uattr->bpf_fd, kernel);
		read_mem(&file_flags, sizeof(file_flags), &uattr->file_flags, kernel);
		/* BPF_F_PATH_FD (1 << 14, kernel 6.5+): path relative to path_fd. */
		if (file_flags & (1u << 14)) {
			read_mem(&path_fd, sizeof(path_fd), (char *)uattr + 16, kernel);
			rec->dirfd = path_fd;
		}
		rec->kind = REC_PIN;
		if (resolve_fd(bpf_fd, rec, NULL))
			return 0;
		if (read_str(rec->path, sizeof(rec->path), (void *)pathname, kernel) == sizeof(rec->path))
			rec->flags |= REC_F_PATH_TRUNCATED;
	} else if (cmd == BPF_PROG_ATTACH) {
		__u32 target_fd = 0, prog_fd = 0;

		read_mem(&target_fd, sizeof(target_fd), &uattr->target_fd, kernel);
		read_mem(&prog_fd, sizeof(prog_fd), &uattr->attach_bpf_fd, kernel);
		read_mem(&rec->attach_type, sizeof(rec->attach_type), &uattr->attach_type, kernel);
		rec->kind = REC_ATTACH;
		if (resolve_fd(prog_fd, rec, NULL) || rec->obj_kind != OBJ_PROG || resolve_target(target_fd, rec))
			return 0; /* targets nothing we can name */
	} else {
		__s64 refs = 0;

		rec->kind = REC_CREATE;
		if (resolve_fd((int)ret, rec, &refs))
			return 0;
		/* The object the call made is referenced by the fd it returned
		 * and nothing else yet. Anything more means the fd now names an
		 * object that existed before: another thread of the caller
		 * swapped it (dup2 of a host object's fd) between the kernel's
		 * fd_install and this probe. Recorded, never removed. */
		if (refs != 1)
			rec->flags |= REC_F_UNPROVEN;
	}
	append_record(rec);
	return 0;
}

#define BPF_FS_MAGIC_ 0xcafe4a11

/* A relative name is only worth a record if it lands on a bpffs; the
 * directory it starts from is named by identity (device, inode), which the
 * host can find again after the container's mount namespace is gone. */
static __always_inline bool relative_to_bpffs(int dirfd, struct record *rec)
{
	struct dentry *dir;
	struct super_block *sb;

	if (dirfd == AT_FDCWD_) {
		struct task_struct *task = (void *)bpf_get_current_task();

		dir = BPF_CORE_READ(task, fs, pwd.dentry);
	} else {
		struct file *file = file_of_fd(dirfd);

		if (!file)
			return false;
		dir = BPF_CORE_READ(file, f_path.dentry);
	}
	if (!dir)
		return false;
	sb = BPF_CORE_READ(dir, d_sb);
	if (BPF_CORE_READ(sb, s_magic) != BPF_FS_MAGIC_)
		return false;
	rec->parent_dev = BPF_CORE_READ(sb, s_dev);
	rec->parent_ino = BPF_CORE_READ(dir, d_inode, i_ino);
	rec->flags |= REC_F_RELATIVE;
	return true;
}

/* Length of a string up to PATH_MAX (4096), read in chunks: the record
 * keeps only its start. */
static __always_inline __u32 target_len(const char *target, bool kernel)
{
	char chunk[64];
	__u32 len = 0;

	for (int i = 0; i < 64; i++) {
		long n = read_str(chunk, sizeof(chunk), target + len, kernel);

		if (n <= 0)
			break;
		if (n < (long)sizeof(chunk)) {
			len += (__u32)n - 1;
			break;
		}
		len += sizeof(chunk) - 1;
	}
	return len;
}

/* An absolute name is on one of the container's bpffs views: it starts
 * with a view's path followed by '/'. */
static __always_inline bool under_view(const struct cg_state *st, const char *path)
{
	if (st->flags & CG_VIEWS_ALL)
		return true;
	for (int v = 0; v < CG_VIEWS_MAX; v++) {
		const char *view = st->views[v];
		int i;

		if ((__u32)v >= st->n_views)
			break;
		for (i = 0; i < CG_VIEW_LEN && i < RECORD_PATH_MAX; i++) {
			if (view[i] == 0)
				break;
			if (path[i] != view[i])
				break;
		}
		if (i < CG_VIEW_LEN && view[i] == 0 && i < RECORD_PATH_MAX && path[i] == '/')
			return true;
	}
	return false;
}

/* A new name in a directory by a registered caller: mkdir, or a symlink to
 * target. Returns the record to append once the call has succeeded, or
 * NULL if there is nothing worth recording. */
static __always_inline struct record *fill_name(int dirfd, const char *pathname, const char *target,
						bool kernel)
{
	struct cg_state *st;
	struct record *rec;
	__u64 owner;
	long n;

	owner = registered_ancestor();
	if (!owner)
		return NULL;
	rec = begin(target ? TRACE_CMD_SYMLINK : TRACE_CMD_MKDIR, owner);
	if (!rec)
		return NULL;
	rec->kind = target ? REC_SYMLINK : REC_MKDIR;
	rec->dirfd = dirfd;
	if (target) {
		n = read_str(rec->name, sizeof(rec->name), target, kernel);
		if (n <= 0)
			return NULL;
		/* The full length, to tell a target that only starts alike. */
		rec->obj_type = target_len(target, kernel);
	}
	n = read_str(rec->path, sizeof(rec->path), pathname, kernel);
	if (n <= 0)
		return NULL;
	if (n == sizeof(rec->path))
		rec->flags |= REC_F_PATH_TRUNCATED;
	if (rec->path[0] != '/')
		return relative_to_bpffs(dirfd, rec) ? rec : NULL;
	st = bpf_map_lookup_elem(&cgroups, &owner);
	return st && under_view(st, rec->path) ? rec : NULL;
}

#endif
