/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Least privilege for the hooks: check at start that the capabilities they
 * need are effective, then drop every other one from the effective,
 * permitted and inheritable sets, before any input is acted on.
 */
#ifndef BPFREAPER_CAPS_H
#define BPFREAPER_CAPS_H

#include <stddef.h>

/* -EPERM with the names of the missing capabilities in missing (e.g.
 * "cap_bpf cap_perfmon") if a required one is not effective; otherwise the
 * sets are reduced to what the hooks use. */
int caps_require_and_restrict(char *missing, size_t size);
/* The effective set as text ("cap_bpf,...=ep"), for logs and doctor. */
int caps_text(char **ret);
/* 1 if cap (a CAP_* value) is effective, 0 if not, -EINVAL if this kernel
 * does not know it. */
int caps_have(int cap);

#endif
