// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl show <id>: what a running container has recorded so far. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "../bpfobj.h"
#include "../ocistate.h"
#include "../state.h"
#include "../tracer.h"

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

int do_show(const struct ctl_ctx *ctx, int argc, char **argv)
{
	struct container_state st = {};
	struct record_list l = {};
	struct tracer t = TRACER_INIT;
	struct rundir rd;
	const char *why = "";
	int r;

	if (argc != 1) {
		fprintf(stderr, "usage: bpfreaperctl show ID\n");
		return 2;
	}
	if (!container_id_valid(argv[0], &why)) {
		fprintf(stderr, "bpfreaperctl: show: %s\n", why);
		return 2;
	}
	r = rundir_open(&rd);
	if (r == 0)
		r = state_read(&rd, argv[0], &st, &why);
	if (r == 0)
		r = tracer_open(&rd, &t);
	if (r == 0)
		r = tracer_read_records(&t, st.cgroup_id, &l);
	if (r < 0) {
		fprintf(stderr, "bpfreaperctl: show %s: %s%s%s\n", argv[0], strerror(-r), *why ? ": " : "", why);
		container_state_done(&st);
		tracer_close(&t);
		return 1;
	}
	if (ctx->json) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < l.n; i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "record", json_object_new_string(kind_name(&l.v[i])));
			json_object_object_add(o, "kind", json_object_new_string(obj_kind_name(l.v[i].obj_kind)));
			json_object_object_add(o, "id", json_object_new_int64(l.v[i].obj_id));
			json_object_object_add(o, "name", json_object_new_string(l.v[i].name));
			json_object_object_add(o, "path", json_object_new_string(l.v[i].path));
			json_object_object_add(o, "pid", json_object_new_int64(l.v[i].pid));
			json_object_object_add(o, "comm", json_object_new_string(l.v[i].comm));
			json_object_array_add(arr, o);
		}
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
									JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	} else {
		printf("container %s, cgroup %s, %s backend%s\n", st.id, st.cgroup_path,
		       st.backend == TRACER_BACKEND_AUTO ? "unknown" : tracer_backend_name(st.backend),
		       cg_overflowed(&l.cg) ? " (records overflowed)" : "");
		printf("%-7s %-5s %7s %-16s %-16s %s\n", "RECORD", "KIND", "ID", "NAME", "COMM", "PATH");
		for (size_t i = 0; i < l.n; i++) {
			const struct record *rec = &l.v[i];
			char where[64];
			const char *type = libbpf_bpf_attach_type_str(rec->attach_type);

			/* An attachment's "path" is its target: a cgroup by id. */
			if (rec->kind == REC_ATTACH)
				snprintf(where, sizeof(where), "%s %s %llu", type ? type : "?",
					 rec->flags & REC_F_TARGET_CGROUP ? "cgroup id" : "inode",
					 (unsigned long long)rec->parent_ino);
			printf("%-7s %-5s %7u %-16.16s %-16.16s %s\n", kind_name(rec),
			       rec->kind == REC_MKDIR ? "dir" : rec->kind == REC_SYMLINK ? "-" : obj_kind_name(rec->obj_kind),
			       rec->obj_id,
			       rec->name, rec->comm, rec->kind == REC_ATTACH ? where : rec->path);
		}
	}
	record_list_done(&l);
	container_state_done(&st);
	tracer_close(&t);
	rundir_close(&rd);
	return 0;
}
