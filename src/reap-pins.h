/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a container's pins are found and removed. Finding decides nothing:
 * the plan (reap-plan.c) says which of the pins found keep rules keep, and
 * only the others are unlinked, after the detaches.
 */
#ifndef BPFREAPER_REAP_PINS_H
#define BPFREAPER_REAP_PINS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-binds.h"
#include "reap-bpffs.h"
#include "reap-result.h"
#include "tracer-records.h"

/* A pin found in a view that holds one of the container's objects. */
struct pin_candidate {
	const struct bpffs_view *view;
	char *path; /* host path: the view's root and what follows, no symlink */
	uint32_t kind, id;
	ino_t ino; /* the pin's inode when it was identified */
};

/* The pins found, between finding them and unlinking them. */
struct pin_scan {
	struct reap_result *res;
	const struct binds *binds;
	uint64_t registered_ns;
	const struct bpffs_view *view; /* the one being walked */
	struct pin_candidate *v;
	size_t n;
};

/* The pins in views that hold the container's objects: where it pinned
 * them when all are still there (res->pins_from_record), else by a walk
 * of what in the views is newer than its registration. Unlinks nothing. */
int reap_find_pins(const struct record_list *records, struct reap_result *res, const struct binds *binds,
		   uint64_t registered_ns, const struct bpffs_views *views, struct pin_scan *scan);
/* Unlinks the pins of scan (or lists them, when remove is false). */
int reap_unpin(struct reap_result *res, bool remove, const struct pin_scan *scan);
void reap_pin_scan_done(struct pin_scan *scan);
/* For survivors nothing else explains: pins of them in a bpffs outside
 * the views, named in res->pins_left, never unlinked. */
int reap_find_pins_outside(struct reap_result *res, dev_t own_bpffs, uint64_t registered_ns,
			   const struct bpffs_views *views);

#endif
