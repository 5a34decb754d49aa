/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What poststop does, in order: read the state, read the records, reap
 * (reap.h), write the report, then forget the container (records,
 * registration, state). Killed at any point, a rerun finishes the job:
 * nothing is forgotten before the report is written.
 */
#ifndef BPFREAPER_TEARDOWN_H
#define BPFREAPER_TEARDOWN_H

#include <stdbool.h>

#include "error.h"
#include "reap.h"
#include "store-state.h"

struct teardown_opts {
	bool report_only;                  /* remove nothing, whatever the state's mode */
	unsigned wait_ms;
	const struct keep_rules *host_keep; /* the config's rules now, beside the state's */
	const char *report_dir;            /* NULL: <run dir>/reports */
	const char *by;                    /* "poststop" (NULL) or "gc": in the report */
	bool list_freed;                   /* the report lists freed objects one by one */
	/* Not 0: tear down only the run in this cgroup (gc saw it gone). A
	 * prestart of a new run may have taken the id's name since. */
	uint64_t only_cgroup_id;
};

struct teardown_result {
	struct container_state state;
	struct reap_result reap;
	bool registered; /* the tracer had records for it */
	const char *mode; /* what it did: "enforce" or "report" (static) */
	char summary[512];
	char *report_json;
};

#define TEARDOWN_WAIT_MS_DEFAULT 2000

/* Options from the config file; wait_ms_arg (-1: none) and report_only come
 * from the command line and win. cfg must outlive the options. */
void teardown_opts_from_config(const struct config *cfg, int wait_ms_arg, bool report_only,
			       struct teardown_opts *ret);

/* Tears down the current run of id (earlier 0) or a kept earlier run of it
 * (earlier: its cgroup id, store-state.h); the report is named like the state.
 * On failure err says which step failed (enum br_step) and why:
 * -ENOENT with step BR_STEP_STATE_READ: no state (never registered, or
 * cleaned already). -ESTALE with the same step: the state names another run
 * than opts->only_cgroup_id. -EBADMSG: the state file is not valid. */
int container_teardown(const char *id, uint64_t earlier, const struct teardown_opts *opts,
		       struct teardown_result *ret, struct br_error *err);
void teardown_result_done(struct teardown_result *r);

#endif
