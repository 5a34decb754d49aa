/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test-only kill points. BPFREAPER_CRASH_AT=NAME[:N] makes the process
 * SIGKILL itself the Nth time (default 1st) it passes crashpoint(NAME), so
 * tests can show that a rerun or gc finishes a run killed at any step. The
 * variable only ever makes a hook die early, which a runtime's kill can do
 * anyway.
 */
#ifndef BPFREAPER_CRASHPOINT_H
#define BPFREAPER_CRASHPOINT_H

void crashpoint(const char *name);

#endif
