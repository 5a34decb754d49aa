// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl load: load the tracer now (at boot, say), so the first
 * container's prestart takes the fast path. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "../policy-config.h"
#include "../run-pool.h"
#include "../tracer-records.h"

static void print_result(const struct ctl_ctx *ctx, const struct tracer *t, bool loaded)
{
	char why[sizeof(t->trampoline_error.detail) + 64];

	br_error_text(&t->trampoline_error, why, sizeof(why));
	if (ctx->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "loaded", json_object_new_boolean(loaded));
		json_object_object_add(o, "backend", json_object_new_string(tracer_backend_name(t->backend)));
		if (t->trampoline_error.code)
			json_object_object_add(o, "trampoline_error", json_object_new_string(why));
		ctl_print_json(ctx, o);
		json_object_put(o);
		return;
	}
	if (t->trampoline_error.code)
		printf("trampoline backend unavailable: %s\n", why);
	printf("tracer %s (%s backend)\n", loaded ? "loaded" : "already loaded", tracer_backend_name(t->backend));
}

int do_load(const struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "config", required_argument, NULL, 'c' },
		{},
	};
	const char *config_path = CONFIG_PATH_DEFAULT;
	struct br_error err = BR_ERROR_INIT;
	enum tracer_backend want = TRACER_BACKEND_AUTO;
	bool explicit = false, loaded = false;
	size_t filled, freed;
	struct tracer t = TRACER_INIT;
	struct config cfg = {};
	struct rundir rd;
	int c, lock, r;

	while ((c = getopt_long(argc + 1, argv - 1, "", longopts, NULL)) != -1) {
		if (c == 'b' && tracer_backend_parse(optarg, &want) == 0)
			explicit = true;
		else if (c == 'b')
			return ctl_usage_err(ctx, "--backend: '%s' is not one of " TRACER_BACKEND_NAMES, optarg);
		else if (c == 'c')
			config_path = optarg;
		else
			return ctl_bad_option(ctx, argv - 1);
	}
	if (optind != argc + 1)
		return ctl_usage_err(ctx, "unexpected argument '%s'", argv[optind - 1]);
	if (!explicit) {
		r = config_load(config_path, &cfg, &err);
		if (r < 0 && r != -ENOENT)
			return ctl_config_err(ctx, config_path, &err);
		want = cfg.backend;
		config_done(&cfg);
	}
	r = rundir_open(&rd);
	if (r < 0)
		return ctl_err(ctx, CTL_FAILED, "open %s: %s", rundir_path(), strerror(-r));
	br_error_clear(&err);
	lock = tracer_open_or_load(&rd, want, &t, &loaded, &err);
	if (lock < 0) {
		char text[sizeof(err.detail) + 64];

		rundir_close(&rd);
		return ctl_err(ctx, CTL_FAILED, "%s backend: %s", tracer_backend_name(want),
			       br_error_text(&err, text, sizeof(text)));
	}
	/* Loaded ahead of the containers: so is the pool they take records
	 * maps from (a prestart that loads the tracer leaves it to a detached
	 * process). */
	r = pool_tend(&rd, &t, &filled, &freed);
	rundir_close(&rd);
	if (r < 0) {
		close(lock);
		tracer_close(&t);
		return ctl_err(ctx, CTL_FAILED, "fill the pool of records maps: %s", strerror(-r));
	}
	close(lock);
	tracer_close(&t);
	print_result(ctx, &t, loaded);
	if (explicit && want != TRACER_BACKEND_AUTO && want != t.backend) {
		fprintf(stderr, "bpfreaperctl: load: the loaded tracer uses the %s backend; "
				"`bpfreaperctl unload` first (no container may be registered)\n",
			tracer_backend_name(t.backend));
		return 1;
	}
	return 0;
}
