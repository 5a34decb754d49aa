// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpfreaper-runtime: an OCI runtime wrapper for container managers that
 * read no hooks.d (containerd, Docker). Wiring only: on create and run it
 * has oci-runtime-wrap.c add the hook pair to the bundle's config.json, then it
 * execs the real runtime with the argument vector unchanged; every other
 * command goes straight through. Its own trouble never stops a container
 * (README.md, "The rule"): the runtime runs the bundle as it was, and the
 * container is logged, counted and listed in <run dir>/skipped the way
 * bpfreaper-prestart does it for a container it lets run unrecorded.
 *   BPFREAPER_RUNTIME  the real runtime (else the config's "runtime", else runc)
 *   BPFREAPER_CONFIG   the config file (else /etc/bpfreaper/bpfreaper.json),
 *                      passed on to the hooks it adds
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/edge/hookio.h"
#include "../src/log.h"
#include "../src/oci-runtime-wrap.h"
#include "../src/store-counters.h"
#include "../src/store-rundir.h"
#include "../src/store-skipped.h"
#include "../src/util.h"

/* A create or run whose container gets no hooks: the same trace of it as
 * prestart leaves for a container that runs unrecorded. */
static void runs_unhooked(const struct runtime_call *call, const char *reason)
{
	const char *id = call->id ? call->id : "-";
	const char *bundle = call->bundle ? call->bundle : ".";
	int r;

	(void)counters_add(COUNTER_PRESTART_SKIPPED, 1);
	r = skipped_record(id, reason);
	log_warn("container %s (bundle %s): %s; it runs without bpfreaper's hooks, unrecorded%s%s%s%s", id, bundle,
		 reason, r < 0 ? "; not counted in " : "", r < 0 ? rundir_path() : "",
		 r < 0 ? "/" SKIPPED_FILE ": " : "", r < 0 ? strerror(-r) : "");
}

static void add_hooks(const struct runtime_call *call, const struct config *cfg, const char *config_path)
{
	const char *bundle = call->bundle ? call->bundle : ".";
	const char *name = call->config ? call->config : "config.json";
	const char *dir = cfg->hooks_dir ? cfg->hooks_dir : BPFREAPER_HOOKDIR;
	_cleanup_free_ char *prestart = NULL, *poststop = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	struct runtime_hooks hooks;
	struct br_error err = BR_ERROR_INIT;
	char reason[PATH_MAX + sizeof(err.detail) + 64];
	bool edited = false;
	int r;

	if (asprintf(&prestart, "%s/bpfreaper-prestart", dir) < 0 ||
	    asprintf(&poststop, "%s/bpfreaper-poststop", dir) < 0) {
		runs_unhooked(call, "out of memory");
		return;
	}
	hooks = (struct runtime_hooks){
		.prestart = prestart,
		.poststop = poststop,
		.config_path = streq(config_path, CONFIG_PATH_DEFAULT) ? NULL : config_path,
	};
	/* A hook path that does not run fails the container in the runtime. */
	if (access(prestart, X_OK) < 0 || access(poststop, X_OK) < 0) {
		snprintf(reason, sizeof(reason), "hooks in %s: %s", dir, strerror(errno));
		runs_unhooked(call, reason);
		return;
	}
	dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		snprintf(reason, sizeof(reason), "bundle %s: cannot open: %s", bundle, strerror(errno));
		runs_unhooked(call, reason);
		return;
	}
	r = bundle_add_hooks(dirfd, name, &hooks, &edited, &err);
	if (r < 0) {
		snprintf(reason, sizeof(reason), "bundle %s: %s: %s: %s", bundle, name, err.detail, strerror(-r));
		runs_unhooked(call, reason);
	} else {
		log_debug("bundle %s: %s: %s", bundle, name, edited ? "hooks added" : "has the hooks already");
	}
}

int main(int argc, char **argv)
{
	const char *config_path = getenv("BPFREAPER_CONFIG");
	const char *runtime = getenv("BPFREAPER_RUNTIME");
	struct hook_args args = { .config_path = CONFIG_PATH_DEFAULT, .wait_ms = -1 };
	struct config cfg = { .wait_ms = -1 };
	_cleanup_free_ char *real = NULL;
	struct runtime_call call;
	struct br_error err = BR_ERROR_INIT;
	char trouble[PATH_MAX + sizeof(err.detail) + 64] = "";
	int r;

	log_open("bpfreaper-runtime");
	/* runc create hands its stdio to the container: only a line about a
	 * container that cannot start at all may go to stderr (and so into
	 * `docker logs`); the rest goes to syslog and the log file. */
	log_set_stderr_max(LOG_ERR);

	if (config_path && *config_path) {
		if (config_path[0] != '/')
			snprintf(trouble, sizeof(trouble), "BPFREAPER_CONFIG=%s is not an absolute path", config_path);
		args.config_path = config_path;
	}
	/* An invalid config adds no hooks: never a removal on a config that
	 * did not parse (a typo in an emergency "off"). A log file it cannot
	 * open is the hooks' to judge: they add it to their own skipped line. */
	if (!*trouble) {
		r = hook_config(&args, &cfg, &err);
		if (r < 0 && err.step == BR_STEP_LOG_FILE)
			log_warn("config %s: %s: %s", args.config_path, err.detail, strerror(-r));
		else if (r < 0)
			snprintf(trouble, sizeof(trouble), "config %s: %s%s%s", args.config_path, err.detail,
				 *err.detail && r != -EINVAL ? ": " : "", *err.detail && r == -EINVAL ? "" : strerror(-r));
	}
	if (!runtime || !*runtime)
		runtime = cfg.runtime ? cfg.runtime : RUNTIME_DEFAULT;
	r = runtime_resolve(runtime, getenv("PATH"), "/proc/self/exe", &real);
	if (r < 0) {
		log_err("cannot run the OCI runtime %s: %s", runtime,
			r == -ELOOP ? "that is bpfreaper-runtime itself (set BPFREAPER_RUNTIME or \"runtime\")"
				    : strerror(-r));
		return 127;
	}

	runtime_call_parse(argc, argv, &call);
	if (call.adds_hooks && *trouble)
		runs_unhooked(&call, trouble);
	else if (call.adds_hooks)
		add_hooks(&call, &cfg, args.config_path);
	config_done(&cfg);

	argv[0] = real;
	execv(real, argv);
	log_err("cannot run the OCI runtime %s: %m", real);
	return 127;
}
