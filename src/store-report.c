// SPDX-License-Identifier: LGPL-2.1-or-later
/* Report JSON (fields in docs/operations.md, "What you see"; docs/schema/bpfreaper.schema.json) and the summary line. */
#include "store-report.h"
#include "reap-bpfobj.h"
#include "fileio.h"
#include "oci-state.h"
#include "util.h"

#include <inttypes.h>
#include <limits.h>
#include <time.h>

static json_object *path_array_as(const struct path_list *l, const char *key)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < l->n; i++) {
		const struct reap_path *p = &l->v[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, key, json_object_new_string(p->path));
		if (p->id) {
			json_object_object_add(o, "kind", json_object_new_string(obj_kind_name(p->kind)));
			json_object_object_add(o, "id", json_object_new_int64(p->id));
		}
		if (p->rule)
			json_object_object_add(o, "rule", json_object_new_string(p->rule));
		if (p->why)
			json_object_object_add(o, "why", json_object_new_string(p->why));
		if (p->error)
			json_object_object_add(o, "error", json_object_new_string(strerror(-p->error)));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *path_array(const struct path_list *l)
{
	return path_array_as(l, "path");
}

/* Which run of the id the objects came from: its cgroup (above), when it
 * registered, and whether a later run had started before it was finished. */
static json_object *run_json(const struct report_meta *meta)
{
	json_object *run = json_object_new_object();
	uint64_t ns = meta->state->registered_ns;

	if (!run)
		return NULL;
	if (ns) {
		char stamp[64], text[32];
		time_t sec = (time_t)(ns / 1000000000u);
		struct tm tm;
		size_t len;

		gmtime_r(&sec, &tm);
		len = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(stamp + len, sizeof(stamp) - len, ".%09" PRIu64 "Z", ns % 1000000000u);
		snprintf(text, sizeof(text), "%" PRIu64, ns);
		json_object_object_add(run, "registered_at", json_object_new_string(stamp));
		json_object_object_add(run, "registered_ns", json_object_new_string(text));
	}
	json_object_object_add(run, "earlier", json_object_new_boolean(meta->earlier));
	return run;
}

/* Who, where, how: the report's first fields. */
static void add_head(json_object *root, const struct report_meta *meta)
{
	char cgid[32], stamp[64];
	struct tm tm;
	time_t now = time(NULL);

	snprintf(cgid, sizeof(cgid), "%" PRIu64, meta->state->cgroup_id);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(root, "version", json_object_new_int(REPORT_VERSION));
	json_object_object_add(root, "id", json_object_new_string(meta->state->id));
	json_object_object_add(root, "cgroup_path", json_object_new_string(meta->state->cgroup_path));
	if (meta->state->cgroup)
		json_object_object_add(root, "cgroup", json_object_new_string(meta->state->cgroup));
	json_object_object_add(root, "cgroup_id", json_object_new_string(cgid));
	if (pod_identity_known(&meta->state->pod))
		json_object_object_add(root, "pod", pod_identity_to_json(&meta->state->pod));
	json_object_object_add(root, "by", json_object_new_string(meta->by ? meta->by : "poststop"));
	json_object_object_add(root, "mode", json_object_new_string(meta->mode));
	if (meta->state->mode_source)
		json_object_object_add(root, "mode_source", json_object_new_string(meta->state->mode_source));
	if (meta->state->backend != TRACER_BACKEND_AUTO)
		json_object_object_add(root, "tracer_backend",
				       json_object_new_string(tracer_backend_name(meta->state->backend)));
	json_object_object_add(root, "finished_at", json_object_new_string(stamp));
	json_object_object_add(root, "run", run_json(meta));
}

/* What the record could not hold or the tracer could not see, and the
 * kernel memory held: a report that lost something must not look clean. */
static void add_limits(json_object *root, const struct report_meta *meta, const struct reap_result *res)
{
	json_object *overflow = json_object_new_object(), *not_traced = json_object_new_array();

	json_object_object_add(overflow, "objects", json_object_new_boolean(res->flags & CG_OVERFLOW_OBJ));
	json_object_object_add(overflow, "dirs", json_object_new_boolean(res->flags & CG_OVERFLOW_DIR));
	json_object_object_add(overflow, "pool_dry", json_object_new_boolean(res->flags & CG_POOL_DRY));
	json_object_object_add(root, "overflow", overflow);
	if (res->flags & CG_UNSEEN_COMPAT)
		json_object_array_add(not_traced, json_object_new_string("32-bit programs (their bpf, mkdir and symlink calls)"));
	if (res->flags & CG_UNSEEN_IO_URING)
		json_object_array_add(not_traced, json_object_new_string("io_uring mkdirat or symlinkat"));
	if (res->flags & CG_UNSEEN_SYSCALL_PROG)
		json_object_array_add(not_traced, json_object_new_string("syscall programs (the objects their bpf calls make)"));
	json_object_object_add(root, "not_traced", not_traced);
	if (meta->bytes_measured) {
		json_object *bytes = json_object_new_object();

		json_object_object_add(bytes, "held", json_object_new_int64((int64_t)meta->bytes_held));
		json_object_object_add(bytes, "freed",
				       json_object_new_int64((int64_t)(meta->bytes_held - meta->bytes_survived)));
		json_object_object_add(bytes, "survived", json_object_new_int64((int64_t)meta->bytes_survived));
		json_object_object_add(root, "bytes", bytes);
	}
}

static json_object *created_json(const struct reap_object *o)
{
	json_object *c = json_object_new_object();

	json_object_object_add(c, "kind", json_object_new_string(obj_kind_name(o->kind)));
	json_object_object_add(c, "id", json_object_new_int64(o->id));
	json_object_object_add(c, "type", json_object_new_int64(o->type));
	json_object_object_add(c, "name", json_object_new_string(o->name));
	json_object_object_add(c, "pid", json_object_new_int64(o->pid));
	json_object_object_add(c, "comm", json_object_new_string(o->comm));
	json_object_object_add(c, "freed", json_object_new_boolean(o->freed));
	if (o->kept)
		json_object_object_add(c, "kept", json_object_new_boolean(true));
	return c;
}

/* A survivor, where it is held and by whom. */
static json_object *survivor_json(const struct reap_object *o)
{
	json_object *s = json_object_new_object();

	json_object_object_add(s, "kind", json_object_new_string(obj_kind_name(o->kind)));
	json_object_object_add(s, "id", json_object_new_int64(o->id));
	json_object_object_add(s, "name", json_object_new_string(o->name));
	json_object_object_add(s, "reason", json_object_new_string(o->survivor_reason));
	if (o->pinned_at)
		json_object_object_add(s, "pinned_at", json_object_new_string(o->pinned_at));
	if (o->attached_at)
		json_object_object_add(s, "attached_at", json_object_new_string(o->attached_at));
	if (o->n_held_by) {
		json_object *hb = json_object_new_array();

		for (size_t h = 0; h < o->n_held_by; h++) {
			json_object *x = json_object_new_object();

			json_object_object_add(x, "pid", json_object_new_int64(o->held_by[h].pid));
			json_object_object_add(x, "comm", json_object_new_string_len(o->held_by[h].comm,
				strnlen(o->held_by[h].comm, sizeof(o->held_by[h].comm))));
			json_object_object_add(x, "fd", json_object_new_int64(o->held_by[h].fd));
			json_object_array_add(hb, x);
		}
		json_object_object_add(s, "held_by", hb);
	}
	if (o->n_used_by) {
		json_object *ub = json_object_new_array();

		for (size_t u = 0; u < o->n_used_by; u++)
			json_object_array_add(ub, json_object_new_int64(o->used_by[u]));
		json_object_object_add(s, "used_by_progs", ub);
	}
	return s;
}

/* Objects by kind and id: the unproven creations, the reused ids. */
static json_object *obj_ids_json(const struct reap_unproven *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++) {
		json_object *u = json_object_new_object();

		json_object_object_add(u, "kind", json_object_new_string(obj_kind_name(v[i].kind)));
		json_object_object_add(u, "id", json_object_new_int64(v[i].id));
		json_object_array_add(a, u);
	}
	return a;
}

/* The container's objects (the freed ones counted, listed on request),
 * and what was set aside: kept by rule, unproven, ids reused. */
static void add_objects(json_object *root, const struct report_meta *meta, const struct reap_result *res)
{
	json_object *created = json_object_new_array(), *dropped = json_object_new_object(), *kept, *attach_kept;
	size_t n_freed = 0;

	for (size_t i = 0; i < res->n_objects; i++) {
		const struct reap_object *o = &res->objects[i];

		n_freed += o->freed;
		if (!o->freed || meta->list_freed)
			json_object_array_add(created, created_json(o));
	}
	json_object_object_add(root, "created", created);
	json_object_object_add(root, "freed_objects", json_object_new_int64((int64_t)n_freed));
	json_object_object_add(dropped, "freed_objects", json_object_new_int64(res->dropped_freed));
	json_object_object_add(dropped, "removed_names", json_object_new_int64(res->dropped_names));
	json_object_object_add(root, "records_dropped", dropped);

	kept = path_array(&res->pins_kept);
	attach_kept = path_array_as(&res->attach_kept, "where");
	for (size_t i = 0; kept && attach_kept && i < json_object_array_length(attach_kept); i++)
		json_object_array_add(kept, json_object_get(json_object_array_get_idx(attach_kept, i)));
	json_object_put(attach_kept);
	json_object_object_add(root, "kept", kept);
	json_object_object_add(root, "unproven", obj_ids_json(res->unproven, res->n_unproven));
	/* Records whose id now names another owner's object: never acted on. */
	json_object_object_add(root, "ids_reused", obj_ids_json(res->ids_reused, res->n_ids_reused));
	json_object_object_add(root, "unresolved", json_object_new_int64(res->unresolved));
	json_object_object_add(root, "unproven_pins", path_array(&res->pins_unproven));
}

/* What was removed, what was left and why, and the survivors. */
static void add_outcome(json_object *root, const struct reap_result *res)
{
	json_object *removed = json_object_new_object(), *left = json_object_new_object(),
		    *links = json_object_new_array(), *survivors = json_object_new_array();

	for (size_t i = 0; i < res->n_objects; i++) {
		const struct reap_object *o = &res->objects[i];

		if (o->detached)
			json_object_array_add(links, json_object_new_int64(o->id));
		if (!o->freed && !o->kept)
			json_object_array_add(survivors, survivor_json(o));
	}
	json_object_object_add(removed, "pins", path_array(&res->pins_removed));
	json_object_object_add(removed, "dirs", path_array(&res->dirs_removed));
	json_object_object_add(removed, "symlinks", path_array(&res->symlinks_removed));
	json_object_object_add(removed, "links_detached", links);
	json_object_object_add(removed, "attachments", path_array_as(&res->attach_detached, "where"));
	json_object_object_add(root, "removed", removed);
	json_object_object_add(left, "pins", path_array(&res->pins_left));
	json_object_object_add(left, "dirs", path_array(&res->dirs_left));
	json_object_object_add(left, "symlinks", path_array(&res->symlinks_left));
	json_object_object_add(left, "attachments", path_array_as(&res->attach_left, "where"));
	json_object_object_add(root, "left", left);
	json_object_object_add(left, "dirs_unresolved", json_object_new_int64((int64_t)res->dirs_unresolved));
	json_object_object_add(left, "views_refused", json_object_new_int64((int64_t)res->views_refused));
	json_object_object_add(root, "survivors", survivors);
}

static json_object *timings_json(const struct report_meta *meta, const struct reap_result *res)
{
	json_object *t = json_object_new_object();

	json_object_object_add(t, "scan_us", json_object_new_int64((int64_t)res->scan_us));
	json_object_object_add(t, "pin_search",
			       json_object_new_string(res->pins_from_record ? "record" : res->bpffs_scanned ? "walk" : "none"));
	if (res->bpffs_scanned) {
		json_object_object_add(t, "pins_opened", json_object_new_int64((int64_t)res->pins_opened));
		json_object_object_add(t, "pins_older", json_object_new_int64((int64_t)res->pins_older));
		json_object_object_add(t, "dirs_older", json_object_new_int64((int64_t)res->dirs_older));
	}
	json_object_object_add(t, "detach_us", json_object_new_int64((int64_t)res->detach_us));
	json_object_object_add(t, "unpin_us", json_object_new_int64((int64_t)res->unpin_us));
	json_object_object_add(t, "dirs_us", json_object_new_int64((int64_t)res->dirs_us));
	json_object_object_add(t, "wait_us", json_object_new_int64((int64_t)res->wait_us));
	json_object_object_add(t, "explain_us", json_object_new_int64((int64_t)res->explain_us));
	if (meta->bytes_measured)
		json_object_object_add(t, "bytes_us", json_object_new_int64((int64_t)meta->bytes_us));
	json_object_object_add(t, "total_us", json_object_new_int64((int64_t)meta->total_us));
	return t;
}

int report_build(const struct report_meta *meta, const struct reap_result *res, char **ret_json)
{
	_cleanup_json_ json_object *root = json_object_new_object();

	if (!root)
		return -ENOMEM;
	add_head(root, meta);
	add_limits(root, meta, res);
	add_objects(root, meta, res);
	add_outcome(root, res);
	json_object_object_add(root, "timings", timings_json(meta, res));
	*ret_json = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								    JSON_C_TO_STRING_NOSLASHESCAPE));
	return *ret_json ? 0 : -ENOMEM;
}

int report_write(const struct rundir *rd, const char *report_dir, const char *id, uint64_t earlier,
		 const char *json)
{
	_cleanup_close_ int dirfd = -EBADF;
	char name[NAME_MAX + 1];
	int r = state_file_name(id, earlier, name, sizeof(name));

	if (r < 0)
		return r;
	if (!report_dir)
		return write_file_atomic(rd->reports_fd, name, json, strlen(json), 0644, false);
	dirfd = open_dir_created(report_dir, 0755);
	if (dirfd < 0)
		return dirfd;
	/* A report_dir of the operator's choosing is meant to last. */
	return write_file_atomic(dirfd, name, json, strlen(json), 0644, true);
}

void report_counts(const struct reap_result *res, struct report_counts *ret)
{
	struct report_counts c = {
		.objects = res->n_objects,
		.survived = res->survivors,
		.pins_removed = res->pins_removed.n,
		.pins_kept = res->pins_kept.n,
		.pins_left = res->pins_left.n,
		.dirs_removed = res->dirs_removed.n,
		.attachments_detached = res->attach_detached.n,
		.attachments_kept = res->attach_kept.n,
		.attachments_left = res->attach_left.n,
		.overflow = res->flags & (CG_OVERFLOW_OBJ | CG_OVERFLOW_DIR),
		.not_traced = res->flags & (CG_UNSEEN_COMPAT | CG_UNSEEN_IO_URING | CG_UNSEEN_SYSCALL_PROG),
	};

	for (size_t i = 0; i < res->n_objects; i++) {
		c.links_detached += res->objects[i].detached;
		c.freed += res->objects[i].freed;
	}
	*ret = c;
}

void report_summary(const struct report_meta *meta, const struct reap_result *res, char *buf, size_t size)
{
	struct report_counts c;
	char run[64] = "", pod[POD_TEXT_MAX], bytes[96] = "";

	report_counts(res, &c);
	if (meta->bytes_measured)
		snprintf(bytes, sizeof(bytes), "; %" PRIu64 " bytes held, %" PRIu64 " freed, %" PRIu64 " survived",
			 meta->bytes_held, meta->bytes_held - meta->bytes_survived, meta->bytes_survived);
	if (meta->earlier)
		snprintf(run, sizeof(run), ", earlier run in cgroup id %" PRIu64, meta->state->cgroup_id);
	pod_identity_describe(&meta->state->pod, pod, sizeof(pod));
	snprintf(buf, size,
		 "container %s (%s%s%s): %zu objects recorded, %zu freed, %zu survived (%u more freed while it ran)%s; "
		 "%zu pins removed, %zu kept, %zu left; %zu dirs removed; %zu links and %zu attachments "
		 "detached, %zu kept, %zu left; %zu unproven%s%s%s%s%s%s%s%s; %.1f ms",
		 meta->state->id, meta->mode, run, pod, c.objects, c.freed, c.survived,
		 res->dropped_freed, bytes, c.pins_removed, c.pins_kept, c.pins_left, c.dirs_removed, c.links_detached,
		 c.attachments_detached, c.attachments_kept, c.attachments_left, res->n_unproven + res->pins_unproven.n,
		 res->n_ids_reused ? "; IDS REUSED" : "", res->unresolved ? "; CREATIONS UNRESOLVED" : "",
		 (res->flags & CG_OVERFLOW_OBJ) ? "; OBJECT RECORDS OVERFLOWED" : "",
		 (res->flags & CG_OVERFLOW_DIR) ? "; dir records overflowed" : "",
		 (res->flags & CG_POOL_DRY) ? " (no records map was free)" : "",
		 (res->flags & CG_UNSEEN_COMPAT) ? "; 32-bit PROGRAMS NOT TRACED" : "",
		 (res->flags & CG_UNSEEN_IO_URING) ? "; IO_URING MKDIR NOT TRACED" : "",
		 (res->flags & CG_UNSEEN_SYSCALL_PROG) ? "; SYSCALL PROGRAMS NOT TRACED" : "",
		 (double)meta->total_us / 1000.0);
}
