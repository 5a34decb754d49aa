// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl metrics: the Prometheus text format, to stdout or to a
 * node_exporter textfile collector directory. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "../log-metrics.h"
#include "../store-rundir.h"
#include "../util.h"

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
		{},
	};
	const char *dir = NULL;
	int c;

	/* The exposition format is the machine-readable output: --json does
	 * not change it. */
	optind = 0; /* argv[0] is the verb */
	while ((c = getopt_long(argc + 1, argv - 1, "", longopts, NULL)) != -1) {
		if (c != 't')
			return ctl_bad_option(ctx, argv - 1);
		dir = optarg;
	}
	if (optind != argc + 1)
		return ctl_usage_err(ctx, "metrics takes no operands");
	if (dir && dir[0] != '/')
		return ctl_usage_err(ctx, "--textfile needs an absolute directory");
	return ctl_metrics_write(dir);
}
