/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What poststop does, in order: read the state, read the records, reap
 * (reaper.h), write the report, then forget the container (records,
 * registration, state). Killed at any point, a rerun finishes the job:
 * nothing is forgotten before the report is written.
 */
#ifndef BPFREAPER_TEARDOWN_H
#define BPFREAPER_TEARDOWN_H

#include <stdbool.h>

#include "reaper.h"
#include "state.h"

struct teardown_opts {
	bool report_only;                  /* remove nothing, whatever the state's mode */
	unsigned wait_ms;
	const struct keep_rules *host_keep; /* the config's rules now, beside the state's */
	const char *report_dir;            /* NULL: <run dir>/reports */
	const char *by;                    /* "poststop" (NULL) or "gc": in the report */
	bool list_freed;                   /* the report lists freed objects one by one */
};

struct teardown_result {
	struct container_state state;
	struct reap_result reap;
	bool registered; /* the tracer had records for it */
	char summary[512];
	char *report_json;
};

#define TEARDOWN_WAIT_MS_DEFAULT 2000

/* Options from the config file; wait_ms_arg (-1: none) and report_only come
 * from the command line and win. cfg must outlive the options. */
void teardown_opts_from_config(const struct config *cfg, int wait_ms_arg, bool report_only,
			       struct teardown_opts *ret);

/* -ENOENT with *ret_step "read the state file": no state (never registered,
 * or cleaned already). -EBADMSG: the state file is not valid (*ret_why). */
int container_teardown(const char *id, const struct teardown_opts *opts, struct teardown_result *ret,
		       const char **ret_step, const char **ret_why);
void teardown_result_done(struct teardown_result *r);

#endif
