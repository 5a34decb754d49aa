// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl top: the live eBPF objects and kernel memory of each
 * registered container, largest first, and their growth since the previous
 * sample (kubectl top / podman stats habits). Collection is live-usage.h. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "../duration.h"
#include "../edge/budgetlog.h"
#include "../log.h"
#include "../live-usage.h"
#include "../oci-state.h"
#include "../util.h"

#define TOP_INTERVAL_DEFAULT_S 2

struct top_opts {
	int id_width;
	bool watch;
	int64_t interval_s;
	char **ids; /* operands: ids or unique prefixes; none: all */
	size_t n_ids;
};

/* 1023B, 12.0KiB, 3.4MiB: IEC like kubectl's Mi. */
static void bytes_format(uint64_t b, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t u = 0;

	if (b < 1024) {
		snprintf(buf, size, "%" PRIu64 "B", b);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f%s", v, units[u]);
}

static void growth_format(int64_t d_obj, int64_t d_bytes, char *buf, size_t size)
{
	char b[32];

	bytes_format((uint64_t)(d_bytes < 0 ? -d_bytes : d_bytes), b, sizeof(b));
	snprintf(buf, size, "%+" PRId64 " obj %s%s", d_obj, d_bytes < 0 ? "-" : "+", b);
}

/* Whether the row is one the operands asked for; each operand resolved
 * (exact id, else a unique prefix) among the rows' ids already. */
static bool wanted(const struct live_row *row, const char *const *want, size_t n)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (streq(row->id, want[i]))
			return true;
	return false;
}

static json_object *row_json(const struct live_row *row, const struct live_sample_entry *prev, int64_t since_s)
{
	json_object *o = json_object_new_object();
	const struct live_usage *u = &row->usage;
	char cgid[32];

	snprintf(cgid, sizeof(cgid), "%" PRIu64, row->cgroup_id);
	json_object_object_add(o, "id", json_object_new_string(row->id));
	json_object_object_add(o, "cgroup_id", json_object_new_string(cgid));
	json_object_object_add(o, "earlier_run", json_object_new_boolean(row->earlier != 0));
	if (pod_identity_known(&row->pod))
		json_object_object_add(o, "pod", pod_identity_to_json(&row->pod));
	json_object_object_add(o, "maps", json_object_new_int64(u->maps));
	json_object_object_add(o, "progs", json_object_new_int64(u->progs));
	json_object_object_add(o, "links", json_object_new_int64(u->links));
	json_object_object_add(o, "pins", json_object_new_int64(u->pins));
	json_object_object_add(o, "objects", json_object_new_int64(live_usage_objects(u)));
	json_object_object_add(o, "unproven", json_object_new_int64(u->unproven));
	json_object_object_add(o, "map_bytes", json_object_new_int64((int64_t)u->map_bytes));
	json_object_object_add(o, "prog_bytes", json_object_new_int64((int64_t)u->prog_bytes));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)live_usage_bytes(u)));
	json_object_object_add(o, "overflow", json_object_new_boolean(row->overflowed));
	if (live_budget_set(&row->budget)) {
		json_object *b = json_object_new_object();

		json_object_object_add(b, "objects", json_object_new_int64((int64_t)row->budget.objects));
		json_object_object_add(b, "bytes", json_object_new_int64((int64_t)row->budget.bytes));
		json_object_object_add(b, "over", json_object_new_boolean(row->over_budget));
		json_object_object_add(o, "live_budget", b);
	}
	if (prev) {
		json_object *g = json_object_new_object();

		json_object_object_add(g, "objects",
				       json_object_new_int64((int64_t)live_usage_objects(u) - (int64_t)prev->objects));
		json_object_object_add(g, "bytes", json_object_new_int64((int64_t)live_usage_bytes(u) -
									 (int64_t)prev->bytes));
		json_object_object_add(g, "since_s", json_object_new_int64(since_s));
		json_object_object_add(o, "growth", g);
	} else {
		json_object_object_add(o, "growth", NULL);
	}
	return o;
}

static void print_table(const struct top_opts *o, const struct live_rows *rows, const char *const *want,
			size_t n_want, const struct live_sample *prev, bool have_prev)
{
	int w = o->id_width ? o->id_width : 24;

	printf("%-*s %-24s %6s %6s %6s %6s %10s  %s\n", w, "CONTAINER ID", "POD", "MAPS", "PROGS", "LINKS",
	       "PINS", "BYTES", "GROWTH");
	for (size_t i = 0; i < rows->n; i++) {
		const struct live_row *row = &rows->v[i];
		const struct live_sample_entry *p = have_prev ? live_sample_find(prev, row->cgroup_id) : NULL;
		char pod[POD_TEXT_MAX], bytes[32], growth[64] = "-";

		if (!wanted(row, want, n_want))
			continue;
		pod_identity_format(&row->pod, pod, sizeof(pod));
		bytes_format(live_usage_bytes(&row->usage), bytes, sizeof(bytes));
		if (p)
			growth_format((int64_t)live_usage_objects(&row->usage) - (int64_t)p->objects,
				      (int64_t)live_usage_bytes(&row->usage) - (int64_t)p->bytes, growth,
				      sizeof(growth));
		printf("%-*.*s %-24s %6u %6u %6u %6u %10s  %s%s%s%s\n", w,
		       o->id_width ? o->id_width : (int)strlen(row->id), row->id, pod, row->usage.maps, row->usage.progs,
		       row->usage.links, row->usage.pins, bytes, growth, row->over_budget ? " OVER LIVE BUDGET" : "",
		       row->overflowed ? " (records overflowed)" : "",
		       row->earlier ? " (earlier run, not finished)" : "");
	}
	if (rows->unreadable)
		printf("\n%zu containers could not be read (see bpfreaperctl list)\n", rows->unreadable);
}

/* One sample: collect, print, keep it as the previous sample. */
static int top_once(const struct ctl_ctx *ctx, const struct top_opts *o, const struct rundir *rd,
		    const struct tracer *t, struct live_sample *prev, bool *have_prev)
{
	_cleanup_free_ const char **ids = NULL;
	_cleanup_free_ const char **want = NULL;
	struct live_rows rows = {};
	int r, rc = CTL_OK;

	r = live_collect(rd, t, &rows);
	if (r < 0)
		return ctl_err(ctx, CTL_FAILED, "collect: %s", strerror(-r));
	/* Whoever collects says a crossing, once per run; a read-only caller
	 * (not root) cannot mark it and leaves it to gc's timer. */
	r = live_budget_say("top", rd, t, &rows);
	if (r < 0 && r != -EACCES && r != -EPERM && r != -EROFS)
		fprintf(stderr, "bpfreaperctl: top: note live budget crossings in %s/%s: %s\n", rundir_path(),
			LIVE_BUDGET_DIR, strerror(-r));
	ids = calloc(rows.n + 1, sizeof(*ids));
	want = calloc(o->n_ids + 1, sizeof(*want));
	if (!ids || !want) {
		live_rows_done(&rows);
		return ctl_err(ctx, CTL_FAILED, "%s", strerror(ENOMEM));
	}
	for (size_t i = 0; i < rows.n; i++)
		ids[i] = rows.v[i].id;
	for (size_t i = 0; i < o->n_ids && rc == CTL_OK; i++)
		rc = ctl_resolve_id(ctx, o->ids[i], ids, rows.n, &want[i]);
	if (rc != CTL_OK) {
		live_rows_done(&rows);
		return rc;
	}
	if (ctx->json) {
		_cleanup_json_ json_object *out = json_object_new_object();
		json_object *arr = json_object_new_array();

		json_object_object_add(out, "containers", arr);
		for (size_t i = 0; i < rows.n; i++) {
			const struct live_sample_entry *p =
				*have_prev ? live_sample_find(prev, rows.v[i].cgroup_id) : NULL;

			if (wanted(&rows.v[i], want, o->n_ids))
				json_object_array_add(arr, row_json(&rows.v[i], p, rows.at - prev->at));
		}
		json_object_object_add(out, "unreadable", json_object_new_int64((int64_t)rows.unreadable));
		ctl_print_json(ctx, out);
	} else {
		if (o->watch)
			fputs("\033[H\033[2J", stdout); /* as watch(1): the table in place */
		print_table(o, &rows, want, o->n_ids, prev, *have_prev);
	}
	fflush(stdout);
	/* The next sample's growth is against this one, whoever takes it: a
	 * read-only caller (not root) just gets no growth next time. */
	r = live_sample_write(rd->root_fd, &rows);
	if (r < 0 && r != -EACCES && r != -EROFS && r != -EPERM)
		fprintf(stderr, "bpfreaperctl: top: keep the sample in %s/%s: %s\n", rundir_path(), LIVE_SAMPLE_FILE,
			strerror(-r));
	live_sample_done(prev);
	prev->at = rows.at;
	prev->v = calloc(rows.n + 1, sizeof(*prev->v));
	if (prev->v) {
		for (size_t i = 0; i < rows.n; i++)
			prev->v[prev->n++] = (struct live_sample_entry){
				.cgroup_id = rows.v[i].cgroup_id,
				.objects = live_usage_objects(&rows.v[i].usage),
				.bytes = live_usage_bytes(&rows.v[i].usage),
			};
		*have_prev = true;
	} else {
		*have_prev = false;
	}
	live_rows_done(&rows);
	return CTL_OK;
}

/* No run directory or no tracer: nothing is registered, which is no error. */
static int print_none(const struct ctl_ctx *ctx)
{
	if (ctx->json) {
		_cleanup_json_ json_object *out = json_object_new_object();

		json_object_object_add(out, "containers", json_object_new_array());
		json_object_object_add(out, "unreadable", json_object_new_int64(0));
		ctl_print_json(ctx, out);
	} else {
		printf("no tracer loaded: no container registered\n");
	}
	return CTL_OK;
}

int do_top(const struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-trunc", no_argument, NULL, 'T' },
		{ "watch", no_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'i' },
		{},
	};
	struct top_opts o = { .id_width = CTL_ID_TRUNC, .interval_s = TOP_INTERVAL_DEFAULT_S };
	struct live_sample prev = {};
	struct tracer t = TRACER_INIT;
	struct rundir rd;
	bool have_prev;
	int c, r, rc;

	log_set_stderr_max(LOG_WARNING);
	while ((c = getopt_long(argc + 1, argv - 1, "w", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			o.id_width = 0;
			break;
		case 'w':
			o.watch = true;
			break;
		case 'i':
			if (duration_parse(optarg, &o.interval_s) < 0 || o.interval_s < 1)
				return ctl_usage_err(ctx, "--interval: '%s' is not a duration of 1s or more", optarg);
			o.watch = true;
			break;
		default:
			return ctl_bad_option(ctx, argv - 1);
		}
	}
	o.ids = argv + optind - 1;
	o.n_ids = (size_t)(argc + 1 - optind);
	for (size_t i = 0; i < o.n_ids; i++) {
		struct br_error err = BR_ERROR_INIT;

		if (!container_id_valid(o.ids[i], &err))
			return ctl_usage_err(ctx, "%s", err.detail);
	}
	r = rundir_open_existing(&rd);
	if (r == -ENOENT)
		return print_none(ctx);
	if (r < 0)
		return ctl_err(ctx, CTL_FAILED, "open %s: %s", rundir_path(), strerror(-r));
	r = tracer_open(&rd, &t);
	if (r < 0) {
		rundir_close(&rd);
		if (r == -ENOENT)
			return print_none(ctx);
		return ctl_err(ctx, CTL_FAILED, "open the tracer in %s: %s", rundir_path(), strerror(-r));
	}
	have_prev = live_sample_read(rd.root_fd, &prev) == 0;
	for (;;) {
		rc = top_once(ctx, &o, &rd, &t, &prev, &have_prev);
		if (rc != CTL_OK || !o.watch)
			break;
		sleep((unsigned int)o.interval_s);
	}
	live_sample_done(&prev);
	tracer_close(&t);
	rundir_close(&rd);
	return rc;
}
