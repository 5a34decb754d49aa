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
#include "../config.h"
#include "../tracer.h"

#define LOAD_USAGE "usage: bpfreaperctl load [--backend=auto|trampoline|tracepoint] [--config=PATH]\n"

static void print_result(const struct ctl_ctx *ctx, const struct tracer *t, bool loaded)
{
	if (ctx->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "loaded", json_object_new_boolean(loaded));
		json_object_object_add(o, "backend", json_object_new_string(tracer_backend_name(t->backend)));
		if (*t->trampoline_error)
			json_object_object_add(o, "trampoline_error", json_object_new_string(t->trampoline_error));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		return;
	}
	if (*t->trampoline_error)
		printf("trampoline backend unavailable: %s\n", t->trampoline_error);
	printf("tracer %s (%s backend)\n", loaded ? "loaded" : "already loaded", tracer_backend_name(t->backend));
}

int do_load(const struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "config", required_argument, NULL, 'c' },
		{},
	};
	const char *config_path = CONFIG_PATH_DEFAULT, *why = "";
	enum tracer_backend want = TRACER_BACKEND_AUTO;
	bool explicit = false, loaded = false;
	struct tracer t = TRACER_INIT;
	struct config cfg = {};
	struct rundir rd;
	int c, lock, r;

	optind = 0; /* argv[0] is the verb */
	while ((c = getopt_long(argc + 1, argv - 1, "", longopts, NULL)) != -1) {
		if (c == 'b' && tracer_backend_parse(optarg, &want) == 0) {
			explicit = true;
		} else if (c == 'c') {
			config_path = optarg;
		} else {
			fputs(LOAD_USAGE, stderr);
			return 2;
		}
	}
	if (optind != argc + 1) {
		fputs(LOAD_USAGE, stderr);
		return 2;
	}
	if (!explicit) {
		r = config_load(config_path, &cfg, &why);
		if (r < 0 && r != -ENOENT) {
			fprintf(stderr, "bpfreaperctl: load: config %s: %s: %s\n", config_path, why, strerror(-r));
			return 2;
		}
		want = cfg.backend;
		config_done(&cfg);
	}
	r = rundir_open(&rd);
	if (r < 0) {
		fprintf(stderr, "bpfreaperctl: load: open %s: %s\n", rundir_path(), strerror(-r));
		return 1;
	}
	lock = tracer_open_or_load(&rd, want, &t, &loaded);
	rundir_close(&rd);
	if (lock < 0) {
		fprintf(stderr, "bpfreaperctl: load: %s backend: %s\n", tracer_backend_name(want), strerror(-lock));
		return 1;
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
