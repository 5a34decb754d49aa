/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pool of empty records maps the tracer takes from when a container
 * first needs one (bpf/record.h): kept at POOL_SPARE maps. Putting a map in
 * or taking one out waits for an RCU grace period, so the hooks never do it
 * on their path: they start a detached process when the pool is off, and gc
 * does it in its own time.
 */
#ifndef BPFREAPER_RUN_POOL_H
#define BPFREAPER_RUN_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "store-rundir.h"
#include "tracer-load.h"

/* Brings the pool to POOL_SPARE maps under the slots lock. */
int pool_tend(const struct rundir *rd, const struct tracer *t, size_t *ret_filled, size_t *ret_freed);
/* If the pool is off POOL_SPARE, tends it in a detached process (its own
 * session, stdio on /dev/null: a runtime waiting for the hook's output is
 * not kept waiting) and returns at once. 1: a process was started.
 *
 * The process is the hook's binary again (exec'd with POOL_TEND_ARG, its
 * command line nothing of the container's), and it keeps tending while
 * containers are registered, until the pool has not changed for 30 s (at
 * most 5 minutes): containers that take maps soon after their start
 * (agents making their maps) find them there, not only those that take
 * them before the next hook runs. One such process at a time per run
 * directory. */
#define POOL_TEND_ARG "--tend-records-pool"
/* watch: a container starts and may take maps from now on: the tending
 * process goes on 30 s from now at least (started if none runs). Else one
 * is started only if the pool is off. */
int pool_tend_detached(const struct rundir *rd, const struct tracer *t, bool watch);
/* The detached process's main (the hooks call it for POOL_TEND_ARG):
 * exit status 0, or 1 on an error (nobody reads it; the reports say
 * pool_dry when the pool ran out). */
int pool_tend_main(void);

#endif
