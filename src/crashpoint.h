/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test-only kill points. BPFREAPER_CRASH_AT=NAME[:N] makes the process
 * SIGKILL itself the Nth time (default 1st) it passes crashpoint(NAME), so
 * tests can show that a rerun or gc finishes a run killed at any step. The
 * variable only ever makes a hook die early, which a runtime's kill can do
 * anyway. BPFREAPER_STOP_AT=NAME[:N] SIGSTOPs it there instead, so a test
 * can change the bpffs between two steps (a race a hostile neighbour could
 * win) and SIGCONT it; a debugger could do the same.
 */
#ifndef BPFREAPER_CRASHPOINT_H
#define BPFREAPER_CRASHPOINT_H

void crashpoint(const char *name);

#endif
