// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl report <id>: a container's poststop report, for people
 * (--json prints the file as it is). */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "../policy-config.h"
#include "../fileio.h"
#include "../input-limits.h"
#include "../oci-state.h"
#include "../store-reports.h"
#include "../store-rundir.h"
#include "../store-state.h"
#include "../util.h"

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

static long long num(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static json_object *arr(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL, *w = NULL;

	if (!json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b && !json_object_object_get_ex(v, b, &w))
		return NULL;
	v = b ? w : v;
	return json_object_is_type(v, json_type_array) ? v : NULL;
}

static const char *title_where(const char *title)
{
	return streq(title, "kept pin") ? "kept attached" : title;
}

static void print_paths(const char *title, json_object *list)
{
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		json_object *p = json_object_array_get_idx(list, i);

		/* Attachments are named by where, pins and dirs by path. */
		printf("%-14s %s", *str(p, "where") ? title_where(title) : title,
		       *str(p, "where") ? str(p, "where") : str(p, "path"));
		if (*str(p, "kind"))
			printf("  (%s %lld)", str(p, "kind"), num(p, "id"));
		if (*str(p, "rule"))
			printf("  rule %s", str(p, "rule"));
		else if (*str(p, "why"))
			printf("  %s%s%s", str(p, "why"), *str(p, "error") ? ": " : "", str(p, "error"));
		printf("\n");
	}
}

/* 0, 1 (said why), or -ENOENT unsaid when missing_ok: a container may have
 * only earlier runs' reports. */
static int print_report(const struct ctl_ctx *ctx, const char *id, const char *dir, const char *name,
			bool missing_ok)
{
	_cleanup_json_ json_object *root = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	json_object *created, *run, *dropped;
	size_t len = 0;
	int r;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = dirfd < 0 ? -errno : read_file_limited(dirfd, name, REPORT_MAX_BYTES, &text, &len);
	if (r == -ENOENT && missing_ok)
		return r;
	if (r < 0)
		return ctl_err(ctx, CTL_FAILED, "%s: %s/%s: %s", id, dir, name, strerror(-r));
	if (json_parse_strict(text, len, 16, &root) < 0 || !json_object_is_type(root, json_type_object))
		return ctl_err(ctx, CTL_FAILED, "%s: %s/%s: not a valid report", id, dir, name);
	if (ctx->json) {
		ctl_print_json(ctx, root);
		return 0;
	}
	printf("container %s  mode %s  finished %s\ncgroup %s (%s)\n", str(root, "id"), str(root, "mode"),
	       str(root, "finished_at"), str(root, "cgroup"), str(root, "cgroup_path"));
	/* Which run of the id these objects came from. */
	if (json_object_object_get_ex(root, "run", &run))
		printf("run in cgroup id %s, registered %s%s\n", str(root, "cgroup_id"),
		       *str(run, "registered_at") ? str(run, "registered_at") : "(unknown)",
		       json_object_object_get_ex(run, "earlier", &created) && json_object_get_boolean(created)
			       ? ", an EARLIER RUN finished after a later run had started"
			       : "");
	printf("\n%-5s %8s  %-16s %-16s %s\n", "KIND", "ID", "NAME", "MADE BY", "FATE");
	created = arr(root, "created", NULL);
	for (size_t i = 0; created && i < json_object_array_length(created); i++) {
		json_object *o = json_object_array_get_idx(created, i), *v;
		bool freed = json_object_object_get_ex(o, "freed", &v) && json_object_get_boolean(v);
		bool kept = json_object_object_get_ex(o, "kept", &v) && json_object_get_boolean(v);

		printf("%-5s %8lld  %-16.16s %-16.16s %s\n", str(o, "kind"), num(o, "id"), str(o, "name"),
		       str(o, "comm"), freed ? "freed" : kept ? "kept" : "SURVIVED");
	}
	if (num(root, "freed_objects") > 0)
		printf("%lld objects freed%s\n", num(root, "freed_objects"),
		       json_object_array_length(created) > 0 ? " (those listed \"freed\" among them)"
							 : " (not listed: config report_freed is count)");
	if (json_object_object_get_ex(root, "records_dropped", &dropped))
		printf("while it ran: %lld objects freed and %lld names removed, their records dropped\n",
		       num(dropped, "freed_objects"), num(dropped, "removed_names"));
	printf("\n");
	print_paths("removed pin", arr(root, "removed", "pins"));
	print_paths("removed dir", arr(root, "removed", "dirs"));
	print_paths("kept pin", arr(root, "kept", NULL));
	print_paths("left pin", arr(root, "left", "pins"));
	print_paths("left dir", arr(root, "left", "dirs"));
	print_paths("left symlink", arr(root, "left", "symlinks"));
	print_paths("left attached", arr(root, "left", "attachments"));
	print_paths("unproven", arr(root, "unproven", NULL));
	created = arr(root, "survivors", NULL);
	for (size_t i = 0; created && i < json_object_array_length(created); i++) {
		json_object *s = json_object_array_get_idx(created, i);

		printf("%-14s %s %lld: %s%s%s\n", "survivor", str(s, "kind"), num(s, "id"), str(s, "reason"),
		       *str(s, "pinned_at") ? " at " : "", str(s, "pinned_at"));
	}
	return 0;
}

/* The reports of the earlier runs of id: named like their states
 * (store-state.h), never replaced by a later run's report. */
static int print_earlier(const struct ctl_ctx *ctx, const char *id, const char *dir, size_t *ret_n)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	*ret_n = 0;
	if (!d && errno == ENOENT)
		return 0; /* no report at all yet: the caller says so */
	if (!d)
		return ctl_err(ctx, CTL_FAILED, "%s: %s: %s", id, dir, strerror(errno));
	while ((de = readdir(d))) {
		struct state_file f = {};

		if (state_file_name_parse(de->d_name, &f.id, &f.earlier) < 0)
			continue;
		if (f.earlier && state_file_of(&f, id)) {
			printf("\n");
			if (print_report(ctx, id, dir, de->d_name, false) != 0)
				rc = 1;
			(*ret_n)++;
		}
		free(f.id);
	}
	return rc;
}

/* The id the user's ID stands for among the reports there: exact, or a
 * unique prefix. */
static int resolve(const struct ctl_ctx *ctx, const char *dir, const char *want, char **ret_id)
{
	struct report_files l = {};
	_cleanup_free_ const char **ids = NULL;
	_cleanup_close_ int fd = -EBADF;
	const char *id = want;
	int r, rc = CTL_OK;

	fd = reports_dir_open(dir);
	r = fd < 0 ? fd : reports_list(fd, &l);
	if (r == 0 && l.n) {
		ids = calloc(l.n, sizeof(*ids));
		if (!ids) {
			report_files_done(&l);
			return ctl_err(ctx, CTL_FAILED, "%s", strerror(ENOMEM));
		}
		for (size_t i = 0; i < l.n; i++)
			ids[i] = l.v[i].id;
		rc = ctl_resolve_id(ctx, want, ids, l.n, &id);
	}
	/* No directory or an unreadable one: the lookup by name says so. */
	*ret_id = rc == CTL_OK ? strdup(id) : NULL;
	report_files_done(&l);
	if (rc == CTL_OK && !*ret_id)
		return ctl_err(ctx, CTL_FAILED, "%s", strerror(ENOMEM));
	return rc;
}

int do_report(const struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run", required_argument, NULL, 'r' },
		{},
	};
	struct config cfg = { .wait_ms = -1 };
	_cleanup_free_ char *id = NULL;
	struct br_error err = BR_ERROR_INIT;
	const char *dir;
	char name[NAME_MAX + 1], reports[PATH_MAX];
	uint64_t run = 0;
	size_t earlier = 0;
	int c, r, rc;

	while ((c = getopt_long(argc + 1, argv - 1, "", longopts, NULL)) != -1) {
		char *end = NULL;

		if (c != 'r')
			return ctl_bad_option(ctx, argv - 1);
		errno = 0;
		run = strtoull(optarg, &end, 10);
		if (errno || !end || *end || !run)
			return ctl_usage_err(ctx, "--run: '%s' is not a cgroup id", optarg);
	}
	if (optind != argc)
		return ctl_usage_err(ctx, "expects one container id (or a unique prefix of one)");
	if (!container_id_valid(argv[optind - 1], &err))
		return ctl_usage_err(ctx, "%s", err.detail);
	(void)config_load(CONFIG_PATH_DEFAULT, &cfg, NULL);
	r = reports_dir_path(cfg.report_dir, reports, sizeof(reports));
	dir = reports;
	if (r == 0) {
		rc = resolve(ctx, dir, argv[optind - 1], &id);
		if (rc != CTL_OK) {
			config_done(&cfg);
			return rc;
		}
		r = state_file_name(id, run, name, sizeof(name));
	}
	if (r < 0) {
		config_done(&cfg);
		return ctl_err(ctx, CTL_USAGE, "%s: %s", argv[optind - 1], strerror(-r));
	}
	/* --run: that earlier run's report. Otherwise the last run's, and
	 * for people the earlier runs' after it; --json stays one report. */
	if (run || ctx->json) {
		rc = print_report(ctx, id, dir, name, false);
	} else {
		r = print_report(ctx, id, dir, name, true);
		rc = print_earlier(ctx, id, dir, &earlier);
		if (r == -ENOENT && !earlier)
			rc = ctl_err(ctx, CTL_FAILED, "%s: %s/%s: %s", id, dir, name, strerror(ENOENT));
		else if (r > 0)
			rc = 1;
	}
	config_done(&cfg);
	return rc;
}
