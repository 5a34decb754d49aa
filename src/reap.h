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

#include "reap-plan.h"

int reap(const struct record_list *records, const struct reap_opts *opts, struct reap_result *ret);

#endif
