// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl config check [FILE]: is a candidate config what the hooks
 * accept? Reads the file only; an invalid live config makes every container
 * run unrecorded (README.md, "The rule"), so check before installing. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "../oci-state.h"
#include "../policy-config.h"
#include "../util.h"

static int config_check(const struct ctl_ctx *ctx, const char *path)
{
	struct config cfg = { .wait_ms = -1 };
	struct br_error err = BR_ERROR_INIT;
	struct config_where where = {};
	char detail[sizeof(err.detail) + 64];
	int r;

	r = config_load_at(path, &cfg, &err, &where);
	if (r < 0)
		snprintf(detail, sizeof(detail), "%s%s%s", err.detail, *err.detail && r != -EINVAL ? ": " : "",
			 *err.detail && r == -EINVAL ? "" : strerror(-r));
	if (ctx->json) {
		_cleanup_json_ json_object *o = json_object_new_object();

		json_object_object_add(o, "file", json_object_new_string(path));
		json_object_object_add(o, "valid", json_object_new_boolean(r == 0));
		if (r < 0) {
			json_object_object_add(o, "error", json_object_new_string(detail));
			if (where.line) {
				json_object_object_add(o, "line", json_object_new_int((int)where.line));
				json_object_object_add(o, "column", json_object_new_int((int)where.column));
			}
		} else {
			json_object_object_add(o, "mode", cfg.mode == MODE_UNSET ? NULL
									       : json_object_new_string(mode_name(cfg.mode)));
			json_object_object_add(o, "on_error", json_object_new_string(on_error_name(cfg.on_error)));
		}
		ctl_print_json(ctx, o);
	} else if (r < 0 && where.line) {
		/* file:line:column: as compilers say it, so editors jump there. */
		fprintf(stderr, "%s:%u:%u: %s\n", path, where.line, where.column, detail);
	} else if (r < 0) {
		fprintf(stderr, "%s: %s\n", path, detail);
	} else {
		printf("%s: valid, mode %s, on_error %s\n", path,
		       cfg.mode == MODE_UNSET ? "(hook default)" : mode_name(cfg.mode), on_error_name(cfg.on_error));
	}
	config_done(&cfg);
	return r < 0 ? CTL_FAILED : CTL_OK;
}

int do_config(const struct ctl_ctx *ctx, int argc, char **argv)
{
	char **operands;
	int n;

	if (ctl_no_options(ctx, argc, argv) != CTL_OK)
		return CTL_USAGE;
	/* After getopt: the operands, "--" skipped. */
	operands = argv + optind - 1;
	n = argc + 1 - optind;
	if (n < 1)
		return ctl_usage_err(ctx, "which action? check");
	if (!streq(operands[0], "check"))
		return ctl_usage_err(ctx, "unknown action '%s'", operands[0]);
	if (n > 2)
		return ctl_usage_err(ctx, "check takes at most one FILE");
	return config_check(ctx, n == 2 ? operands[1] : CONFIG_PATH_DEFAULT);
}
