/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reap plan: what a teardown may touch, decided once before anything
 * is removed. Built from the records, the container's state (its binds,
 * its registration time) and the policy: the container's objects (reused
 * ids and unproven creations set aside), the bpffs views it could write
 * with their host paths, the pins that hold its objects, and which of all
 * that keep rules keep (pin -> object; kept link -> its program; a kept
 * program -> its attachments). Keep is decided here and nowhere else: the
 * removal steps read the verdicts (reap_object.kept, reap_plan_keeps())
 * and write what they did into the result.
 */
#ifndef BPFREAPER_REAP_PLAN_H
#define BPFREAPER_REAP_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-binds.h"
#include "reap-bpffs.h"
#include "reap-pins.h"
#include "reap-result.h"
#include "tracer-records.h"

struct policy;

/* What the teardown hands the removal. */
struct reap_opts {
	bool remove;       /* policy_removes(); false: report only */
	unsigned wait_ms;  /* how long to wait for the kernel to free objects */
	dev_t own_bpffs;   /* never walk bpfreaper's private bpffs */
	const struct binds *binds;
	/* Which pins, symlinks and dirs stay (policy_keeps()); NULL: none. */
	const struct policy *policy;
	/* CLOCK_REALTIME_COARSE ns at registration: older directories and
	 * symlinks are not the container's. 0: unknown, no limit. */
	uint64_t registered_ns;
};

struct reap_plan {
	const struct reap_opts *opts;
	/* The records whose objects are still the ones recorded (or freed). */
	struct record_list mine;
	struct bpffs_views views;
	/* Pins holding the container's objects that no keep rule keeps: the
	 * ones to unlink (kept ones are in the result's pins_kept). */
	struct pin_scan pins;
};

/* Fills plan, and in res the objects with their keep verdicts, the kept
 * pins and what was set aside (unproven creations, reused ids). */
int reap_plan_build(const struct record_list *records, const struct reap_opts *opts, struct reap_plan *plan,
		    struct reap_result *res);
void reap_plan_done(struct reap_plan *plan);

/* The keep rule that keeps path (a symlink or directory the container
 * made, where it is now), or NULL. */
const char *reap_plan_keeps(const struct reap_plan *plan, const char *path);

#endif
