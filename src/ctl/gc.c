// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl gc: finish the job for containers whose poststop never ran. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "../edge/budgetlog.h"
#include "../policy-config.h"
#include "../edge/gclog.h"
#include "../log.h"
#include "../oci-state.h"
#include "../util.h"

static void print_json(const struct ctl_ctx *ctx, const struct gc_result *res)
{
	_cleanup_json_ json_object *root = json_object_new_object();
	json_object *arr = json_object_new_array();
	char cgid[32], why[sizeof(res->v->err.detail) + 128];

	for (size_t i = 0; i < res->n; i++) {
		const struct gc_entry *e = &res->v[i];
		json_object *o = json_object_new_object();

		snprintf(cgid, sizeof(cgid), "%llu", (unsigned long long)e->cgroup_id);
		json_object_object_add(o, "id", e->id ? json_object_new_string(e->id) : NULL);
		json_object_object_add(o, "cgroup_id", json_object_new_string(cgid));
		json_object_object_add(o, "earlier_run", json_object_new_boolean(e->earlier));
		json_object_object_add(o, "action", json_object_new_string(gc_action_name(e->action)));
		if (*gc_entry_why(e, why, sizeof(why)))
			json_object_object_add(o, "why", json_object_new_string(why));
		if (e->err.code)
			json_object_object_add(o, "error", json_object_new_string(strerror(-e->err.code)));
		if (e->action == GC_CLEANED)
			json_object_object_add(o, "summary", json_object_new_string(e->summary));
		if (!e->id)
			json_object_object_add(o, "records", json_object_new_int64((int64_t)e->records));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "containers", arr);
	json_object_object_add(root, "tracer_unloaded", json_object_new_boolean(res->tracer_unloaded));
	json_object_object_add(root, "records_maps_freed", json_object_new_int64((int64_t)res->slots_freed));
	json_object_object_add(root, "records_maps_filled", json_object_new_int64((int64_t)res->slots_filled));
	json_object_object_add(root, "records_compacted", json_object_new_int64((int64_t)res->records_compacted));
	json_object_object_add(root, "reports_pruned", json_object_new_int64((int64_t)res->reports_pruned));
	if (res->reports_error)
		json_object_object_add(root, "reports_error", json_object_new_string(strerror(-res->reports_error)));
	ctl_print_json(ctx, root);
}

static void print_table(const struct gc_result *res)
{
	printf("%-40s %10s  %-18s %s\n", "ID", "CGROUP", "ACTION", "DETAIL");
	for (size_t i = 0; i < res->n; i++) {
		const struct gc_entry *e = &res->v[i];
		char detail[sizeof(e->err.detail) + 256] = "", why[sizeof(e->err.detail) + 128];

		if (e->action == GC_CLEANED)
			snprintf(detail, sizeof(detail), "%s", e->summary);
		else if (e->err.code)
			snprintf(detail, sizeof(detail), "%s: %s", gc_entry_why(e, why, sizeof(why)),
				 strerror(-e->err.code));
		else if (!e->id)
			snprintf(detail, sizeof(detail), "%zu records", e->records);
		printf("%-40s %10llu  %-18s %s%s\n", e->id ? e->id : "(no state)",
		       (unsigned long long)e->cgroup_id, gc_action_name(e->action),
		       e->earlier ? "(earlier run) " : "", detail);
	}
	if (res->records_compacted)
		printf("%zu records of freed objects dropped\n", res->records_compacted);
	if (res->slots_freed)
		printf("%zu unused records maps freed (%d kept for the next containers)\n", res->slots_freed,
		       POOL_SPARE);
	if (res->slots_filled)
		printf("%zu records maps put in the pool (it keeps %d)\n", res->slots_filled, POOL_SPARE);
	if (res->tracer_unloaded)
		printf("no container registered: tracer unloaded\n");
	if (res->reports_pruned)
		printf("%zu reports past the retention removed\n", res->reports_pruned);
}

int do_gc(const struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "keep-tracer", no_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{},
	};
	struct report_retention retention;
	struct gc_opts opts = {};
	struct gc_result res = {};
	struct config cfg = { .wait_ms = -1 };
	const char *config_path = CONFIG_PATH_DEFAULT;
	struct br_error err = BR_ERROR_INIT;
	bool trouble = false, metrics_failed = false;
	int c, r;

	optind = 0; /* argv[0] is the verb */
	while ((c = getopt_long(argc + 1, argv - 1, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			opts.dry_run = true;
			break;
		case 'k':
			opts.keep_tracer = true;
			break;
		case 'c':
			config_path = optarg;
			break;
		default:
			return ctl_bad_option(ctx, argv - 1);
		}
	}
	if (optind != argc + 1)
		return ctl_usage_err(ctx, "unexpected argument '%s'", argv[optind - 1]);
	r = config_load(config_path, &cfg, &err);
	if (r < 0 && r != -ENOENT)
		return ctl_config_err(ctx, config_path, &err);
	teardown_opts_from_config(&cfg, -1, false, &opts.teardown);
	retention = config_report_retention(&cfg);
	opts.retention = &retention;
	if (!cfg.unload_idle_tracer)
		opts.keep_tracer = true;
	opts.teardown.by = "gc";
	r = gc_run(&opts, &res);
	if (!opts.dry_run)
		gc_count_run(r, &res);
	/* After the count, so that the file says this run happened; on a
	 * failed run too, which is what the alert is for. */
	if (cfg.metrics_textfile && !opts.dry_run && ctl_metrics_write(cfg.metrics_textfile) != 0)
		metrics_failed = true;
	if (r < 0) {
		gc_result_done(&res);
		config_done(&cfg);
		return ctl_err(ctx, CTL_FAILED, "%s", strerror(-r));
	}
	log_set_stderr_max(LOG_WARNING);
	gc_log("gc", &res);
	/* The timer is what checks live budgets when nobody runs top. Its
	 * failure is logged, not gc's: nothing was left uncleaned. */
	if (!opts.dry_run && (r = live_budget_check("gc")) < 0)
		log_err("gc: check live budgets: %s", strerror(-r));
	if (ctx->json)
		print_json(ctx, &res);
	else
		print_table(&res);
	for (size_t i = 0; i < res.n; i++)
		trouble |= res.v[i].action == GC_FAILED || res.v[i].action == GC_CORRUPT;
	trouble |= res.reports_error < 0;
	gc_result_done(&res);
	config_done(&cfg);
	return trouble || metrics_failed ? 1 : 0;
}
