/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Garbage collection: finishes the job for containers whose poststop never
 * ran (runtime crash, crun after a failed prestart, hooks misconfigured).
 * Reconciles the state files, the tracer's registrations and the kernel:
 * - a state whose cgroup is gone (by id: a re-created path does not count)
 *   is torn down exactly as poststop would (run-teardown.h), report and all;
 *   so is a kept earlier run of a container id (store-state.h), with its own
 *   records and a report of its own;
 * - a registration without a state whose cgroup is gone is dropped: without
 *   the state's mode nothing may be removed, so its records are only counted;
 * - corrupt state files are reported and left alone, never followed;
 * - with nothing registered and no state left, the tracer is unloaded;
 * - reports past the retention (config "report_retention") are pruned.
 */
#ifndef BPFREAPER_GC_H
#define BPFREAPER_GC_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "oci-podid.h"
#include "store-report.h"
#include "run-teardown.h"

enum gc_action {
	GC_ALIVE,         /* cgroup still exists: left alone */
	GC_CLEANED,       /* torn down as poststop would */
	GC_WOULD_CLEAN,   /* dry run */
	GC_DONE_ALREADY,  /* poststop finished it while gc looked */
	GC_CORRUPT,       /* state file invalid: left in place */
	GC_FAILED,        /* teardown failed: state kept for the next run */
	GC_ORPHAN_DROPPED,/* registration without state, cgroup gone: records dropped */
	GC_ORPHAN_WOULD_DROP,
	GC_ORPHAN_ALIVE,  /* registration without state, cgroup alive: left */
	GC_DEFERRED,      /* cgroup gone, beyond max_cleanups: the next run takes it */
};

struct gc_entry {
	char *id;            /* NULL for a registration without state */
	uint64_t cgroup_id;
	bool earlier;        /* a kept earlier run of id (store-state.h) */
	enum gc_action action;
	/* GC_FAILED: the step that failed and why; GC_CORRUPT: what is
	 * wrong with the file (no step). */
	struct br_error err;
	size_t records;      /* records dropped (orphans) */
	char summary[512];   /* GC_CLEANED: the poststop summary */
	/* GC_CLEANED: what the teardown did, for the journal's fields. */
	struct report_counts counts;
	struct pod_identity pod;
	const char *mode;    /* static: "enforce" or "report" */
};

struct gc_result {
	struct gc_entry *v;
	size_t n;
	bool tracer_unloaded;
	size_t slots_freed; /* records maps beyond the pool's given back */
	size_t slots_filled; /* records maps put in the pool */
	size_t records_compacted; /* records of objects freed unseen, dropped */
	size_t reports_pruned;    /* past the report retention */
	int reports_error;        /* -errno: pruning them failed (gc went on) */
};

struct gc_opts {
	bool dry_run;
	bool keep_tracer;       /* never unload (poststop's opportunistic run, tracer_idle keep) */
	/* Leave the pool of records maps alone (a poststop's runs: each
	 * map in or out costs a grace period). */
	bool keep_slots;
	size_t max_cleanups;    /* 0: no limit */
	/* Only the kept earlier runs of this container id, nothing else
	 * (poststop of the id: its own leftovers, not other containers'). */
	const char *earlier_runs_of;
	/* Reports in teardown.report_dir past this are pruned (NULL: none). */
	const struct report_retention *retention;
	struct teardown_opts teardown;
};

int gc_run(const struct gc_opts *opts, struct gc_result *ret);
/* What went wrong with e, for people: "<step words>: <detail>", or the
 * part that is set ("cannot tell whether its cgroup exists"). */
const char *gc_entry_why(const struct gc_entry *e, char *buf, size_t len);
void gc_result_done(struct gc_result *r);
/* Counts a run of bpfreaperctl gc (r: what gc_run returned) in the
 * metrics counters (store-counters.h); a run without failure sets the time of
 * the last success. Best effort. */
void gc_count_run(int r, const struct gc_result *res);
const char *gc_action_name(enum gc_action a);

/* poststop's cheap gc, what keeps a node without the gc timer bounded: at
 * every call, the report retention's count (reports_apply_count: cheap
 * below it); at most once per GC_OPPORTUNISTIC_S seconds host-wide, a gc
 * run of at most one container that also applies the whole retention
 * (count and age); never unloads the tracer nor tends the pool of records
 * maps (run-pool.h does). retention NULL: none. Returns
 * what gc_run returns, or 0 when it is not time yet (*ret then says what
 * the count pruned). */
#define GC_OPPORTUNISTIC_S 60
int gc_opportunistic(const struct teardown_opts *topts, const struct report_retention *retention,
		     struct gc_result *ret);
/* poststop of id: finishes the kept earlier runs of id whose cgroup is
 * gone, whatever the time; nothing else. */
int gc_earlier_runs(const char *id, const struct teardown_opts *topts, struct gc_result *ret);

#endif
