/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A hook's stdin: always read to the end (crun fails a container with EPIPE
 * when a hook exits early), then parsed and validated. */
#ifndef BPFREAPER_HOOKIO_H
#define BPFREAPER_HOOKIO_H

#include "config.h"
#include "hookargs.h"
#include "ocistate.h"

struct hook_start {
	struct oci_state oci;
	struct hook_args args;
	struct config cfg;
};

int hook_read_state(int fd, struct oci_state *ret, const char **ret_why);
/* Checks and drops capabilities (caps.h), logging as "<who>: container
 * <id>: ...". -EPERM: a required one is missing (logged): exit 1. */
int hook_restrict_caps(const char *who, const char *id);
/* What both hooks do first, in order: drain and parse stdin, parse the
 * arguments, check and drop capabilities, load the config. Logs failures as
 * "<who>: ...". -EINVAL: bad input (exit 2); -EPERM: capabilities missing
 * (ret->args alone is set). */
int hook_start(const char *who, int argc, char **argv, struct hook_start *ret);
void hook_start_done(struct hook_start *h);

#endif
