/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the eBPF objects a running container made still hold, measured now
 * from the live kernel objects its records name (never from the records
 * alone), and the previous sample kept in the run directory for growth.
 * Reads the tracer's records and the kernel; writes only the sample file.
 * Never on the hook path: collecting opens every live object by id.
 */
#ifndef BPFREAPER_LIVE_USAGE_H
#define BPFREAPER_LIVE_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci-podid.h"
#include "policy-config.h"
#include "store-rundir.h"
#include "store-state.h"
#include "tracer-load.h"
#include "tracer-records.h"

/* What is counted: the maps, programs and links the container created (a
 * creation record, the object still alive under the same id), and the pin
 * records it still holds. Bytes are the kernel's "memlock" of each live
 * map and program, as /proc/self/fdinfo shows it and bpftool reports it as
 * bytes_memlock; links have none. Not counted: objects the container only
 * pinned or used (another creator's), creations the tracer could not prove
 * (REC_F_UNPROVEN, counted in unproven instead), memory a map allocates
 * beyond its memlock estimate (the memcg charge), JITed code pages. */
struct live_usage {
	uint32_t maps, progs, links;
	uint32_t pins;
	uint32_t unproven;
	uint64_t map_bytes, prog_bytes;
};

static inline uint32_t live_usage_objects(const struct live_usage *u)
{
	return u->maps + u->progs + u->links;
}

static inline uint64_t live_usage_bytes(const struct live_usage *u)
{
	return u->map_bytes + u->prog_bytes;
}

/* The kernel's memlock figure of a map or program fd; -ENODATA for an fd
 * whose fdinfo has none (a link). */
int obj_fd_memlock(int fd, uint64_t *ret);
/* The usage of one container's records (tracer_read_records()). */
int live_usage_of_records(const struct record_list *l, struct live_usage *ret);

/* What each live object a container created holds, measured before
 * poststop removes anything (the report's "bytes"). */
struct live_object_bytes {
	uint32_t kind, id;
	uint64_t bytes;
};
struct live_bytes {
	struct live_object_bytes *v;
	size_t n;
	uint64_t total;
};
int live_bytes_of_records(const struct record_list *l, struct live_bytes *ret);
/* 0 for an object not measured (freed before, unproven, a link). */
uint64_t live_bytes_of(const struct live_bytes *b, uint32_t kind, uint32_t id);
void live_bytes_done(struct live_bytes *b);

/* One registered container as collected. */
struct live_row {
	char *id;
	uint64_t cgroup_id;
	uint64_t earlier; /* 0: the current run; else a kept earlier run */
	struct pod_identity pod;
	bool overflowed;
	struct live_usage usage;
	struct live_budget budget; /* from its state; 0s: none */
	bool over_budget;          /* its objects or bytes exceed the budget now */
	bool crossed_now;          /* over, and not yet said (live_budget_note) */
};

struct live_rows {
	struct live_row *v;
	size_t n;
	int64_t at; /* unix seconds of the collection */
	size_t unreadable; /* states or records that could not be read */
};

/* Every container with a state that the tracer still records, sorted by
 * bytes, largest first (then objects, then id). */
int live_collect(const struct rundir *rd, const struct tracer *t, struct live_rows *ret);
void live_rows_done(struct live_rows *l);

/* One container with a state, as `bpfreaperctl list` shows it: whether the
 * tracer still records it ("recording", "unregistered", or "no-tracer"
 * when t is NULL), its records, and what its live objects hold. */
struct list_row {
	struct container_state st;
	uint64_t earlier; /* 0: the current run; else a kept earlier run */
	const char *status;
	uint32_t object_records, dir_records;
	bool overflowed;
	bool live_known; /* live holds what its objects hold now */
	struct live_usage live;
};

int live_list_row(const struct rundir *rd, const struct tracer *t, const struct state_file *f,
		  struct list_row *ret, struct br_error *err);
void list_row_done(struct list_row *row);

/* Over its budget: more objects or more bytes than the budget's nonzero
 * parts. */
bool live_over_budget(const struct live_usage *u, const struct live_budget *b);
/* Marks each row over its budget in <run dir>/live-budget/<cgroup id>,
 * made once per run of a container (O_EXCL, so two collectors at once
 * still say it once): crossed_now for those this call marked. Marks of
 * runs the tracer no longer records are removed. */
#define LIVE_BUDGET_DIR "live-budget"
int live_budget_note(const struct rundir *rd, const struct tracer *t, struct live_rows *rows);

/* The previous sample, <run dir>/live-sample.json: per cgroup id (a run of
 * a container), its objects and bytes. */
#define LIVE_SAMPLE_FILE "live-sample.json"
struct live_sample_entry {
	uint64_t cgroup_id;
	uint32_t objects;
	uint64_t bytes;
};
struct live_sample {
	int64_t at;
	struct live_sample_entry *v;
	size_t n;
};
/* -ENOENT: no sample yet; -EBADMSG: not one (the caller starts afresh). */
int live_sample_read(int root_fd, struct live_sample *ret);
/* Replaces the sample with rows, atomically. */
int live_sample_write(int root_fd, const struct live_rows *rows);
const struct live_sample_entry *live_sample_find(const struct live_sample *s, uint64_t cgroup_id);
void live_sample_done(struct live_sample *s);

#endif
