/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a container's records are kept, read and dropped: registration
 * (each container gets a records map of its own, a slot), reading, gc's
 * compaction, dropping at poststop. The maps are those of the loaded
 * tracer (tracer-load.h); the record layout is bpf/record.h.
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
int tracer_records_map_create(void);

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

/* Gives the cgroup a records map of its own (a free slot) and registers
 * it. -EEXIST if the cgroup is registered already. The caller holds the
 * slots lock (rundir_lock_slots): two registrations must not take the same
 * slot. */
int tracer_register(const struct tracer *t, uint64_t cgroup_id, const struct tracer_views *views);
int tracer_unregister(const struct tracer *t, uint64_t cgroup_id);
/* Frees the records maps of unused slots beyond keep spare ones, at most
 * max_free of them (0: no limit). Each costs an RCU grace period: gc's job,
 * and only a few at a time on a container's stop. The caller holds the
 * slots lock. */
#define TRACER_SPARE_SLOTS 16
int tracer_trim_slots(const struct tracer *t, size_t keep, size_t max_free, size_t *ret_freed);
/* -ENOENT if the cgroup is not registered. */
int tracer_cgroup_state(const struct tracer *t, uint64_t cgroup_id, struct cg_state *ret);
int tracer_count_registered(const struct tracer *t, size_t *ret);
/* All registered cgroup ids (for the CLI and gc). */
int tracer_list_registered(const struct tracer *t, uint64_t **ret_ids, size_t *ret_n);

/* The cgroup's records, oldest first. */
int tracer_read_records(const struct tracer *t, uint64_t cgroup_id, struct record_list *ret);
/* Drops the records of the cgroup's objects the kernel has freed (the
 * tracer drops most at the close that frees them; a process exit or a
 * program that held a map frees them unseen): *ret_dropped of them, from
 * the records map in *ret_slot. Safe beside the tracer and registrations. */
int tracer_compact(const struct tracer *t, uint64_t cgroup_id, uint32_t *ret_slot, size_t *ret_dropped);
/* Counts them against the budget (the tracer reads the count), if the
 * cgroup still has that slot. Caller holds the slots lock: a registration
 * that claims the slot meanwhile zeroes the count. */
int tracer_count_compacted(const struct tracer *t, uint64_t cgroup_id, uint32_t slot, size_t dropped);
/* The cgroup's live records, by budget (what the budgets limit). */
int tracer_live_records(const struct tracer *t, const struct cg_state *st, uint32_t *ret_obj, uint32_t *ret_dir);

static inline bool cg_overflowed(const struct cg_state *st)
{
	return st->flags & (CG_OVERFLOW_OBJ | CG_OVERFLOW_DIR);
}
void record_list_done(struct record_list *l);
/* Drops the records of a cgroup (st: its state, as tracer_read_records
 * returned it); the registration stays. */
int tracer_delete_records(const struct tracer *t, const struct cg_state *st);

#endif
