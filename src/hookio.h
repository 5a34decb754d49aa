/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A hook's stdin: always read to the end (crun fails a container with EPIPE
 * when a hook exits early), then parsed and validated. */
#ifndef BPFREAPER_HOOKIO_H
#define BPFREAPER_HOOKIO_H

#include "ocistate.h"

int hook_read_state(int fd, struct oci_state *ret, const char **ret_why);
/* Checks and drops capabilities (caps.h), logging as "<who>: container
 * <id>: ...". -EPERM: a required one is missing (logged): exit 1. */
int hook_restrict_caps(const char *who, const char *id);

#endif
