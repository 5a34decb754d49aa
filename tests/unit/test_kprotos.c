// SPDX-License-Identifier: LGPL-2.1-or-later
/* The prototype check of the trampoline backend: against this kernel's BTF,
 * and against hand-built BTF for kernels this machine cannot boot. */
#include <bpf/btf.h>
#include <unistd.h>

#include "check.h"
#include "tracer-load.h"

struct protos {
	int i32, filename_ptr, bpfptr, uchar_ptr, file_ptr;
};

static struct btf *base_btf(struct protos *p)
{
	struct btf *btf = btf__new_empty();
	int filename, uchar, sockptr;

	p->i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	uchar = btf__add_int(btf, "char", 1, 0);
	p->uchar_ptr = btf__add_ptr(btf, btf__add_const(btf, uchar));
	filename = btf__add_struct(btf, "filename", 8);
	p->filename_ptr = btf__add_ptr(btf, filename);
	p->file_ptr = btf__add_ptr(btf, btf__add_struct(btf, "file", 8));
	sockptr = btf__add_struct(btf, "", 16);
	p->bpfptr = btf__add_typedef(btf, "bpfptr_t", sockptr);
	return btf;
}

static void add_func(struct btf *btf, const char *name, int ret, int n, const int *types)
{
	int proto = btf__add_func_proto(btf, ret);

	for (int i = 0; i < n; i++)
		btf__add_func_param(btf, "", types[i]);
	btf__add_func(btf, name, BTF_FUNC_STATIC, proto);
}

static struct btf *kernel_like(bool old_mkdirat, bool with_symlinkat)
{
	struct protos p;
	struct btf *btf = base_btf(&p);
	int sys_bpf[] = { p.i32, p.bpfptr, p.i32 };
	int mkdirat[] = { p.i32, old_mkdirat ? p.uchar_ptr : p.filename_ptr, p.i32 };
	int symlinkat[] = { p.filename_ptr, p.i32, p.filename_ptr };
	int removal[] = { p.i32, p.filename_ptr };
	int close[] = { p.file_ptr, p.i32 };

	add_func(btf, "__sys_bpf", p.i32, 3, sys_bpf);
	add_func(btf, "do_rmdir", p.i32, 2, removal);
	add_func(btf, "do_unlinkat", p.i32, 2, removal);
	add_func(btf, "filp_close", p.i32, 2, close);
	add_func(btf, "do_mkdirat", p.i32, 3, mkdirat);
	if (with_symlinkat)
		add_func(btf, "do_symlinkat", p.i32, 3, symlinkat);
	return btf;
}

TEST(this_kernel_matches)
{
	struct br_error err = BR_ERROR_INIT;
	bool flush;

	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		printf("    no vmlinux BTF here\n");
		check_failed = 1;
		return;
	}
	CHECK_EQ_INT(kprotos_check(&err, &flush), 0);
	CHECK_EQ_INT(err.code, 0);
}

TEST(prototypes_like_5_15_and_later_match)
{
	struct btf *btf = kernel_like(false, true);
	struct br_error err = BR_ERROR_INIT;

	CHECK_EQ_INT(kprotos_check_btf(btf, &err), 0);
	CHECK_EQ_INT(err.code, 0);
	btf__free(btf);
}

TEST(mkdirat_taking_a_user_pointer_is_refused)
{
	struct btf *btf = kernel_like(true, true);
	struct br_error err = BR_ERROR_INIT;

	CHECK_EQ_INT(kprotos_check_btf(btf, &err), -EPROTO);
	CHECK_EQ_INT(err.code, -EPROTO);
	CHECK_EQ_INT(err.step, BR_STEP_TRACER_PROBE);
	CHECK_EQ_STR(err.detail, "do_mkdirat: other arguments on this kernel");
	btf__free(btf);
}

TEST(missing_function_is_refused)
{
	struct btf *btf = kernel_like(false, false);
	struct br_error err = BR_ERROR_INIT;

	CHECK_EQ_INT(kprotos_check_btf(btf, &err), -ENOENT);
	CHECK_EQ_INT(err.code, -ENOENT);
	CHECK_EQ_INT(err.step, BR_STEP_TRACER_PROBE);
	CHECK_EQ_STR(err.detail, "do_symlinkat: not in this kernel");
	btf__free(btf);
}
