// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The removal sequence; see reap.h. Every destructive step is preceded by
 * an identity check against the container's creation records: a pin is
 * unlinked only while it holds an object the container created. The steps
 * live beside it: pins in reap-pins.c, symlinks and directories in
 * reap-dirs.c, attachments in reap-attach.c.
 */
#include "reap.h"
#include "reap-steps.h"
#include "reap-bpffs.h"
#include "reap-bpfobj.h"
#include "reap-attach.h"
#include "crashpoint.h"
#include "policy.h"
#include "util.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

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

/* Links next: a detached link no longer runs its program, whoever still
 * holds it. Kinds that cannot be detached are freed with their last pin. */
static void detach_links(struct reap_result *res)
{
	for (size_t i = 0; i < res->n_objects; i++) {
		struct reap_object *o = &res->objects[i];
		_cleanup_close_ int fd = -EBADF;

		if (o->kind != OBJ_LINK || o->kept)
			continue;
		fd = obj_fd_by_id(OBJ_LINK, o->id);
		if (fd < 0)
			continue;
		if (bpf_link_detach(fd) == 0) {
			o->detached = true;
			crashpoint("link-detached");
		}
	}
}

/* The keep rule that keeps path: the policy decides (policy.h). */
const char *reap_kept_by(const struct reap_opts *opts, const char *path)
{
	return opts->policy ? policy_keeps(opts->policy, path) : NULL;
}

/* Marks freed the objects whose ids the kernel no longer has. Kind by kind
 * in id order (res->objects is sorted so), BPF_*_GET_NEXT_ID from just below
 * an id answers for the whole run of ids up to the next live one: 10 000
 * freed objects cost one call, not 10 000. With first_only it stops at the
 * first object still alive. Returns how many it found alive. */
static size_t sweep_freed(struct reap_result *res, bool first_only)
{
	size_t alive = 0;

	for (size_t i = 0; i < res->n_objects;) {
		struct reap_object *o = &res->objects[i];
		uint32_t kind = o->kind, next;
		int r;

		if (o->freed || o->kept) {
			i++;
			continue;
		}
		r = obj_next_id(kind, o->id - 1, &next);
		if (r < 0 && r != -ENOENT) {
			/* Ids cannot be listed here: ask for this one. */
			if (obj_alive(kind, o->id) == 0) {
				o->freed = true;
			} else if (alive++, first_only) {
				return alive;
			}
			i++;
			continue;
		}
		if (r == -ENOENT)
			next = UINT32_MAX;
		for (; i < res->n_objects && res->objects[i].kind == kind && res->objects[i].id < next; i++)
			if (!res->objects[i].kept)
				res->objects[i].freed = true;
		if (i < res->n_objects && res->objects[i].kind == kind && res->objects[i].id == next) {
			if (!res->objects[i].freed && !res->objects[i].kept && (alive++, first_only))
				return alive;
			i++;
		}
	}
	return alive;
}

/* Freeing is asynchronous (RCU, workqueues): sweep with a growing pause,
 * each sweep stopping at the first object still alive (frees come about in
 * the order of the unlinks), and once more over all at the deadline. */
static void wait_freed(struct reap_result *res, unsigned wait_ms)
{
	uint64_t start = now_us(), deadline = start + (uint64_t)wait_ms * 1000u;
	useconds_t pause = 200;

	for (;;) {
		bool last = now_us() >= deadline;

		if (sweep_freed(res, !last) == 0 || last)
			break;
		usleep(pause);
		if (pause < 20000)
			pause *= 2;
	}
	res->wait_us = now_us() - start;
}

/* For survivors that no pin explains: which process holds an fd of it,
 * which program uses it. Costs a BPF iterator run, so only when needed. */
static int name_holders(struct reap_result *res)
{
	struct holder_list holders = {};
	bool scanned = false;
	int scan_error = 0;

	for (size_t i = 0; i < res->n_objects; i++) {
		struct reap_object *o = &res->objects[i];

		if (o->freed || o->kept || o->pinned_at || o->attached_at)
			continue;
		if (!scanned) {
			scan_error = holders_scan(&holders);
			scanned = true;
		}
		for (size_t h = 0; h < holders.n && o->n_held_by < REAP_HOLDERS_MAX; h++)
			if (holders.v[h].obj_kind == o->kind && holders.v[h].obj_id == o->id)
				o->held_by[o->n_held_by++] = holders.v[h];
		if (o->kind == OBJ_MAP) {
			size_t n = 0;

			if (progs_using_map(o->id, o->used_by, REAP_HOLDERS_MAX, &n) == 0)
				o->n_used_by = n < REAP_HOLDERS_MAX ? n : REAP_HOLDERS_MAX;
		}
		if (o->n_held_by)
			o->survivor_reason = "held by a process";
		else if (o->n_used_by)
			o->survivor_reason = "used by another program";
		else if (scan_error)
			o->survivor_reason = "still referenced (holders unknown: the iterator failed)";
		else
			o->survivor_reason = "still referenced: attached, or held by the kernel";
	}
	holder_list_done(&holders);
	return 0;
}

static int explain_survivors(struct reap_result *res, const struct reap_opts *opts, const struct bpffs_views *views)
{
	int r;

	for (size_t i = 0; i < res->pins_left.n; i++) {
		struct reap_path *p = &res->pins_left.v[i];
		struct reap_object *o = reap_find_object(res, p->kind, p->id);

		if (o && !o->pinned_at) {
			o->pinned_at = strdup(p->path);
			if (!o->pinned_at)
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < res->attach_left.n; i++) {
		struct reap_path *p = &res->attach_left.v[i];
		struct reap_object *o = reap_find_object(res, p->kind, p->id);

		if (o && !o->attached_at) {
			o->attached_at = strdup(p->path);
			if (!o->attached_at)
				return -ENOMEM;
		}
	}
	r = reap_find_pins_outside(res, opts, views);
	if (r < 0)
		return r;
	res->survivors = 0;
	for (size_t i = 0; i < res->n_objects; i++) {
		struct reap_object *o = &res->objects[i];

		if (o->kept && !o->freed)
			o->freed = obj_alive(o->kind, o->id) == 0;
		if (o->freed || o->kept)
			continue;
		res->survivors++;
		o->survivor_reason = o->pinned_at ? "still pinned" : o->attached_at ? "still attached" : NULL;
	}
	return name_holders(res);
}

/* Some creation was made without a record (CG_UNRESOLVED: its fd swapped
 * away; a syscall program's, on the tracepoint backend): its pins can only
 * be found by a walk of the views, and named, never removed. */
static bool creations_unrecorded(const struct reap_result *res)
{
	return res->flags & (CG_UNRESOLVED | CG_UNSEEN_SYSCALL_PROG);
}

int reap(const struct record_list *all_records, const struct reap_opts *opts, struct reap_result *ret)
{
	struct reap_result res = {};
	struct bpffs_views views = {};
	struct pin_scan scan = {};
	struct record_list mine = {};
	const struct record_list *records = &mine;
	uint64_t phase;
	int r;

	res.flags = all_records->cg.flags;
	res.unresolved = all_records->cg.unresolved;
	res.dropped_freed = all_records->cg.freed_objs + all_records->compacted;
	res.dropped_names = all_records->cg.removed_names;
	r = drop_reused(all_records, &res, &mine);
	if (r == 0)
		r = collect_objects(records, &res);
	if (r == 0)
		pinned_not_created(records, &res);
	/* Only what the container could write: its writable bpffs binds. */
	if (r == 0)
		r = bpffs_views_of(opts->binds, opts->own_bpffs, &views);
	res.views_refused = views.refused;
	/* Pins can only exist if the container pinned something (or the record
	 * overflowed): otherwise there is nothing to look for. Found before
	 * anything is detached: a kept pin keeps what it holds attached. */
	if (r == 0 && ((res.n_objects > 0 && (res.pins_recorded > 0 || (res.flags & CG_OVERFLOW_OBJ))) ||
		       creations_unrecorded(&res)))
		r = reap_find_pins(records, &res, opts, &views, &scan);
	crashpoint("pins-found");
	if (r == 0)
		keep_programs_of_kept_links(&res);
	phase = now_us();
	if (r == 0 && opts->remove)
		detach_links(&res);
	/* Attachments next: detach before unpin, so that unpinning frees. */
	if (r == 0)
		r = detach_cgroup_attachments(records, &res, opts->remove);
	if (r == 0)
		r = detach_netdev_attachments(&res, opts->remove);
	if (r == 0)
		r = detach_netns_attachments(&res, opts->remove);
	if (r == 0)
		r = detach_sockmap_attachments(&res, opts->remove);
	res.detach_us = now_us() - phase;
	phase = now_us();
	if (r == 0)
		r = reap_unpin(&res, opts, &scan);
	res.unpin_us = now_us() - phase;
	phase = now_us();
	if (r == 0)
		r = reap_remove_symlinks(records, &res, opts, &views);
	if (r == 0)
		r = reap_remove_dirs(records, &res, opts, &views);
	res.dirs_us = now_us() - phase;
	if (r == 0)
		wait_freed(&res, opts->remove ? opts->wait_ms : 0);
	phase = now_us();
	if (r == 0)
		r = explain_survivors(&res, opts, &views);
	res.explain_us = now_us() - phase;
	reap_pin_scan_done(&scan);
	bpffs_views_done(&views);
	free(mine.v);
	if (r < 0) {
		reap_result_done(&res);
		return r;
	}
	*ret = res;
	return 0;
}
