// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl unload: removes the tracer's pins when nothing is registered. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "ctl.h"
#include "../oci-state.h"
#include "../tracer-records.h"

int do_unload(const struct ctl_ctx *ctx, int argc, char **argv)
{
	struct rundir rd;
	int lock, r;

	if (ctl_no_options(ctx, argc, argv) != CTL_OK)
		return CTL_USAGE;
	if (argc != 0)
		return ctl_usage_err(ctx, "takes no arguments");
	r = rundir_open(&rd);
	if (r < 0)
		return ctl_err(ctx, CTL_FAILED, "open %s: %s", rundir_path(), strerror(-r));
	lock = rundir_lock(&rd, LOCK_EX);
	r = lock < 0 ? lock : tracer_unload(&rd);
	if (lock >= 0)
		close(lock);
	rundir_close(&rd);
	if (r == -EBUSY)
		return ctl_err(ctx, CTL_FAILED, "containers are still registered, tracer left loaded");
	if (r < 0)
		return ctl_err(ctx, CTL_FAILED, "%s", strerror(-r));
	if (ctx->json) {
		_cleanup_json_ json_object *o = json_object_new_object();

		json_object_object_add(o, "unloaded", json_object_new_boolean(true));
		ctl_print_json(ctx, o);
	}
	return 0;
}
