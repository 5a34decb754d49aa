// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl show <id>: what a running container has recorded so far. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "../live-usage.h"
#include "../reap-bpfobj.h"
#include "../oci-state.h"
#include "../store-state.h"
#include "../tracer-records.h"
#include "../util.h"

#include <bpf/libbpf.h>

static const char *kind_name(const struct record *rec)
{
	switch (rec->kind) {
	case REC_CREATE:
		return "create";
	case REC_PIN:
		return "pin";
	case REC_MKDIR:
		return "mkdir";
	case REC_ATTACH:
		return "attach";
	case REC_SYMLINK:
		return "symlink";
	default:
		return "?";
	}
}

/* What a record shows in its object columns: the object it names (none for
 * names), a symlink's target start, the name it was made at ("" for
 * creations and attachments). */
struct record_view {
	uint32_t obj_kind, obj_id;
	const char *name, *path;
};

static struct record_view view_of(const struct record *rec)
{
	const struct record_obj *obj = record_obj_of(rec);
	const struct record_name *at = record_name_of(rec);
	struct record_view v = { OBJ_NONE, 0, "", at ? at->path : "" };

	if (obj) {
		v.obj_kind = obj->kind;
		v.obj_id = obj->id;
		v.name = obj->name;
	} else if (rec->kind == REC_SYMLINK) {
		v.name = rec->symlink.target;
	}
	return v;
}

/* The records of one run of the container: its current run, or an earlier
 * run a later prestart kept unfinished (store-state.h). */
static void show_run(const struct ctl_ctx *ctx, const struct container_state *st, uint64_t earlier,
		     const struct record_list *l, json_object *arr)
{
	char cgid[32], pod[POD_TEXT_MAX];
	struct live_usage live;

	snprintf(cgid, sizeof(cgid), "%" PRIu64, st->cgroup_id);
	if (ctx->json) {
		for (size_t i = 0; i < l->n; i++) {
			json_object *o = json_object_new_object();
			struct record_view v = view_of(&l->v[i]);

			json_object_object_add(o, "record", json_object_new_string(kind_name(&l->v[i])));
			json_object_object_add(o, "kind", json_object_new_string(obj_kind_name(v.obj_kind)));
			json_object_object_add(o, "id", json_object_new_int64(v.obj_id));
			json_object_object_add(o, "name", json_object_new_string(v.name));
			json_object_object_add(o, "path", json_object_new_string(v.path));
			/* A directory or symlink: the entry the call made, by
			 * identity; null when the tracer could not prove it. */
			if (l->v[i].kind == REC_MKDIR || l->v[i].kind == REC_SYMLINK)
				json_object_object_add(o, "entry_ino",
						       (l->v[i].flags & REC_F_IDENTIFIED) ?
							       json_object_new_int64((int64_t)record_name_of(&l->v[i])->ino) :
							       NULL);
			json_object_object_add(o, "pid", json_object_new_int64(l->v[i].pid));
			json_object_object_add(o, "comm", json_object_new_string(l->v[i].comm));
			/* Which run made it. */
			json_object_object_add(o, "cgroup_id", json_object_new_string(cgid));
			json_object_object_add(o, "earlier_run", json_object_new_boolean(earlier != 0));
			if (pod_identity_known(&st->pod))
				json_object_object_add(o, "pod", pod_identity_to_json(&st->pod));
			json_object_array_add(arr, o);
		}
		return;
	}
	pod_identity_describe(&st->pod, pod, sizeof(pod));
	printf("%scontainer %s%s, cgroup %s (id %s)%s, %s backend%s\n", earlier ? "\n" : "", st->id, pod,
	       st->cgroup_path, cgid, earlier ? ", EARLIER RUN never finished" : "",
	       st->backend == TRACER_BACKEND_AUTO ? "unknown" : tracer_backend_name(st->backend),
	       cg_overflowed(&l->cg) ? " (records overflowed)" : "");
	if (live_usage_of_records(l, &live) == 0)
		printf("live: %u maps, %u progs, %u links, %u pins; %" PRIu64 " bytes (memlock)\n", live.maps,
		       live.progs, live.links, live.pins, live_usage_bytes(&live));
	printf("%-7s %-5s %7s %-16s %-16s %s\n", "RECORD", "KIND", "ID", "NAME", "COMM", "PATH");
	for (size_t i = 0; i < l->n; i++) {
		const struct record *rec = &l->v[i];
		struct record_view v = view_of(rec);
		char where[64];

		/* An attachment's "path" is its target: a cgroup by id. */
		if (rec->kind == REC_ATTACH) {
			const char *type = libbpf_bpf_attach_type_str(rec->attach.attach_type);

			snprintf(where, sizeof(where), "%s %s %llu", type ? type : "?",
				 rec->flags & REC_F_TARGET_CGROUP ? "cgroup id" : "inode",
				 (unsigned long long)rec->attach.target_ino);
			v.path = where;
		}
		printf("%-7s %-5s %7u %-16.16s %-16.16s %s\n", kind_name(rec),
		       rec->kind == REC_MKDIR ? "dir" : rec->kind == REC_SYMLINK ? "-" : obj_kind_name(v.obj_kind),
		       v.obj_id, v.name, rec->comm, v.path);
	}
}

/* The id argv names among the ids with a state: exact, or a unique prefix. */
static int resolve(const struct ctl_ctx *ctx, const struct state_ids *files, const char *want, const char **ret_id)
{
	_cleanup_free_ const char **ids = calloc(files->n ? files->n : 1, sizeof(*ids));

	if (!ids)
		return ctl_err(ctx, CTL_FAILED, "%s", strerror(ENOMEM));
	for (size_t i = 0; i < files->n; i++)
		ids[i] = files->v[i].id;
	return ctl_resolve_id(ctx, want, ids, files->n, ret_id);
}

int do_show(const struct ctl_ctx *ctx, int argc, char **argv)
{
	_cleanup_json_ json_object *arr = json_object_new_array();
	struct tracer t = TRACER_INIT;
	struct state_ids files = {};
	struct rundir rd = {};
	struct br_error err = BR_ERROR_INIT;
	const char *id = NULL;
	size_t shown = 0;
	int r, rc = 0;

	if (ctl_no_options(ctx, argc, argv) != CTL_OK)
		return CTL_USAGE;
	if (optind != argc || argc != 1)
		return ctl_usage_err(ctx, "expects one container id (or a unique prefix of one)");
	id = argv[0];
	if (!container_id_valid(argv[0], &err))
		return ctl_usage_err(ctx, "%s", err.detail);
	/* Read-only: opens what exists, creates nothing. */
	r = rundir_open_existing(&rd);
	if (r == 0)
		r = state_list(&rd, &files);
	if (r == 0)
		r = resolve(ctx, &files, argv[0], &id) == CTL_OK ? 0 : 1;
	if (r == 1) {
		state_ids_done(&files);
		rundir_close(&rd);
		return CTL_FAILED;
	}
	if (r == 0)
		r = tracer_open(&rd, &t);
	if (r < 0) {
		state_ids_done(&files);
		rundir_close(&rd);
		return ctl_err(ctx, CTL_FAILED, "%s: %s", argv[0],
			       r == -ENOENT ? "no such container registered (or no tracer loaded)" : strerror(-r));
	}
	/* The current run first (state_list gives no order), then the
	 * earlier runs of the same id. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < files.n; i++) {
			const struct state_file *f = &files.v[i];
			struct container_state st = {};
			struct record_list l = {};

			if ((pass == 0) != (f->earlier == 0) || !state_file_of(f, id))
				continue;
			br_error_clear(&err);
			r = state_read(&rd, f->id, f->earlier, &st, &err);
			if (r == 0 && !streq(st.id, id)) {
				container_state_done(&st);
				continue;
			}
			if (r == 0)
				r = tracer_read_records(&t, st.cgroup_id, &l);
			if (r < 0) {
				fprintf(stderr, "bpfreaperctl: show %s%s: %s%s%s\n", id,
					f->earlier ? " (earlier run)" : "", strerror(-r), *err.detail ? ": " : "",
					err.detail);
				rc = 1;
			} else {
				show_run(ctx, &st, f->earlier, &l, arr);
				shown++;
			}
			record_list_done(&l);
			container_state_done(&st);
		}
	if (ctx->json && shown)
		ctl_print_json(ctx, arr);
	else if (!shown && !rc)
		rc = ctl_err(ctx, CTL_FAILED, "%s: no such container registered", id);
	else if (!shown)
		rc = ctl_err(ctx, CTL_FAILED, "%s: no run of it could be read", id);
	state_ids_done(&files);
	tracer_close(&t);
	rundir_close(&rd);
	return rc;
}
