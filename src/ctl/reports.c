// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl reports [list|prune]: the reports directory as a whole; the
 * choice of what to prune and the removal are src/store-reports.c's. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "../policy-config.h"
#include "../duration.h"
#include "../oci-state.h"
#include "../store-reports.h"
#include "../util.h"

static json_object *file_json(const struct report_file *f, const struct report_brief *b, int brief_r)
{
	json_object *o = json_object_new_object();
	char stamp[40];

	ctl_format_time(f->mtime, stamp, sizeof(stamp));
	json_object_object_add(o, "id", json_object_new_string(f->id));
	json_object_object_add(o, "file", json_object_new_string(f->name));
	json_object_object_add(o, "earlier_run", json_object_new_boolean(f->earlier != 0));
	if (f->earlier) {
		char cgid[32];

		snprintf(cgid, sizeof(cgid), "%" PRIu64, f->earlier);
		json_object_object_add(o, "cgroup_id", json_object_new_string(cgid));
	}
	json_object_object_add(o, "written_at", json_object_new_string(stamp));
	if (!b)
		return o;
	if (brief_r < 0) {
		json_object_object_add(o, "error", json_object_new_string(brief_r == -EBADMSG ? "not a valid report"
											     : strerror(-brief_r)));
		return o;
	}
	json_object_object_add(o, "finished_at", json_object_new_string(b->finished_at));
	json_object_object_add(o, "mode", json_object_new_string(b->mode));
	json_object_object_add(o, "by", json_object_new_string(b->by));
	json_object_object_add(o, "objects", json_object_new_int64(b->objects));
	json_object_object_add(o, "freed", json_object_new_int64(b->freed));
	json_object_object_add(o, "survived", json_object_new_int64(b->survived));
	json_object_object_add(o, "removed", json_object_new_int64(b->removed));
	json_object_object_add(o, "left", json_object_new_int64(b->left));
	return o;
}

static int list_reports(const struct ctl_ctx *ctx, int fd, const char *dir, int id_width)
{
	_cleanup_json_ json_object *root = json_object_new_object();
	json_object *arr = json_object_new_array();
	struct report_files l = {};
	int r;

	json_object_object_add(root, "reports_dir", json_object_new_string(dir));
	json_object_object_add(root, "reports", arr);
	r = fd < 0 ? 0 : reports_list(fd, &l);
	if (r < 0)
		return ctl_err(ctx, CTL_FAILED, "read %s: %s", dir, strerror(-r));
	if (!ctx->json)
		printf("%-*s %-20s %-7s %-8s %7s %7s %8s %7s %5s\n", id_width ? id_width : 24, "ID", "WRITTEN", "MODE",
		       "BY", "OBJECTS", "FREED", "SURVIVED", "REMOVED", "LEFT");
	for (size_t i = 0; i < l.n; i++) {
		const struct report_file *f = &l.v[i];
		struct report_brief b = {};
		char stamp[40];
		int br = report_brief_read(fd, f->name, &b);

		if (ctx->json) {
			json_object_array_add(arr, file_json(f, &b, br));
			continue;
		}
		ctl_format_time(f->mtime, stamp, sizeof(stamp));
		printf("%-*.*s %-20s ", id_width ? id_width : 24, id_width ? id_width : (int)strlen(f->id), f->id,
		       stamp);
		if (br < 0)
			printf("(%s)", br == -EBADMSG ? "not a valid report" : strerror(-br));
		else
			printf("%-7s %-8s %7" PRId64 " %7" PRId64 " %8" PRId64 " %7" PRId64 " %5" PRId64, b.mode, b.by,
			       b.objects, b.freed, b.survived, b.removed, b.left);
		printf("%s\n", f->earlier ? "  (earlier run)" : "");
	}
	if (ctx->json)
		ctl_print_json(ctx, root);
	report_files_done(&l);
	return CTL_OK;
}

static int prune_reports(const struct ctl_ctx *ctx, int fd, const char *dir, const struct report_retention *keep,
			 bool dry_run)
{
	_cleanup_json_ json_object *root = json_object_new_object();
	json_object *arr = json_object_new_array();
	struct report_files l = {};
	_cleanup_free_ bool *prune = NULL;
	size_t removed = 0, chosen = 0;
	int r;

	json_object_object_add(root, "reports_dir", json_object_new_string(dir));
	json_object_object_add(root, "dry_run", json_object_new_boolean(dry_run));
	json_object_object_add(root, "pruned", arr);
	r = fd < 0 ? 0 : reports_list(fd, &l);
	if (r < 0)
		return ctl_err(ctx, CTL_FAILED, "read %s: %s", dir, strerror(-r));
	prune = calloc(l.n ? l.n : 1, sizeof(*prune));
	if (!prune) {
		report_files_done(&l);
		return ctl_err(ctx, CTL_FAILED, "%s", strerror(ENOMEM));
	}
	reports_choose_prune(&l, keep, (int64_t)time(NULL), prune);
	if (!dry_run && l.n)
		r = reports_prune(fd, &l, prune, &removed);
	for (size_t i = 0; i < l.n; i++) {
		if (!prune[i])
			continue;
		chosen++;
		/* What was removed before a failure, or all chosen. */
		if (r < 0 && chosen > removed)
			break;
		if (ctx->json)
			json_object_array_add(arr, file_json(&l.v[i], NULL, 0));
		else
			printf("%s %s/%s\n", dry_run ? "would remove" : "removed", dir, l.v[i].name);
	}
	json_object_object_add(root, "kept", json_object_new_int64((int64_t)(l.n - chosen)));
	report_files_done(&l);
	if (r < 0)
		return ctl_err(ctx, CTL_FAILED, "prune %s: %s (%zu removed)", dir, strerror(-r), removed);
	if (ctx->json)
		ctl_print_json(ctx, root);
	else if (!chosen)
		printf("nothing to prune in %s\n", dir);
	return CTL_OK;
}

int do_reports(const struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-trunc", no_argument, NULL, 'T' },
		{ "keep", required_argument, NULL, 'k' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{},
	};
	const char *config_path = CONFIG_PATH_DEFAULT, *sub = "list";
	struct br_error err = BR_ERROR_INIT;
	struct report_retention keep = {};
	struct config cfg = { .wait_ms = -1 };
	bool dry_run = false, limits = false, list_opts = false;
	_cleanup_close_ int fd = -EBADF;
	int id_width = CTL_ID_TRUNC, c, r;
	char dir[PATH_MAX], *end;
	long long n;

	while ((c = getopt_long(argc + 1, argv - 1, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			id_width = 0;
			list_opts = true;
			break;
		case 'k':
			errno = 0;
			n = strtoll(optarg, &end, 10);
			if (errno || *end || end == optarg || n < 1)
				return ctl_usage_err(ctx, "--keep: '%s' is not a count of 1 or more", optarg);
			keep.count = (size_t)n;
			limits = true;
			break;
		case 'o':
			if (duration_parse(optarg, &keep.max_age_s) < 0 || !keep.max_age_s)
				return ctl_usage_err(ctx, "--older-than: '%s' is not a duration (45s, 30m, 12h, 7d, 2w)",
						     optarg);
			limits = true;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'c':
			config_path = optarg;
			break;
		default:
			return ctl_bad_option(ctx, argv - 1);
		}
	}
	if (optind <= argc)
		sub = argv[optind - 1];
	if (optind < argc)
		return ctl_usage_err(ctx, "unexpected argument '%s'", argv[optind]);
	if (!streq(sub, "list") && !streq(sub, "prune"))
		return ctl_usage_err(ctx, "unknown subcommand '%s' (list, prune)", sub);
	if (streq(sub, "list") && (limits || dry_run))
		return ctl_usage_err(ctx, "--keep, --older-than and --dry-run are prune's");
	if (streq(sub, "prune") && list_opts)
		return ctl_usage_err(ctx, "--no-trunc is list's");
	r = config_load(config_path, &cfg, &err);
	if (r < 0 && r != -ENOENT)
		return ctl_config_err(ctx, config_path, &err);
	if (!limits)
		keep = config_report_retention(&cfg);
	r = reports_dir_path(cfg.report_dir, dir, sizeof(dir));
	config_done(&cfg);
	if (r < 0)
		return ctl_err(ctx, CTL_FAILED, "report directory: %s", strerror(-r));
	/* Read-only for list, and prune has nothing to do without it: a
	 * missing directory is an empty one, never created. */
	fd = reports_dir_open(dir);
	if (fd < 0 && fd != -ENOENT)
		return ctl_err(ctx, CTL_FAILED, "open %s: %s", dir, strerror(-fd));
	if (streq(sub, "list"))
		return list_reports(ctx, fd, dir, id_width);
	if (!keep.count && !keep.max_age_s)
		return ctl_usage_err(ctx, "no limit: give --keep or --older-than, or set report_retention in %s",
				     config_path);
	return prune_reports(ctx, fd, dir, &keep, dry_run);
}
