/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state file /run/bpfreaper/state/<id>.json: what prestart learned and
 * poststop needs once the container's process and namespaces are gone.
 * Written atomically; read back with the same validation as any input.
 */
#ifndef BPFREAPER_STATE_H
#define BPFREAPER_STATE_H

#include <stdint.h>

#include "binds.h"
#include "config.h"
#include "rundir.h"

#define STATE_VERSION 1
#define STATE_MAX_BYTES (1024 * 1024)

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
};

void container_state_done(struct container_state *s);
int state_write(const struct rundir *rd, const struct container_state *s);
/* -ENOENT: no state for this id. -EBADMSG: present but not a valid state
 * (*ret_why says why). */
int state_read(const struct rundir *rd, const char *id, struct container_state *ret,
	       const char **ret_why);
int state_remove(const struct rundir *rd, const char *id);
/* Serializes poststop and gc on one container: an fd holding flock(LOCK_EX)
 * on its state file, or -ENOENT if there is none (or it was removed while we
 * waited). */
int state_lock(const struct rundir *rd, const char *id);

struct state_ids {
	char **v;
	size_t n;
};
/* The ids of all state files (names that are not valid ids are skipped). */
int state_list(const struct rundir *rd, struct state_ids *ret);
void state_ids_done(struct state_ids *l);
/* Parse the text of a state file (the unit tests and fuzzers use this). */
int state_parse(const char *text, size_t len, const char *want_id, struct container_state *ret,
		const char **ret_why);
int state_serialize(const struct container_state *s, char **ret_text);

#endif
