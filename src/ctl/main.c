// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl: global flags anywhere, then a dispatch table of verbs (one
 * file each, bpftool style). Each verb gets its arguments without them. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "../log.h"
#include "../oci-state.h"
#include "../util.h"
#include "../version.h"

#define MAX_ARGS 256

/* What configure and unconfigure both take. */
#define CONFIGURE_OPTIONS                                                                     \
	"  --runtime=NAME        docker, containerd, crio or podman\n" \
	"  --config=PATH         docker: its config (default /etc/docker/daemon.json);\n" \
	"                        containerd: its config.toml (default\n" \
	"                        /etc/containerd/config.toml, a node path with --root);\n" \
	"                        crio, podman: the hooks.d directory (default\n" \
	"                        /etc/containers/oci/hooks.d)\n" \
	"  --dry-run             print what would be written, write nothing\n" \
	"  --restart-mode=MODE   signal (default: SIGHUP to the PID in --pid-file, which\n" \
	"                        reloads runtimes and default-runtime without stopping\n" \
	"                        containers), systemd (systemctl reload docker), none;\n" \
	"                        containerd: none (default: the command is printed) or\n" \
	"                        systemd (systemctl restart containerd)\n" \
	"  --pid-file=PATH       dockerd's PID file (default /run/docker.pid)\n" \
	"  --wrapper=PATH        bpfreaper-runtime (default: beside bpfreaperctl)\n" \
	"  --root=DIR            containerd, crio, podman: the node's / seen from here (a\n" \
	"                        DaemonSet's /host); containerd: the node's containerd,\n" \
	"                        chrooted there, reads the config\n" \
	"  crio, podman (man bpfreaperctl: CRI-O's hooks_dir drop-in):\n" \
	"  --hook-bin=DIR        configure: where the hooks are (default: make install's)\n" \
	"  --hook-env=NAME=VAL   configure: the hooks' environment (repeatable)\n" \
	"  --opt-in              configure: only for containers annotated io.bpfreaper.mode\n"

static const struct ctl_verb verbs[] = {
	{ "list", do_list, "list registered containers and what they recorded so far",
	  "usage: bpfreaperctl list [--no-trunc]\n\n"
	  "Containers with a state (registered), what the tracer holds for them, and how many\n"
	  "containers ran unrecorded. Creates nothing.\n\n"
	  "  --no-trunc   full container ids (default: the first 12 characters)\n" },
	{ "top", do_top, "top [ID...]: live eBPF objects and kernel memory per container, largest first",
	  "usage: bpfreaperctl top [--no-trunc] [--watch] [--interval=DURATION] [ID...]\n\n"
	  "One row per registered container (or those the IDs name, unique prefixes taken): its\n"
	  "pod, the live maps, programs and links it created, the pins it made and still holds,\n"
	  "the kernel memory of those maps and programs (BYTES: the kernel's memlock figure,\n"
	  "bpftool's bytes_memlock; links have none), and the growth since the previous sample\n"
	  "(kept in the run directory, whoever took it). Sorted by bytes. Objects the container\n"
	  "only pinned or used are not counted (see docs/operations.md). OVER LIVE BUDGET: it\n"
	  "holds more than its live budget; logged once per run, nothing is removed.\n\n"
	  "  --no-trunc           full container ids\n"
	  "  -w, --watch          a new sample every interval, until interrupted\n"
	  "  --interval=DURATION  the interval of --watch (default 2s); implies --watch\n" },
	{ "show", do_show, "show ID: the live records of one container",
	  "usage: bpfreaperctl show ID\n\n"
	  "The live records of a registered container (and of its earlier runs not finished yet).\n"
	  "ID may be a unique prefix of the container id; an exact id always wins.\n" },
	{ "report", do_report, "report ID [--run=CGROUP_ID]: a container's poststop reports",
	  "usage: bpfreaperctl report ID [--run=CGROUP_ID]\n\n"
	  "The last poststop report of a container and its earlier runs' reports, as tables;\n"
	  "with --json the last run's report (or that of --run) as written. ID may be a unique\n"
	  "prefix of the container id; an exact id always wins.\n\n"
	  "  --run=CGROUP_ID  the report of the earlier run in that cgroup id\n" },
	{ "reports", do_reports, "reports [list|prune]: list the reports, or remove old ones",
	  "usage: bpfreaperctl reports [list] [--no-trunc] [--config=PATH]\n"
	  "       bpfreaperctl reports prune [--keep=N] [--older-than=DURATION] [--dry-run] [--config=PATH]\n\n"
	  "list (the default) shows every report in the report directory, newest first: id,\n"
	  "when it was written, mode, and what happened to the container's objects.\n"
	  "prune removes reports beyond the newest N or older than DURATION (45s, 30m, 12h, 7d,\n"
	  "2w); without either, the config's report_retention (what gc applies). Only regular\n"
	  "files named like reports are ever removed.\n\n"
	  "  --no-trunc            full container ids\n"
	  "  --keep=N              keep the newest N reports\n"
	  "  --older-than=DURATION remove reports written longer ago than DURATION\n"
	  "  --dry-run             say what would be removed, remove nothing\n"
	  "  --config=PATH         config file (default /etc/bpfreaper/bpfreaper.json)\n" },
	{ "doctor", do_doctor, "check the host for what bpfreaper needs, with fixes",
	  "usage: bpfreaperctl doctor [--config=PATH]\n\n"
	  "Checks the kernel, mounts, capabilities, run directory, config (valid, its log_file's\n"
	  "directory), tracer, leftovers and containers that ran unrecorded; exit 1 if a check\n"
	  "FAILs. Creates nothing.\n\n"
	  "  --config=PATH  config file (default /etc/bpfreaper/bpfreaper.json)\n" },
	{ "config", do_config, "config check [FILE]: validate a config before installing it",
	  "usage: bpfreaperctl config check [FILE]\n\n"
	  "Validates FILE (default /etc/bpfreaper/bpfreaper.json) as the hooks read it: JSON\n"
	  "syntax, known keys, the value of each. Exit 0 valid, 1 invalid: the error on stderr as\n"
	  "FILE:LINE:COLUMN: WHAT for a syntax error or an unknown key, else FILE: WHAT. With\n"
	  "--json: {\"file\", \"valid\", \"error\", \"line\", \"column\"} on stdout. Check a\n"
	  "config before installing it: while the live one is invalid every container runs\n"
	  "unrecorded (and nothing is removed). Reads the file only.\n" },
	{ "configure", do_configure, "configure --runtime=docker|containerd|crio|podman: wire bpfreaper into a container manager",
	  "usage: bpfreaperctl configure --runtime=docker [--config=PATH] [--set-as-default] [--dry-run]\n"
	  "                              [--restart-mode=signal|systemd|none] [--pid-file=PATH] [--wrapper=PATH]\n\n"
	  "Adds the runtime \"bpfreaper\" (bpfreaper-runtime) to daemon.json, keeping every other\n"
	  "key; with --set-as-default it becomes \"default-runtime\". The runtime Docker ran by\n"
	  "default before is what bpfreaper-runtime runs (\"runtime\" in $BPFREAPER_CONFIG, default\n"
	  "/etc/bpfreaper/bpfreaper.json). Each file is backed up as FILE.bpfreaper-backup the\n"
	  "first time and what changed is recorded in $BPFREAPER_STATE_DIR (default\n"
	  "/var/lib/bpfreaper)/configured-docker.json for unconfigure. A second run changes nothing.\n\n"
	  "  --set-as-default      make it Docker's default runtime\n"
	  CONFIGURE_OPTIONS },
	{ "unconfigure", do_unconfigure, "unconfigure --runtime=docker|containerd|crio|podman: undo configure",
	  "usage: bpfreaperctl unconfigure --runtime=docker [--config=PATH] [--dry-run]\n"
	  "                                [--restart-mode=signal|systemd|none] [--pid-file=PATH]\n\n"
	  "Puts back what configure changed: a file that still holds what configure wrote gets its\n"
	  "backup back byte for byte (or is removed if configure created it); a file edited since\n"
	  "loses only the runtime \"bpfreaper\" and gets its earlier default-runtime back.\n"
	  "Without a record: the runtime \"bpfreaper\" and a default naming it are removed.\n\n"
	  CONFIGURE_OPTIONS },
	{ "gc", do_gc, "gc [--dry-run] [--keep-tracer]: clean up after containers whose poststop never ran",
	  "usage: bpfreaperctl gc [--dry-run] [--keep-tracer] [--config=PATH]\n\n"
	  "Tears down containers whose cgroup is gone as poststop would, drops stale registrations,\n"
	  "prunes reports past report_retention and unloads an idle tracer (tracer_idle unload).\n\n"
	  "  --dry-run      say what would be done, do nothing\n"
	  "  --keep-tracer  never unload the tracer\n"
	  "  --config=PATH  config file (default /etc/bpfreaper/bpfreaper.json)\n" },
	{ "metrics", do_metrics, "metrics [--textfile DIR]: Prometheus text format (node_exporter textfile collector)",
	  "usage: bpfreaperctl metrics [--textfile=DIR]\n\n"
	  "Counters (since boot) and gauges in the Prometheus text format, to stdout or written\n"
	  "atomically as DIR/bpfreaper.prom for node_exporter's textfile collector\n"
	  "(Debian: /var/lib/prometheus/node-exporter). Creates nothing else.\n\n"
	  "  --textfile=DIR  write DIR/bpfreaper.prom instead of printing\n" },
	{ "load", do_load, "load the tracer now, so the first container starts fast",
	  "usage: bpfreaperctl load [--backend=auto|trampoline|tracepoint] [--config=PATH]\n" },
	{ "unload", do_unload, "unload the tracer if no container is registered",
	  "usage: bpfreaperctl unload\n" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfreaperctl [-j|--json] [-p|--pretty] VERB [ARGS]\n"
		   "       bpfreaperctl VERB --help | help VERB | --version\n\nverbs:\n");
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(f, "  %-11s %s\n", verbs[i].name, verbs[i].help);
	fprintf(f, "\nglobal flags, anywhere on the line (before a --):\n"
		   "  -j, --json     JSON on stdout, compact; errors as {\"error\": \"...\"} on stdout\n"
		   "  -p, --pretty   JSON, indented\n"
		   "  -V, --version  print the version\n"
		   "  -h, --help     this text, or a verb's usage after the verb\n"
		   "\nexit status: 0 ok, 1 failed (gc: a container could not be cleaned or a state is\n"
		   "corrupt; doctor: a check failed), 2 usage\n");
}

static const struct ctl_verb *verb_named(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (streq(name, verbs[i].name))
			return &verbs[i];
	return NULL;
}

static int verb_usage(const struct ctl_verb *v)
{
	if (v->usage)
		fputs(v->usage, stdout);
	else
		printf("usage: bpfreaperctl %s\n\n%s\n", v->name, v->help);
	return CTL_OK;
}

static int version(const struct ctl_ctx *ctx)
{
	_cleanup_json_ json_object *o = NULL;
	char libbpf[32];

	if (!ctx->json) {
		char line[160];

		version_line("bpfreaperctl", line, sizeof(line));
		puts(line);
		return CTL_OK;
	}
	o = json_object_new_object();
	version_libbpf(libbpf, sizeof(libbpf));
	json_object_object_add(o, "name", json_object_new_string("bpfreaperctl"));
	json_object_object_add(o, "version", json_object_new_string(BPFREAPER_VERSION));
	json_object_object_add(o, "libbpf", json_object_new_string(libbpf));
	json_object_object_add(o, "tracer_layout", json_object_new_int(version_tracer_layout()));
	ctl_print_json(ctx, o);
	return CTL_OK;
}

/* -j, -p, -jp: bpftool's short flags, clustered or not. */
static bool json_flags(const char *arg, struct ctl_ctx *ctx)
{
	if (streq(arg, "--json")) {
		ctx->json = 1;
		return true;
	}
	if (streq(arg, "--pretty")) {
		ctx->json = 1;
		ctx->pretty = true;
		return true;
	}
	if (arg[0] != '-' || !arg[1] || strspn(arg + 1, "jp") != strlen(arg + 1))
		return false;
	ctx->json = 1;
	ctx->pretty |= strchr(arg, 'p') != NULL;
	return true;
}

int main(int argc, char **argv)
{
	char *args[MAX_ARGS + 1];
	struct ctl_ctx ctx = {};
	const struct ctl_verb *v;
	bool help = false, want_version = false, done = false;
	int n = 0;

	log_open("bpfreaperctl");
	opterr = 0; /* the verbs say what was wrong, in one line */
	if (argc > MAX_ARGS)
		return ctl_usage_err(&ctx, "more than %d arguments", MAX_ARGS);
	/* Global flags anywhere up to "--", as bpftool and podman take them:
	 * `list --json` is `--json list`. */
	for (int i = 1; i < argc; i++) {
		if (done || !json_flags(argv[i], &ctx)) {
			if (!done && (streq(argv[i], "-h") || streq(argv[i], "--help")))
				help = true;
			else if (!done && (streq(argv[i], "-V") || streq(argv[i], "--version")))
				want_version = true;
			else
				args[n++] = argv[i];
			done |= streq(argv[i], "--");
		}
	}
	args[n] = NULL;
	if (want_version)
		return version(&ctx);
	if (n > 0 && streq(args[0], "help")) {
		if (n == 1) {
			usage(stdout);
			return CTL_OK;
		}
		v = verb_named(args[1]);
		if (!v || n > 2)
			return ctl_usage_err(&ctx, "help: no verb '%s'", args[1]);
		return verb_usage(v);
	}
	if (n == 0) {
		if (help) {
			usage(stdout);
			return CTL_OK;
		}
		if (ctx.json)
			return ctl_usage_err(&ctx, "no verb");
		usage(stderr);
		return CTL_USAGE;
	}
	v = verb_named(args[0]);
	if (!v)
		return ctl_usage_err(&ctx, "unknown verb '%s'", args[0]);
	if (help)
		return verb_usage(v);
	ctx.verb = v->name;
	/* A verb parses its own options with getopt_long over args, where
	 * args[0] is its name. */
	optind = 0;
	return v->run(&ctx, n - 1, args + 1);
}
