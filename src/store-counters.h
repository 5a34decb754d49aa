/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <run dir>/counters: what the hooks and gc did since boot, for
 * `bpfreaperctl metrics` (Prometheus counters; a reboot resets them, which
 * Prometheus handles). One line "<key> <value>" per counter, so an operator
 * can cat it. Each update is one locked read-modify-write in place:
 * open, flock(LOCK_EX), pread, pwrite, close; a few microseconds on a hook
 * (measured in docs/operations.md, "Metrics and alerts"), with no temp file, rename or fsync.
 * Values only grow, so the text never shrinks and a pwrite of the whole
 * text at offset 0 leaves no stale tail; a single write() is never torn by
 * a signal, and the run directory does not outlive a power loss. Readers
 * take LOCK_SH. An unreadable or foreign line counts as 0 (a reset), never
 * as an error on a container's path. Best effort: callers ignore failures.
 */
#ifndef BPFREAPER_COUNTERS_H
#define BPFREAPER_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input-limits.h"

#define COUNTERS_FILE "counters"

/* New counters go anywhere: the file is keyed by name, not position. */
enum counter {
	COUNTER_REGISTERED,        /* prestart registered a new run */
	COUNTER_PRESTART_SKIPPED,  /* bpfreaper's trouble: the container ran unrecorded (prestart, wrapper) */
	COUNTER_PRESTART_REFUSED,  /* bpfreaper's trouble under enforce + on_error fail */
	COUNTER_PRESTART_BAD_INPUT,/* prestart input it cannot use: state, annotation, config, arguments */
	COUNTER_POSTSTOP_FAILED,   /* a teardown step failed (state kept for gc) */
	COUNTER_TEARDOWNS_POSTSTOP,
	COUNTER_TEARDOWNS_GC,
	COUNTER_OBJECTS_RECORDED,
	COUNTER_OBJECTS_FREED,
	COUNTER_OBJECTS_SURVIVED,
	COUNTER_PINS_REMOVED,
	COUNTER_PINS_KEPT,
	COUNTER_PINS_LEFT,
	COUNTER_DIRS_REMOVED,
	COUNTER_DETACHED,          /* links and legacy attachments */
	COUNTER_ATTACHMENTS_LEFT,
	COUNTER_OVERFLOWS,         /* teardowns whose records had overflowed */
	COUNTER_NOT_TRACED,        /* teardowns with calls the tracer could not record */
	COUNTER_GC_RUNS,
	COUNTER_GC_FAILED,         /* runs that failed or left a container they could not clean */
	COUNTER_GC_LAST_SUCCESS,   /* unix seconds; set, not added */
	COUNTER_LIVE_BUDGET_CROSSED, /* runs of containers seen over their live budget (once each) */
	COUNTER__MAX
};

struct counter_op {
	uint64_t value;
	enum counter counter;
	bool set; /* replace instead of add */
};

#define COUNTER_ADD(c, n) ((struct counter_op){ .value = (n), .counter = (c) })
#define COUNTER_SET(c, n) ((struct counter_op){ .value = (n), .counter = (c), .set = true })

/* The key in the file. */
const char *counter_key(enum counter c);
/* All ops in one locked update; creates the file (and the run directory). */
int counters_apply(const struct counter_op *ops, size_t n);
/* One counter, by n. */
int counters_add(enum counter c, uint64_t n);
/* All 0 when there is no file yet. */
int counters_read(uint64_t ret[COUNTER__MAX]);
/* The text form (the unit tests use these). Unknown keys and lines that do
 * not parse are skipped. */
void counters_parse(const char *text, size_t len, uint64_t ret[COUNTER__MAX]);
int counters_format(const uint64_t v[COUNTER__MAX], char *buf, size_t size, size_t *ret_len);

#endif
