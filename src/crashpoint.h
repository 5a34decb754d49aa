/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test-only kill points, present only in the test build (make test-build:
 * build/test/bin, compiled with -DBPFREAPER_TEST_BUILD). There,
 * BPFREAPER_CRASH_AT=NAME[:N] makes the process SIGKILL itself the Nth time
 * (default 1st) it passes crashpoint(NAME), so tests can show that a rerun
 * or gc finishes a run killed at any step, and BPFREAPER_STOP_AT=NAME[:N]
 * SIGSTOPs it there instead, so a test can change the bpffs between two
 * steps (a race a hostile neighbour could win) and SIGCONT it.
 * The shipped build (make, make install, the packages) has none: a hook
 * that inherits its runtime's environment must not be stoppable by it while
 * the runtime waits (tests/lint/no-test-hooks checks the binaries).
 */
#ifndef BPFREAPER_CRASHPOINT_H
#define BPFREAPER_CRASHPOINT_H

#ifdef BPFREAPER_TEST_BUILD
void crashpoint(const char *name);
#else
static inline void crashpoint(const char *name)
{
	(void)name;
}
#endif

#endif
