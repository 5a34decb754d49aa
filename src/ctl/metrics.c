// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl metrics: the Prometheus text format, to stdout or to a
 * node_exporter textfile collector directory. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "../metrics.h"
#include "../rundir.h"
#include "../util.h"

#define METRICS_USAGE "usage: bpfreaperctl metrics [--textfile DIR]\n"

/* Also what gc runs when "metrics_textfile" is set. */
int ctl_metrics_write(const char *textfile_dir)
{
	_cleanup_free_ char *text = NULL;
	struct metrics m;
	int r;

	r = metrics_collect(&m);
	if (r < 0) {
		fprintf(stderr, "bpfreaperctl: metrics: read %s: %s\n", rundir_path(), strerror(-r));
		return 1;
	}
	r = metrics_format(&m, &text);
	if (r < 0) {
		fprintf(stderr, "bpfreaperctl: metrics: %s\n", strerror(-r));
		return 1;
	}
	if (!textfile_dir) {
		fputs(text, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	r = metrics_write_textfile(textfile_dir, text);
	if (r < 0) {
		fprintf(stderr, "bpfreaperctl: metrics: write %s/%s: %s\n", textfile_dir, METRICS_TEXTFILE,
			strerror(-r));
		return 1;
	}
	return 0;
}

int do_metrics(const struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "textfile", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *dir = NULL;
	int c;

	(void)ctx; /* the exposition format is the machine-readable output */
	optind = 0; /* argv[0] is the verb */
	while ((c = getopt_long(argc + 1, argv - 1, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			dir = optarg;
			break;
		case 'h':
			printf(METRICS_USAGE "\nPrometheus text format on stdout, or written atomically as "
			       "DIR/" METRICS_TEXTFILE "\n(node_exporter's textfile collector; Debian: "
			       METRICS_TEXTFILE_DIR_DEBIAN ").\n");
			return 0;
		default:
			fprintf(stderr, METRICS_USAGE);
			return 2;
		}
	}
	if (optind != argc + 1 || (dir && dir[0] != '/')) {
		fprintf(stderr, dir && dir[0] != '/' ? "bpfreaperctl: metrics: --textfile needs an absolute directory\n"
						       : METRICS_USAGE);
		return 2;
	}
	return ctl_metrics_write(dir);
}
