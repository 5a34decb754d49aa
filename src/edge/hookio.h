/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the hooks share at the edge, where they log: stdin always read to
 * the end (crun fails a container with EPIPE when a hook exits early), then
 * parsed and validated; the capabilities; the config and its log file. */
#ifndef BPFREAPER_EDGE_HOOKIO_H
#define BPFREAPER_EDGE_HOOKIO_H

#include "../policy-config.h"
#include "../error.h"
#include "../oci-hookargs.h"
#include "../oci-state.h"

struct hook_start {
	struct oci_state oci;
	struct hook_args args;
	struct config cfg;
	/* With -EPERM: step BR_STEP_CAPS, the required capabilities not
	 * effective in detail ("cap_bpf cap_perfmon"). */
	struct br_error caps;
};

/* hook_start(): the hook runs in a user namespace other than the host's. */
#define HOOK_ROOTLESS 1

int hook_read_state(int fd, struct oci_state *ret, struct br_error *err);
/* Checks and drops capabilities (caps.h), logging as "<who>: container
 * <id>: ...". -EPERM: a required one is missing, named in err (not
 * logged: the hook decides what that means). */
int hook_restrict_caps(const char *who, const char *id, struct br_error *err);
/* hook_load_config(), then the config's log_file opened for the log. */
int hook_config(const struct hook_args *args, struct config *ret, struct br_error *err);
/* What both hooks do first, in order: drain and parse stdin, parse the
 * arguments, stop in a user namespace other than the host's, check and drop
 * capabilities, load the config. Logs failures as "<who>: ...".
 *   0         ready
 *   -EPERM    capabilities missing (ret->caps), the rest of *ret set
 *   HOOK_ROOTLESS  in a rootless runtime's user namespace (logged); *ret untouched
 *   -EINVAL   bad input (logged): exit 2; *ret untouched
 * After 0 and -EPERM, hook_start_done(ret). */
int hook_start(const char *who, int argc, char **argv, struct hook_start *ret);
void hook_start_done(struct hook_start *h);

#endif
