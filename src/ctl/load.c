// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl load: load the tracer now (at boot, say), so the first
 * container's prestart takes the fast path. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "../tracer.h"

int do_load(const struct ctl_ctx *ctx, int argc, char **argv)
{
	struct tracer t = TRACER_INIT;
	struct rundir rd;
	bool loaded = false;
	int lock, r;

	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "usage: bpfreaperctl load\n");
		return 2;
	}
	r = rundir_open(&rd);
	if (r < 0) {
		fprintf(stderr, "bpfreaperctl: load: open %s: %s\n", rundir_path(), strerror(-r));
		return 1;
	}
	lock = tracer_open_or_load(&rd, &t, &loaded);
	rundir_close(&rd);
	if (lock < 0) {
		fprintf(stderr, "bpfreaperctl: load: %s\n", strerror(-lock));
		return 1;
	}
	close(lock);
	tracer_close(&t);
	if (!ctx->json)
		printf("tracer %s\n", loaded ? "loaded" : "already loaded");
	return 0;
}
