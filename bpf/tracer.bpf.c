// SPDX-License-Identifier: GPL-2.0
/*
 * The tracer: records what processes in registered cgroups (and their
 * descendants) create with bpf(), what they pin and which directories they
 * make. It only ever writes records; it never changes what a syscall does.
 *
 * Built on syscall tracepoints because BPF trampolines (fentry/fexit) are not
 * available on every kernel bpfreaper runs on. Only sys_exit tracepoints:
 * the arguments are still in the task's saved user registers and memory at
 * exit, so no sys_enter program (and no table of calls in flight) is needed,
 * and no other syscall on the host pays for an enter probe. Only successful
 * calls of registered callers are recorded.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tracer.h"
#include "objfile.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_REGISTERED_CGROUPS);
	__type(key, __u64);
	__type(value, struct cg_state);
} cgroups SEC(".maps");

/* Not preallocated: the budget is shared by all containers and most of it is
 * unused most of the time. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_RECORDS_TOTAL);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct record_key);
	__type(value, struct record);
} records SEC(".maps");

/* A record is larger than the BPF stack allows; build it here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct record);
} scratch SEC(".maps");

/* The sys_exit tracepoint layout (events/syscalls/sys_exit_X/format): 8
 * bytes of common fields, the syscall number, the return value. */
struct sys_exit_ctx {
	__u64 common;
	__s32 syscall_nr;
	__u32 pad;
	__s64 ret;
};

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

static __always_inline int resolve_fd(int fd, struct record *rec)
{
	struct file *file = file_of_fd(fd);

	if (!file)
		return -1;
	return resolve_file(file, &rec->obj_kind, &rec->obj_id, &rec->obj_type, &rec->name);
}

static __always_inline void append_record(struct record *rec)
{
	struct record_key key = { .cgroup_id = rec->owner_id };
	struct cg_state *st;
	__u32 seq;

	st = bpf_map_lookup_elem(&cgroups, &key.cgroup_id);
	if (!st)
		return; /* unregistered between enter and exit */
	rec->ts_ns = bpf_ktime_get_boot_ns();
	if (rec->kind == REC_MKDIR || rec->kind == REC_SYMLINK) {
		seq = __sync_fetch_and_add(&st->next_dir_seq, 1);
		if (seq >= MAX_DIR_RECORDS) {
			__sync_fetch_and_or(&st->flags, CG_OVERFLOW_DIR);
			return;
		}
		key.seq = DIR_SEQ_BASE + seq;
	} else {
		seq = __sync_fetch_and_add(&st->next_obj_seq, 1);
		if (seq >= MAX_OBJ_RECORDS) {
			__sync_fetch_and_or(&st->flags, CG_OVERFLOW_OBJ);
			return;
		}
		key.seq = seq;
	}
	if (bpf_map_update_elem(&records, &key, rec, BPF_NOEXIST))
		__sync_fetch_and_or(&st->flags,
				    rec->kind == REC_MKDIR || rec->kind == REC_SYMLINK ? CG_OVERFLOW_DIR
											 : CG_OVERFLOW_OBJ);
}

static __always_inline struct record *begin(__u32 cmd, __u64 owner)
{
	struct record *rec = scratch_record();

	if (!rec)
		return NULL;
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->cmd = cmd;
	rec->pid = bpf_get_current_pid_tgid() >> 32;
	rec->dirfd = -100; /* AT_FDCWD */
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

/* The caller's saved user registers: the syscall's arguments at exit. */
static __always_inline struct pt_regs *user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int exit_bpf(struct sys_exit_ctx *ctx)
{
	struct pt_regs *regs;
	union bpf_attr *uattr;
	struct record *rec;
	__u64 owner;
	__u32 cmd;

	if (ctx->ret < 0)
		return 0;
	regs = user_regs();
	cmd = (__u32)PT_REGS_PARM1_CORE_SYSCALL(regs);
	if (cmd != BPF_MAP_CREATE && cmd != BPF_PROG_LOAD && cmd != BPF_LINK_CREATE &&
	    cmd != BPF_RAW_TRACEPOINT_OPEN && cmd != BPF_OBJ_PIN && cmd != BPF_PROG_ATTACH)
		return 0;
	owner = registered_ancestor();
	if (!owner)
		return 0;
	rec = begin(cmd, owner);
	if (!rec)
		return 0;
	uattr = (void *)PT_REGS_PARM2_CORE_SYSCALL(regs);
	if (cmd == BPF_OBJ_PIN) {
		__u64 pathname = 0;
		__u32 bpf_fd = 0, file_flags = 0;
		__s32 path_fd = 0;

		bpf_probe_read_user(&pathname, sizeof(pathname), &uattr->pathname);
		bpf_probe_read_user(&bpf_fd, sizeof(bpf_fd), &uattr->bpf_fd);
		bpf_probe_read_user(&file_flags, sizeof(file_flags), &uattr->file_flags);
		/* BPF_F_PATH_FD (1 << 14, kernel 6.5+): path relative to path_fd. */
		if (file_flags & (1u << 14)) {
			bpf_probe_read_user(&path_fd, sizeof(path_fd), (char *)uattr + 16);
			rec->dirfd = path_fd;
		}
		rec->kind = REC_PIN;
		if (resolve_fd(bpf_fd, rec))
			return 0;
		if (bpf_probe_read_user_str(rec->path, sizeof(rec->path), (void *)pathname) ==
		    sizeof(rec->path))
			rec->flags |= REC_F_PATH_TRUNCATED;
	} else if (cmd == BPF_PROG_ATTACH) {
		__u32 target_fd = 0, prog_fd = 0;

		bpf_probe_read_user(&target_fd, sizeof(target_fd), &uattr->target_fd);
		bpf_probe_read_user(&prog_fd, sizeof(prog_fd), &uattr->attach_bpf_fd);
		bpf_probe_read_user(&rec->attach_type, sizeof(rec->attach_type), &uattr->attach_type);
		rec->kind = REC_ATTACH;
		if (resolve_fd(prog_fd, rec) || rec->obj_kind != OBJ_PROG || resolve_target(target_fd, rec))
			return 0; /* targets nothing we can name */
	} else {
		rec->kind = REC_CREATE;
		if (resolve_fd((int)ctx->ret, rec))
			return 0;
	}
	append_record(rec);
	return 0;
}

#define AT_FDCWD_ (-100)
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

/* Length of a user string up to PATH_MAX (4096), read in chunks: the
 * record keeps only its start. */
static __always_inline __u32 target_len(const char *target)
{
	char chunk[64];
	__u32 len = 0;

	for (int i = 0; i < 64; i++) {
		long n = bpf_probe_read_user_str(chunk, sizeof(chunk), target + len);

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

/* A new name in a directory: mkdir, or a symlink to target. */
static __always_inline int record_name(struct sys_exit_ctx *ctx, int dirfd, const char *pathname,
				       const char *target)
{
	struct record *rec;
	__u64 owner;
	long n;

	if (ctx->ret < 0)
		return 0;
	owner = registered_ancestor();
	if (!owner)
		return 0;
	rec = begin(target ? TRACE_CMD_SYMLINK : TRACE_CMD_MKDIR, owner);
	if (!rec)
		return 0;
	rec->kind = target ? REC_SYMLINK : REC_MKDIR;
	rec->dirfd = dirfd;
	if (target) {
		n = bpf_probe_read_user_str(rec->name, sizeof(rec->name), target);
		if (n <= 0)
			return 0;
		/* The full length, to tell a target that only starts alike. */
		rec->obj_type = target_len(target);
	}
	n = bpf_probe_read_user_str(rec->path, sizeof(rec->path), pathname);
	if (n <= 0)
		return 0;
	if (n == sizeof(rec->path))
		rec->flags |= REC_F_PATH_TRUNCATED;
	if (rec->path[0] != '/' && !relative_to_bpffs(dirfd, rec))
		return 0;
	append_record(rec);
	return 0;
}

#define ARG(n) ((long)PT_REGS_PARM##n##_CORE_SYSCALL(user_regs()))

SEC("tracepoint/syscalls/sys_exit_mkdirat")
int exit_mkdirat(struct sys_exit_ctx *ctx)
{
	return ctx->ret < 0 ? 0 : record_name(ctx, (int)ARG(1), (const char *)ARG(2), NULL);
}

SEC("tracepoint/syscalls/sys_exit_mkdir")
int exit_mkdir_legacy(struct sys_exit_ctx *ctx)
{
	return ctx->ret < 0 ? 0 : record_name(ctx, AT_FDCWD_, (const char *)ARG(1), NULL);
}

SEC("tracepoint/syscalls/sys_exit_symlinkat")
int exit_symlinkat(struct sys_exit_ctx *ctx)
{
	return ctx->ret < 0 ? 0 : record_name(ctx, (int)ARG(2), (const char *)ARG(3), (const char *)ARG(1));
}

SEC("tracepoint/syscalls/sys_exit_symlink")
int exit_symlink_legacy(struct sys_exit_ctx *ctx)
{
	return ctx->ret < 0 ? 0 : record_name(ctx, AT_FDCWD_, (const char *)ARG(2), (const char *)ARG(1));
}
