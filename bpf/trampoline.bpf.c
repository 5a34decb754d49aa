// SPDX-License-Identifier: GPL-2.0
/*
 * The trampoline backend: the same records as the tracepoint backend
 * (tracepoint.bpf.c), taken from BPF trampolines on the kernel functions
 * behind bpf(), mkdir and symlink. Only those calls run a program; every
 * other syscall on the host pays nothing, where an enabled syscall
 * tracepoint slows all of them. Chosen at load time where the kernel allows
 * fentry and fexit (src/tracer-load.c); the maps and their layout are the
 * same, so the rest of bpfreaper does not care which backend made a record.
 *
 * Names come from the kernel's own copy (struct filename), read at entry:
 * a container cannot change them between the call and the record, and the
 * copy is freed before the function returns. The record waits in `pending`
 * for the return value: only successful calls are kept.
 */
#include "record.bpf.h"
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* Calls in flight, by thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_INFLIGHT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct record);
} pending SEC(".maps");

/* Every bpf(): from user space, or from a BPF_PROG_TYPE_SYSCALL program
 * (uattr in kernel memory), which no syscall tracepoint sees. */
SEC("fexit/__sys_bpf")
int BPF_PROG2(fexit_sys_bpf, int, cmd, bpfptr_t, uattr, unsigned int, size, int, ret)
{
	if (ret < 0)
		return 0;
	return record_bpf((__u32)cmd, uattr.is_kernel ? uattr.kernel : uattr.user, ret, uattr.is_kernel);
}

static __always_inline int name_enter(int dfd, struct filename *name, struct filename *target)
{
	const char *path = BPF_CORE_READ(name, name);
	const char *to = target ? BPF_CORE_READ(target, name) : NULL;
	__u64 tid = bpf_get_current_pid_tgid();
	struct record *rec;

	if (target && !to)
		return 0;
	rec = fill_name(dfd, path, to, true);
	if (rec && bpf_map_update_elem(&pending, &tid, rec, BPF_ANY)) {
		struct cg_state *st = bpf_map_lookup_elem(&cgroups, &rec->owner_id);

		/* Unrecorded is unremoved: say so in the report. */
		if (st)
			__sync_fetch_and_or(&st->flags, CG_OVERFLOW_DIR);
	}
	return 0;
}

static __always_inline int name_exit(int ret)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct record *rec = bpf_map_lookup_elem(&pending, &tid);

	if (!rec)
		return 0;
	if (ret == 0) {
		if (rec->cmd == TRACE_CMD_RMDIR || rec->cmd == TRACE_CMD_UNLINK)
			forget_name(rec);
		else if (identify_name(rec))
			append_record(rec);
	}
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

/* A removal waits in `pending` like a creation; a full table only means a
 * record is not dropped early (gc drops it if its object is freed). */
static __always_inline int removal_enter(int dfd, struct filename *name, bool dir)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct record *probe = fill_removal(dfd, BPF_CORE_READ(name, name), dir, true);

	if (probe)
		bpf_map_update_elem(&pending, &tid, probe, BPF_ANY);
	return 0;
}

/* mkdir(2), mkdirat(2) and io_uring's mkdirat all end up here. */
SEC("fentry/do_mkdirat")
int BPF_PROG(enter_mkdirat, int dfd, struct filename *name)
{
	return name_enter(dfd, name, NULL);
}

SEC("fexit/do_mkdirat")
int BPF_PROG(exit_mkdirat, int dfd, struct filename *name, unsigned short mode, int ret)
{
	return name_exit(ret);
}

SEC("fentry/do_symlinkat")
int BPF_PROG(enter_symlinkat, struct filename *from, int newdfd, struct filename *to)
{
	return name_enter(newdfd, to, from);
}

SEC("fexit/do_symlinkat")
int BPF_PROG(exit_symlinkat, struct filename *from, int newdfd, struct filename *to, int ret)
{
	return name_exit(ret);
}

/* rmdir(2), unlinkat(2) with AT_REMOVEDIR, io_uring's unlinkat: a
 * directory's record goes with it. */
SEC("fentry/do_rmdir")
int BPF_PROG(enter_rmdir, int dfd, struct filename *name)
{
	return removal_enter(dfd, name, true);
}

SEC("fexit/do_rmdir")
int BPF_PROG(exit_rmdir, int dfd, struct filename *name, int ret)
{
	return name_exit(ret);
}

/* unlink(2), unlinkat(2): a pin's or a symlink's record goes with it. */
SEC("fentry/do_unlinkat")
int BPF_PROG(enter_unlinkat, int dfd, struct filename *name)
{
	return removal_enter(dfd, name, false);
}

SEC("fexit/do_unlinkat")
int BPF_PROG(exit_unlinkat, int dfd, struct filename *name, int ret)
{
	return name_exit(ret);
}

/* Every fd closed (close(2), io_uring's close, a process's exit) passes
 * one of these after it left the fd table, so no other thread can dup it
 * any more: the last reference to the object's only file frees the object,
 * and its creation record goes. filp_flush where the kernel has it (6.7+:
 * close(2) no longer calls filp_close), else filp_close; the loader keeps
 * one (src/tracer-load.c). */
static __always_inline int closing(struct file *file)
{
	__u32 kind, obj;
	__u64 owner;

	owner = registered_ancestor();
	if (owner && frees_object(file, &kind, &obj))
		forget_created(owner, kind, obj);
	return 0;
}

SEC("fentry/filp_close")
int BPF_PROG(enter_filp_close, struct file *filp, void *id)
{
	return closing(filp);
}

SEC("fentry/filp_flush")
int BPF_PROG(enter_filp_flush, struct file *filp, void *id)
{
	return closing(filp);
}
