/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Least privilege for the hooks: check at start that the capabilities they
 * need are effective, then drop every other one from the effective,
 * permitted and inheritable sets, before any input is acted on.
 */
#ifndef BPFREAPER_CAPS_H
#define BPFREAPER_CAPS_H

#include <stddef.h>

#include "error.h"

/* Reduces the sets to what the hooks use; -EPERM with the names of the
 * missing capabilities in err's detail (e.g. "cap_bpf cap_perfmon") if a
 * required one is not effective. */
int caps_require_and_restrict(struct br_error *err);
/* The effective set as text ("cap_bpf,...=ep"), for logs and doctor. */
int caps_text(char **ret);
/* 1 if cap (a CAP_* value) is effective, 0 if not, -EINVAL if this kernel
 * does not know it. */
int caps_have(int cap);
/* 1 if this process is in the initial user namespace (/proc/self/uid_map is
 * "0 0 4294967295"), 0 if in another one (a rootless runtime's: the host's
 * root, its BPF and /run/bpfreaper are out of reach), -errno if it cannot
 * tell. */
int userns_is_initial(void);

#endif
