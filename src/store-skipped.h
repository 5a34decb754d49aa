/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <run dir>/skipped: one line "<unix time> <container id> <reason>" per
 * container that prestart (or bpfreaper-runtime, adding no hooks) let run
 * unrecorded because of bpfreaper's own trouble (on_error ignore, report
 * mode, or a config that is not usable); "-" when the id is not known. Appended with O_APPEND, so
 * concurrent prestarts never interleave; bounded: past 64 KiB the file
 * becomes skipped.1 (replacing the older one) and a new one starts, so the
 * count covers the last 64 to 128 KiB of events (some 500 or more).
 * Writing it is best-effort: the caller logs when it fails.
 */
#ifndef BPFREAPER_SKIPPED_H
#define BPFREAPER_SKIPPED_H

#include <stddef.h>
#include <stdint.h>

#include "input-limits.h"

#define SKIPPED_FILE "skipped"
#define SKIPPED_OLD_FILE "skipped.1"
#define SKIPPED_REASON_MAX 400

struct skipped_summary {
	size_t count;      /* events in skipped and skipped.1 */
	int64_t last_at;   /* unix seconds of the newest one, 0 if none */
	char last_id[256];
	char last_reason[SKIPPED_REASON_MAX + 1];
};

/* Appends one event; control characters in reason become spaces, a longer
 * reason is cut. Creates the run directory if missing, never follows a
 * symlink at the file. */
int skipped_record(const char *id, const char *reason);
/* Both files of the run directory; count 0 if there are none. */
int skipped_summary_read(struct skipped_summary *ret);
/* Adds the events in text (the content of one file, oldest first) to acc;
 * lines that do not parse are not counted. */
void skipped_parse(const char *text, size_t len, struct skipped_summary *acc);

#endif
