// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl doctor: does this host have what bpfreaper needs? */
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>

#include "ctl.h"
#include "../caps.h"
#include "../cgroup.h"
#include "../policy-config.h"
#include "../oci-state.h"
#include "../oci-runtimes.h"
#include "../store-skipped.h"
#include "../store-state.h"
#include "../tracer-records.h"
#include "../enumtab.h"
#include "../util.h"

#include <linux/capability.h>

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif

enum verdict { PASS, WARN, FAIL, INFO };
static const char *const verdict_names[] = { [PASS] = "pass", [WARN] = "warn", [FAIL] = "FAIL", [INFO] = "info" };

struct check {
	const char *name;
	enum verdict v;
	char detail[256];
	const char *fix;
};

struct checks {
	struct check v[32];
	size_t n;
};

static struct check *add(struct checks *c, const char *name, enum verdict v, const char *fix,
			 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static struct check *add(struct checks *c, const char *name, enum verdict v, const char *fix,
			 const char *fmt, ...)
{
	struct check *k = &c->v[c->n < ARRAY_SIZE(c->v) ? c->n++ : c->n - 1];
	va_list ap;

	k->name = name;
	k->v = v;
	k->fix = v == PASS || v == INFO ? NULL : fix;
	va_start(ap, fmt);
	vsnprintf(k->detail, sizeof(k->detail), fmt, ap);
	va_end(ap);
	return k;
}

static bool is_fs(const char *path, unsigned long magic)
{
	struct statfs s;

	return statfs(path, &s) == 0 && (unsigned long)s.f_type == magic;
}

static void check_kernel(struct checks *c)
{
	struct utsname u;
	char *end = NULL;
	long major, minor = 0;

	uname(&u);
	major = strtol(u.release, &end, 10);
	if (end && *end == '.')
		minor = strtol(end + 1, NULL, 10);
	if (major > 5 || (major == 5 && minor >= 15))
		add(c, "kernel", PASS, NULL, "%s", u.release);
	else
		add(c, "kernel", FAIL, "run a kernel >= 5.15 (the tracer reads syscall arguments with bpf_task_pt_regs)",
		    "%s is older than 5.15", u.release);
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		add(c, "btf", PASS, NULL, "/sys/kernel/btf/vmlinux");
	else
		add(c, "btf", FAIL, "a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		    "/sys/kernel/btf/vmlinux missing: CO-RE cannot relocate the tracer");
}

static void check_mounts(struct checks *c)
{
	_cleanup_close_ int cg_fd = -EBADF;
	char mnt[PATH_MAX];

	if (is_fs("/sys/fs/bpf", BPF_FS_MAGIC_NUMBER))
		add(c, "bpffs", PASS, NULL, "/sys/fs/bpf is a bpffs");
	else
		add(c, "bpffs", WARN, "mount -t bpf bpf /sys/fs/bpf (systemd does this at boot)",
		    "/sys/fs/bpf is not a bpffs: containers bind-mounting it get an empty directory");
	if (is_fs("/sys/kernel/tracing", TRACEFS_MAGIC) || is_fs("/sys/kernel/debug/tracing", TRACEFS_MAGIC))
		add(c, "tracefs", PASS, NULL, "mounted");
	else
		add(c, "tracefs", INFO, NULL, "not mounted: the first prestart mounts it at /sys/kernel/tracing");
	cg_fd = cgroup2_open("/", mnt, sizeof(mnt));
	if (cg_fd >= 0)
		add(c, "cgroup2", PASS, NULL, "mounted at %s", mnt);
	else if (cg_fd == -ENOMEDIUM)
		add(c, "cgroup2", FAIL, "mount -t cgroup2 none /sys/fs/cgroup/unified (or boot with a unified hierarchy)",
		    "no cgroup2 mount of the whole hierarchy that a path reaches (none, or each covered by a later "
		    "mount): containers cannot be told apart");
	else
		add(c, "cgroup2", FAIL, NULL, "cannot open the cgroup2 mount: %s", strerror(-cg_fd));
}

static void check_caps(struct checks *c)
{
	static const struct { int cap; const char *name; } need[] = {
		{ CAP_SYS_ADMIN, "cap_sys_admin" }, { CAP_BPF, "cap_bpf" }, { CAP_PERFMON, "cap_perfmon" },
		{ CAP_DAC_READ_SEARCH, "cap_dac_read_search" },
	};
	char missing[128] = "";

	for (size_t i = 0; i < ARRAY_SIZE(need); i++)
		if (caps_have(need[i].cap) == 0)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), " %s", need[i].name);
	if (*missing)
		add(c, "capabilities", FAIL, "run the hooks (and this tool) as root with full capabilities",
		    "not effective:%s", missing);
	else
		add(c, "capabilities", PASS, NULL, "cap_sys_admin cap_bpf cap_perfmon cap_dac_read_search");
}

static void check_rundir_and_config(struct checks *c, const char *path, enum tracer_backend *ret_backend)
{
	struct config cfg = { .wait_ms = -1 };
	struct rundir rd;
	struct br_error err = BR_ERROR_INIT;
	int r;

	/* Read-only: the first prestart creates it. */
	r = rundir_open_existing(&rd);
	if (r == 0) {
		add(c, "run directory", PASS, NULL, "%s", rundir_path());
		rundir_close(&rd);
	} else if (r == -ENOENT) {
		add(c, "run directory", INFO, NULL, "%s absent: the first prestart creates it", rundir_path());
	} else {
		add(c, "run directory", FAIL, "it must be a root-owned directory not writable by others",
		    "%s: %s", rundir_path(), strerror(-r));
	}
	r = config_load(path, &cfg, &err);
	if (r == -ENOENT)
		add(c, "config", INFO, NULL, "%s absent: defaults", path);
	else if (r < 0)
		add(c, "config", FAIL, "fix it (bpfreaperctl config check names the place): while it is invalid every "
		    "container runs unrecorded and nothing is removed",
		    "%s: %s", path, *err.detail ? err.detail : strerror(-r));
	else
		add(c, "config", PASS, NULL, "%s, mode %s, tracer backend %s", path,
		    cfg.mode == MODE_UNSET ? "(hook default)" : mode_name(cfg.mode),
		    tracer_backend_name(cfg.backend));
	if (r == 0 && cfg.log_file) {
		_cleanup_free_ char *dir = strdup(cfg.log_file);
		char *slash = dir ? strrchr(dir, '/') : NULL;
		struct stat st;

		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		if (dir && stat(dir, &st) < 0)
			add(c, "log_file", FAIL, "create the directory, or change log_file: until then every container "
			    "runs unrecorded (on_error fail: refused in mode enforce)",
			    "%s: directory %s: %s", cfg.log_file, dir, strerror(errno));
		else
			add(c, "log_file", PASS, NULL, "%s", cfg.log_file);
	}
	*ret_backend = r == 0 ? cfg.backend : TRACER_BACKEND_AUTO;
	config_done(&cfg);
}

static void check_backend_probe(struct checks *c, enum tracer_backend b, const char *name)
{
	struct br_error err = BR_ERROR_INIT;
	char why[sizeof(err.detail) + 64];
	int r = tracer_probe(b, &err);

	br_error_text(&err, why, sizeof(why));

	if (r == 0)
		add(c, name, PASS, NULL, "loads on this kernel");
	else if (b == TRACER_BACKEND_TRAMPOLINE)
		add(c, name, INFO, NULL, "unavailable (%s): the tracepoint backend is used", why);
	else
		add(c, name, FAIL, "see BPFREAPER_DEBUG=1 bpfreaperctl load for libbpf's log",
		    "does not load: %s", why);
}

static void check_backends(struct checks *c, enum tracer_backend want)
{
	struct tracer t = TRACER_INIT;
	struct rundir rd;
	bool have_rd = rundir_open_existing(&rd) == 0;
	int r;

	r = have_rd ? tracer_open(&rd, &t) : -ENOENT;
	if (have_rd)
		rundir_close(&rd);
	if (r == 0) {
		size_t n = 0;

		(void)tracer_count_registered(&t, &n);
		if (want != TRACER_BACKEND_AUTO && want != t.backend)
			add(c, "tracer", WARN, "bpfreaperctl unload once no container runs; the next prestart loads the configured backend",
			    "loaded with the %s backend, config asks for %s; %zu containers registered",
			    tracer_backend_name(t.backend), tracer_backend_name(want), n);
		else
			add(c, "tracer", PASS, NULL, "loaded, %s backend, %zu containers registered",
			    tracer_backend_name(t.backend), n);
		tracer_close(&t);
	} else {
		add(c, "tracer", INFO, NULL, "not loaded: the first prestart loads it (backend %s)",
		    tracer_backend_name(want));
	}
	check_backend_probe(c, TRACER_BACKEND_TRAMPOLINE, "trampoline backend");
	check_backend_probe(c, TRACER_BACKEND_TRACEPOINT, "tracepoint backend");
}

static void check_logging(struct checks *c)
{
	struct stat st;

	if (stat("/dev/log", &st) == 0 && S_ISSOCK(st.st_mode))
		add(c, "syslog", PASS, NULL, "/dev/log");
	else
		add(c, "syslog", WARN, "run journald or a syslog daemon, or set log_file in the config",
		    "no /dev/log: hook logs reach only stderr (often discarded) and log_file");
}

/* One line per container manager: found or not, wired or not. A manager
 * that is found but not wired is a warning, not a failure: the host may
 * run bpfreaper through another one on purpose. */
static void check_managers(struct checks *c)
{
	static const struct { const char *not_wired, *incomplete; } fixes[_MANAGER_MAX] = {
		[MANAGER_DOCKER] = { "add a runtime whose path is " WRAPPER_NAME " to /etc/docker/daemon.json, restart dockerd (README: Docker and containerd)", NULL },
		[MANAGER_CONTAINERD] = { "run `bpfreaperctl configure --runtime=containerd`, then restart containerd (docs/install.md; Kubernetes: deploy/kubernetes)",
					 "run `bpfreaperctl configure --runtime=containerd` (it adds pod_annotations = [\"io.bpfreaper.*\"]), then restart containerd (docs/install.md)" },
		[MANAGER_CRIO] = { "install oci-config/hooks.d/*.json in /usr/share/containers/oci/hooks.d (README: Kubernetes with CRI-O; deploy/kubernetes)",
				   "install bpfreaper-poststop.json beside it (README: Kubernetes with CRI-O)" },
		[MANAGER_PODMAN] = { "install oci-config/hooks.d/*.json in /usr/share/containers/oci/hooks.d (README: podman)",
				     "install bpfreaper-poststop.json beside it (README: podman)" },
	};
	/* In the node installer's pod the node is mounted elsewhere. */
	const char *root = getenv("BPFREAPER_HOST_ROOT");
	const char *env_path = getenv("PATH");
	char path_list[4096];

	/* Also the usual directories: sudo and cron often run with a PATH
	 * without the sbin ones, where the daemons live. Our own PATH says
	 * nothing about another root's. */
	if (root && *root)
		snprintf(path_list, sizeof(path_list), "%s", MANAGER_DEFAULT_PATH);
	else
		snprintf(path_list, sizeof(path_list), "%s:%s", env_path ? env_path : "", MANAGER_DEFAULT_PATH);
	if (!root || !*root)
		root = "/";
	for (enum manager m = 0; m < _MANAGER_MAX; m++) {
		const char *name = manager_name(m);
		struct manager_status st;
		int r = manager_probe(root, path_list, m, &st);

		if (r < 0)
			add(c, name, WARN, NULL, "cannot probe: %s", strerror(-r));
		else if (!st.present && st.wired)
			add(c, name, INFO, NULL, "not found; %s wires bpfreaper in", st.wired_by);
		else if (!st.present)
			add(c, name, INFO, NULL, "not found");
		else if (!st.wired)
			add(c, name, WARN, fixes[m].not_wired, "%s: bpfreaper is not wired in%s%s%s", st.found,
			    *st.detail ? " (" : "", st.detail, *st.detail ? ")" : "");
		else
			add(c, name, st.incomplete ? WARN : PASS, fixes[m].incomplete, "%s: wired by %s, %s",
			    st.found, st.wired_by, st.detail);
	}
}

static void check_leftovers(struct checks *c)
{
	struct state_ids ids = {};
	struct rundir rd;
	size_t dead = 0;

	if (rundir_open_existing(&rd) < 0)
		return;
	if (state_list(&rd, &ids) == 0) {
		for (size_t i = 0; i < ids.n; i++) {
			struct container_state st = {};
			if (state_read(&rd, ids.v[i].id, ids.v[i].earlier, &st, NULL) < 0 ||
			    cgroup_id_alive(st.cgroup_id) == 0)
				dead++;
			container_state_done(&st);
		}
	}
	if (dead)
		add(c, "leftovers", WARN, "bpfreaperctl gc (or enable bpfreaper-gc.timer)",
		    "%zu of %zu containers have no cgroup any more: their poststop never ran", dead, ids.n);
	else
		add(c, "leftovers", PASS, NULL, "%zu containers registered, none stale", ids.n);
	state_ids_done(&ids);
	rundir_close(&rd);
}

static void check_skipped(struct checks *c)
{
	struct skipped_summary s = {};
	int r = skipped_summary_read(&s);

	if (r < 0)
		add(c, "skipped", WARN, "check the run directory", "cannot read %s/%s: %s", rundir_path(),
		    SKIPPED_FILE, strerror(-r));
	else if (s.count)
		add(c, "skipped", WARN, "fix the cause named here (the other checks help); on_error fail refuses such containers in mode enforce",
		    "%zu containers ran unrecorded; last %s: %s", s.count, s.last_id, s.last_reason);
	else
		add(c, "skipped", PASS, NULL, "no container ran unrecorded");
}

int do_doctor(const struct ctl_ctx *ctx, int argc, char **argv)
{
	struct checks c = {};
	enum tracer_backend want = TRACER_BACKEND_AUTO;
	bool failed = false;

	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{},
	};
	const char *config_path = CONFIG_PATH_DEFAULT;
	int opt;

	optind = 0; /* argv[0] is the verb */
	while ((opt = getopt_long(argc + 1, argv - 1, "", longopts, NULL)) != -1) {
		if (opt != 'c')
			return ctl_bad_option(ctx, argv - 1);
		config_path = optarg;
	}
	if (optind != argc + 1)
		return ctl_usage_err(ctx, "takes no arguments");
	check_kernel(&c);
	check_mounts(&c);
	check_caps(&c);
	check_rundir_and_config(&c, config_path, &want);
	check_backends(&c, want);
	check_logging(&c);
	check_managers(&c);
	check_leftovers(&c);
	check_skipped(&c);

	if (ctx->json) {
		_cleanup_json_ json_object *arr = json_object_new_array();

		for (size_t i = 0; i < c.n; i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "check", json_object_new_string(c.v[i].name));
			json_object_object_add(o, "result", json_object_new_string(ENUM_NAME(verdict_names, c.v[i].v, "?")));
			json_object_object_add(o, "detail", json_object_new_string(c.v[i].detail));
			if (c.v[i].fix)
				json_object_object_add(o, "fix", json_object_new_string(c.v[i].fix));
			json_object_array_add(arr, o);
		}
		ctl_print_json(ctx, arr);
	} else {
		printf("%-20s %-6s %s\n", "CHECK", "RESULT", "DETAIL");
		for (size_t i = 0; i < c.n; i++) {
			printf("%-20s %-6s %s\n", c.v[i].name, ENUM_NAME(verdict_names, c.v[i].v, "?"), c.v[i].detail);
			if (c.v[i].fix)
				printf("%-20s %-6s fix: %s\n", "", "", c.v[i].fix);
		}
	}
	for (size_t i = 0; i < c.n; i++)
		failed |= c.v[i].v == FAIL;
	return failed ? 1 : 0;
}
