/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-container JSON report and the one-line summary poststop logs. */
#ifndef BPFREAPER_REPORT_H
#define BPFREAPER_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reap-result.h"
#include "store-rundir.h"
#include "store-state.h"

#define REPORT_VERSION 1

struct report_meta {
	const struct container_state *state;
	const char *mode;  /* "enforce" or "report" */
	const char *by;    /* "poststop" or "gc" */
	/* A later run of the same id started before this run was finished:
	 * the report is named after this run (store-state.h), not the id alone. */
	bool earlier;
	uint64_t total_us;
	bool list_freed; /* freed objects one by one in "created", not only counted */
	/* The kernel memory (memlock, live-usage.h) of the objects it created,
	 * measured before anything was removed, and of those still alive
	 * after; bytes_measured false: the measurement failed, not said. */
	bool bytes_measured;
	uint64_t bytes_held, bytes_survived;
	uint64_t bytes_us; /* what measuring them cost: O(live objects) */
};

/* What a teardown did, counted: the summary, the metrics counters and
 * the journal fields all say the same. */
struct report_counts {
	size_t objects, freed, survived;
	size_t pins_removed, pins_kept, pins_left, dirs_removed;
	size_t links_detached, attachments_detached;
	size_t attachments_kept, attachments_left;
	bool overflow, not_traced;
};

void report_counts(const struct reap_result *res, struct report_counts *ret);
int report_build(const struct report_meta *meta, const struct reap_result *res, char **ret_json);
/* <report_dir or run dir/reports>/<id>.json atomically, or for a kept
 * earlier run <id>@<cgroup id>.json, named like its state (store-state.h): a
 * later run's report never replaces it. */
int report_write(const struct rundir *rd, const char *report_dir, const char *id, uint64_t earlier,
		 const char *json);
void report_summary(const struct report_meta *meta, const struct reap_result *res, char *buf, size_t size);

#endif
