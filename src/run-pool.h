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

#include <stddef.h>

#include "store-rundir.h"
#include "tracer-load.h"

/* Brings the pool to POOL_SPARE maps under the slots lock. */
int pool_tend(const struct rundir *rd, const struct tracer *t, size_t *ret_filled, size_t *ret_freed);
/* If the pool is off POOL_SPARE, tends it in a detached process (its own
 * session, stdio on /dev/null: a runtime waiting for the hook's output is
 * not kept waiting) and returns at once; one such process at a time per
 * run directory. 1: a process was started. The process is the hook's binary
 * again (exec'd with POOL_TEND_ARG, its command line nothing of the
 * container's), and it ends once the pool is tended (a map in or out is
 * one RCU grace period, 10 to 20 ms): a runtime that is a subreaper and
 * waits for every descendant (`crun run`) waits that long only when the
 * pool was off, never for a process that stays. */
#define POOL_TEND_ARG "--tend-records-pool"
int pool_tend_detached(const struct rundir *rd, const struct tracer *t);
/* The detached process's main (the hooks call it for POOL_TEND_ARG):
 * exit status 0, or 1 on an error (nobody reads it; the reports say
 * pool_dry when the pool ran out). */
int pool_tend_main(void);

#endif
