// SPDX-License-Identifier: LGPL-2.1-or-later
/* State file format and I/O; see store-state.h. */
#include "store-state.h"
#include "fileio.h"
#include "jsonfield.h"
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

static int binds_from(json_object *v, void *base)
{
	struct container_state *s = base;

	/* host_mount_ns, read before, belongs to the binds. */
	return binds_from_json(v, s->binds.host_mount_ns, &s->binds);
}

static int binds_to(const void *base, json_object **ret)
{
	return binds_to_json(&((const struct container_state *)base)->binds, ret);
}

static int pod_from(json_object *v, void *base)
{
	return pod_identity_from_json(v, &((struct container_state *)base)->pod);
}

static int pod_to(const void *base, json_object **ret)
{
	const struct pod_identity *p = &((const struct container_state *)base)->pod;

	/* Absent in states of an older bpfreaper and of containers no
	 * Kubernetes runtime started. */
	*ret = pod_identity_to_json(p);
	return !*ret && pod_identity_known(p) ? -ENOMEM : 0;
}

/* {"objects": N, "bytes": N}, both present, as written. */
static const struct jf_field live_budget_fields[] = {
	{ "objects", JF_INT, JF_REQUIRED, JF_MEMBER(struct live_budget, objects), .max = LIVE_BUDGET_MAX },
	{ "bytes", JF_INT, JF_REQUIRED, JF_MEMBER(struct live_budget, bytes), .max = LIVE_BUDGET_MAX },
};
static const struct jf_table live_budget_table = JF_TABLE(live_budget_fields, false);

/* The state file, in the order it is written; "version" comes first, from
 * state_serialize. Keys an older bpfreaper did not write are optional. */
static const struct jf_field state_fields[] = {
	{ "id", JF_STRING, JF_REQUIRED | JF_NULLABLE, JF_MEMBER(struct container_state, id) },
	{ "cgroup_id", JF_U64_STRING, JF_REQUIRED | JF_NULLABLE, JF_MEMBER(struct container_state, cgroup_id),
	  .min = 1 },
	{ "cgroup_path", JF_STRING, JF_REQUIRED | JF_NULLABLE | JF_ABSOLUTE,
	  JF_MEMBER(struct container_state, cgroup_path) },
	{ "cgroup", JF_STRING, JF_NULLABLE | JF_ABSOLUTE | JF_OMIT_DEFAULT, JF_MEMBER(struct container_state, cgroup) },
	{ "pid", JF_INT, 0, JF_MEMBER(struct container_state, pid), .max = INT_MAX },
	{ "bundle", JF_STRING, JF_NULLABLE | JF_ABSOLUTE, JF_MEMBER(struct container_state, bundle) },
	{ "runtime_status", JF_STRING, JF_NULLABLE, JF_MEMBER(struct container_state, runtime_status) },
	{ "created_at", JF_INT, 0, JF_MEMBER(struct container_state, created_at), .min = INT64_MIN,
	  .max = INT64_MAX },
	{ "registered_ns", JF_U64_STRING, JF_OMIT_DEFAULT, JF_MEMBER(struct container_state, registered_ns) },
	{ "host_mount_ns", JF_BOOL, 0, JF_MEMBER(struct container_state, binds.host_mount_ns) },
	{ "binds", JF_CUSTOM, 0, JF_MEMBER(struct container_state, binds), .from_json = binds_from,
	  .to_json = binds_to, .expect = "an array of binds" },
	/* off never gets a state */
	{ "mode", JF_ENUM, JF_REQUIRED, JF_MEMBER(struct container_state, mode), JF_NAMES(mode_names),
	  .min = MODE_ENFORCE, .max = MODE_REPORT },
	{ "mode_source", JF_STRING, JF_NULLABLE | JF_OMIT_DEFAULT, JF_MEMBER(struct container_state, mode_source) },
	/* AUTO: not known, never written */
	{ "tracer_backend", JF_ENUM, JF_OMIT_DEFAULT, JF_MEMBER(struct container_state, backend),
	  JF_NAMES(tracer_backend_names), .min = TRACER_BACKEND_TRAMPOLINE },
	{ "pod", JF_CUSTOM, 0, JF_MEMBER(struct container_state, pod), .from_json = pod_from, .to_json = pod_to,
	  .expect = "a pod identity" },
	{ "live_budget", JF_OBJECT, JF_OMIT_DEFAULT, JF_MEMBER(struct container_state, live_budget),
	  .sub = &live_budget_table },
	{ "keep", JF_STRINGS, 0, JF_MEMBER(struct container_state, keep), .add = keep_rules_add_member,
	  .item = keep_rules_item },
};
static const struct jf_table state_table = JF_TABLE(state_fields, false);

int state_serialize(const struct container_state *s, char **ret_text)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	int r;

	if (!o || json_object_object_add(o, "version", json_object_new_int(STATE_VERSION)) < 0)
		return -ENOMEM;
	r = jf_write(&state_table, s, o);
	if (r < 0)
		return r;
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

int state_parse(const char *text, size_t len, const char *want_id, struct container_state *ret,
		struct br_error *err)
{
	_cleanup_json_ json_object *o = NULL;
	struct container_state s = {};
	json_object *v;
	int r;

	if (json_parse_strict(text, len, 8, &o) < 0 || !json_object_is_type(o, json_type_object))
		return br_error_set(err, -EBADMSG, BR_STEP_STATE_READ, "not valid JSON");
	if (!json_object_object_get_ex(o, "version", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int(v) != STATE_VERSION)
		return br_error_set(err, -EBADMSG, BR_STEP_STATE_READ, "unknown state version");
	r = jf_parse(&state_table, o, &s, BR_STEP_STATE_READ, err, NULL);
	if (r == 0 && !container_id_valid(s.id, err)) {
		br_error_step(err, BR_STEP_STATE_READ);
		r = -EBADMSG;
	}
	if (r == 0 && want_id && !streq(s.id, want_id))
		r = br_error_set(err, -EBADMSG, BR_STEP_STATE_READ, "state names another container");
	if (r < 0) {
		container_state_done(&s);
		/* Whatever the field said, the file is not a state. */
		r = r == -ENOMEM ? r : -EBADMSG;
		return br_error_set_step(err, r, BR_STEP_STATE_READ);
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
