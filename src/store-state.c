// SPDX-License-Identifier: LGPL-2.1-or-later
/* State file format and I/O; see store-state.h. */
#include "store-state.h"
#include "fileio.h"
#include "oci-state.h"
#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>

void container_state_done(struct container_state *s)
{
	free(s->id);
	free(s->cgroup_path);
	free(s->cgroup);
	free(s->bundle);
	free(s->runtime_status);
	free(s->mode_source);
	binds_done(&s->binds);
	keep_rules_done(&s->keep);
	memset(s, 0, sizeof(*s));
}

int state_file_name(const char *id, uint64_t earlier, char *buf, size_t size)
{
	if (!container_id_valid(id, NULL))
		return -EINVAL;
	if (earlier)
		return path_printf(buf, size, "%.*s@%" PRIu64 ".json", STATE_EARLIER_ID_MAX, id, earlier);
	return path_printf(buf, size, "%s.json", id);
}

int state_serialize(const struct container_state *s, char **ret_text)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *binds = NULL, *keep;
	char cgid[32];
	int r;

	if (!o)
		return -ENOMEM;
	r = binds_to_json(&s->binds, &binds);
	if (r < 0)
		return r;
	/* 64-bit ids as strings: JSON readers in other languages lose bits. */
	snprintf(cgid, sizeof(cgid), "%" PRIu64, s->cgroup_id);
	json_object_object_add(o, "version", json_object_new_int(STATE_VERSION));
	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(o, "cgroup_id", json_object_new_string(cgid));
	json_object_object_add(o, "cgroup_path", json_object_new_string(s->cgroup_path));
	if (s->cgroup)
		json_object_object_add(o, "cgroup", json_object_new_string(s->cgroup));
	json_object_object_add(o, "pid", json_object_new_int(s->pid));
	json_object_object_add(o, "bundle", s->bundle ? json_object_new_string(s->bundle) : NULL);
	json_object_object_add(o, "runtime_status",
			       json_object_new_string(s->runtime_status ? s->runtime_status : ""));
	json_object_object_add(o, "created_at", json_object_new_int64(s->created_at));
	if (s->registered_ns) {
		char reg[32];

		snprintf(reg, sizeof(reg), "%" PRIu64, s->registered_ns);
		json_object_object_add(o, "registered_ns", json_object_new_string(reg));
	}
	json_object_object_add(o, "host_mount_ns", json_object_new_boolean(s->binds.host_mount_ns));
	json_object_object_add(o, "binds", binds);
	json_object_object_add(o, "mode", json_object_new_string(mode_name(s->mode)));
	if (s->mode_source)
		json_object_object_add(o, "mode_source", json_object_new_string(s->mode_source));
	if (s->backend != TRACER_BACKEND_AUTO)
		json_object_object_add(o, "tracer_backend",
				       json_object_new_string(tracer_backend_name(s->backend)));
	if (pod_identity_known(&s->pod))
		json_object_object_add(o, "pod", pod_identity_to_json(&s->pod));
	if (live_budget_set(&s->live_budget)) {
		json_object *b = json_object_new_object();

		json_object_object_add(b, "objects", json_object_new_int64((int64_t)s->live_budget.objects));
		json_object_object_add(b, "bytes", json_object_new_int64((int64_t)s->live_budget.bytes));
		json_object_object_add(o, "live_budget", b);
	}
	keep = json_object_new_array();
	for (size_t i = 0; keep && i < s->keep.n; i++)
		json_object_array_add(keep, json_object_new_string(s->keep.v[i]));
	json_object_object_add(o, "keep", keep);
	*ret_text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	return *ret_text ? 0 : -ENOMEM;
}

int state_write(const struct rundir *rd, const struct container_state *s)
{
	_cleanup_free_ char *text = NULL;
	char name[NAME_MAX + 1];
	int r;

	r = state_file_name(s->id, 0, name, sizeof(name));
	if (r < 0)
		return r;
	r = state_serialize(s, &text);
	if (r < 0)
		return r;
	/* Under the run directory: gone at reboot, with the tracer it names. */
	return write_file_atomic(rd->state_fd, name, text, strlen(text), 0600, false);
}

static int get_string(json_object *o, const char *key, bool required, char **ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		*ret = NULL;
		return required ? -EBADMSG : 0;
	}
	if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) >= PATH_MAX)
		return -EBADMSG;
	*ret = strdup(json_object_get_string(v));
	return *ret ? 0 : -ENOMEM;
}

/* {"objects": N, "bytes": N}, both present, as state_serialize writes it. */
static int live_budget_from_json(json_object *o, struct live_budget *ret)
{
	json_object *objects, *bytes;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "objects", &objects) ||
	    !json_object_object_get_ex(o, "bytes", &bytes) || !json_object_is_type(objects, json_type_int) ||
	    !json_object_is_type(bytes, json_type_int) || json_object_get_int64(objects) < 0 ||
	    json_object_get_int64(bytes) < 0 || (uint64_t)json_object_get_int64(objects) > LIVE_BUDGET_MAX ||
	    (uint64_t)json_object_get_int64(bytes) > LIVE_BUDGET_MAX)
		return -EBADMSG;
	ret->objects = (uint64_t)json_object_get_int64(objects);
	ret->bytes = (uint64_t)json_object_get_int64(bytes);
	return 0;
}

int state_parse(const char *text, size_t len, const char *want_id, struct container_state *ret,
		struct br_error *err)
{
	_cleanup_json_ json_object *o = NULL;
	struct container_state s = {};
	json_object *v, *binds = NULL;
	bool host_ns = false;
	char *end = NULL;
	/* What is wrong, static text; NULL when err says it already. */
	const char *why = "missing or bad field";
	int r;

	if (json_parse_strict(text, len, 8, &o) < 0 || !json_object_is_type(o, json_type_object))
		return br_error_set(err, -EBADMSG, BR_STEP_STATE_READ, "not valid JSON");
	if (!json_object_object_get_ex(o, "version", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int(v) != STATE_VERSION)
		return br_error_set(err, -EBADMSG, BR_STEP_STATE_READ, "unknown state version");
	r = get_string(o, "id", true, &s.id);
	if (r == 0)
		r = get_string(o, "cgroup_path", true, &s.cgroup_path);
	if (r == 0)
		r = get_string(o, "bundle", false, &s.bundle);
	if (r == 0)
		r = get_string(o, "cgroup", false, &s.cgroup);
	if (r == 0)
		r = get_string(o, "runtime_status", false, &s.runtime_status);
	if (r == 0)
		r = get_string(o, "mode_source", false, &s.mode_source);
	if (r == 0) {
		char *cgid = NULL;

		r = get_string(o, "cgroup_id", true, &cgid);
		if (r == 0) {
			errno = 0;
			s.cgroup_id = strtoull(cgid, &end, 10);
			if (errno || !end || *end || cgid[0] == '\0' || cgid[0] == '-' || s.cgroup_id == 0)
				r = -EBADMSG;
		}
		free(cgid);
	}
	if (r == 0 && json_object_object_get_ex(o, "registered_ns", &v)) {
		const char *reg = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

		errno = 0;
		s.registered_ns = strtoull(reg, &end, 10);
		if (errno || !end || *end || reg[0] < '0' || reg[0] > '9')
			r = -EBADMSG;
	}
	if (r == 0 && json_object_object_get_ex(o, "pid", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int(v) < 0)
			r = -EBADMSG;
		else
			s.pid = json_object_get_int(v);
	}
	if (r == 0 && json_object_object_get_ex(o, "created_at", &v))
		s.created_at = json_object_get_int64(v);
	if (r == 0 && json_object_object_get_ex(o, "host_mount_ns", &v))
		host_ns = json_object_get_boolean(v);
	if (r == 0 && json_object_object_get_ex(o, "binds", &binds))
		r = binds_from_json(binds, host_ns, &s.binds) < 0 ? -EBADMSG : 0;
	else if (r == 0)
		s.binds.host_mount_ns = host_ns;
	if (r == 0) {
		s.mode = json_object_object_get_ex(o, "mode", &v) && json_object_is_type(v, json_type_string)
				 ? mode_from_string(json_object_get_string(v))
				 : MODE_UNSET;
		if (s.mode != MODE_ENFORCE && s.mode != MODE_REPORT)
			r = -EBADMSG;
	}
	if (r == 0 && json_object_object_get_ex(o, "tracer_backend", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	     tracer_backend_parse(json_object_get_string(v), &s.backend) < 0 ||
	     s.backend == TRACER_BACKEND_AUTO))
		r = -EBADMSG;
	/* Absent in states of an older bpfreaper. */
	if (r == 0 && json_object_object_get_ex(o, "pod", &v))
		r = pod_identity_from_json(v, &s.pod);
	if (r == 0 && json_object_object_get_ex(o, "live_budget", &v))
		r = live_budget_from_json(v, &s.live_budget);
	if (r == 0 && json_object_object_get_ex(o, "keep", &v)) {
		if (!json_object_is_type(v, json_type_array))
			r = -EBADMSG;
		for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++) {
			json_object *rule = json_object_array_get_idx(v, i);

			if (!json_object_is_type(rule, json_type_string) ||
			    keep_rules_add(&s.keep, json_object_get_string(rule), NULL) < 0)
				r = -EBADMSG;
		}
	}
	if (r == 0 && (s.cgroup_path[0] != '/' || (s.bundle && s.bundle[0] != '/') ||
		       (s.cgroup && s.cgroup[0] != '/')))
		r = -EBADMSG;
	if (r == 0 && !container_id_valid(s.id, err)) {
		why = NULL;
		r = -EBADMSG;
	}
	if (r == 0 && want_id && !streq(s.id, want_id)) {
		why = "state names another container";
		r = -EBADMSG;
	}
	if (r < 0) {
		container_state_done(&s);
		r = r == -ENOMEM ? r : -EBADMSG;
		if (why)
			return br_error_set(err, r, BR_STEP_STATE_READ, "%s", r == -ENOMEM ? "out of memory" : why);
		/* The id's check said what is wrong. */
		br_error_step(err, BR_STEP_STATE_READ);
		if (err)
			err->code = r;
		return r;
	}
	*ret = s;
	return 0;
}

int state_read(const struct rundir *rd, const char *id, uint64_t earlier, struct container_state *ret,
	       struct br_error *err)
{
	_cleanup_free_ char *text = NULL;
	struct container_state s = {};
	char name[NAME_MAX + 1];
	size_t len;
	int r;

	r = state_file_name(id, earlier, name, sizeof(name));
	if (r < 0)
		return br_error_set(err, r, BR_STEP_STATE_READ, "%s", "");
	r = read_file_limited(rd->state_fd, name, STATE_MAX_BYTES, &text, &len);
	if (r == -EFBIG || r == -EBADFD || r == -ELOOP)
		return br_error_set(err, -EBADMSG, BR_STEP_STATE_READ, "not a regular file of sane size");
	if (r < 0)
		return br_error_set(err, r, BR_STEP_STATE_READ, "%s", "");
	r = state_parse(text, len, earlier ? NULL : id, &s, err);
	if (r < 0)
		return r;
	/* An earlier run's name holds its id (cut) and its cgroup id: the
	 * file must be that run's state, or gc would finish another run. */
	if (earlier && (s.cgroup_id != earlier || strncmp(s.id, id, STATE_EARLIER_ID_MAX) != 0)) {
		br_error_set(err, -EBADMSG, BR_STEP_STATE_READ, "%s",
			     s.cgroup_id != earlier ? "state names another run" : "state names another container");
		container_state_done(&s);
		return -EBADMSG;
	}
	*ret = s;
	return 0;
}

int state_remove(const struct rundir *rd, const char *id, uint64_t earlier)
{
	char name[NAME_MAX + 1];
	int r;

	r = state_file_name(id, earlier, name, sizeof(name));
	if (r < 0)
		return r;
	if (unlinkat(rd->state_fd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* 1: the lock on fd is the lock of the file at name; 0: a prestart moved
 * that file aside (or a teardown removed it) while we waited. */
static int lock_still_named(int fd, int dirfd, const char *name)
{
	struct stat locked, named;

	if (fstat(fd, &locked) < 0)
		return -errno;
	if (!S_ISREG(locked.st_mode))
		return -EBADMSG;
	if (locked.st_nlink == 0)
		return 0;
	if (fstatat(dirfd, name, &named, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	return named.st_dev == locked.st_dev && named.st_ino == locked.st_ino;
}

#define STATE_LOCK_TRIES 8

int state_lock(const struct rundir *rd, const char *id, uint64_t earlier)
{
	char name[NAME_MAX + 1];
	int r;

	r = state_file_name(id, earlier, name, sizeof(name));
	if (r < 0)
		return r;
	/* Each retry means a prestart put a new run's state under the name
	 * while we waited: that one is what the name means now. */
	for (unsigned i = 0; i < STATE_LOCK_TRIES; i++) {
		_cleanup_close_ int fd = -EBADF;

		fd = openat(rd->state_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			return errno == ELOOP ? -EBADMSG : -errno;
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return -errno;
		r = lock_still_named(fd, rd->state_fd, name);
		if (r < 0)
			return r;
		if (r > 0)
			return TAKE_FD(fd);
	}
	return -EBUSY;
}

int state_keep_earlier(const struct rundir *rd, const char *id, uint64_t earlier)
{
	char cur[NAME_MAX + 1], kept[NAME_MAX + 1];
	int r;

	if (!earlier)
		return -EINVAL;
	r = state_file_name(id, 0, cur, sizeof(cur));
	if (r == 0)
		r = state_file_name(id, earlier, kept, sizeof(kept));
	if (r < 0)
		return r;
	/* Same directory: atomic. A kept state of this cgroup id already
	 * there can only be this very run's (ids are not reused). */
	if (renameat(rd->state_fd, cur, rd->state_fd, kept) < 0)
		return -errno;
	return 0;
}

void state_ids_done(struct state_ids *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].id);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* <id>.json or <id>@<cgroup id>.json, exactly as state_file_name() writes
 * it: a name that would not round-trip is nobody's state. */
int state_file_name_parse(const char *name, char **ret_id, uint64_t *ret_earlier)
{
	_cleanup_free_ char *id = NULL;
	char check[NAME_MAX + 1];
	const char *at = strchr(name, '@');
	size_t len = strlen(name);
	uint64_t earlier = 0;

	/* Temp files of an interrupted write end in ".tmp": not states. */
	if (len <= 5 || !streq(name + len - 5, ".json"))
		return -EINVAL;
	id = strndup(name, at ? (size_t)(at - name) : len - 5);
	if (!id)
		return -ENOMEM;
	if (at) {
		char *end = NULL;

		errno = 0;
		earlier = strtoull(at + 1, &end, 10);
		if (errno || !end || !streq(end, ".json") || earlier == 0)
			return -EINVAL;
	}
	if (state_file_name(id, earlier, check, sizeof(check)) < 0 || !streq(check, name))
		return -EINVAL;
	*ret_id = TAKE_PTR(id);
	*ret_earlier = earlier;
	return 0;
}

int state_list(const struct rundir *rd, struct state_ids *ret)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct state_ids l = {};
	struct dirent *de;

	/* A run directory opened as it is (rundir_open_existing) may have
	 * no state/ yet: no container registered. */
	if (rd->state_fd == -EBADF) {
		*ret = l;
		return 0;
	}
	d = opendir_fd(rd->state_fd);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		uint64_t earlier;
		char *id;
		int r;

		r = state_file_name_parse(de->d_name, &id, &earlier);
		if (r == -ENOMEM) {
			state_ids_done(&l);
			return r;
		}
		if (r < 0)
			continue;
		if (l.n % 64 == 0) {
			struct state_file *v = realloc(l.v, (l.n + 64) * sizeof(*v));

			if (!v) {
				free(id);
				state_ids_done(&l);
				return -ENOMEM;
			}
			l.v = v;
		}
		l.v[l.n++] = (struct state_file){ .id = id, .earlier = earlier };
	}
	*ret = l;
	return 0;
}

bool state_file_of(const struct state_file *f, const char *id)
{
	if (!f->earlier)
		return streq(f->id, id);
	return strlen(f->id) == strnlen(id, STATE_EARLIER_ID_MAX) && strncmp(f->id, id, STATE_EARLIER_ID_MAX) == 0;
}
