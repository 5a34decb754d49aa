// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint backend: records what processes in registered cgroups (and
 * their descendants) create with bpf(), what they pin and which directories
 * and symlinks they make. It only ever writes records; it never changes what
 * a syscall does.
 *
 * Syscall tracepoints load on every kernel bpfreaper supports, unlike BPF
 * trampolines (trampoline.bpf.c, preferred where they load). The record is
 * made at sys_exit, where the return value is known; the arguments are
 * still in the task's saved user registers. A sys_enter program marks the
 * calls that really ran, in task storage (no shared table a container
 * could fill): a syscall skipped by seccomp, ptrace or syscall user
 * dispatch has a sys_exit without a sys_enter, and a return value its
 * skipper chose. The price: once any syscall tracepoint is enabled, every
 * syscall on the host takes the kernel's slower traced path.
 */
#include "record.bpf.h"
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct entered);
} entered SEC(".maps");

/* The sys_enter tracepoint layout (events/syscalls/sys_enter_X/format). */
struct sys_enter_ctx {
	__u64 common;
	__s32 syscall_nr;
	__u32 pad;
	__u64 args[6];
};

/* The sys_exit tracepoint layout (events/syscalls/sys_exit_X/format): 8
 * bytes of common fields, the syscall number, the return value. */
struct sys_exit_ctx {
	__u64 common;
	__s32 syscall_nr;
	__u32 pad;
	__s64 ret;
};

/* The caller's saved user registers: the syscall's arguments at exit. */
static __always_inline struct pt_regs *user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

#define ARG(n) ((long)PT_REGS_PARM##n##_CORE_SYSCALL(user_regs()))

/* A registered caller enters syscall nr. */
static __always_inline int mark_entered(__s32 nr)
{
	struct entered *e;

	if (!registered_ancestor())
		return 0;
	e = bpf_task_storage_get(&entered, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (e) {
		e->nr = nr;
		e->obj_kind = OBJ_NONE;
	}
	return 0;
}

/* Did this thread enter syscall nr (then it really ran)? Consumes the mark. */
static __always_inline bool did_enter(__s32 nr)
{
	struct entered *e = bpf_task_storage_get(&entered, bpf_get_current_task_btf(), NULL, 0);
	bool ran;

	if (!e)
		return false;
	ran = e->nr == nr;
	e->nr = TRACE_NR_NONE;
	return ran;
}

SEC("tracepoint/syscalls/sys_enter_bpf")
int enter_bpf(struct sys_enter_ctx *ctx)
{
	return creates_or_pins((__u32)ctx->args[0]) ? mark_entered(ctx->syscall_nr) : 0;
}

/* BPF_PROG_TYPE_SYSCALL (31): a program that calls bpf() itself
 * (bpf_sys_bpf, run by BPF_PROG_TEST_RUN), which no syscall tracepoint
 * sees. Told by the loaded program's type, as the kernel holds it; the
 * attr's prog_type as well, in case the fd was swapped away already. */
#define BPF_PROG_TYPE_SYSCALL_ 31

static __always_inline void flag_syscall_prog(union bpf_attr *uattr, long ret)
{
	struct record_obj obj = {};
	__u32 prog_type = 0;
	struct cg_state *st;
	__u64 owner;

	bpf_probe_read_user(&prog_type, sizeof(prog_type), &uattr->prog_type);
	if (prog_type != BPF_PROG_TYPE_SYSCALL_ &&
	    (resolve_fd((int)ret, &obj, NULL) || obj.kind != OBJ_PROG || obj.type != BPF_PROG_TYPE_SYSCALL_))
		return;
	owner = registered_ancestor();
	st = owner ? bpf_map_lookup_elem(&cgroups, &owner) : NULL;
	if (st)
		__sync_fetch_and_or(&st->flags, CG_UNSEEN_SYSCALL_PROG);
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int exit_bpf(struct sys_exit_ctx *ctx)
{
	__u32 cmd = (__u32)ARG(1);

	if (!creates_or_pins(cmd) || !did_enter(ctx->syscall_nr) || ctx->ret < 0)
		return 0;
	if (cmd == BPF_PROG_LOAD)
		flag_syscall_prog((union bpf_attr *)ARG(2), ctx->ret);
	return record_bpf(cmd, (union bpf_attr *)ARG(2), ctx->ret, false);
}

static __always_inline int record_name(struct sys_exit_ctx *ctx, int dirfd, const char *pathname,
				       const char *target)
{
	struct record *rec;

	if (!did_enter(ctx->syscall_nr) || ctx->ret < 0)
		return 0;
	rec = fill_name(dirfd, pathname, target, false);
	if (rec && identify_name(rec))
		append_record(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mkdirat")
int enter_mkdirat(struct sys_enter_ctx *ctx)
{
	return mark_entered(ctx->syscall_nr);
}

SEC("tracepoint/syscalls/sys_enter_mkdir")
int enter_mkdir_legacy(struct sys_enter_ctx *ctx)
{
	return mark_entered(ctx->syscall_nr);
}

SEC("tracepoint/syscalls/sys_enter_symlinkat")
int enter_symlinkat(struct sys_enter_ctx *ctx)
{
	return mark_entered(ctx->syscall_nr);
}

SEC("tracepoint/syscalls/sys_enter_symlink")
int enter_symlink_legacy(struct sys_enter_ctx *ctx)
{
	return mark_entered(ctx->syscall_nr);
}

SEC("tracepoint/syscalls/sys_exit_mkdirat")
int exit_mkdirat(struct sys_exit_ctx *ctx)
{
	return record_name(ctx, (int)ARG(1), (const char *)ARG(2), NULL);
}

SEC("tracepoint/syscalls/sys_exit_mkdir")
int exit_mkdir_legacy(struct sys_exit_ctx *ctx)
{
	return record_name(ctx, AT_FDCWD_, (const char *)ARG(1), NULL);
}

SEC("tracepoint/syscalls/sys_exit_symlinkat")
int exit_symlinkat(struct sys_exit_ctx *ctx)
{
	return record_name(ctx, (int)ARG(2), (const char *)ARG(3), (const char *)ARG(1));
}

SEC("tracepoint/syscalls/sys_exit_symlink")
int exit_symlink_legacy(struct sys_exit_ctx *ctx)
{
	return record_name(ctx, AT_FDCWD_, (const char *)ARG(2), (const char *)ARG(1));
}

/* Removals: rmdir, unlink of a pin or symlink. Their records go, so that
 * a container that makes and removes names all its life keeps within its
 * budgets. */
static __always_inline int forget_removed(struct sys_exit_ctx *ctx, int dirfd, const char *pathname, bool dir)
{
	struct record *probe;

	if (!did_enter(ctx->syscall_nr) || ctx->ret < 0)
		return 0;
	probe = fill_removal(dirfd, pathname, dir, false);
	if (probe)
		forget_name(probe);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_rmdir")
int enter_rmdir(struct sys_enter_ctx *ctx)
{
	return mark_entered(ctx->syscall_nr);
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int enter_unlink(struct sys_enter_ctx *ctx)
{
	return mark_entered(ctx->syscall_nr);
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int enter_unlinkat(struct sys_enter_ctx *ctx)
{
	return mark_entered(ctx->syscall_nr);
}

SEC("tracepoint/syscalls/sys_exit_rmdir")
int exit_rmdir(struct sys_exit_ctx *ctx)
{
	return forget_removed(ctx, AT_FDCWD_, (const char *)ARG(1), true);
}

SEC("tracepoint/syscalls/sys_exit_unlink")
int exit_unlink(struct sys_exit_ctx *ctx)
{
	return forget_removed(ctx, AT_FDCWD_, (const char *)ARG(1), false);
}

#define AT_REMOVEDIR_ 0x200

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int exit_unlinkat(struct sys_exit_ctx *ctx)
{
	return forget_removed(ctx, (int)ARG(1), (const char *)ARG(2), ARG(3) & AT_REMOVEDIR_);
}

/* close(): a close that drops the only reference to a BPF object's file,
 * when that file is the object's only reference, frees the object, and its
 * creation record goes. Decided at entry, where the fd still names the
 * file: from 6.15 on close() releases the file before sys_exit, so there
 * is nothing left to look at then. Another thread that dups the fd, or
 * pins the object through it, between entry and the close keeps the
 * object alive without a creation record: the container hides an object
 * of its own from removal (its pin is reported as unproven), and nothing
 * of anyone else's is touched. */
SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct sys_enter_ctx *ctx)
{
	struct entered *e;
	__u32 kind, id;

	if (!registered_ancestor() || !frees_object(file_of_fd((int)ctx->args[0]), &kind, &id))
		return 0;
	e = bpf_task_storage_get(&entered, bpf_get_current_task_btf(), NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (e) {
		e->nr = ctx->syscall_nr;
		e->obj_kind = kind;
		e->obj_id = id;
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_close")
int exit_close(struct sys_exit_ctx *ctx)
{
	struct entered *e = bpf_task_storage_get(&entered, bpf_get_current_task_btf(), NULL, 0);
	__u32 kind, id;
	__u64 owner;
	bool ran;

	if (!e)
		return 0;
	ran = e->nr == ctx->syscall_nr;
	kind = e->obj_kind;
	id = e->obj_id;
	e->nr = TRACE_NR_NONE;
	e->obj_kind = OBJ_NONE;
	if (!ran || !kind || ctx->ret < 0)
		return 0;
	owner = registered_ancestor();
	if (owner)
		forget_created(owner, kind, id);
	return 0;
}

/* A process exit closes its fds without close(): each file that is the
 * last reference to an object frees it. Only the last user of the fd table
 * looks (the others' exits close nothing). */
struct exit_walk {
	struct file **fds;
	__u32 max_fds;
	__u64 owner;
};

#define EXIT_WALK_MAX_FDS (1u << 16)

static long forget_at_exit(__u32 i, void *data)
{
	struct exit_walk *w = data;
	struct file *file = NULL;
	__u32 kind, id;

	if (i >= w->max_fds)
		return 1;
	if (bpf_probe_read_kernel(&file, sizeof(file), &w->fds[i]) || !file)
		return 0;
	if (frees_object(file, &kind, &id))
		forget_created(w->owner, kind, id);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int process_exit(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct exit_walk w = {};
	struct files_struct *files;

	w.owner = registered_ancestor();
	if (!w.owner)
		return 0;
	files = BPF_CORE_READ(task, files);
	if (!files || BPF_CORE_READ(files, count.counter) != 1)
		return 0;
	w.fds = BPF_CORE_READ(files, fdt, fd);
	w.max_fds = BPF_CORE_READ(files, fdt, max_fds);
	if (w.max_fds > EXIT_WALK_MAX_FDS)
		w.max_fds = EXIT_WALK_MAX_FDS;
	bpf_loop(w.max_fds, forget_at_exit, &w, 0);
	return 0;
}

/* Calls the syscall tracepoints never report, which can make names or
 * objects: the report must not look clean when they happened. */
static __always_inline void flag_unseen(__u32 flag)
{
	struct cg_state *st;
	__u64 owner = registered_ancestor();

	if (!owner)
		return;
	st = bpf_map_lookup_elem(&cgroups, &owner);
	if (st)
		__sync_fetch_and_or(&st->flags, flag);
}

/* A 32-bit program's syscalls take the compat table, which syscall
 * tracepoints ignore. Its start is seen instead: an exec of a 32-bit ELF
 * file (the header the kernel read, the interpreter's for a script). A
 * raw sys_exit program would see each compat call, but costs every
 * syscall on the host about 120 ns here (BENCHMARKS.md); int $0x80 from
 * 64-bit code is therefore not seen (docs/limits.md). */
#define ELFCLASS32_ 1

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_32bit, struct task_struct *p, int old_pid, struct linux_binprm *bprm)
{
	unsigned char ident[5] = {};

	if (bpf_core_read(ident, sizeof(ident), &bprm->buf))
		return 0;
	if (ident[0] == 0x7f && ident[1] == 'E' && ident[2] == 'L' && ident[3] == 'F' && ident[4] == ELFCLASS32_)
		flag_unseen(CG_UNSEEN_COMPAT);
	return 0;
}

/* io_uring runs mkdirat and symlinkat without a syscall of their own. */
#define IORING_OP_MKDIRAT_ 37
#define IORING_OP_SYMLINKAT_ 38

static __always_inline int io_uring_op(struct io_kiocb *req)
{
	__u8 op = BPF_CORE_READ(req, opcode);

	if (op == IORING_OP_MKDIRAT_ || op == IORING_OP_SYMLINKAT_)
		flag_unseen(CG_UNSEEN_IO_URING);
	return 0;
}

/* 6.3 and later; io_uring_submit_sqe before (the loader keeps the one this
 * kernel has). Both pass the request first since 5.18. */
SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(io_uring_submit, struct io_kiocb *req)
{
	return io_uring_op(req);
}

SEC("tp_btf/io_uring_submit_sqe")
int BPF_PROG(io_uring_submit_old, struct io_kiocb *req)
{
	return io_uring_op(req);
}
