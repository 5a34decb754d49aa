// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl list: containers with a state file, and what the tracer holds for them. */
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "../duration.h"
#include "../live-usage.h"
#include "../oci-state.h"
#include "../store-skipped.h"
#include "../store-state.h"
#include "../tracer-records.h"
#include "../util.h"

/* Containers prestart let run unrecorded: the operator must see that
 * bpfreaper did not watch them, and why. */
static void list_skipped(const struct ctl_ctx *ctx, json_object *out)
{
	struct skipped_summary s = {};
	char stamp[64];
	int r;

	r = skipped_summary_read(&s);
	if (r < 0) {
		if (!ctx->json)
			fprintf(stderr, "bpfreaperctl: list: read %s/%s: %s\n", rundir_path(), SKIPPED_FILE,
				strerror(-r));
		return;
	}
	ctl_format_time(s.last_at, stamp, sizeof(stamp));
	if (ctx->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "count", json_object_new_int64((int64_t)s.count));
		if (s.count) {
			json_object *last = json_object_new_object();

			json_object_object_add(last, "at", json_object_new_string(stamp));
			json_object_object_add(last, "id", json_object_new_string(s.last_id));
			json_object_object_add(last, "reason", json_object_new_string(s.last_reason));
			json_object_object_add(o, "last", last);
		}
		json_object_object_add(out, "skipped", o);
	} else if (s.count) {
		printf("\n%zu containers ran unrecorded (bpfreaper's own trouble, %s/%s); last: %s %s: %s\n",
		       s.count, rundir_path(), SKIPPED_FILE, stamp, s.last_id, s.last_reason);
	} else {
		printf("\nno container ran unrecorded\n");
	}
}

static json_object *row_json(const struct list_row *row)
{
	const struct container_state *st = &row->st;
	json_object *o = json_object_new_object();
	char cgid[32];

	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "state", json_object_new_string(row->status));
	/* A later run of the id started before this one was finished
	 * (store-state.h): poststop or gc finishes it. */
	json_object_object_add(o, "earlier_run", json_object_new_boolean(row->earlier != 0));
	snprintf(cgid, sizeof(cgid), "%" PRIu64, st->cgroup_id);
	json_object_object_add(o, "cgroup_id", json_object_new_string(cgid));
	json_object_object_add(o, "cgroup_path", json_object_new_string(st->cgroup_path));
	if (st->cgroup)
		json_object_object_add(o, "cgroup", json_object_new_string(st->cgroup));
	json_object_object_add(o, "mode", json_object_new_string(mode_name(st->mode)));
	if (pod_identity_known(&st->pod))
		json_object_object_add(o, "pod", pod_identity_to_json(&st->pod));
	json_object_object_add(o, "object_records", json_object_new_int64(row->object_records));
	json_object_object_add(o, "dir_records", json_object_new_int64(row->dir_records));
	json_object_object_add(o, "overflow", json_object_new_boolean(row->overflowed));
	if (row->live_known) {
		json_object *lv = json_object_new_object();

		json_object_object_add(lv, "maps", json_object_new_int64(row->live.maps));
		json_object_object_add(lv, "progs", json_object_new_int64(row->live.progs));
		json_object_object_add(lv, "links", json_object_new_int64(row->live.links));
		json_object_object_add(lv, "pins", json_object_new_int64(row->live.pins));
		json_object_object_add(lv, "bytes", json_object_new_int64((int64_t)live_usage_bytes(&row->live)));
		json_object_object_add(o, "live", lv);
	}
	json_object_object_add(o, "age_s", json_object_new_int64((long)(time(NULL) - st->created_at)));
	return o;
}

static void row_print(const struct list_row *row, int id_width)
{
	const struct container_state *st = &row->st;
	char age_text[16], bytes[24] = "-", pod[POD_TEXT_MAX];

	duration_format((long)(time(NULL) - st->created_at), age_text, sizeof(age_text));
	pod_identity_format(&st->pod, pod, sizeof(pod));
	if (row->live_known)
		snprintf(bytes, sizeof(bytes), "%" PRIu64, live_usage_bytes(&row->live));
	/* Truncated like podman's ps: unique prefixes are what show and
	 * report take. */
	printf("%-*.*s %-12s %-7s %8u %8u %10s %5s  %-24s %s%s%s\n", id_width ? id_width : 24,
	       id_width ? id_width : (int)strlen(st->id), st->id, row->status, mode_name(st->mode), row->object_records,
	       row->dir_records, bytes, age_text, pod, st->cgroup ? st->cgroup : st->cgroup_path,
	       row->overflowed ? " (overflowed)" : "", row->earlier ? " (earlier run, not finished)" : "");
}

/* No run directory, or one that cannot be opened: say so, and still how
 * many containers ran unrecorded. */
static int list_no_rundir(const struct ctl_ctx *ctx, json_object *out, int r)
{
	char msg[PATH_MAX + 128];

	/* Read-only: a host where no container ran yet has none, and listing
	 * must not make one. */
	if (r == -ENOENT && !ctx->json)
		printf("no run directory %s: no container registered yet\n", rundir_path());
	list_skipped(ctx, out);
	if (r == -ENOENT) {
		if (ctx->json)
			ctl_print_json(ctx, out);
		return CTL_OK;
	}
	if (!ctx->json)
		return ctl_err(ctx, CTL_FAILED, "open %s: %s", rundir_path(), strerror(-r));
	snprintf(msg, sizeof(msg), "list: open %s: %s", rundir_path(), strerror(-r));
	json_object_object_add(out, "error", json_object_new_string(msg));
	ctl_print_json(ctx, out);
	return CTL_FAILED;
}

int do_list(const struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-trunc", no_argument, NULL, 'T' },
		{},
	};
	_cleanup_json_ json_object *out = json_object_new_object();
	json_object *containers = json_object_new_array();
	struct tracer t = TRACER_INIT;
	struct state_ids ids = {};
	struct rundir rd;
	bool tracer;
	int id_width = CTL_ID_TRUNC;
	int c, r;

	json_object_object_add(out, "containers", containers); /* out owns it from here */
	while ((c = getopt_long(argc + 1, argv - 1, "", longopts, NULL)) != -1) {
		if (c != 'T')
			return ctl_bad_option(ctx, argv - 1);
		id_width = 0;
	}
	if (optind != argc + 1)
		return ctl_usage_err(ctx, "unexpected argument '%s'", argv[optind - 1]);
	r = rundir_open_existing(&rd);
	if (r < 0)
		return list_no_rundir(ctx, out, r);
	tracer = tracer_open(&rd, &t) == 0;
	r = state_list(&rd, &ids);
	if (r < 0) {
		tracer_close(&t);
		rundir_close(&rd);
		return ctl_err(ctx, CTL_FAILED, "read state directory %s/state: %s", rundir_path(), strerror(-r));
	}
	if (!ctx->json)
		printf("%-*s %-12s %-7s %8s %8s %10s %5s  %-24s %s\n", id_width ? id_width : 24, "ID", "STATE", "MODE",
		       "OBJECTS", "DIRS", "LIVE BYTES", "AGE", "POD", "CGROUP");
	for (size_t i = 0; i < ids.n; i++) {
		const struct state_file *f = &ids.v[i];
		struct br_error err = BR_ERROR_INIT;
		struct list_row row = {};

		if (live_list_row(&rd, tracer ? &t : NULL, f, &row, &err) < 0) {
			char run[64] = "";

			if (f->earlier)
				snprintf(run, sizeof(run), " (earlier run, cgroup id %" PRIu64 ")", f->earlier);
			fprintf(stderr, "bpfreaperctl: list: state %s%s: %s\n", f->id, run,
				*err.detail ? err.detail : strerror(-err.code));
			continue;
		}
		if (ctx->json)
			json_object_array_add(containers, row_json(&row));
		else
			row_print(&row, id_width);
		list_row_done(&row);
	}
	list_skipped(ctx, out);
	if (ctx->json)
		ctl_print_json(ctx, out);
	state_ids_done(&ids);
	tracer_close(&t);
	rundir_close(&rd);
	return CTL_OK;
}
