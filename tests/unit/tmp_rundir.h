/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A run directory of the test's own under /tmp (BPFREAPER_RUN_DIR), for
 * the unit tests that read and write states and reports. */
#ifndef BPFREAPER_TMP_RUNDIR_H
#define BPFREAPER_TMP_RUNDIR_H

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "store-rundir.h"

/* dir: a mkdtemp template. */
static inline void tmp_rundir_open(char *dir, struct rundir *ret)
{
	CHECK(mkdtemp(dir) != NULL);
	setenv("BPFREAPER_RUN_DIR", dir, 1);
	CHECK_EQ_INT(rundir_open(ret), 0);
}

/* Removes it; fails the test if a state or report was left. */
static inline void tmp_rundir_remove(const char *dir, struct rundir *rd)
{
	CHECK_EQ_INT(unlinkat(rd->root_fd, "state", AT_REMOVEDIR), 0);
	CHECK_EQ_INT(unlinkat(rd->root_fd, "reports", AT_REMOVEDIR), 0);
	rundir_close(rd);
	CHECK_EQ_INT(rmdir(dir), 0);
	unsetenv("BPFREAPER_RUN_DIR");
}

#endif
