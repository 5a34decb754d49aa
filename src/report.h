/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-container JSON report and the one-line summary poststop logs. */
#ifndef BPFREAPER_REPORT_H
#define BPFREAPER_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "reaper.h"
#include "rundir.h"
#include "state.h"

#define REPORT_VERSION 1

struct report_meta {
	const struct container_state *state;
	const char *mode;  /* "enforce" or "report" */
	const char *by;    /* "poststop" or "gc" */
	uint64_t total_us;
	bool list_freed; /* freed objects one by one in "created", not only counted */
};

int report_build(const struct report_meta *meta, const struct reap_result *res, char **ret_json);
/* reports/<id>.json, atomically. */
/* <report_dir or run dir/reports>/<id>.json, atomically. */
int report_write(const struct rundir *rd, const char *report_dir, const char *id, const char *json);
void report_summary(const struct report_meta *meta, const struct reap_result *res, char *buf, size_t size);

#endif
