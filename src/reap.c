// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The removal sequence; see reap.h. It builds the plan (reap-plan.c: what
 * is the container's, what keep rules keep), then runs the steps, which
 * read the plan and write the result: links, attachments (reap-attach.c),
 * pins (reap-pins.c), symlinks and directories (reap-dirs.c); then waits
 * for the kernel and names the survivors. Every destructive step is
 * preceded by an identity check against the container's creation records:
 * a pin is unlinked only while it holds an object the container created.
 */
#include "reap.h"
#include "reap-attach.h"
#include "reap-bpfobj.h"
#include "reap-dirs.h"
#include "crashpoint.h"
#include "util.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

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

static int explain_survivors(struct reap_result *res, const struct reap_plan *plan)
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
	r = reap_find_pins_outside(res, plan->opts->own_bpffs, plan->opts->registered_ns, &plan->views);
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

int reap(const struct record_list *records, const struct reap_opts *opts, struct reap_result *ret)
{
	struct reap_result res = {};
	struct reap_plan plan = {};
	uint64_t phase;
	int r;

	r = reap_plan_build(records, opts, &plan, &res);
	if (r < 0) {
		reap_result_done(&res);
		return r;
	}
	phase = now_us();
	if (opts->remove)
		detach_links(&res);
	/* Attachments next: detach before unpin, so that unpinning frees. */
	r = detach_cgroup_attachments(&plan.mine, &res, opts->remove);
	if (r == 0)
		r = detach_netdev_attachments(&res, opts->remove);
	if (r == 0)
		r = detach_netns_attachments(&res, opts->remove);
	if (r == 0)
		r = detach_sockmap_attachments(&res, opts->remove);
	res.detach_us = now_us() - phase;
	phase = now_us();
	if (r == 0)
		r = reap_unpin(&res, opts->remove, &plan.pins);
	res.unpin_us = now_us() - phase;
	phase = now_us();
	if (r == 0)
		r = reap_remove_symlinks(&plan, &res);
	if (r == 0)
		r = reap_remove_dirs(&plan, &res);
	res.dirs_us = now_us() - phase;
	if (r == 0)
		wait_freed(&res, opts->remove ? opts->wait_ms : 0);
	phase = now_us();
	if (r == 0)
		r = explain_survivors(&res, &plan);
	res.explain_us = now_us() - phase;
	reap_plan_done(&plan);
	if (r < 0) {
		reap_result_done(&res);
		return r;
	}
	*ret = res;
	return 0;
}
