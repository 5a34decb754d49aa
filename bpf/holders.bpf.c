// SPDX-License-Identifier: GPL-2.0
/*
 * Who holds a BPF object: a task_file iterator that writes one holder_rec
 * per open fd of a map, prog or link, in every process (the way bpftool
 * finds pids; far cheaper than reading every /proc/<pid>/fdinfo).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "record.h"
#include "objfile.h"
#include "holders.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task_file")
int dump_holders(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct holder_rec h = {};
	struct record_obj obj;

	if (!task || !file)
		return 0;
	/* Threads share the fd table: report each process once. */
	if (BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
		return 0;
	if (resolve_file(file, &obj, NULL))
		return 0;
	h.obj_kind = obj.kind;
	h.obj_id = obj.id;
	h.pid = BPF_CORE_READ(task, tgid);
	h.fd = ctx->fd;
	BPF_CORE_READ_STR_INTO(&h.comm, task, comm);
	bpf_seq_write(seq, &h, sizeof(h));
	return 0;
}
