/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What poststop does with a container's records, in order: find the pins
 * that hold its objects in the bpffs views it could write (found by
 * identity, wherever it renamed or linked them) and which of them keep
 * rules keep, detach its links and attachments that nothing kept holds,
 * unlink the pins not kept, remove the symlinks and empty directories it
 * made, then wait for the kernel to free its objects. Removes nothing that
 * the records do not name, and nothing outside those views.
 */
#ifndef BPFREAPER_REAPER_H
#define BPFREAPER_REAPER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-binds.h"
#include "policy-config.h"
#include "reap-result.h"
#include "tracer-records.h"

struct policy;

struct reap_opts {
	bool remove;       /* policy_removes(); false: report only */
	unsigned wait_ms;  /* how long to wait for the kernel to free objects */
	dev_t own_bpffs;   /* never walk bpfreaper's private bpffs */
	const struct binds *binds;
	/* Asked which pins, symlinks and dirs stay (policy_keeps()); NULL:
	 * none does. */
	const struct policy *policy;
	/* CLOCK_REALTIME_COARSE ns at registration: older directories and
	 * symlinks are not the container's. 0: unknown, no limit. */
	uint64_t registered_ns;
};

int reap(const struct record_list *records, const struct reap_opts *opts, struct reap_result *ret);

#endif
