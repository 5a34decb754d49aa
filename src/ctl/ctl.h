/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef BPFREAPER_CTL_H
#define BPFREAPER_CTL_H

struct ctl_ctx {
	int json;
};

struct ctl_verb {
	const char *name;
	int (*run)(const struct ctl_ctx *ctx, int argc, char **argv);
	const char *help;
};

int do_list(const struct ctl_ctx *ctx, int argc, char **argv);
int do_show(const struct ctl_ctx *ctx, int argc, char **argv);
int do_unload(const struct ctl_ctx *ctx, int argc, char **argv);
int do_load(const struct ctl_ctx *ctx, int argc, char **argv);
int do_doctor(const struct ctl_ctx *ctx, int argc, char **argv);
int do_gc(const struct ctl_ctx *ctx, int argc, char **argv);
int do_report(const struct ctl_ctx *ctx, int argc, char **argv);
int do_metrics(const struct ctl_ctx *ctx, int argc, char **argv);
/* The metrics to stdout (dir NULL) or dir/bpfreaper.prom; prints its
 * errors; the exit status. */
int ctl_metrics_write(const char *textfile_dir);

#endif
