/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The user-space side of bpf/tracer.bpf.c: load it once and pin it in the
 * private bpffs, register and unregister cgroups, read and drop records.
 * Loading and unloading happen under the run directory's exclusive lock.
 */
#ifndef BPFREAPER_TRACER_USER_H
#define BPFREAPER_TRACER_USER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/tracer.h"
#include "backend.h"
#include "rundir.h"

struct tracer {
	int cgroups_fd;
	int records_fd; /* the array of the containers' records maps */
	int slots_fd;   /* the id of the records map in each slot */
	int free_fd;    /* filled slots no container uses (a stack) */
	int compacted_fd; /* records gc dropped, by slot */
	enum tracer_backend backend; /* of the loaded tracer: never AUTO */
	/* tracer_load() with AUTO fell back to tracepoints: why ("" if not). */
	char trampoline_error[128];
};

#define TRACER_INIT                                                                                   \
	{ .cgroups_fd = -EBADF, .records_fd = -EBADF, .slots_fd = -EBADF, .free_fd = -EBADF, .compacted_fd = -EBADF }

struct record_list {
	struct cg_state cg;
	uint32_t compacted; /* records gc dropped (freed objects) */
	struct record *v;
	size_t n;
};

/* -ENOENT: no tracer is loaded. */
int tracer_open(const struct rundir *rd, struct tracer *ret);
/* Loads, attaches and pins a new tracer with backend want (AUTO: the
 * trampoline backend where the kernel loads it, else tracepoints). Caller
 * holds LOCK_EX. */
int tracer_load(const struct rundir *rd, enum tracer_backend want, struct tracer *ret);
/* Opens the running tracer, loading it (and mounting the private bpffs)
 * first if there is none. Returns the lock fd to close when done: shared
 * normally, exclusive if this call loaded the tracer. */
int tracer_open_or_load(const struct rundir *rd, enum tracer_backend want, struct tracer *t,
			bool *ret_loaded);
/* Unpins the tracer if no cgroup is registered (-EBUSY otherwise). Caller
 * holds LOCK_EX. */
int tracer_unload(const struct rundir *rd);
void tracer_close(struct tracer *t);
/* Loads a backend's programs and unloads them at once (doctor); on failure
 * why says which step failed and how. */
int tracer_probe(enum tracer_backend b, char *why, size_t len);

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
/* Frees the records maps of unused slots beyond keep spare ones (each costs
 * an RCU grace period: gc's job, not a hook's). The caller holds the slots
 * lock. */
#define TRACER_SPARE_SLOTS 16
int tracer_trim_slots(const struct tracer *t, size_t keep, size_t *ret_freed);
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
