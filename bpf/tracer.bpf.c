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
	if (e)
		e->nr = nr;
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

SEC("tracepoint/syscalls/sys_exit_bpf")
int exit_bpf(struct sys_exit_ctx *ctx)
{
	__u32 cmd = (__u32)ARG(1);

	if (!creates_or_pins(cmd) || !did_enter(ctx->syscall_nr) || ctx->ret < 0)
		return 0;
	return record_bpf(cmd, (union bpf_attr *)ARG(2), ctx->ret, false);
}

static __always_inline int record_name(struct sys_exit_ctx *ctx, int dirfd, const char *pathname,
				       const char *target)
{
	struct record *rec;

	if (!did_enter(ctx->syscall_nr) || ctx->ret < 0)
		return 0;
	rec = fill_name(dirfd, pathname, target, false);
	if (rec)
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
