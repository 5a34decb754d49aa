// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl configure / unconfigure: wiring only. The merge, the record
 * and the reload are src/runtime-configure.c's; this parses the flags,
 * prints what changed and picks the exit code. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "../oci-runtime-wrap.h"
#include "../oci-state.h"
#include "../policy-config.h"
#include "../runtime-configure-containerd.h"
#include "../runtime-configure-hooksd.h"
#include "../util.h"

static const char *const action_names[] = {
	[CONFIGURE_UNCHANGED] = "unchanged",
	[CONFIGURE_WRITTEN] = "written",
	[CONFIGURE_RESTORED] = "restored",
	[CONFIGURE_REMOVED] = "removed",
	[CONFIGURE_KEPT] = "kept (changed since configure wrote it)",
};

struct configure_args {
	const char *runtime;
	struct configure_request req;
	struct hooksd_request hooksd; /* crio, podman */
	const char *hook_env[HOOKSD_ENV_MAX];
	bool containerd; /* else docker, or hooksd */
	bool restart_set;
	enum restart_mode restart;
	const char *pid_file;
};

/* bpfreaper-runtime beside bpfreaperctl: `make install` and the packages put
 * both in BINDIR. */
static int wrapper_beside_self(char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n < 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	return path_join(buf, size, self, "bpfreaper-runtime");
}

/* crio, podman: --config is the hooks.d directory, a node path like
 * --hook-bin; --root is where the node's / is seen from here. */
static int parse_hooksd(const struct ctl_ctx *ctx, bool configure, struct configure_args *a)
{
	const char *env;

	a->hooksd.manager = streq(a->runtime, "crio") ? HOOKSD_CRIO : HOOKSD_PODMAN;
	a->hooksd.dry_run = a->req.dry_run;
	a->hooksd.hooks_dir = a->req.config_path;
	if (a->req.set_as_default || a->req.wrapper)
		return ctl_usage_err(ctx, "--set-as-default and --wrapper are for docker");
	if (!configure && (a->hooksd.hooks_dir || a->hooksd.hook_bin || a->hooksd.n_hook_env || a->hooksd.opt_in))
		return ctl_usage_err(ctx,
				     "unconfigure --runtime=%s takes its files from the record: no --config, --hook-*, --opt-in",
				     a->runtime);
	if (a->hooksd.hooks_dir && a->hooksd.hooks_dir[0] != '/')
		return ctl_usage_err(ctx, "--config: an absolute path, not '%s'", a->hooksd.hooks_dir);
	if (a->hooksd.root && a->hooksd.root[0] != '/')
		return ctl_usage_err(ctx, "--root: an absolute path, not '%s'", a->hooksd.root);
	if (!a->hooksd.hook_bin)
		a->hooksd.hook_bin = BPFREAPER_HOOKDIR;
	else if (a->hooksd.hook_bin[0] != '/')
		return ctl_usage_err(ctx, "--hook-bin: an absolute path, not '%s'", a->hooksd.hook_bin);
	env = getenv("BPFREAPER_STATE_DIR");
	a->hooksd.state_dir = env && env[0] == '/' ? env : CONFIGURE_STATE_DIR_DEFAULT;
	return CTL_OK;
}

static int parse(const struct ctl_ctx *ctx, int argc, char **argv, bool configure, struct configure_args *a,
		 char *wrapper, size_t wrapper_size)
{
	static const struct option longopts[] = {
		{ "runtime", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "set-as-default", no_argument, NULL, 'd' },
		{ "restart-mode", required_argument, NULL, 'm' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "wrapper", required_argument, NULL, 'w' },
		{ "root", required_argument, NULL, 'R' },
		{ "hook-bin", required_argument, NULL, 'b' },
		{ "hook-env", required_argument, NULL, 'e' },
		{ "opt-in", no_argument, NULL, 'o' },
		{},
	};
	const char *runtime = NULL, *env;
	int c;

	optind = 0; /* argv[0] is the verb */
	while ((c = getopt_long(argc + 1, argv - 1, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			runtime = optarg;
			break;
		case 'c':
			a->req.config_path = optarg;
			break;
		case 'n':
			a->req.dry_run = true;
			break;
		case 'd':
			a->req.set_as_default = true;
			break;
		case 'm':
			if (streq(optarg, "signal"))
				a->restart = RESTART_SIGNAL;
			else if (streq(optarg, "systemd"))
				a->restart = RESTART_SYSTEMD;
			else if (streq(optarg, "none"))
				a->restart = RESTART_NONE;
			else
				return ctl_usage_err(ctx, "--restart-mode: signal, systemd or none, not '%s'", optarg);
			a->restart_set = true;
			break;
		case 'p':
			a->pid_file = optarg;
			break;
		case 'w':
			a->req.wrapper = optarg;
			break;
		case 'R':
			a->hooksd.root = optarg;
			break;
		case 'b':
			a->hooksd.hook_bin = optarg;
			break;
		case 'o':
			a->hooksd.opt_in = true;
			break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return ctl_usage_err(ctx, "--hook-env: NAME=VALUE, not '%s'", optarg);
			if (a->hooksd.n_hook_env == HOOKSD_ENV_MAX)
				return ctl_usage_err(ctx, "--hook-env: at most %d", HOOKSD_ENV_MAX);
			a->hook_env[a->hooksd.n_hook_env++] = optarg;
			a->hooksd.hook_env = a->hook_env;
			break;
		default:
			return ctl_bad_option(ctx, argv - 1);
		}
	}
	if (optind != argc + 1)
		return ctl_usage_err(ctx, "unexpected argument '%s'", argv[optind - 1]);
	if (!runtime)
		return ctl_usage_err(ctx, "--runtime=docker|containerd|crio|podman is needed");
	a->runtime = runtime;
	if (streq(runtime, "crio") || streq(runtime, "podman"))
		return parse_hooksd(ctx, configure, a);
	a->containerd = streq(runtime, "containerd");
	if (a->containerd) {
		/* containerd reads its config only when it starts. */
		if (a->restart == RESTART_SIGNAL && a->restart_set)
			return ctl_usage_err(ctx, "--restart-mode=signal: containerd applies a change only when restarted: systemd or none");
		if (!a->restart_set)
			a->restart = RESTART_NONE;
	} else if (!streq(runtime, "docker")) {
		return ctl_usage_err(ctx, "--runtime: docker, containerd, crio or podman, not '%s'", runtime);
	}
	if ((a->hooksd.root && !a->containerd) || a->hooksd.hook_bin || a->hooksd.n_hook_env || a->hooksd.opt_in)
		return ctl_usage_err(ctx, "--hook-bin, --hook-env and --opt-in are for crio and podman, --root for "
					  "containerd, crio and podman");
	/* containerd: --config is then a node path, like crio's. */
	if (a->hooksd.root && a->hooksd.root[0] != '/')
		return ctl_usage_err(ctx, "--root: an absolute path, not '%s'", a->hooksd.root);
	a->req.root = a->hooksd.root;
	if (a->req.set_as_default && !configure)
		return ctl_usage_err(ctx, "--set-as-default is for configure");
	if (a->req.config_path && a->req.config_path[0] != '/')
		return ctl_usage_err(ctx, "--config: an absolute path, not '%s'", a->req.config_path);
	if (!a->req.wrapper) {
		int r = wrapper_beside_self(wrapper, wrapper_size);
		if (r < 0)
			return ctl_err(ctx, CTL_FAILED, "cannot find bpfreaper-runtime beside bpfreaperctl: %s",
				       strerror(-r));
		a->req.wrapper = wrapper;
	} else if (a->req.wrapper[0] != '/') {
		return ctl_usage_err(ctx, "--wrapper: an absolute path, not '%s'", a->req.wrapper);
	}
	/* The config the wrapper reads: the same variable it reads. */
	env = getenv("BPFREAPER_CONFIG");
	a->req.bpfreaper_config = env && env[0] == '/' ? env : CONFIG_PATH_DEFAULT;
	env = getenv("BPFREAPER_STATE_DIR");
	a->req.state_dir = env && env[0] == '/' ? env : CONFIGURE_STATE_DIR_DEFAULT;
	return CTL_OK;
}

/* After a change: have dockerd read it. A dockerd that is not running reads
 * it when it starts, which is no failure. */
static const char *reload(const struct configure_args *a, const struct configure_result *res, char *buf,
			  size_t size, bool *ret_failed)
{
	struct br_error err = BR_ERROR_INIT;
	int r;

	*ret_failed = false;
	if (a->req.dry_run || !res->changed)
		return "not needed";
	if (a->containerd) {
		if (a->restart == RESTART_NONE)
			return "none: run `systemctl restart containerd` to apply it (running containers keep running)";
		r = containerd_restart(a->restart, &err);
		if (r < 0) {
			*ret_failed = true;
			snprintf(buf, size, "failed: %s: %s", err.detail, strerror(-r));
			return buf;
		}
		return "systemctl restart containerd.service";
	}
	if (a->restart == RESTART_NONE)
		return "none: run `systemctl reload docker` (or kill -HUP dockerd) to apply it";
	r = docker_reload(a->restart, a->pid_file, &err);
	if (r == -ENOENT || r == -ESRCH) {
		snprintf(buf, size, "dockerd is not running (%s): it applies the change when it starts",
			 a->pid_file);
		return buf;
	}
	if (r < 0) {
		*ret_failed = true;
		snprintf(buf, size, "failed: %s: %s", err.detail, strerror(-r));
		return buf;
	}
	return a->restart == RESTART_SIGNAL ? "SIGHUP sent to dockerd" : "systemctl reload docker.service";
}

/* podman reads hooks.d at each container start, CRI-O watches its hooks
 * directories; only CRI-O's hooks_dir list itself is read at its start. */
static const char *hooksd_reload(const struct configure_args *a, const struct configure_result *res)
{
	if (a->hooksd.manager != HOOKSD_CRIO || a->req.dry_run || res->n_files < 3 ||
	    res->files[2].action == CONFIGURE_UNCHANGED || res->files[2].action == CONFIGURE_KEPT)
		return "not needed";
	return "restart CRI-O to read its new hooks_dir (systemctl restart crio; running containers keep running)";
}

static int run(const struct ctl_ctx *ctx, int argc, char **argv, bool configure)
{
	struct configure_args a = { .runtime = "docker", .restart = RESTART_SIGNAL, .pid_file = DOCKER_PID_FILE_DEFAULT };
	struct configure_result res;
	struct br_error err = BR_ERROR_INIT;
	char wrapper[PATH_MAX];
	const char *reloaded;
	bool reload_failed;
	int r;

	r = parse(ctx, argc, argv, configure, &a, wrapper, sizeof(wrapper));
	if (r != CTL_OK)
		return r;
	if (!streq(a.runtime, "crio") && !streq(a.runtime, "podman")) {
		/* static: reloaded points into it past this block. */
		static char reload_buf[sizeof(err.detail) + PATH_MAX + 64];

		if (a.containerd)
			r = configure ? containerd_configure(&a.req, &res, &err)
				      : containerd_unconfigure(&a.req, &res, &err);
		else
			r = configure ? docker_configure(&a.req, &res, &err) : docker_unconfigure(&a.req, &res, &err);
		if (r < 0)
			return ctl_err_br(ctx, CTL_FAILED, &err, "%s: %s: %s", a.runtime, err.detail, strerror(-r));
		reloaded = reload(&a, &res, reload_buf, sizeof(reload_buf), &reload_failed);
	} else {
		r = configure ? hooksd_configure(&a.hooksd, &res, &err) : hooksd_unconfigure(&a.hooksd, &res, &err);
		if (r < 0)
			return ctl_err_br(ctx, CTL_FAILED, &err, "%s: %s: %s", a.runtime, err.detail, strerror(-r));
		reloaded = hooksd_reload(&a, &res);
		reload_failed = false;
	}
	if (ctx->json) {
		_cleanup_json_ json_object *o = json_object_new_object();
		json_object *files = json_object_new_array();

		json_object_object_add(o, "runtime", json_object_new_string(a.runtime));
		json_object_object_add(o, "dry_run", json_object_new_boolean(a.req.dry_run));
		json_object_object_add(o, "changed", json_object_new_boolean(res.changed));
		json_object_object_add(o, "chain", *res.chain ? json_object_new_string(res.chain) : NULL);
		json_object_object_add(o, "record", json_object_new_string(res.record));
		for (size_t i = 0; i < ARRAY_SIZE(res.files); i++) {
			json_object *f;

			if (!res.files[i].path[0])
				continue;
			f = json_object_new_object();
			json_object_object_add(f, "path", json_object_new_string(res.files[i].path));
			json_object_object_add(f, "action", json_object_new_string(action_names[res.files[i].action]));
			if (a.req.dry_run && res.files[i].text)
				json_object_object_add(f, "text", json_object_new_string(res.files[i].text));
			json_object_array_add(files, f);
		}
		json_object_object_add(o, "files", files);
		json_object_object_add(o, "reload", json_object_new_string(reloaded));
		ctl_print_json(ctx, o);
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(res.files); i++) {
			const struct configure_file *f = &res.files[i];

			if (!f->path[0])
				continue;
			if (a.req.dry_run && f->action != CONFIGURE_UNCHANGED) {
				printf("%s: would be %s%s\n", f->path, action_names[f->action], f->text ? ":" : "");
				if (f->text)
					fputs(f->text, stdout);
			} else {
				printf("%s: %s\n", f->path, action_names[f->action]);
			}
		}
		if (configure && *res.chain)
			printf("bpfreaper-runtime runs %s (%s)\n", res.chain,
			       a.containerd ? "runc's BinaryName before" : "the default runtime before");
		printf("%s: %s\n", a.containerd ? "restart" : "reload", reloaded);
	}
	configure_result_done(&res);
	return reload_failed ? CTL_FAILED : CTL_OK;
}

int do_configure(const struct ctl_ctx *ctx, int argc, char **argv)
{
	return run(ctx, argc, argv, true);
}

int do_unconfigure(const struct ctl_ctx *ctx, int argc, char **argv)
{
	return run(ctx, argc, argv, false);
}
