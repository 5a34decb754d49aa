// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The trampoline backend reads the arguments of kernel functions whose
 * prototypes are not ABI. A fentry program loads even when an argument
 * changed type (do_mkdirat took a user pointer before 5.15), and would then
 * record nothing; so the prototypes are checked in the running kernel's BTF
 * first, and a mismatch makes the tracer fall back to tracepoints.
 */
#include "kprotos.h"

#include <bpf/btf.h>
#include <errno.h>
#include <string.h>

#include "util.h"

struct want_param {
	const char *func;
	unsigned int index;
	bool pointer; /* a pointer to the named struct, else the named typedef */
	const char *type;
};

static const struct want_param wanted[] = {
	{ "__sys_bpf", 1, false, "bpfptr_t" },
	{ "do_mkdirat", 0, false, "int" },
	{ "do_mkdirat", 1, true, "filename" },
	{ "do_symlinkat", 0, true, "filename" },
	{ "do_symlinkat", 1, false, "int" },
	{ "do_symlinkat", 2, true, "filename" },
	{ "do_rmdir", 0, false, "int" },
	{ "do_rmdir", 1, true, "filename" },
	{ "do_unlinkat", 0, false, "int" },
	{ "do_unlinkat", 1, true, "filename" },
	{ "filp_close", 0, true, "file" },
};

/* The name of type id, through pointers (if pointer) and qualifiers. */
static const char *param_type_name(const struct btf *btf, __u32 id, bool pointer)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	if (pointer) {
		if (!t || !btf_is_ptr(t))
			return NULL;
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t)))
		t = btf__type_by_id(btf, t->type);
	return t ? btf__name_by_offset(btf, t->name_off) : NULL;
}

static int check_param(const struct btf *btf, const struct want_param *w, const char **ret_why)
{
	const struct btf_type *func, *proto;
	const struct btf_param *params;
	const char *name;
	int id;

	id = btf__find_by_name_kind(btf, w->func, BTF_KIND_FUNC);
	if (id < 0) {
		*ret_why = w->func;
		return -ENOENT;
	}
	func = btf__type_by_id(btf, id);
	proto = func ? btf__type_by_id(btf, func->type) : NULL;
	if (!proto || !btf_is_func_proto(proto) || btf_vlen(proto) <= w->index) {
		*ret_why = w->func;
		return -EPROTO;
	}
	params = btf_params(proto);
	name = param_type_name(btf, params[w->index].type, w->pointer);
	if (!name || !streq(name, w->type)) {
		*ret_why = w->func;
		return -EPROTO;
	}
	return 0;
}

int kprotos_check_btf(const struct btf *btf, const char **ret_why)
{
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(wanted) && r == 0; i++)
		r = check_param(btf, &wanted[i], ret_why);
	return r;
}

int kprotos_check(const char **ret_why, bool *ret_filp_flush)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int r;

	*ret_why = "vmlinux BTF";
	if (!btf)
		return negative_errno();
	r = kprotos_check_btf(btf, ret_why);
	/* Since 6.7 close(2) flushes and puts the file itself (filp_flush,
	 * __fput_sync) instead of calling filp_close, which the exit of a
	 * process still calls; filp_close calls filp_flush. */
	*ret_filp_flush = btf__find_by_name_kind(btf, "filp_flush", BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return r;
}
