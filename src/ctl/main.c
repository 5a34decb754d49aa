// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl: dispatch table of verbs (one file each, bpftool style). */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "../log.h"

static const struct ctl_verb verbs[] = {
	{ "list", do_list, "list registered containers and what they recorded so far" },
	{ "show", do_show, "show <id>: the live records of one container" },
	{ "report", do_report, "report <id> [--run=CGROUP_ID]: the last poststop report of a container and its earlier runs' reports, as tables" },
	{ "doctor", do_doctor, "check the host for what bpfreaper needs, with fixes" },
	{ "gc", do_gc, "gc [--dry-run] [--keep-tracer]: clean up after containers whose poststop never ran" },
	{ "metrics", do_metrics, "metrics [--textfile DIR]: Prometheus text format (node_exporter textfile collector)" },
	{ "load", do_load, "load the tracer now, so the first container starts fast" },
	{ "unload", do_unload, "unload the tracer if no container is registered" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfreaperctl [--json] VERB [ARGS]\n\nverbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].help);
	fprintf(f, "\nexit status: 0 ok, 1 failed (gc: a container could not be cleaned or a state is\n"
		   "corrupt; doctor: a check failed), 2 usage\n");
}

int main(int argc, char **argv)
{
	struct ctl_ctx ctx = {};
	int i = 1;

	log_open("bpfreaperctl");
	if (i < argc && strcmp(argv[i], "--json") == 0) {
		ctx.json = 1;
		i++;
	}
	if (i >= argc || strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc ? 2 : 0;
	}
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (strcmp(argv[i], verbs[v].name) == 0)
			return verbs[v].run(&ctx, argc - i - 1, argv + i + 1);
	fprintf(stderr, "bpfreaperctl: unknown verb '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}
