/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef BPFREAPER_CTL_H
#define BPFREAPER_CTL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../error.h"

struct ctl_ctx {
	int json;          /* -j/--json (or -p): JSON on stdout, errors too */
	bool pretty;       /* -p/--pretty: indented JSON, as bpftool's -p */
	const char *verb;  /* for messages */
};

struct ctl_verb {
	const char *name;
	int (*run)(const struct ctl_ctx *ctx, int argc, char **argv);
	const char *help;  /* one line in `bpfreaperctl --help` */
	const char *usage; /* `bpfreaperctl VERB --help`; NULL: help */
};

/* Exit codes of every verb. */
#define CTL_OK 0
#define CTL_FAILED 1
#define CTL_USAGE 2

/* One JSON document on stdout, compact under -j, indented under -p. */
void ctl_print_json(const struct ctl_ctx *ctx, json_object *o);
/* A failure: "bpfreaperctl: VERB: MSG" on stderr, or under --json
 * {"error": "VERB: MSG"} on stdout (bpftool's habit). Returns rc. */
int ctl_err(const struct ctl_ctx *ctx, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A failure the library reported in err (error.h): the message as for
 * ctl_err(), and under --json beside "error" the step's words ("step")
 * and the errno's name ("errno": "ENOENT") when err has them. */
int ctl_err_br(const struct ctl_ctx *ctx, int rc, const struct br_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The config file at path is invalid or unreadable (config_load()'s err):
 * exit code CTL_USAGE. */
int ctl_config_err(const struct ctl_ctx *ctx, const char *path, const struct br_error *err);
/* A usage error: one line naming `VERB --help`, exit code CTL_USAGE. */
int ctl_usage_err(const struct ctl_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The usage error for getopt_long's '?' or ':' (opterr is 0): names the
 * option it stopped at. verb_argv is the verb's argv with the verb at [0]. */
int ctl_bad_option(const struct ctl_ctx *ctx, char **verb_argv);
/* For a verb without options: CTL_OK, or the usage error for the option
 * given (then optind is past it; else at the first operand). */
int ctl_no_options(const struct ctl_ctx *ctx, int argc, char **argv);
/* The full container id a user's ID stands for among ids (states,
 * reports): exact, else a unique prefix, else want itself (the caller says
 * "not found" its own way). An ambiguous prefix is an error listing the
 * candidates: returns CTL_FAILED, said already. */
int ctl_resolve_id(const struct ctl_ctx *ctx, const char *want, const char *const *ids, size_t n,
		   const char **ret_id);
/* A time for people and JSON alike: 2026-01-02T03:04:05Z. */
void ctl_format_time(int64_t at, char *buf, size_t size);
/* Container ids in tables: 12 characters as podman, all with --no-trunc. */
#define CTL_ID_TRUNC 12

int do_top(const struct ctl_ctx *ctx, int argc, char **argv);
int do_list(const struct ctl_ctx *ctx, int argc, char **argv);
int do_show(const struct ctl_ctx *ctx, int argc, char **argv);
int do_unload(const struct ctl_ctx *ctx, int argc, char **argv);
int do_load(const struct ctl_ctx *ctx, int argc, char **argv);
int do_doctor(const struct ctl_ctx *ctx, int argc, char **argv);
int do_config(const struct ctl_ctx *ctx, int argc, char **argv);
int do_gc(const struct ctl_ctx *ctx, int argc, char **argv);
int do_report(const struct ctl_ctx *ctx, int argc, char **argv);
int do_metrics(const struct ctl_ctx *ctx, int argc, char **argv);
/* The metrics to stdout (dir NULL) or dir/bpfreaper.prom; prints its
 * errors; the exit status. */
int ctl_metrics_write(const char *textfile_dir);
int do_reports(const struct ctl_ctx *ctx, int argc, char **argv);
int do_configure(const struct ctl_ctx *ctx, int argc, char **argv);
int do_unconfigure(const struct ctl_ctx *ctx, int argc, char **argv);

#endif
