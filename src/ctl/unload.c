// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl unload: removes the tracer's pins when nothing is registered. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "ctl.h"
#include "../tracer.h"

int do_unload(const struct ctl_ctx *ctx, int argc, char **argv)
{
	struct rundir rd;
	int lock, r;

	(void)ctx;
	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "usage: bpfreaperctl unload\n");
		return 2;
	}
	r = rundir_open(&rd);
	if (r < 0) {
		fprintf(stderr, "bpfreaperctl: unload: open %s: %s\n", rundir_path(), strerror(-r));
		return 1;
	}
	lock = rundir_lock(&rd, LOCK_EX);
	r = lock < 0 ? lock : tracer_unload(&rd);
	if (lock >= 0)
		close(lock);
	rundir_close(&rd);
	if (r == -EBUSY) {
		fprintf(stderr, "bpfreaperctl: unload: containers are still registered, tracer left loaded\n");
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "bpfreaperctl: unload: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
