// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel feature probes; see probe.h. */
#include "probe.h"
#include "util.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

int probe_fentry(void)
{
	/* r0 = 0; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id, fd;

	if (!vmlinux)
		return negative_errno();
	id = btf__find_by_name_kind(vmlinux, "bpf_map_new_fd", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id < 0)
		return id;
	opts.attach_btf_id = (unsigned)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "brp_probe", "GPL", insns, ARRAY_SIZE(insns), &opts);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}
