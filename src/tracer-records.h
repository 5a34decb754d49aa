/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a container's records are kept, read and dropped: registration,
 * the pool of records maps the tracer takes from, reading, gc's
 * compaction, dropping at poststop. The maps are those of the loaded
 * tracer (tracer-load.h); the record layout and where records go are
 * bpf/record.h.
 */
#ifndef BPFREAPER_TRACER_RECORDS_H
#define BPFREAPER_TRACER_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/record.h"
#include "store-rundir.h"
#include "tracer-load.h"

/* A container's own records map, as bpf/record.bpf.h declares it (the
 * loader gives the kernel one as the template of the `records` array). */

struct record_list {
	struct cg_state cg;
	uint32_t compacted; /* records gc dropped (freed objects) */
	struct record *v;
	size_t n;
};

/* Where a container reaches a bpffs, as absolute paths in its own mount
 * namespace ("/" for a container that shares the host's). all: record
 * every absolute name (more views than the tracer holds). */
struct tracer_views {
	char *v[CG_VIEWS_MAX];
	size_t n;
	bool all;
};

/* Registers the cgroup: one entry in `cgroups`, no map (the tracer takes
 * one from the pool when the container needs it). -EEXIST if the cgroup
 * is registered already. */
int tracer_register(const struct tracer *t, uint64_t cgroup_id, const struct tracer_views *views);
/* Drops the registration and what is left of its records; its records
 * map, if it had one, goes back to the pool. The caller holds the slots
 * lock (rundir_lock_slots): the pool's count is read and written back. */
int tracer_unregister(const struct tracer *t, uint64_t cgroup_id);
/* Drops the entries of `first` and `compacted` whose container is not
 * registered (a tracer program that began before an unregistration wrote
 * one after it): *ret_dropped records. */
int tracer_sweep_unowned(const struct tracer *t, size_t *ret_dropped);
/* Empty records maps in the pool. Without the slots lock: a hint. */
int tracer_pool_spare(const struct tracer *t, size_t *ret);
/* Fills the pool up to want empty records maps, or frees those beyond
 * it. Each map put in or taken out costs an RCU grace period (10 to
 * 20 ms): never on a hook's path. The caller holds the slots lock. */
int tracer_pool_tend(const struct tracer *t, size_t want, size_t *ret_filled, size_t *ret_freed);
/* -ENOENT if the cgroup is not registered. */
int tracer_cgroup_state(const struct tracer *t, uint64_t cgroup_id, struct cg_state *ret);
int tracer_count_registered(const struct tracer *t, size_t *ret);
/* All registered cgroup ids (for the CLI and gc). */
int tracer_list_registered(const struct tracer *t, uint64_t **ret_ids, size_t *ret_n);

/* The cgroup's records, oldest first. */
int tracer_read_records(const struct tracer *t, uint64_t cgroup_id, struct record_list *ret);
/* Drops the records of the cgroup's objects the kernel has freed (the
 * tracer drops most at the close that frees them; a process exit or a
 * program that held a map frees them unseen): *ret_dropped of them. Safe
 * beside the tracer and registrations. */
int tracer_compact(const struct tracer *t, uint64_t cgroup_id, struct compacted *ret_dropped);
/* Counts them against the budgets (the tracer reads the count). Caller
 * holds the slots lock: two gc runs must not both add to the count. */
int tracer_count_compacted(const struct tracer *t, uint64_t cgroup_id, const struct compacted *dropped);
/* The cgroup's live records, by budget (what the budgets limit). */
int tracer_live_records(const struct tracer *t, uint64_t cgroup_id, const struct cg_state *st, uint32_t *ret_obj,
			uint32_t *ret_dir);

static inline bool cg_overflowed(const struct cg_state *st)
{
	return st->flags & (CG_OVERFLOW_OBJ | CG_OVERFLOW_DIR);
}
void record_list_done(struct record_list *l);
/* Drops the records of a cgroup (st: its state, as tracer_read_records
 * returned it); the registration stays. */
int tracer_delete_records(const struct tracer *t, uint64_t cgroup_id, const struct cg_state *st);

#endif
