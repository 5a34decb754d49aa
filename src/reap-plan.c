// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The reap plan; see reap-plan.h. Every keep decision of a teardown is
 * made here: which pins keep rules keep, so which objects stay, which
 * programs a kept link keeps, which symlinks and directories stay.
 */
#include "reap-plan.h"
#include "reap-bpfobj.h"
#include "crashpoint.h"
#include "policy.h"
#include "util.h"

#include <bpf/bpf.h>

static bool unproven(const struct reap_result *res, uint32_t kind, uint32_t id)
{
	for (size_t i = 0; i < res->n_unproven; i++)
		if (res->unproven[i].kind == kind && res->unproven[i].id == id)
			return true;
	return false;
}

/* The container's objects, sorted and unique. A creation the tracer could
 * not prove is set aside: the id may name anyone's object. */
static int collect_objects(const struct record_list *records, struct reap_result *res)
{
	size_t n = 0;

	res->objects = calloc(records->n + 1, sizeof(*res->objects));
	res->unproven = calloc(records->n + 1, sizeof(*res->unproven));
	if (!res->objects || !res->unproven)
		return -ENOMEM;
	for (size_t i = 0; i < records->n; i++) {
		const struct record *rec = &records->v[i];

		const struct record_obj *obj = &rec->create.obj;

		if (rec->kind == REC_CREATE && (rec->flags & REC_F_UNPROVEN) && obj->id && !unproven(res, obj->kind, obj->id))
			res->unproven[res->n_unproven++] = (struct reap_unproven){ obj->kind, obj->id };
	}
	for (size_t i = 0; i < records->n; i++) {
		const struct record *rec = &records->v[i];
		const struct record_obj *obj = &rec->create.obj;
		struct reap_object *o;

		if (rec->kind == REC_PIN)
			res->pins_recorded++;
		if (rec->kind != REC_CREATE || obj->kind == OBJ_NONE || obj->id == 0 || unproven(res, obj->kind, obj->id))
			continue;
		o = &res->objects[n++];
		o->kind = obj->kind;
		o->id = obj->id;
		o->type = obj->type;
		o->pid = rec->pid;
		memcpy(o->comm, rec->comm, sizeof(o->comm));
		memcpy(o->name, obj->name, sizeof(o->name));
		o->comm[sizeof(o->comm) - 1] = o->name[sizeof(o->name) - 1] = '\0';
	}
	qsort(res->objects, n, sizeof(*res->objects), reap_object_cmp);
	res->n_objects = 0;
	for (size_t i = 0; i < n; i++)
		if (res->n_objects == 0 || reap_object_cmp(&res->objects[res->n_objects - 1], &res->objects[i]))
			res->objects[res->n_objects++] = res->objects[i];
	return 0;
}

/* An object the container pinned, still alive, whose creation it did not
 * record: someone else's (opened by id), or its own whose creation record
 * the tracer dropped at a close another of its threads raced (see
 * bpf/tracepoint.bpf.c, enter_close). Never the container's to remove; named
 * in the report, which must say what could not be proven. */
static void pinned_not_created(const struct record_list *records, struct reap_result *res)
{
	for (size_t i = 0; i < records->n; i++) {
		const struct record *rec = &records->v[i];
		const struct record_obj *obj = &rec->pin.obj;
		_cleanup_close_ int fd = -EBADF;

		if (rec->kind != REC_PIN || !obj->id || reap_find_object(res, obj->kind, obj->id) ||
		    unproven(res, obj->kind, obj->id))
			continue;
		fd = obj_fd_by_id(obj->kind, obj->id);
		if (fd >= 0)
			res->unproven[res->n_unproven++] = (struct reap_unproven){ obj->kind, obj->id };
	}
}

/* The records whose object is still the one recorded, or freed: a record
 * whose id is open but whose fingerprint differs names an object the
 * container did not make (its own was freed unseen and the id reused): it
 * is dropped from *ret_mine, named in res->ids_reused and never acted on. */
static int drop_reused(const struct record_list *records, struct reap_result *res, struct record_list *ret_mine)
{
	struct record_list mine = { .cg = records->cg, .compacted = records->compacted };

	mine.v = calloc(records->n + 1, sizeof(*mine.v));
	res->ids_reused = calloc(records->n + 1, sizeof(*res->ids_reused));
	if (!mine.v || !res->ids_reused) {
		free(mine.v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < records->n; i++) {
		const struct record *rec = &records->v[i];
		const struct record_obj *obj = record_obj_of(rec);
		bool named = false;

		if (!obj || !obj->id || obj_recorded_alive(obj) != 0) {
			mine.v[mine.n++] = *rec;
			continue;
		}
		for (size_t j = 0; j < res->n_ids_reused && !named; j++)
			named = res->ids_reused[j].kind == obj->kind && res->ids_reused[j].id == obj->id;
		if (!named)
			res->ids_reused[res->n_ids_reused++] = (struct reap_unproven){ obj->kind, obj->id };
	}
	*ret_mine = mine;
	return 0;
}

/* A kept link keeps the program it runs, and so that program's other
 * attachments: the keep rule's author meant the whole thing to stay. */
static void keep_programs_of_kept_links(struct reap_result *res)
{
	for (size_t i = 0; i < res->n_objects; i++) {
		struct reap_object *o = &res->objects[i], *prog;
		_cleanup_close_ int fd = -EBADF;
		struct bpf_link_info info = {};
		uint32_t len = sizeof(info);

		if (o->kind != OBJ_LINK || !o->kept)
			continue;
		fd = obj_fd_by_id(OBJ_LINK, o->id);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
			continue;
		prog = reap_find_object(res, OBJ_PROG, info.prog_id);
		if (prog && !prog->kept) {
			prog->kept = true;
			prog->kept_rule = o->kept_rule;
		}
	}
}

const char *reap_plan_keeps(const struct reap_plan *plan, const char *path)
{
	return plan->opts->policy ? policy_keeps(plan->opts->policy, path) : NULL;
}

/* The pins a keep rule keeps, out of the plan's pins to unlink: their
 * objects stay (the first rule that named one is the one reported), and
 * with them what they hold attached. */
static int keep_pins(struct reap_plan *plan, struct reap_result *res)
{
	struct pin_scan *scan = &plan->pins;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < scan->n; i++) {
		struct pin_candidate *c = &scan->v[i];
		const char *rule = r == 0 ? reap_plan_keeps(plan, c->path) : NULL;
		struct reap_object *o = rule ? reap_find_object(res, c->kind, c->id) : NULL;

		if (!o) {
			scan->v[n++] = *c;
			continue;
		}
		o->kept = true;
		if (!o->kept_rule)
			o->kept_rule = rule;
		r = reap_path_add_kept(&res->pins_kept, c->path, c->kind, c->id, rule);
		free(c->path);
	}
	scan->n = n;
	return r;
}

void reap_plan_done(struct reap_plan *plan)
{
	reap_pin_scan_done(&plan->pins);
	bpffs_views_done(&plan->views);
	free(plan->mine.v);
	plan->mine = (struct record_list){};
}

int reap_plan_build(const struct record_list *records, const struct reap_opts *opts, struct reap_plan *plan,
		    struct reap_result *res)
{
	int r;

	*plan = (struct reap_plan){ .opts = opts };
	res->flags = records->cg.flags;
	res->unresolved = records->cg.unresolved;
	res->dropped_freed = records->cg.freed_objs + records->compacted;
	res->dropped_names = records->cg.removed_names;
	r = drop_reused(records, res, &plan->mine);
	if (r == 0)
		r = collect_objects(&plan->mine, res);
	if (r == 0)
		pinned_not_created(&plan->mine, res);
	/* Only what the container could write: its writable bpffs binds. */
	if (r == 0)
		r = bpffs_views_of(opts->binds, opts->own_bpffs, &plan->views);
	res->views_refused = plan->views.refused;
	/* Pins can only exist if the container pinned something (or the record
	 * overflowed): otherwise there is nothing to look for. Found before
	 * anything is detached: a kept pin keeps what it holds attached. */
	if (r == 0 && ((res->n_objects > 0 && (res->pins_recorded > 0 || (res->flags & CG_OVERFLOW_OBJ))) ||
		       reap_creations_unrecorded(res)))
		r = reap_find_pins(&plan->mine, res, opts->binds, opts->registered_ns, &plan->views, &plan->pins);
	crashpoint("pins-found");
	if (r == 0)
		r = keep_pins(plan, res);
	if (r == 0)
		keep_programs_of_kept_links(res);
	if (r < 0)
		reap_plan_done(plan);
	return r;
}
