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
	struct oci_state oci; /* all zero (id NULL) when the state was unusable */
	struct hook_args args;
	struct config cfg;
	/* cfg is the host's config (the file, or the defaults when there is
	 * none): its mode and on_error may decide about trouble. False when
	 * the arguments or the file could not be used: then nothing may
	 * refuse the container, and nothing may be removed. */
	bool cfg_known;
	/* With -EPERM: step BR_STEP_CAPS, the required capabilities not
	 * effective in detail ("cap_bpf cap_perfmon"). */
	struct br_error caps;
	/* With HOOK_TROUBLE: why bpfreaper cannot act on this container (step
	 * BR_STEP_ARGS, BR_STEP_CONFIG, BR_STEP_OCI_STATE or BR_STEP_LOG_FILE). */
	struct br_error trouble;
};

/* hook_start(): the hook runs in a user namespace other than the host's. */
#define HOOK_ROOTLESS 1
/* hook_start(): bpfreaper's own trouble before anything could be done
 * (ret->trouble); never the container's, so the hook decides by the rule
 * in README.md: only on_error fail under enforce refuses. */
#define HOOK_TROUBLE 2

int hook_read_state(int fd, struct oci_state *ret, struct br_error *err);
/* Checks and drops capabilities (caps.h), logging as "<who>: container
 * <id>: ...". -EPERM: a required one is missing, named in err (not
 * logged: the hook decides what that means). */
int hook_restrict_caps(const char *who, const char *id, struct br_error *err);
/* hook_load_config(), then the config's log_file opened for the log. When
 * only the log file fails (step BR_STEP_LOG_FILE), *ret is set all the
 * same: the config itself is valid. */
int hook_config(const struct hook_args *args, struct config *ret, struct br_error *err);
/* What both hooks do first, in order: drain and parse stdin, parse the
 * arguments, stop in a user namespace other than the host's, check and drop
 * capabilities, load the config. Logs nothing but the rootless case.
 *   0             ready
 *   -EPERM        capabilities missing (ret->caps), the rest of *ret set
 *   HOOK_ROOTLESS in a rootless runtime's user namespace (logged); *ret untouched
 *   HOOK_TROUBLE  ret->trouble says why; ret->oci.id and ret->cfg_known
 *                 say what is known
 * After 0 and -EPERM, ret->trouble.code is set (step BR_STEP_LOG_FILE) when
 * only the config's log_file could not be opened.
 * After 0, -EPERM and HOOK_TROUBLE, hook_start_done(ret). */
int hook_start(const char *who, int argc, char **argv, struct hook_start *ret);
void hook_start_done(struct hook_start *h);
/* The container id to name in a log line or the skipped list: "-" when
 * the state did not say. */
const char *hook_container_id(const struct hook_start *h);

#endif
