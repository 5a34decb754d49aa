/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state file /run/bpfreaper/state/<id>.json: what prestart learned and
 * poststop needs once the container's process and namespaces are gone.
 * Written atomically; read back with the same validation as any input.
 *
 * One container id runs again and again (podman start/restart, restart
 * policies, systemd units). A run is its cgroup: a restarted container gets
 * a new cgroup, and cgroup ids are never reused within a boot. When a
 * prestart finds the id's state naming another cgroup, that earlier run was
 * never finished (its poststop crashed or never ran): the prestart keeps it
 * under state/<id>@<cgroup id>.json (a rename, nothing slow on the start
 * path) and poststop of the same id or gc finishes it later with its own
 * records. '@' is never in a container id, so no container's current state
 * can be named like that. Ids longer than STATE_EARLIER_ID_MAX are cut in
 * that name (the cgroup id keeps it unique; the file holds the whole id).
 */
#ifndef BPFREAPER_STATE_H
#define BPFREAPER_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "oci-binds.h"
#include "policy-config.h"
#include "error.h"
#include "input-limits.h"
#include "oci-podid.h"
#include "store-rundir.h"

#define STATE_VERSION 1

struct container_state {
	char *id;
	uint64_t cgroup_id;
	char *cgroup_path; /* the cgroup2 directory, as prestart reached it */
	char *cgroup;      /* as the runtime names it ("0::" in /proc/<pid>/cgroup); may be NULL */
	int pid;
	char *bundle;  /* may be NULL */
	char *runtime_status; /* status at prestart: creating (runc) or created (crun) */
	int64_t created_at; /* unix seconds */
	/* CLOCK_REALTIME_COARSE nanoseconds taken before the cgroup was
	 * registered: a bpffs entry whose ctime is older existed before the
	 * container could make it. 0: unknown (a state from an older bpfreaper). */
	uint64_t registered_ns;
	struct binds binds;
	enum mode mode;         /* enforce or report: off never gets a state */
	char *mode_source;      /* where the mode came from (policy.h); NULL in older states */
	struct keep_rules keep; /* config and annotation rules at prestart */
	/* The backend recording this container; AUTO: not known (a state
	 * written by an older bpfreaper). */
	enum tracer_backend backend;
	/* From the CRI annotations (oci-podid.h); all "" in older states and for
	 * containers no Kubernetes runtime started. */
	struct pod_identity pod;
	/* The live budget prestart resolved (policy.h); 0s: none, and in
	 * older states. */
	struct live_budget live_budget;
};

/* Room in a file name for "@<20 digits>.json" and write_file_atomic's
 * ".<pid>.tmp" beside the id. */
#define STATE_EARLIER_ID_MAX 200

void container_state_done(struct container_state *s);
/* Writes the current run's state, state/<id>.json. */
int state_write(const struct rundir *rd, const struct container_state *s);
/* The functions below take earlier: 0 for the current run of id
 * (state/<id>.json), or the cgroup id of a kept earlier run of it. */

/* The file name of a state (or of its report: reports are named alike). */
int state_file_name(const char *id, uint64_t earlier, char *buf, size_t size);
/* -ENOENT: no such state. -EBADMSG: present but not a valid state (err,
 * step BR_STEP_STATE_READ, says why: "state names another container"). */
int state_read(const struct rundir *rd, const char *id, uint64_t earlier, struct container_state *ret,
	       struct br_error *err);
int state_remove(const struct rundir *rd, const char *id, uint64_t earlier);
/* Serializes prestart, poststop and gc on one state file: an fd holding
 * flock(LOCK_EX) on it, or -ENOENT if there is none (or it was removed
 * while we waited). While the fd is held, the name refers to the locked
 * file: a prestart moves a state aside only under this lock. */
int state_lock(const struct rundir *rd, const char *id, uint64_t earlier);
/* Prestart, holding state_lock() on the current state of id, which names
 * cgroup earlier: rename it to the earlier-run name. Atomic: the state is
 * under one name or the other, never lost, never both. */
int state_keep_earlier(const struct rundir *rd, const char *id, uint64_t earlier);

struct state_file {
	/* The container id; for an earlier run, as far as its file name
	 * holds it (STATE_EARLIER_ID_MAX), which state_read() accepts. */
	char *id;
	uint64_t earlier; /* 0: the current run */
};
struct state_ids {
	struct state_file *v;
	size_t n;
};
/* All state files, current and earlier runs (other names are skipped). */
int state_list(const struct rundir *rd, struct state_ids *ret);
void state_ids_done(struct state_ids *l);
/* What a state (or report) file name stands for; -EINVAL if it is not one
 * state_file_name() writes. */
int state_file_name_parse(const char *name, char **ret_id, uint64_t *ret_earlier);
/* Whether f may hold a run of container id: a cut name fits longer ids
 * too, so the id read from the file has the last word. */
bool state_file_of(const struct state_file *f, const char *id);
/* Parse the text of a state file (the unit tests and fuzzers use this). */
int state_parse(const char *text, size_t len, const char *want_id, struct container_state *ret,
		struct br_error *err);
int state_serialize(const struct container_state *s, char **ret_text);

#endif
