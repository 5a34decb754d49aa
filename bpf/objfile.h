/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the BPF programs: which BPF object a struct file is. */
#ifndef BPFREAPER_OBJFILE_H
#define BPFREAPER_OBJFILE_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include "record.h"

/* The object behind a file, with its fingerprint (struct record_obj).
 *
 * An fd's file name tells a map from a prog from a link: anon_inode files
 * are called "bpf-map", "bpf-prog" and "bpf_link"/"bpf-link". *refs gets
 * the object's reference count (NULL: not wanted).
 *
 * Not file->f_op against bpf_map_fops, bpf_prog_fops and bpf_link_fops from
 * __ksym (bpftool's pid_iter.bpf.c): libbpf resolves a typeless __ksym from
 * /proc/kallsyms, which lists data symbols only with CONFIG_KALLSYMS_ALL
 * (kernels built without it, such as this project's CI host, fail the load
 * with "extern 'bpf_map_fops' not resolved"), and shows every address as 0
 * to a reader without CAP_SYSLOG when perf_event_paranoid > 1 (the hooks
 * drop CAP_SYSLOG before they load the tracer: the comparison would then
 * never match, and nothing would be recorded). Typed __ksym needs the
 * variable in vmlinux BTF, which holds per-CPU variables only. */
static __always_inline int resolve_file(struct file *file, struct record_obj *obj, __s64 *refs)
{
	const unsigned char *dname;
	char n[9] = {};
	void *priv;

	dname = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	if (bpf_probe_read_kernel(n, sizeof(n), dname))
		return -1;
	if (n[0] != 'b' || n[1] != 'p' || n[2] != 'f')
		return -1;
	priv = BPF_CORE_READ(file, private_data);
	if (!priv)
		return -1;

	if (n[3] == '-' && n[4] == 'm' && n[5] == 'a' && n[6] == 'p' && n[7] == 0) {
		struct bpf_map *map = priv;

		obj->kind = OBJ_MAP;
		obj->id = BPF_CORE_READ(map, id);
		obj->type = BPF_CORE_READ(map, map_type);
		obj->fp.map.key_size = BPF_CORE_READ(map, key_size);
		obj->fp.map.value_size = BPF_CORE_READ(map, value_size);
		obj->fp.map.max_entries = BPF_CORE_READ(map, max_entries);
		obj->fp.map.map_flags = BPF_CORE_READ(map, map_flags);
		BPF_CORE_READ_STR_INTO(&obj->name, map, name);
		if (refs)
			*refs = BPF_CORE_READ(map, refcnt.counter);
		return 0;
	}
	if (n[3] == '-' && n[4] == 'p' && n[5] == 'r' && n[6] == 'o' && n[7] == 'g' && n[8] == 0) {
		struct bpf_prog *prog = priv;

		obj->kind = OBJ_PROG;
		obj->id = BPF_CORE_READ(prog, aux, id);
		obj->type = BPF_CORE_READ(prog, type);
		obj->fp.prog.load_time = BPF_CORE_READ(prog, aux, load_time);
		bpf_core_read(&obj->fp.prog.tag, sizeof(obj->fp.prog.tag), &prog->tag);
		BPF_CORE_READ_STR_INTO(&obj->name, prog, aux, name);
		if (refs)
			*refs = BPF_CORE_READ(prog, aux, refcnt.counter);
		return 0;
	}
	/* "bpf_link" where created, "bpf-link" when re-opened (pin, id). */
	if ((n[3] == '_' || n[3] == '-') && n[4] == 'l' && n[5] == 'i' && n[6] == 'n' && n[7] == 'k' && n[8] == 0) {
		struct bpf_link *link = priv;

		obj->kind = OBJ_LINK;
		obj->id = BPF_CORE_READ(link, id);
		obj->type = BPF_CORE_READ(link, type);
		obj->fp.link.prog_id = BPF_CORE_READ(link, prog, aux, id);
		BPF_CORE_READ_STR_INTO(&obj->name, link, prog, aux, name);
		if (refs)
			*refs = BPF_CORE_READ(link, refcnt.counter);
		return 0;
	}
	return -1;
}

#endif
