/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Do the kernel functions the trampoline backend hooks take the arguments
 * bpf/trampoline.bpf.c reads? */
#ifndef BPFREAPER_KPROTOS_H
#define BPFREAPER_KPROTOS_H

#include <stdbool.h>

/* 0 if they do; -ENOENT (a function is missing) or -EPROTO (its prototype
 * differs), with *ret_why naming the function. */
int kprotos_check(const char **ret_why, bool *ret_filp_flush);

struct btf;
/* The same against a given BTF (tests). */
int kprotos_check_btf(const struct btf *btf, const char **ret_why);

#endif
