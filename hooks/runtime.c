// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpfreaper-runtime: an OCI runtime wrapper for container managers that
 * read no hooks.d (containerd, Docker). Wiring only: on create and run it
 * has oci-runtime-wrap.c add the hook pair to the bundle's config.json, then it
 * execs the real runtime with the argument vector unchanged; every other
 * command goes straight through. Its own trouble never stops a container:
 * it is logged and the runtime runs the bundle as it was.
 *   BPFREAPER_RUNTIME  the real runtime (else the config's "runtime", else runc)
 *   BPFREAPER_CONFIG   the config file (else /etc/bpfreaper/bpfreaper.json),
 *                      passed on to the hooks it adds
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/edge/hookio.h"
#include "../src/log.h"
#include "../src/oci-runtime-wrap.h"
#include "../src/util.h"

static void add_hooks(const struct runtime_call *call, const struct config *cfg, const char *config_path)
{
	const char *bundle = call->bundle ? call->bundle : ".";
	const char *name = call->config ? call->config : "config.json";
	const char *dir = cfg->hooks_dir ? cfg->hooks_dir : BPFREAPER_HOOKDIR;
	_cleanup_free_ char *prestart = NULL, *poststop = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	struct runtime_hooks hooks;
	struct br_error err = BR_ERROR_INIT;
	bool edited = false;
	int r;

	if (asprintf(&prestart, "%s/bpfreaper-prestart", dir) < 0 ||
	    asprintf(&poststop, "%s/bpfreaper-poststop", dir) < 0) {
		log_warn("bundle %s: out of memory; the container runs without bpfreaper's hooks", bundle);
		return;
	}
	hooks = (struct runtime_hooks){
		.prestart = prestart,
		.poststop = poststop,
		.config_path = streq(config_path, CONFIG_PATH_DEFAULT) ? NULL : config_path,
	};
	/* A hook path that does not run fails the container in the runtime. */
	if (access(prestart, X_OK) < 0 || access(poststop, X_OK) < 0) {
		log_warn("bundle %s: hooks in %s: %m; the container runs without bpfreaper's hooks", bundle, dir);
		return;
	}
	dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		log_warn("bundle %s: cannot open: %m; the container runs without bpfreaper's hooks", bundle);
		return;
	}
	r = bundle_add_hooks(dirfd, name, &hooks, &edited, &err);
	if (r < 0)
		log_warn("bundle %s: %s: %s: %s; the container runs without bpfreaper's hooks", bundle, name,
			 err.detail, strerror(-r));
	else
		log_debug("bundle %s: %s: %s", bundle, name, edited ? "hooks added" : "has the hooks already");
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
	bool config_ok = true;
	int r;

	log_open("bpfreaper-runtime");
	/* runc create hands its stdio to the container: only a line about a
	 * container that cannot start at all may go to stderr (and so into
	 * `docker logs`); the rest goes to syslog and the log file. */
	log_set_stderr_max(LOG_ERR);

	if (config_path && *config_path) {
		if (config_path[0] != '/') {
			log_warn("BPFREAPER_CONFIG=%s is not an absolute path; containers run without bpfreaper's hooks",
				 config_path);
			config_ok = false;
		}
		args.config_path = config_path;
	}
	if (config_ok) {
		r = hook_config(&args, &cfg, &err);
		if (r < 0) {
			log_warn("config %s: %s%s%s; containers run without bpfreaper's hooks", args.config_path,
				 err.detail, *err.detail ? ": " : "", strerror(-r));
			config_ok = false;
		}
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
	if (call.adds_hooks && config_ok)
		add_hooks(&call, &cfg, args.config_path);
	config_done(&cfg);

	argv[0] = real;
	execv(real, argv);
	log_err("cannot run the OCI runtime %s: %m", real);
	return 127;
}
