// SPDX-License-Identifier: LGPL-2.1-or-later
/* Report JSON (fields in docs/operations.md, "What you see"; docs/schema/bpfreaper.schema.json) and the summary line. */
#include "store-report.h"
#include "reap-bpfobj.h"
#include "fileio.h"
#include "jsonfield.h"
#include "oci-state.h"
#include "util.h"

#include <inttypes.h>
#include <limits.h>
#include <time.h>

/* Each field of the report's entries listed once (docs/operations.md,
 * "What you see", says what they mean). */

static int path_error_json(const void *base, json_object **ret)
{
	const struct reap_path *p = base;

	*ret = p->error ? json_object_new_string(strerror(-p->error)) : NULL;
	return p->error && !*ret ? -ENOMEM : 0;
}

/* A path removed, kept or left: key names it ("path", or "where" for an
 * attachment); kind and id when it held an object. */
#define PATH_FIELDS(key)                                                                                 \
	{ key, JF_STRING, 0, JF_MEMBER(struct reap_path, path) },                                        \
	{ "kind", JF_ENUM, JF_OMIT_DEFAULT, JF_MEMBER(struct reap_path, kind), JF_NAMES(obj_kind_names) }, \
	{ "id", JF_INT, JF_OMIT_DEFAULT | JF_UNSIGNED, JF_MEMBER(struct reap_path, id) },                 \
	{ "rule", JF_STRING, JF_OMIT_DEFAULT, JF_MEMBER(struct reap_path, rule) },                        \
	{ "why", JF_STRING, JF_OMIT_DEFAULT, JF_MEMBER(struct reap_path, why) },                          \
	{ "error", JF_CUSTOM, 0, .to_json = path_error_json }

static const struct jf_field path_fields[] = { PATH_FIELDS("path") };
static const struct jf_field where_fields[] = { PATH_FIELDS("where") };
static const struct jf_table path_table = JF_TABLE(path_fields, true);
static const struct jf_table where_table = JF_TABLE(where_fields, true);

static json_object *path_array_as(const struct path_list *l, const struct jf_table *t)
{
	json_object *a;

	return jf_write_array(t, l->v, l->n, sizeof(*l->v), &a) < 0 ? NULL : a;
}

static json_object *path_array(const struct path_list *l)
{
	return path_array_as(l, &path_table);
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

static const struct jf_field created_fields[] = {
	{ "kind", JF_ENUM, 0, JF_MEMBER(struct reap_object, kind), JF_NAMES(obj_kind_names) },
	{ "id", JF_INT, JF_UNSIGNED, JF_MEMBER(struct reap_object, id) },
	{ "type", JF_INT, JF_UNSIGNED, JF_MEMBER(struct reap_object, type) },
	{ "name", JF_CHARS, 0, JF_MEMBER(struct reap_object, name) },
	{ "pid", JF_INT, JF_UNSIGNED, JF_MEMBER(struct reap_object, pid) },
	{ "comm", JF_CHARS, 0, JF_MEMBER(struct reap_object, comm) },
	{ "freed", JF_BOOL, 0, JF_MEMBER(struct reap_object, freed) },
	{ "kept", JF_BOOL, JF_OMIT_DEFAULT, JF_MEMBER(struct reap_object, kept) },
};
static const struct jf_table created_table = JF_TABLE(created_fields, true);

/* Who holds a survivor: a process's fd of it. */
static const struct jf_field holder_fields[] = {
	{ "pid", JF_INT, JF_UNSIGNED, JF_MEMBER(struct holder_rec, pid) },
	{ "comm", JF_CHARS, 0, JF_MEMBER(struct holder_rec, comm) },
	{ "fd", JF_INT, JF_UNSIGNED, JF_MEMBER(struct holder_rec, fd) },
};
static const struct jf_table holder_table = JF_TABLE(holder_fields, true);

static int held_by_json(const void *base, json_object **ret)
{
	const struct reap_object *o = base;

	*ret = NULL;
	return o->n_held_by ? jf_write_array(&holder_table, o->held_by, o->n_held_by, sizeof(*o->held_by), ret) : 0;
}

static int used_by_json(const void *base, json_object **ret)
{
	const struct reap_object *o = base;

	*ret = NULL;
	if (!o->n_used_by)
		return 0;
	*ret = json_object_new_array();
	for (size_t u = 0; *ret && u < o->n_used_by; u++)
		json_object_array_add(*ret, json_object_new_int64(o->used_by[u]));
	return *ret ? 0 : -ENOMEM;
}

/* A survivor, where it is held and by whom. */
static const struct jf_field survivor_fields[] = {
	{ "kind", JF_ENUM, 0, JF_MEMBER(struct reap_object, kind), JF_NAMES(obj_kind_names) },
	{ "id", JF_INT, JF_UNSIGNED, JF_MEMBER(struct reap_object, id) },
	{ "name", JF_CHARS, 0, JF_MEMBER(struct reap_object, name) },
	{ "reason", JF_STRING, 0, JF_MEMBER(struct reap_object, survivor_reason) },
	{ "pinned_at", JF_STRING, JF_OMIT_DEFAULT, JF_MEMBER(struct reap_object, pinned_at) },
	{ "attached_at", JF_STRING, JF_OMIT_DEFAULT, JF_MEMBER(struct reap_object, attached_at) },
	{ "held_by", JF_CUSTOM, 0, .to_json = held_by_json },
	{ "used_by_progs", JF_CUSTOM, 0, .to_json = used_by_json },
};
static const struct jf_table survivor_table = JF_TABLE(survivor_fields, true);

static json_object *object_json(const struct jf_table *t, const struct reap_object *o)
{
	json_object *j = json_object_new_object();

	if (j && jf_write(t, o, j) < 0) {
		json_object_put(j);
		j = NULL;
	}
	return j;
}

/* Objects by kind and id: the unproven creations, the reused ids. */
static const struct jf_field obj_id_fields[] = {
	{ "kind", JF_ENUM, 0, JF_MEMBER(struct reap_unproven, kind), JF_NAMES(obj_kind_names) },
	{ "id", JF_INT, JF_UNSIGNED, JF_MEMBER(struct reap_unproven, id) },
};
static const struct jf_table obj_id_table = JF_TABLE(obj_id_fields, true);

static json_object *obj_ids_json(const struct reap_unproven *v, size_t n)
{
	json_object *a;

	return jf_write_array(&obj_id_table, v, n, sizeof(*v), &a) < 0 ? NULL : a;
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
			json_object_array_add(created, object_json(&created_table, o));
	}
	json_object_object_add(root, "created", created);
	json_object_object_add(root, "freed_objects", json_object_new_int64((int64_t)n_freed));
	json_object_object_add(dropped, "freed_objects", json_object_new_int64(res->dropped_freed));
	json_object_object_add(dropped, "removed_names", json_object_new_int64(res->dropped_names));
	json_object_object_add(root, "records_dropped", dropped);

	kept = path_array(&res->pins_kept);
	attach_kept = path_array_as(&res->attach_kept, &where_table);
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
			json_object_array_add(survivors, object_json(&survivor_table, o));
	}
	json_object_object_add(removed, "pins", path_array(&res->pins_removed));
	json_object_object_add(removed, "dirs", path_array(&res->dirs_removed));
	json_object_object_add(removed, "symlinks", path_array(&res->symlinks_removed));
	json_object_object_add(removed, "links_detached", links);
	json_object_object_add(removed, "attachments", path_array_as(&res->attach_detached, &where_table));
	json_object_object_add(root, "removed", removed);
	json_object_object_add(left, "pins", path_array(&res->pins_left));
	json_object_object_add(left, "dirs", path_array(&res->dirs_left));
	json_object_object_add(left, "symlinks", path_array(&res->symlinks_left));
	json_object_object_add(left, "attachments", path_array_as(&res->attach_left, &where_table));
	json_object_object_add(root, "left", left);
	json_object_object_add(left, "dirs_unresolved", json_object_new_int64((int64_t)res->dirs_unresolved));
	json_object_object_add(left, "views_refused", json_object_new_int64((int64_t)res->views_refused));
	json_object_object_add(root, "survivors", survivors);
}

static int pin_search_json(const void *base, json_object **ret)
{
	const struct reap_result *res = base;

	*ret = json_object_new_string(res->pins_from_record ? "record" : res->bpffs_scanned ? "walk" : "none");
	return *ret ? 0 : -ENOMEM;
}

/* Each phase of the removal, in microseconds, and how the pins were
 * searched; with a walk, what it opened and passed over (walk_fields). */
static const struct jf_field search_fields[] = {
	{ "scan_us", JF_INT, 0, JF_MEMBER(struct reap_result, scan_us) },
	{ "pin_search", JF_CUSTOM, 0, .to_json = pin_search_json },
};
static const struct jf_field walk_fields[] = {
	{ "pins_opened", JF_INT, 0, JF_MEMBER(struct reap_result, pins_opened) },
	{ "pins_older", JF_INT, 0, JF_MEMBER(struct reap_result, pins_older) },
	{ "dirs_older", JF_INT, 0, JF_MEMBER(struct reap_result, dirs_older) },
};
static const struct jf_field timing_fields[] = {
	{ "detach_us", JF_INT, 0, JF_MEMBER(struct reap_result, detach_us) },
	{ "unpin_us", JF_INT, 0, JF_MEMBER(struct reap_result, unpin_us) },
	{ "dirs_us", JF_INT, 0, JF_MEMBER(struct reap_result, dirs_us) },
	{ "wait_us", JF_INT, 0, JF_MEMBER(struct reap_result, wait_us) },
	{ "explain_us", JF_INT, 0, JF_MEMBER(struct reap_result, explain_us) },
};
static const struct jf_table search_table = JF_TABLE(search_fields, true);
static const struct jf_table walk_table = JF_TABLE(walk_fields, true);
static const struct jf_table timing_table = JF_TABLE(timing_fields, true);

static json_object *timings_json(const struct report_meta *meta, const struct reap_result *res)
{
	json_object *t = json_object_new_object();

	if (!t || jf_write(&search_table, res, t) < 0 || (res->bpffs_scanned && jf_write(&walk_table, res, t) < 0) ||
	    jf_write(&timing_table, res, t) < 0) {
		json_object_put(t);
		return NULL;
	}
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
