// SPDX-License-Identifier: LGPL-2.1-or-later
/* report_build(), report_counts() and report_summary() on a reap result
 * built by hand: the JSON is parsed back and read field by field, as
 * bpfreaperctl report and an operator's jq would. */
#include "check.h"
#include "store-report.h"

#include <json-c/json.h>
#include <stdlib.h>

static struct reap_object object(uint32_t kind, uint32_t id, const char *name, bool freed)
{
	struct reap_object o = { .kind = kind, .id = id, .type = 2, .pid = 4242, .freed = freed };

	snprintf(o.comm, sizeof(o.comm), "%s", "agent");
	snprintf(o.name, sizeof(o.name), "%s", name);
	return o;
}

/* What a teardown of a container that left a bit of everything returns:
 * a freed map, a survivor held by a pin and a process, a kept program, a
 * detached link; pins removed, kept and left, a dir, a symlink, attachments. */
static void sample(struct reap_result *res)
{
	struct reap_object *o;

	memset(res, 0, sizeof(*res));
	res->objects = calloc(4, sizeof(*res->objects));
	if (!res->objects)
		abort();
	res->n_objects = 4;
	res->objects[0] = object(OBJ_MAP, 11, "freed_map", true);
	o = &res->objects[1];
	*o = object(OBJ_MAP, 12, "held_map", false);
	o->survivor_reason = "still pinned";
	o->pinned_at = strdup("/sys/fs/bpf/outside/held");
	o->held_by[0] = (struct holder_rec){ .pid = 99, .fd = 7, .comm = "holder" };
	o->n_held_by = 1;
	o->used_by[0] = 31;
	o->n_used_by = 1;
	o = &res->objects[2];
	*o = object(OBJ_PROG, 31, "kept_prog", false);
	o->kept = true;
	o->kept_rule = "/sys/fs/bpf/keep/*";
	o = &res->objects[3];
	*o = object(OBJ_LINK, 41, "", true);
	o->detached = true;

	CHECK_EQ_INT(reap_path_add(&res->pins_removed, "/sys/fs/bpf/app/m", OBJ_MAP, 11, 0, NULL), 0);
	CHECK_EQ_INT(reap_path_add_kept(&res->pins_kept, "/sys/fs/bpf/keep/p", OBJ_PROG, 31, "/sys/fs/bpf/keep/*"), 0);
	CHECK_EQ_INT(reap_path_add(&res->pins_left, "/sys/fs/bpf/app/l", OBJ_MAP, 12, -ELOOP, "path has a symlink"), 0);
	CHECK_EQ_INT(reap_path_add(&res->dirs_removed, "/sys/fs/bpf/app", 0, 0, 0, NULL), 0);
	CHECK_EQ_INT(reap_path_add(&res->symlinks_left, "/sys/fs/bpf/ip", 0, 0, 0, "report mode"), 0);
	CHECK_EQ_INT(reap_path_add(&res->attach_detached, "xdp dev eth0", OBJ_PROG, 31, 0, NULL), 0);
	CHECK_EQ_INT(reap_path_add_kept(&res->attach_kept, "tcx ingress dev lo", OBJ_PROG, 31, "/sys/fs/bpf/keep/*"), 0);
	res->unproven = calloc(1, sizeof(*res->unproven));
	if (!res->unproven)
		abort();
	res->unproven[0].kind = OBJ_PROG;
	res->unproven[0].id = 77;
	res->n_unproven = 1;
	res->survivors = 1;
	res->flags = CG_OVERFLOW_DIR | CG_UNSEEN_IO_URING;
	res->dropped_freed = 5;
	res->dropped_names = 2;
	res->dirs_unresolved = 1;
	res->pins_from_record = true;
	res->scan_us = 10;
	res->wait_us = 20;
}

static struct container_state state(void)
{
	return (struct container_state){
		.id = "web-1", .cgroup_id = 18446744073709551000ull, .cgroup_path = "/sys/fs/cgroup/web-1",
		.cgroup = "/web-1", .mode = MODE_ENFORCE, .mode_source = "config",
		.backend = TRACER_BACKEND_TRACEPOINT,
		.registered_ns = 1700000000123456789ull,
		.pod = { .pod = "web", .pod_namespace = "prod", .container = "nginx" },
	};
}

/* The report, parsed back. */
static json_object *build(const struct report_meta *meta, const struct reap_result *res)
{
	char *text = NULL;
	json_object *root;

	CHECK_EQ_INT(report_build(meta, res, &text), 0);
	root = text ? json_tokener_parse(text) : NULL;
	CHECK(root != NULL);
	free(text);
	return root;
}

/* The value at a path of keys ("a", "b" for .a.b); NULL if any is missing. */
static json_object *at(json_object *o, const char *k1, const char *k2)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, k1, &v))
		return NULL;
	if (k2 && !json_object_object_get_ex(v, k2, &v))
		return NULL;
	return v;
}

static const char *str_at(json_object *o, const char *k1, const char *k2)
{
	json_object *v = at(o, k1, k2);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static long long int_at(json_object *o, const char *k1, const char *k2)
{
	json_object *v = at(o, k1, k2);

	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

/* 1 or 0; -1 if missing or not a boolean. */
static int bool_at(json_object *o, const char *k1, const char *k2)
{
	json_object *v = at(o, k1, k2);

	return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : -1;
}

static size_t len_at(json_object *o, const char *k1, const char *k2)
{
	json_object *v = at(o, k1, k2);

	return v && json_object_is_type(v, json_type_array) ? json_object_array_length(v) : (size_t)-1;
}

static json_object *item(json_object *o, const char *k1, const char *k2, size_t i)
{
	json_object *v = at(o, k1, k2);

	return v && json_object_is_type(v, json_type_array) && i < json_object_array_length(v)
		       ? json_object_array_get_idx(v, i) : NULL;
}

/* The sample's report: mode enforce, by poststop. */
static json_object *sample_report(const struct reap_result *res, bool list_freed)
{
	struct container_state s = state();
	struct report_meta meta = { .state = &s, .mode = "enforce", .list_freed = list_freed };

	return build(&meta, res);
}

TEST(identity_mode_and_run)
{
	struct container_state s = state();
	struct report_meta meta = { .state = &s, .mode = "enforce", .total_us = 1234 };
	struct reap_result res;
	json_object *root;

	sample(&res);
	root = build(&meta, &res);
	CHECK_EQ_INT(int_at(root, "version", NULL), REPORT_VERSION);
	CHECK_EQ_STR(str_at(root, "id", NULL), "web-1");
	/* A string: a u64 cgroup id does not fit a JSON number everywhere. */
	CHECK_EQ_STR(str_at(root, "cgroup_id", NULL), "18446744073709551000");
	CHECK_EQ_STR(str_at(root, "cgroup_path", NULL), "/sys/fs/cgroup/web-1");
	CHECK_EQ_STR(str_at(root, "cgroup", NULL), "/web-1");
	CHECK_EQ_STR(str_at(root, "by", NULL), "poststop"); /* meta.by NULL */
	CHECK_EQ_STR(str_at(root, "mode", NULL), "enforce");
	CHECK_EQ_STR(str_at(root, "mode_source", NULL), "config");
	CHECK_EQ_STR(str_at(root, "tracer_backend", NULL), "tracepoint");
	CHECK_EQ_STR(str_at(root, "pod", "name"), "web");
	CHECK_EQ_STR(str_at(root, "pod", "namespace"), "prod");
	CHECK_EQ_STR(str_at(root, "run", "registered_at"), "2023-11-14T22:13:20.123456789Z");
	CHECK_EQ_STR(str_at(root, "run", "registered_ns"), "1700000000123456789");
	CHECK_EQ_INT(bool_at(root, "run", "earlier"), 0);
	CHECK_EQ_INT(int_at(root, "timings", "total_us"), 1234);
	CHECK_EQ_INT(int_at(root, "timings", "scan_us"), 10);
	CHECK_EQ_INT(int_at(root, "timings", "wait_us"), 20);
	CHECK_EQ_STR(str_at(root, "timings", "pin_search"), "record");
	json_object_put(root);

	/* gc's report of a kept earlier run, from an older state: no pod, no
	 * source, no backend, no registration time. */
	s.pod = (struct pod_identity){};
	s.mode_source = NULL;
	s.backend = TRACER_BACKEND_AUTO;
	s.registered_ns = 0;
	s.cgroup = NULL;
	meta = (struct report_meta){ .state = &s, .mode = "report", .by = "gc", .earlier = true };
	res.pins_from_record = false;
	res.bpffs_scanned = 2;
	root = build(&meta, &res);
	CHECK_EQ_STR(str_at(root, "by", NULL), "gc");
	CHECK_EQ_STR(str_at(root, "mode", NULL), "report");
	CHECK(at(root, "pod", NULL) == NULL);
	CHECK(at(root, "mode_source", NULL) == NULL);
	CHECK(at(root, "tracer_backend", NULL) == NULL);
	CHECK(at(root, "cgroup", NULL) == NULL);
	CHECK(at(root, "run", "registered_at") == NULL);
	CHECK_EQ_INT(bool_at(root, "run", "earlier"), 1);
	CHECK_EQ_STR(str_at(root, "timings", "pin_search"), "walk");
	json_object_put(root);
	reap_result_done(&res);
}

TEST(objects_survivors_and_counts)
{
	struct reap_result res;
	json_object *root, *o;

	sample(&res);
	root = sample_report(&res, false);
	/* Freed objects are counted, not listed (report_freed unset). */
	CHECK_EQ_INT(int_at(root, "freed_objects", NULL), 2);
	CHECK_EQ_INT(len_at(root, "created", NULL), 2);
	o = item(root, "created", NULL, 0);
	CHECK_EQ_STR(str_at(o, "kind", NULL), "map");
	CHECK_EQ_INT(int_at(o, "id", NULL), 12);
	CHECK_EQ_STR(str_at(o, "name", NULL), "held_map");
	CHECK_EQ_STR(str_at(o, "comm", NULL), "agent");
	CHECK_EQ_INT(int_at(o, "pid", NULL), 4242);
	CHECK_EQ_INT(bool_at(o, "freed", NULL), 0);
	CHECK(at(o, "kept", NULL) == NULL);
	o = item(root, "created", NULL, 1);
	CHECK_EQ_STR(str_at(o, "kind", NULL), "prog");
	CHECK_EQ_INT(bool_at(o, "kept", NULL), 1);

	/* A kept object is no survivor; the held map is, with who holds it. */
	CHECK_EQ_INT(len_at(root, "survivors", NULL), 1);
	o = item(root, "survivors", NULL, 0);
	CHECK_EQ_INT(int_at(o, "id", NULL), 12);
	CHECK_EQ_STR(str_at(o, "reason", NULL), "still pinned");
	CHECK_EQ_STR(str_at(o, "pinned_at", NULL), "/sys/fs/bpf/outside/held");
	CHECK(at(o, "attached_at", NULL) == NULL);
	CHECK_EQ_INT(len_at(o, "held_by", NULL), 1);
	CHECK_EQ_INT(int_at(item(o, "held_by", NULL, 0), "pid", NULL), 99);
	CHECK_EQ_STR(str_at(item(o, "held_by", NULL, 0), "comm", NULL), "holder");
	CHECK_EQ_INT(int_at(item(o, "held_by", NULL, 0), "fd", NULL), 7);
	CHECK_EQ_INT(len_at(o, "used_by_progs", NULL), 1);
	CHECK_EQ_INT(json_object_get_int64(item(o, "used_by_progs", NULL, 0)), 31);

	CHECK_EQ_INT(len_at(root, "unproven", NULL), 1);
	CHECK_EQ_INT(int_at(item(root, "unproven", NULL, 0), "id", NULL), 77);
	CHECK_EQ_INT(int_at(root, "records_dropped", "freed_objects"), 5);
	CHECK_EQ_INT(int_at(root, "records_dropped", "removed_names"), 2);
	CHECK_EQ_INT(bool_at(root, "overflow", "objects"), 0);
	CHECK_EQ_INT(bool_at(root, "overflow", "dirs"), 1);
	CHECK_EQ_INT(len_at(root, "not_traced", NULL), 1);
	CHECK_EQ_STR(json_object_get_string(item(root, "not_traced", NULL, 0)), "io_uring mkdirat or symlinkat");
	json_object_put(root);

	/* report_freed "list": every object, freed ones too. */
	root = sample_report(&res, true);
	CHECK_EQ_INT(len_at(root, "created", NULL), 4);
	CHECK_EQ_INT(int_at(root, "freed_objects", NULL), 2);
	CHECK_EQ_INT(bool_at(item(root, "created", NULL, 0), "freed", NULL), 1);
	json_object_put(root);
	reap_result_done(&res);
}

TEST(paths_removed_kept_and_left)
{
	struct reap_result res;
	json_object *root, *o;

	sample(&res);
	root = sample_report(&res, false);
	CHECK_EQ_INT(len_at(root, "removed", "pins"), 1);
	o = item(root, "removed", "pins", 0);
	CHECK_EQ_STR(str_at(o, "path", NULL), "/sys/fs/bpf/app/m");
	CHECK_EQ_STR(str_at(o, "kind", NULL), "map");
	CHECK_EQ_INT(int_at(o, "id", NULL), 11);
	CHECK(at(o, "why", NULL) == NULL);
	/* A directory has no object: no kind, no id. */
	o = item(root, "removed", "dirs", 0);
	CHECK_EQ_STR(str_at(o, "path", NULL), "/sys/fs/bpf/app");
	CHECK(at(o, "kind", NULL) == NULL);
	CHECK(at(o, "id", NULL) == NULL);
	CHECK_EQ_INT(len_at(root, "removed", "links_detached"), 1);
	CHECK_EQ_INT(json_object_get_int64(item(root, "removed", "links_detached", 0)), 41);
	CHECK_EQ_STR(str_at(item(root, "removed", "attachments", 0), "where", NULL), "xdp dev eth0");
	CHECK_EQ_INT(len_at(root, "removed", "symlinks"), 0);

	/* Kept pins, then kept attachments, each with its rule. */
	CHECK_EQ_INT(len_at(root, "kept", NULL), 2);
	o = item(root, "kept", NULL, 0);
	CHECK_EQ_STR(str_at(o, "path", NULL), "/sys/fs/bpf/keep/p");
	CHECK_EQ_STR(str_at(o, "rule", NULL), "/sys/fs/bpf/keep/*");
	CHECK_EQ_STR(str_at(o, "why", NULL), "keep rule");
	o = item(root, "kept", NULL, 1);
	CHECK_EQ_STR(str_at(o, "where", NULL), "tcx ingress dev lo");
	CHECK_EQ_STR(str_at(o, "rule", NULL), "/sys/fs/bpf/keep/*");

	o = item(root, "left", "pins", 0);
	CHECK_EQ_STR(str_at(o, "path", NULL), "/sys/fs/bpf/app/l");
	CHECK_EQ_STR(str_at(o, "why", NULL), "path has a symlink");
	CHECK_EQ_STR(str_at(o, "error", NULL), strerror(ELOOP));
	o = item(root, "left", "symlinks", 0);
	CHECK_EQ_STR(str_at(o, "why", NULL), "report mode");
	CHECK(at(o, "error", NULL) == NULL);
	CHECK_EQ_INT(len_at(root, "left", "dirs"), 0);
	CHECK_EQ_INT(len_at(root, "left", "attachments"), 0);
	CHECK_EQ_INT(int_at(root, "left", "dirs_unresolved"), 1);
	CHECK_EQ_INT(int_at(root, "left", "views_refused"), 0);
	json_object_put(root);
	reap_result_done(&res);
}

/* The summary line, the metrics and the journal fields count the same. */
TEST(counts_and_summary)
{
	struct container_state s = state();
	struct report_meta meta = { .state = &s, .mode = "enforce", .earlier = true, .total_us = 2500 };
	struct report_counts c;
	struct reap_result res;
	char line[1024];

	sample(&res);
	report_counts(&res, &c);
	CHECK_EQ_INT(c.objects, 4);
	CHECK_EQ_INT(c.freed, 2);
	CHECK_EQ_INT(c.survived, 1);
	CHECK_EQ_INT(c.pins_removed, 1);
	CHECK_EQ_INT(c.pins_kept, 1);
	CHECK_EQ_INT(c.pins_left, 1);
	CHECK_EQ_INT(c.dirs_removed, 1);
	CHECK_EQ_INT(c.links_detached, 1);
	CHECK_EQ_INT(c.attachments_detached, 1);
	CHECK_EQ_INT(c.attachments_kept, 1);
	CHECK_EQ_INT(c.attachments_left, 0);
	CHECK(c.overflow);
	CHECK(c.not_traced);
	report_summary(&meta, &res, line, sizeof(line));
	CHECK_EQ_STR(line, "container web-1 (enforce, earlier run in cgroup id 18446744073709551000, pod prod/web "
			   "container nginx): 4 objects recorded, 2 freed, 1 survived (5 more freed while it ran); "
			   "1 pins removed, 1 kept, 1 left; 1 dirs removed; 1 links and 1 attachments detached, "
			   "1 kept, 0 left; 1 unproven; dir records overflowed; IO_URING MKDIR NOT TRACED; 2.5 ms");
	reap_result_done(&res);
}

/* Bytes measured before removal: held, freed and survived in the report
 * and the summary; not measured, neither says any. */
TEST(bytes_held_freed_survived)
{
	struct container_state s = state();
	struct report_meta meta = { .state = &s, .mode = "enforce", .total_us = 2500, .bytes_measured = true,
				    .bytes_held = 12288, .bytes_survived = 4096 };
	struct reap_result res;
	json_object *root;
	char line[1024];

	sample(&res);
	root = build(&meta, &res);
	CHECK_EQ_INT(int_at(root, "bytes", "held"), 12288);
	CHECK_EQ_INT(int_at(root, "bytes", "freed"), 8192);
	CHECK_EQ_INT(int_at(root, "bytes", "survived"), 4096);
	json_object_put(root);
	report_summary(&meta, &res, line, sizeof(line));
	CHECK(strstr(line, "(5 more freed while it ran); 12288 bytes held, 8192 freed, 4096 survived; 1 pins") != NULL);
	meta.bytes_measured = false;
	root = build(&meta, &res);
	CHECK(at(root, "bytes", NULL) == NULL);
	json_object_put(root);
	report_summary(&meta, &res, line, sizeof(line));
	CHECK(strstr(line, "bytes") == NULL);
	reap_result_done(&res);
}
