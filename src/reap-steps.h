/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steps of the removal that reap() (reap.c) runs in order, one file
 * each: finding and unlinking pins (reap-pins.c), removing symlinks and
 * directories (reap-dirs.c); attachments are reap-attach.c's. Internal to the
 * removal: nothing outside src/reap*.c and reap-attach.c includes this.
 */
#ifndef BPFREAPER_REAP_STEPS_H
#define BPFREAPER_REAP_STEPS_H

#include "reap-bpffs.h"
#include "reap.h"

struct pin_candidate;

/* The pins found, between finding them and unlinking them (after the
 * detaches: a kept pin keeps what it holds attached). */
struct pin_scan {
	struct reap_result *res;
	const struct reap_opts *opts;
	const struct bpffs_view *view;
	struct pin_candidate *v;
	size_t n;
};

/* The keep rule that keeps path, or NULL (asks the policy). */
const char *reap_kept_by(const struct reap_opts *opts, const char *path);

/* The pins in views that hold the container's objects: where it pinned
 * them when all are still there (res->pins_from_record), else by a walk
 * of what in the views is newer than its registration. Unlinks nothing;
 * marks the objects keep rules keep. */
int reap_find_pins(const struct record_list *records, struct reap_result *res, const struct reap_opts *opts,
		   const struct bpffs_views *views, struct pin_scan *scan);
/* Unlinks the pins found (or lists them, in report mode). */
int reap_unpin(struct reap_result *res, const struct reap_opts *opts, const struct pin_scan *scan);
void reap_pin_scan_done(struct pin_scan *scan);
/* For survivors nothing else explains: pins of them in a bpffs outside
 * the views, named in res->pins_left, never unlinked. */
int reap_find_pins_outside(struct reap_result *res, const struct reap_opts *opts, const struct bpffs_views *views);

int reap_remove_symlinks(const struct record_list *records, struct reap_result *res, const struct reap_opts *opts,
			 const struct bpffs_views *views);
int reap_remove_dirs(const struct record_list *records, struct reap_result *res, const struct reap_opts *opts,
		     const struct bpffs_views *views);

#endif
