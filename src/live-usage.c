// SPDX-License-Identifier: LGPL-2.1-or-later
/* Live accounting of a running container's eBPF objects (live-usage.h).
 * Reads records and the kernel; writes only the sample file. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "live-usage.h"
#include "fileio.h"
#include "input-limits.h"
#include "oci-state.h"
#include "reap-bpfobj.h"
#include "store-state.h"
#include "util.h"

int obj_fd_memlock(int fd, uint64_t *ret)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	char path[64];
	size_t cap = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* The kernel's own estimate (bpf_map_memory_usage() for maps, the
	 * program's pages for programs): what bpftool prints as
	 * bytes_memlock, read the same way. */
	while (getline(&line, &cap, f) > 0) {
		unsigned long long v;
		char *end;

		if (strncmp(line, "memlock:", 8) != 0)
			continue;
		errno = 0;
		v = strtoull(line + 8, &end, 10);
		if (errno || end == line + 8 || (*end != '\n' && *end != '\0'))
			return -EBADMSG;
		*ret = v;
		return 0;
	}
	return -ENODATA;
}

/* The object is opened by id: an id is not reused while its object lives,
 * so a live id is the object the record was made for. -ENOENT: freed. */
static int creation_measure(const struct record_obj *obj, uint64_t *ret_bytes)
{
	_cleanup_close_ int fd = -EBADF;

	fd = obj_fd_by_id(obj->kind, obj->id);
	if (fd < 0)
		return fd;
	switch (obj->kind) {
	case OBJ_MAP:
	case OBJ_PROG:
		return obj_fd_memlock(fd, ret_bytes);
	case OBJ_LINK:
		*ret_bytes = 0;
		return 0;
	default:
		return -EBADMSG;
	}
}

static int count_creation(const struct record *rec, struct live_usage *u)
{
	const struct record_obj *obj = &rec->create.obj;
	uint64_t bytes = 0;
	int r;

	if (rec->flags & REC_F_UNPROVEN) {
		u->unproven++;
		return 0;
	}
	r = creation_measure(obj, &bytes);
	if (r == -ENOENT)
		return 0; /* freed since; gc drops its record */
	if (r < 0)
		return r;
	if (obj->kind == OBJ_MAP) {
		u->maps++;
		u->map_bytes += bytes;
	} else if (obj->kind == OBJ_PROG) {
		u->progs++;
		u->prog_bytes += bytes;
	} else {
		u->links++;
	}
	return 0;
}

int live_usage_of_records(const struct record_list *l, struct live_usage *ret)
{
	struct live_usage u = {};
	int r;

	for (size_t i = 0; i < l->n; i++) {
		const struct record *rec = &l->v[i];

		if (rec->kind == REC_PIN)
			u.pins++;
		if (rec->kind != REC_CREATE)
			continue;
		r = count_creation(rec, &u);
		if (r < 0)
			return r;
	}
	*ret = u;
	return 0;
}

int live_bytes_of_records(const struct record_list *l, struct live_bytes *ret)
{
	struct live_bytes b = {};
	int r;

	b.v = calloc(l->n + 1, sizeof(*b.v));
	if (!b.v)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		const struct record *rec = &l->v[i];
		uint64_t bytes = 0;

		if (rec->kind != REC_CREATE || (rec->flags & REC_F_UNPROVEN))
			continue;
		r = creation_measure(&rec->create.obj, &bytes);
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			live_bytes_done(&b);
			return r;
		}
		b.v[b.n++] = (struct live_object_bytes){ rec->create.obj.kind, rec->create.obj.id, bytes };
		b.total += bytes;
	}
	*ret = b;
	return 0;
}

uint64_t live_bytes_of(const struct live_bytes *b, uint32_t kind, uint32_t id)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].kind == kind && b->v[i].id == id)
			return b->v[i].bytes;
	return 0;
}

void live_bytes_done(struct live_bytes *b)
{
	free(b->v);
	*b = (struct live_bytes){};
}

static int row_cmp(const void *a, const void *b)
{
	const struct live_row *x = a, *y = b;
	uint64_t bx = live_usage_bytes(&x->usage), by = live_usage_bytes(&y->usage);
	uint32_t ox = live_usage_objects(&x->usage), oy = live_usage_objects(&y->usage);

	if (bx != by)
		return bx > by ? -1 : 1;
	if (ox != oy)
		return ox > oy ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int collect_one(const struct rundir *rd, const struct tracer *t, const struct state_file *f,
		       struct live_row *ret)
{
	struct container_state st = {};
	struct record_list l = {};
	struct br_error err = BR_ERROR_INIT;
	int r;

	r = state_read(rd, f->id, f->earlier, &st, &err);
	if (r < 0)
		return r;
	r = tracer_read_records(t, st.cgroup_id, &l);
	if (r == 0)
		r = live_usage_of_records(&l, &ret->usage);
	if (r == 0) {
		ret->id = TAKE_PTR(st.id);
		ret->cgroup_id = st.cgroup_id;
		ret->earlier = f->earlier;
		ret->pod = st.pod;
		ret->overflowed = cg_overflowed(&l.cg);
		ret->budget = st.live_budget;
		ret->over_budget = live_over_budget(&ret->usage, &st.live_budget);
	}
	record_list_done(&l);
	container_state_done(&st);
	return r;
}

int live_collect(const struct rundir *rd, const struct tracer *t, struct live_rows *ret)
{
	struct live_rows rows = { .at = (int64_t)time(NULL) };
	struct state_ids ids = {};
	int r;

	r = state_list(rd, &ids);
	if (r < 0)
		return r;
	rows.v = calloc(ids.n ? ids.n : 1, sizeof(*rows.v));
	if (!rows.v) {
		state_ids_done(&ids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ids.n; i++) {
		r = collect_one(rd, t, &ids.v[i], &rows.v[rows.n]);
		if (r == 0)
			rows.n++;
		else if (r != -ENOENT) /* -ENOENT: gone meanwhile, or not registered */
			rows.unreadable++;
	}
	state_ids_done(&ids);
	qsort(rows.v, rows.n, sizeof(*rows.v), row_cmp);
	*ret = rows;
	return 0;
}

int live_list_row(const struct rundir *rd, const struct tracer *t, const struct state_file *f,
		  struct list_row *ret, struct br_error *err)
{
	struct list_row row = { .earlier = f->earlier };
	struct cg_state cg = {};
	struct record_list l = {};
	int r;

	r = state_read(rd, f->id, f->earlier, &row.st, err);
	if (r < 0)
		return r;
	row.status = !t ? "no-tracer" : tracer_cgroup_state(t, row.st.cgroup_id, &cg) == 0 ? "recording" : "unregistered";
	row.overflowed = cg_overflowed(&cg);
	if (t && streq(row.status, "recording")) {
		(void)tracer_live_records(t, row.st.cgroup_id, &cg, &row.object_records, &row.dir_records);
		/* What top shows, for the one container: O(its records). */
		row.live_known = tracer_read_records(t, row.st.cgroup_id, &l) == 0 &&
				 live_usage_of_records(&l, &row.live) == 0;
		record_list_done(&l);
	}
	*ret = row;
	return 0;
}

void list_row_done(struct list_row *row)
{
	container_state_done(&row->st);
}

void live_rows_done(struct live_rows *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].id);
	free(l->v);
	*l = (struct live_rows){};
}

bool live_over_budget(const struct live_usage *u, const struct live_budget *b)
{
	return (b->objects && live_usage_objects(u) > b->objects) || (b->bytes && live_usage_bytes(u) > b->bytes);
}

/* Marks of runs no longer registered: their container is gone (a new run
 * has a new cgroup id, and says it again). */
static void prune_marks(int dirfd, const struct tracer *t)
{
	_cleanup_closedir_ DIR *d = opendir_fd(dirfd);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct cg_state cg;
		unsigned long long id;
		char *end;

		errno = 0;
		id = strtoull(de->d_name, &end, 10);
		if (errno || *end || end == de->d_name || !id)
			continue;
		if (tracer_cgroup_state(t, id, &cg) == -ENOENT)
			(void)unlinkat(dirfd, de->d_name, 0);
	}
}

int live_budget_note(const struct rundir *rd, const struct tracer *t, struct live_rows *rows)
{
	_cleanup_close_ int dirfd = -EBADF;

	if (mkdirat(rd->root_fd, LIVE_BUDGET_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	dirfd = openat(rd->root_fd, LIVE_BUDGET_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	for (size_t i = 0; i < rows->n; i++) {
		struct live_row *row = &rows->v[i];
		_cleanup_close_ int fd = -EBADF;
		char name[32];

		if (!row->over_budget)
			continue;
		snprintf(name, sizeof(name), "%" PRIu64, row->cgroup_id);
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			row->crossed_now = true;
		else if (errno != EEXIST)
			return -errno;
	}
	prune_marks(dirfd, t);
	return 0;
}

static int entry_from_json(const char *key, json_object *val, struct live_sample_entry *ret)
{
	json_object *objects, *bytes;
	char *end;
	unsigned long long cg;

	errno = 0;
	cg = strtoull(key, &end, 10);
	if (errno || *end || end == key || !cg)
		return -EBADMSG;
	if (!json_object_is_type(val, json_type_object) || !json_object_object_get_ex(val, "objects", &objects) ||
	    !json_object_object_get_ex(val, "bytes", &bytes) || !json_object_is_type(objects, json_type_int) ||
	    !json_object_is_type(bytes, json_type_int) || json_object_get_int64(objects) < 0 ||
	    json_object_get_int64(objects) > UINT32_MAX || json_object_get_int64(bytes) < 0)
		return -EBADMSG;
	ret->cgroup_id = cg;
	ret->objects = (uint32_t)json_object_get_int64(objects);
	ret->bytes = (uint64_t)json_object_get_int64(bytes);
	return 0;
}

int live_sample_read(int root_fd, struct live_sample *ret)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_object *o = NULL;
	struct live_sample s = {};
	json_object *at, *containers;
	size_t len;
	int r;

	r = read_file_limited(root_fd, LIVE_SAMPLE_FILE, LIVE_SAMPLE_MAX_BYTES, &text, &len);
	if (r < 0)
		return r == -EFBIG ? -EBADMSG : r;
	o = json_tokener_parse(text);
	if (!o || !json_object_object_get_ex(o, "at", &at) || !json_object_is_type(at, json_type_int) ||
	    !json_object_object_get_ex(o, "containers", &containers) ||
	    !json_object_is_type(containers, json_type_object) ||
	    json_object_object_length(containers) > MAX_REGISTERED_CGROUPS)
		return -EBADMSG;
	s.at = json_object_get_int64(at);
	s.v = calloc((size_t)json_object_object_length(containers) + 1, sizeof(*s.v));
	if (!s.v)
		return -ENOMEM;
	json_object_object_foreach(containers, key, val)
	{
		r = entry_from_json(key, val, &s.v[s.n]);
		if (r < 0) {
			live_sample_done(&s);
			return r;
		}
		s.n++;
	}
	*ret = s;
	return 0;
}

int live_sample_write(int root_fd, const struct live_rows *rows)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *containers = json_object_new_object();
	const char *text;

	if (!o || !containers) {
		json_object_put(containers);
		return -ENOMEM;
	}
	json_object_object_add(o, "at", json_object_new_int64(rows->at));
	json_object_object_add(o, "containers", containers);
	for (size_t i = 0; i < rows->n; i++) {
		json_object *e = json_object_new_object();
		char key[32];

		snprintf(key, sizeof(key), "%" PRIu64, rows->v[i].cgroup_id);
		json_object_object_add(e, "objects", json_object_new_int64(live_usage_objects(&rows->v[i].usage)));
		json_object_object_add(e, "bytes", json_object_new_int64((int64_t)live_usage_bytes(&rows->v[i].usage)));
		json_object_object_add(containers, key, e);
	}
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	return write_file_atomic(root_fd, LIVE_SAMPLE_FILE, text, strlen(text), 0600, false);
}

const struct live_sample_entry *live_sample_find(const struct live_sample *s, uint64_t cgroup_id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].cgroup_id == cgroup_id)
			return &s->v[i];
	return NULL;
}

void live_sample_done(struct live_sample *s)
{
	free(s->v);
	*s = (struct live_sample){};
}
