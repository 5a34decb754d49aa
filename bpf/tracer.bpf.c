// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint backend: records what processes in registered cgroups (and
 * their descendants) create with bpf(), what they pin and which directories
 * and symlinks they make. It only ever writes records; it never changes what
 * a syscall does.
 *
 * Syscall tracepoints load on every kernel bpfreaper supports, unlike BPF
 * trampolines (trampoline.bpf.c, preferred where they load). Only sys_exit
 * tracepoints: the arguments are still in the task's saved user registers
 * and memory at exit, so no sys_enter program (and no table of calls in
 * flight) is needed. The price: once any syscall tracepoint is enabled,
 * every syscall on the host takes the kernel's slower traced path.
 */
#include "record.bpf.h"
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

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

SEC("tracepoint/syscalls/sys_exit_bpf")
int exit_bpf(struct sys_exit_ctx *ctx)
{
	if (ctx->ret < 0)
		return 0;
	return record_bpf((__u32)ARG(1), (union bpf_attr *)ARG(2), ctx->ret, false);
}

static __always_inline int record_name(struct sys_exit_ctx *ctx, int dirfd, const char *pathname,
				       const char *target)
{
	struct record *rec;

	if (ctx->ret < 0)
		return 0;
	rec = fill_name(dirfd, pathname, target, false);
	if (rec)
		append_record(rec);
	return 0;
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
