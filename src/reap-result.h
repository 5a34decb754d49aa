/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a poststop did and found, filled by the removal steps (reap.c for
 * pins, symlinks and directories, reap-attach.c for attachments) and read by the
 * report: its own module, so that those steps depend on it and not on each
 * other.
 */
#ifndef BPFREAPER_REAPRESULT_H
#define BPFREAPER_REAPRESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/record.h"
#include "reap-holders.h"

#define REAP_HOLDERS_MAX 8

struct reap_object {
	uint32_t kind, id, type;
	uint32_t pid;
	char comm[16];
	char name[16];
	bool detached;
	bool freed;
	bool kept; /* a keep rule holds one of its pins (or a kept link runs it) */
	const char *kept_rule; /* the rule, if kept */
	const char *survivor_reason; /* static text, NULL if freed */
	char *pinned_at;             /* a pin left in place, if any */
	char *attached_at;           /* an attachment left in place, if any */
	/* Survivors: processes holding an fd of it, programs using it (maps). */
	struct holder_rec held_by[REAP_HOLDERS_MAX];
	size_t n_held_by;
	uint32_t used_by[REAP_HOLDERS_MAX];
	size_t n_used_by;
};

struct reap_path {
	char *path;
	uint32_t kind, id; /* objects; 0 for directories */
	int error;         /* -errno for what was left, 0 for what was removed */
	const char *why;   /* static text for what was left */
	const char *rule;  /* the keep rule, for what was kept */
};

struct path_list {
	struct reap_path *v;
	size_t n;
};

struct reap_result {
	struct reap_object *objects;
	size_t n_objects;
	struct path_list pins_removed, pins_kept, pins_left, dirs_removed, dirs_left;
	/* Attachments of its programs that outlive it (legacy cgroup attach,
	 * XDP, tc): path says where, id is the program. */
	struct path_list attach_detached, attach_left, attach_kept;
	struct path_list symlinks_removed, symlinks_left;
	/* Creation records the tracer could not prove: never the container's. */
	struct reap_unproven {
		uint32_t kind, id;
	} *unproven;
	size_t n_unproven;
	/* Records whose id now names another object (its fingerprint
	 * differs): theirs was freed and the id reused. Never acted on. */
	struct reap_unproven *ids_reused;
	size_t n_ids_reused;
	/* Pins a walk found, newer than the registration, holding no object
	 * the container is known to have made, while some creation went
	 * unrecorded (CG_UNRESOLVED, CG_UNSEEN_SYSCALL_PROG): maybe its,
	 * never proven, never unlinked. */
	struct path_list pins_unproven;
	uint32_t unresolved; /* creations and pins the tracer could not resolve */
	size_t pins_recorded;
	size_t dirs_unresolved; /* recorded mkdirs that could not be placed on the host */
	uint32_t flags; /* enum cg_flags from the tracer */
	/* Records dropped while the container ran: creations of objects freed
	 * (by the tracer at their last close, or by gc), names removed. */
	uint32_t dropped_freed, dropped_names;
	size_t bpffs_scanned;
	/* A walk's regular files: opened to learn their object, or passed over
	 * as older than the container (see pins_since in reap-pins.c). */
	size_t pins_opened, pins_older;
	size_t dirs_older; /* a walk's directories not read: old, no subdirectory */
	bool pins_from_record;  /* every pin found where the record says: no walk */
	size_t views_refused; /* writable bpffs binds not opened: a symlink in the way */
	/* Microseconds per phase: finding pins, detaching, unpinning, removing
	 * symlinks and directories, waiting for the kernel, naming survivors. */
	uint64_t scan_us, detach_us, unpin_us, dirs_us, wait_us, explain_us;
	size_t survivors;
};

/* Some creation was made without a record (CG_UNRESOLVED: its fd swapped
 * away; a syscall program's, on the tracepoint backend): its pins can only
 * be found by a walk of the views, and named, never removed. */
static inline bool reap_creations_unrecorded(const struct reap_result *res)
{
	return res->flags & (CG_UNRESOLVED | CG_UNSEEN_SYSCALL_PROG);
}

/* For the modules that fill a reap_result (reap.c, reap-attach.c). */
int reap_path_add(struct path_list *l, const char *path, uint32_t kind, uint32_t id, int error,
		  const char *why);
/* What a keep rule kept: why "keep rule", and the rule. */
int reap_path_add_kept(struct path_list *l, const char *path, uint32_t kind, uint32_t id, const char *rule);
struct reap_object *reap_find_object(struct reap_result *res, uint32_t kind, uint32_t id);
/* Orders objects by kind, then id: res->objects is sorted so (qsort). */
int reap_object_cmp(const void *a, const void *b);

void reap_result_done(struct reap_result *r);

#endif
