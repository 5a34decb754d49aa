// SPDX-License-Identifier: LGPL-2.1-or-later
/* configure/unconfigure for Docker; see runtime-configure.h. Nothing here
 * prints. Files are replaced atomically, never edited in place: dockerd
 * reading daemon.json at a reload sees the old file or the new one. */
#include "runtime-configure.h"
#include "fileio.h"
#include "oci-runtime-wrap.h"
#include "oci-state.h"
#include "util.h"

#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char **environ;

#define RECORD_NAME "configured-docker.json"

static int bad(struct br_error *err, int code, const char *why)
{
	return br_error_set(err, code, BR_STEP_CONFIGURE, "%s", why);
}

/* An absent or blank file is an empty object: Docker starts without one. */
static int parse_object(const char *text, size_t len, const char *what, json_object **ret, struct br_error *err)
{
	_cleanup_json_ json_object *root = NULL;
	size_t i = 0;
	int r;

	while (i < len && strchr(" \t\r\n", text[i]))
		i++;
	if (i == len) {
		*ret = json_object_new_object();
		return *ret ? 0 : -ENOMEM;
	}
	r = json_parse_strict(text, len, OCI_JSON_MAX_DEPTH, &root);
	if (r < 0)
		return br_error_set(err, r, BR_STEP_CONFIGURE, "%s: not valid JSON", what);
	if (!json_object_is_type(root, json_type_object))
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: not a JSON object", what);
	/* json-c saturates an integer beyond 64 bits: the rewrite would
	 * change a value nobody asked to change. */
	if (!json_integers_exact(text, len))
		return br_error_set(err, -ERANGE, BR_STEP_CONFIGURE,
				    "%s: an integer is outside the 64-bit range and could not be written back exactly",
				    what);
	*ret = TAKE_PTR(root);
	return 0;
}

#define JSON_TEXT_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

static int to_text(json_object *root, char **ret_text)
{
	/* No "\/": daemon.json holds paths, and people read it. */
	const char *s = json_object_to_json_string_ext(root, JSON_TEXT_FLAGS);

	if (!s || asprintf(ret_text, "%s\n", s) < 0)
		return -ENOMEM;
	return 0;
}

static json_object *copy_or_null(json_object *o)
{
	json_object *c = NULL;

	if (o && json_object_deep_copy(o, &c, NULL) < 0)
		return NULL;
	return c;
}

/* A string member, or NULL (absent or null); -EINVAL for another type. */
static int get_string(json_object *o, const char *key, const char **ret)
{
	json_object *v;

	*ret = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	*ret = json_object_get_string(v);
	return 0;
}

int docker_configure_text(const char *text, size_t len, const struct docker_wiring *w, json_object *prior_undo,
			  char **ret_text, json_object **ret_undo, struct br_error *err)
{
	_cleanup_json_ json_object *root = NULL, *undo = NULL, *want = NULL;
	json_object *runtimes = NULL, *entry = NULL, *base_entry, *args, *v;
	const char *def, *base = NULL, *chain = NULL;
	bool changed = false;
	int r;

	r = parse_object(text, len, "daemon.json", &root, err);
	if (r < 0)
		return r;
	if (json_object_object_get_ex(root, "runtimes", &runtimes) && !json_object_is_type(runtimes, json_type_object))
		return bad(err, -EINVAL, "daemon.json: \"runtimes\" is not an object");
	if (runtimes && json_object_object_get_ex(runtimes, CONFIGURE_RUNTIME_NAME, &entry) &&
	    !json_object_is_type(entry, json_type_object))
		return bad(err, -EINVAL, "daemon.json: runtimes." CONFIGURE_RUNTIME_NAME " is not an object");
	if (get_string(root, "default-runtime", &def) < 0)
		return bad(err, -EINVAL, "daemon.json: \"default-runtime\" is not a string");

	undo = prior_undo ? copy_or_null(prior_undo) : json_object_new_object();
	if (!undo)
		return -ENOMEM;
	if (!prior_undo) {
		json_object_object_add(undo, "had_runtimes", json_object_new_boolean(runtimes != NULL));
		json_object_object_add(undo, "entry", copy_or_null(entry));
	}

	/* The runtime Docker ran before: the one the wrapper has to exec. */
	if (def && !streq(def, CONFIGURE_RUNTIME_NAME))
		base = def;
	else if (json_object_object_get_ex(undo, "default_runtime", &v) && json_object_is_type(v, json_type_string))
		base = json_object_get_string(v);
	base_entry = NULL;
	/* Docker 23 and later also take the shim's name for its runc. */
	if (base && !streq(base, "runc") && !streq(base, "io.containerd.runc.v2")) {
		if (!runtimes || !json_object_object_get_ex(runtimes, base, &base_entry) ||
		    get_string(base_entry, "path", &chain) < 0 || !chain)
			return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE,
					    "daemon.json: the default runtime \"%s\" has no path in \"runtimes\" "
					    "(set on dockerd's command line?): bpfreaper-runtime cannot chain it",
					    base);
	}
	json_object_object_add(undo, "chain", chain ? json_object_new_string(chain) : NULL);

	want = json_object_new_object();
	if (!want)
		return -ENOMEM;
	json_object_object_add(want, "path", json_object_new_string(w->wrapper));
	/* Docker puts runtimeArgs before the command; the wrapper passes its
	 * argument vector on unchanged, so the chained runtime gets its own. */
	if (base_entry && json_object_object_get_ex(base_entry, "runtimeArgs", &args))
		json_object_object_add(want, "runtimeArgs", copy_or_null(args));
	if (!entry || !json_object_equal(entry, want)) {
		if (!runtimes) {
			runtimes = json_object_new_object();
			if (!runtimes || json_object_object_add(root, "runtimes", runtimes) < 0)
				return -ENOMEM;
		}
		json_object_object_add(runtimes, CONFIGURE_RUNTIME_NAME, TAKE_PTR(want));
		changed = true;
	}
	if (w->set_as_default && (!def || !streq(def, CONFIGURE_RUNTIME_NAME))) {
		if (!json_object_object_get_ex(undo, "default_runtime", NULL))
			json_object_object_add(undo, "default_runtime", def ? json_object_new_string(def) : NULL);
		json_object_object_add(root, "default-runtime", json_object_new_string(CONFIGURE_RUNTIME_NAME));
		changed = true;
	}
	*ret_text = NULL;
	if (changed) {
		r = to_text(root, ret_text);
		if (r < 0)
			return r;
	}
	*ret_undo = TAKE_PTR(undo);
	return 0;
}

int docker_unconfigure_text(const char *text, size_t len, json_object *undo, char **ret_text,
			    struct br_error *err)
{
	_cleanup_json_ json_object *root = NULL;
	json_object *runtimes = NULL, *entry = NULL, *prev;
	const char *def;
	bool changed = false;
	int r;

	r = parse_object(text, len, "daemon.json", &root, err);
	if (r < 0)
		return r;
	if (get_string(root, "default-runtime", &def) < 0)
		return bad(err, -EINVAL, "daemon.json: \"default-runtime\" is not a string");
	if (def && streq(def, CONFIGURE_RUNTIME_NAME)) {
		if (undo && json_object_object_get_ex(undo, "default_runtime", &prev) &&
		    json_object_is_type(prev, json_type_string))
			json_object_object_add(root, "default-runtime", copy_or_null(prev));
		else
			json_object_object_del(root, "default-runtime");
		changed = true;
	}
	if (json_object_object_get_ex(root, "runtimes", &runtimes) && json_object_is_type(runtimes, json_type_object) &&
	    json_object_object_get_ex(runtimes, CONFIGURE_RUNTIME_NAME, NULL)) {
		if (undo && json_object_object_get_ex(undo, "entry", &entry) && entry)
			json_object_object_add(runtimes, CONFIGURE_RUNTIME_NAME, copy_or_null(entry));
		else
			json_object_object_del(runtimes, CONFIGURE_RUNTIME_NAME);
		changed = true;
	}
	if (runtimes && json_object_object_length(runtimes) == 0 && undo &&
	    json_object_object_get_ex(undo, "had_runtimes", &prev) && !json_object_get_boolean(prev))
		json_object_object_del(root, "runtimes");
	*ret_text = NULL;
	return changed ? to_text(root, ret_text) : 0;
}

int chain_configure_text(const char *text, size_t len, const char *chain, json_object *prior_undo,
			 char **ret_text, json_object **ret_undo, struct br_error *err)
{
	_cleanup_json_ json_object *root = NULL, *undo = NULL;
	_cleanup_free_ char *out = NULL;
	const char *runtime = NULL;
	int r;

	if (chain) {
		r = parse_object(text, len, "the wrapper's config", &root, err);
		if (r < 0)
			return r;
		if (get_string(root, "runtime", &runtime) < 0)
			return bad(err, -EINVAL, "the wrapper's config: \"runtime\" is not a string");
		if (runtime && !streq(runtime, chain))
			return br_error_set(err, -EEXIST, BR_STEP_CONFIGURE,
					    "the wrapper's config has \"runtime\": \"%s\" already; it cannot also chain %s",
					    runtime, chain);
	}
	if (!chain || runtime) {
		/* Nothing to do, or done already: what the first run recorded. */
		*ret_text = NULL;
		*ret_undo = prior_undo ? copy_or_null(prior_undo) : NULL;
		return 0;
	}
	undo = json_object_new_object();
	if (!undo)
		return -ENOMEM;
	json_object_object_add(undo, "runtime", NULL);
	json_object_object_add(undo, "chain", json_object_new_string(chain));
	json_object_object_add(root, "runtime", json_object_new_string(chain));
	r = to_text(root, &out);
	if (r < 0)
		return r;
	*ret_text = TAKE_PTR(out);
	*ret_undo = TAKE_PTR(undo);
	return 0;
}

int chain_unconfigure_text(const char *text, size_t len, json_object *undo, char **ret_text, struct br_error *err)
{
	_cleanup_json_ json_object *root = NULL;
	const char *runtime, *chain;
	int r;

	*ret_text = NULL;
	if (!undo || get_string(undo, "chain", &chain) < 0 || !chain)
		return 0;
	r = parse_object(text, len, "the wrapper's config", &root, err);
	if (r < 0)
		return r;
	/* Changed by someone since: theirs now. */
	if (get_string(root, "runtime", &runtime) < 0 || !runtime || !streq(runtime, chain))
		return 0;
	json_object_object_del(root, "runtime");
	return to_text(root, ret_text);
}

/* ---- files ---- */

void file_now_done(struct file_now *f)
{
	free(f->text);
	*f = (struct file_now){};
}

static int split_path(const char *path, char *dir, size_t dir_size, char *name, size_t name_size)
{
	const char *slash = strrchr(path, '/');
	int r;

	if (path[0] != '/' || !slash || !slash[1])
		return -EINVAL;
	r = path_printf(dir, dir_size, "%.*s", (int)(slash == path ? 1 : slash - path), path);
	if (r < 0)
		return r;
	return copy_str(name, name_size, slash + 1);
}

int file_read(const char *path, struct file_now *ret, struct br_error *err)
{
	char dir[PATH_MAX], name[NAME_MAX + 1];
	_cleanup_close_ int dirfd = -EBADF;
	int r;

	*ret = (struct file_now){};
	r = split_path(path, dir, sizeof(dir), name, sizeof(name));
	if (r < 0)
		return br_error_set(err, r, BR_STEP_CONFIGURE, "%s: not an absolute path of a file", path);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && errno == ENOENT)
		return 0;
	if (dirfd < 0)
		return br_error_errno(err, -errno, BR_STEP_CONFIGURE, dir);
	if (fstatat(dirfd, name, &ret->st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return br_error_errno(err, -errno, BR_STEP_CONFIGURE, path);
	}
	if (!S_ISREG(ret->st.st_mode))
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: not a regular file", path);
	r = read_file_limited(dirfd, name, CONFIGURE_FILE_MAX, &ret->text, &ret->len);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CONFIGURE, path);
	ret->exists = true;
	return 0;
}

/* Replace path with text; owner and mode of the file it replaces (st), else
 * root's 0644, as Docker's own packages ship daemon.json. */
int file_write(const char *path, const char *text, const struct stat *st, struct br_error *err)
{
	char dir[PATH_MAX], name[NAME_MAX + 1];
	_cleanup_close_ int dirfd = -EBADF;
	int r;

	r = split_path(path, dir, sizeof(dir), name, sizeof(name));
	if (r < 0)
		return br_error_set(err, r, BR_STEP_CONFIGURE, "%s: not an absolute path of a file", path);
	dirfd = open_dir_created(dir, 0755);
	if (dirfd < 0)
		return br_error_errno(err, dirfd, BR_STEP_CONFIGURE, dir);
	r = write_file_atomic_owned(dirfd, name, text, strlen(text), st ? (int)(st->st_mode & 07777) : 0644,
				    st ? st->st_uid : (uid_t)-1, st ? st->st_gid : (gid_t)-1, true);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CONFIGURE, path);
	return 0;
}

int file_remove(const char *path, struct br_error *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return br_error_errno(err, -errno, BR_STEP_CONFIGURE, path);
	return 0;
}

static int record_path(const struct configure_request *req, char *buf, size_t size)
{
	const char *dir = req->state_dir ? req->state_dir : CONFIGURE_STATE_DIR_DEFAULT;

	return path_join(buf, size, dir, RECORD_NAME);
}

/* The record: {"files": [{"path", "existed", "backup", "written", "undo"},
 * daemon.json first, the wrapper's config second], "chain"}. */
static int record_read(const char *path, json_object **ret, struct br_error *err)
{
	struct file_now f;
	json_object *files;
	int r;

	*ret = NULL;
	r = file_read(path, &f, err);
	if (r < 0 || !f.exists)
		return r;
	r = json_parse_strict(f.text, f.len, OCI_JSON_MAX_DEPTH, ret);
	file_now_done(&f);
	if (r < 0 || !json_object_object_get_ex(*ret, "files", &files) ||
	    !json_object_is_type(files, json_type_array) || json_object_array_length(files) != 2) {
		json_object_put(*ret);
		*ret = NULL;
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: not a record configure wrote", path);
	}
	return 0;
}

/* The state file's path into path, and the record in it (NULL: none). */
static int record_load(const struct configure_request *req, char *path, size_t size, json_object **ret,
		       struct br_error *err)
{
	int r = record_path(req, path, size);

	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CONFIGURE, "the state directory");
	return record_read(path, ret, err);
}

static json_object *record_file(json_object *record, size_t i)
{
	json_object *files;

	if (!record || !json_object_object_get_ex(record, "files", &files))
		return NULL;
	return json_object_array_get_idx(files, i);
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int set_file(struct configure_file *f, const char *path, enum configure_action action, char *text)
{
	f->action = action;
	f->text = text;
	return copy_str(f->path, sizeof(f->path), path);
}

/* One file's entry in a new record: existed and backup from the first
 * configure (prior), written and undo from now. */
static json_object *record_entry(json_object *prior, const char *path, const struct file_now *now,
				 const char *written, json_object *undo)
{
	json_object *e = json_object_new_object();
	_cleanup_free_ char *backup = NULL;

	if (!e || asprintf(&backup, "%s%s", path, CONFIGURE_BACKUP_SUFFIX) < 0) {
		json_object_put(e);
		return NULL;
	}
	json_object_object_add(e, "path", json_object_new_string(path));
	json_object_object_add(e, "existed", prior ? copy_or_null(member(prior, "existed"))
						   : json_object_new_boolean(now->exists));
	json_object_object_add(e, "backup", prior ? copy_or_null(member(prior, "backup"))
						  : now->exists ? json_object_new_string(backup) : NULL);
	json_object_object_add(e, "written", written ? json_object_new_string(written)
						     : copy_or_null(member(prior, "written")));
	json_object_object_add(e, "undo", copy_or_null(undo));
	return e;
}

int docker_configure(const struct configure_request *req, struct configure_result *ret, struct br_error *err)
{
	const char *daemon_path = req->config_path ? req->config_path : DOCKER_CONFIG_DEFAULT;
	const char *paths[2] = { daemon_path, req->bpfreaper_config };
	_cleanup_json_ json_object *record = NULL, *undo_docker = NULL, *undo_chain = NULL, *new_record = NULL;
	struct docker_wiring w = { .wrapper = req->wrapper, .set_as_default = req->set_as_default };
	struct file_now now[2] = {};
	char *text[2] = {};
	json_object *files, *prior, *undos[2];
	const char *chain, *recorded;
	int r;

	*ret = (struct configure_result){ .n_files = 2 };
	r = record_load(req, ret->record, sizeof(ret->record), &record, err);
	if (r < 0)
		return r;
	prior = record_file(record, 0);
	if (prior && get_string(prior, "path", &recorded) == 0 && recorded && !streq(recorded, daemon_path))
		return br_error_set(err, -EEXIST, BR_STEP_CONFIGURE,
				    "configured already for %s (%s): unconfigure that first", recorded, ret->record);
	for (size_t i = 0; i < 2; i++) {
		r = file_read(paths[i], &now[i], err);
		if (r < 0)
			goto out;
	}
	r = docker_configure_text(now[0].text, now[0].len, &w, member(prior, "undo"), &text[0], &undo_docker, err);
	if (r < 0)
		goto out;
	(void)get_string(undo_docker, "chain", &chain);
	r = chain_configure_text(now[1].text, now[1].len, chain, member(record_file(record, 1), "undo"), &text[1],
				 &undo_chain, err);
	if (r < 0)
		goto out;
	if (chain)
		(void)copy_str(ret->chain, sizeof(ret->chain), chain);
	for (size_t i = 0; i < 2; i++) {
		r = set_file(&ret->files[i], paths[i], text[i] ? CONFIGURE_WRITTEN : CONFIGURE_UNCHANGED, text[i]);
		text[i] = NULL;
		if (r < 0)
			goto out;
		ret->changed |= ret->files[i].action != CONFIGURE_UNCHANGED;
	}
	if (req->dry_run || !ret->changed)
		goto out;

	/* The record first: after a crash below, unconfigure still knows. */
	new_record = json_object_new_object();
	files = json_object_new_array();
	if (!new_record || !files) {
		json_object_put(files);
		r = -ENOMEM;
		goto out;
	}
	json_object_object_add(new_record, "manager", json_object_new_string("docker"));
	json_object_object_add(new_record, "files", files);
	undos[0] = undo_docker;
	undos[1] = undo_chain;
	for (size_t i = 0; i < 2; i++)
		json_object_array_add(files, record_entry(record_file(record, i), paths[i], &now[i],
							  ret->files[i].text, undos[i]));
	r = file_write(ret->record, json_object_to_json_string_ext(new_record, JSON_TEXT_FLAGS), NULL, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < 2; i++) {
		char backup[PATH_MAX];

		if (ret->files[i].action == CONFIGURE_UNCHANGED)
			continue;
		/* The backup is the file before the first configure only. */
		if (!record_file(record, i) && now[i].exists) {
			r = path_printf(backup, sizeof(backup), "%s%s", paths[i], CONFIGURE_BACKUP_SUFFIX);
			if (r < 0 || (r = file_write(backup, now[i].text, &now[i].st, err)) < 0)
				goto out;
		}
		r = file_write(paths[i], ret->files[i].text, now[i].exists ? &now[i].st : NULL, err);
		if (r < 0)
			goto out;
	}
out:
	for (size_t i = 0; i < 2; i++) {
		file_now_done(&now[i]);
		free(text[i]);
	}
	if (r < 0)
		configure_result_done(ret);
	return r;
}

/* What unconfigure does to one file: back to the backup when it still holds
 * what configure wrote, else the key-by-key undo. */
static int unconfigure_file(const char *path, json_object *entry, bool is_chain, struct configure_file *ret,
			    struct br_error *err)
{
	_cleanup_free_ char *text = NULL;
	struct file_now now, backup = {};
	const char *written = NULL, *backup_path = NULL;
	json_object *undo = member(entry, "undo");
	enum configure_action action;
	int r;

	r = file_read(path, &now, err);
	if (r < 0)
		return r;
	(void)get_string(entry, "written", &written);
	(void)get_string(entry, "backup", &backup_path);
	if (written && now.exists && now.len == strlen(written) && memcmp(now.text, written, now.len) == 0) {
		if (!json_object_get_boolean(member(entry, "existed"))) {
			file_now_done(&now);
			return set_file(ret, path, CONFIGURE_REMOVED, NULL);
		}
		r = backup_path ? file_read(backup_path, &backup, err) : 0;
		if (r == 0 && backup.exists) {
			file_now_done(&now);
			r = set_file(ret, path, CONFIGURE_RESTORED, TAKE_PTR(backup.text));
			file_now_done(&backup);
			return r;
		}
		/* No backup any more: the undo below still takes it out. */
		br_error_clear(err);
	}
	if (is_chain)
		r = chain_unconfigure_text(now.text, now.len, undo, &text, err);
	else
		r = docker_unconfigure_text(now.text, now.len, undo, &text, err);
	file_now_done(&now);
	if (r < 0)
		return r;
	action = text ? CONFIGURE_WRITTEN : CONFIGURE_UNCHANGED;
	return set_file(ret, path, action, TAKE_PTR(text));
}

int docker_unconfigure(const struct configure_request *req, struct configure_result *ret, struct br_error *err)
{
	_cleanup_json_ json_object *record = NULL;
	const char *paths[2] = { req->config_path ? req->config_path : DOCKER_CONFIG_DEFAULT, req->bpfreaper_config };
	const char *recorded;
	int r;

	*ret = (struct configure_result){ .n_files = 2 };
	r = record_load(req, ret->record, sizeof(ret->record), &record, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < 2 && record; i++)
		if (get_string(record_file(record, i), "path", &recorded) == 0 && recorded)
			paths[i] = recorded;
	for (size_t i = 0; i < 2; i++) {
		struct stat st;
		bool had;

		r = unconfigure_file(paths[i], record_file(record, i), i == 1, &ret->files[i], err);
		if (r < 0)
			goto fail;
		ret->changed |= ret->files[i].action != CONFIGURE_UNCHANGED;
		if (req->dry_run)
			continue;
		had = lstat(paths[i], &st) == 0;
		if (ret->files[i].action == CONFIGURE_REMOVED)
			r = file_remove(paths[i], err);
		else if (ret->files[i].action != CONFIGURE_UNCHANGED)
			r = file_write(paths[i], ret->files[i].text, had ? &st : NULL, err);
		if (r < 0)
			goto fail;
	}
	if (!req->dry_run && record) {
		r = file_remove(ret->record, err);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	configure_result_done(ret);
	return r;
}

void configure_result_done(struct configure_result *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(r->files); i++) {
		free(r->files[i].text);
		r->files[i].text = NULL;
	}
}

int configure_systemctl(const char *verb, const char *unit, struct br_error *err)
{
	char *const systemctl[] = { "systemctl", (char *)verb, (char *)unit, NULL };
	int r, status;
	pid_t child;

	r = posix_spawnp(&child, "systemctl", NULL, NULL, systemctl, environ);
	if (r != 0)
		return br_error_errno(err, -r, BR_STEP_CONFIGURE, "systemctl");
	if (waitpid(child, &status, 0) < 0)
		return br_error_errno(err, -errno, BR_STEP_CONFIGURE, "systemctl");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return br_error_set(err, -EIO, BR_STEP_CONFIGURE, "systemctl %s %s failed", verb, unit);
	return 0;
}

int docker_reload(enum restart_mode mode, const char *pid_file, struct br_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	long pid;
	char *end;
	int r;

	if (mode == RESTART_NONE)
		return 0;
	if (mode == RESTART_SYSTEMD)
		return configure_systemctl("reload", "docker.service", err);
	r = read_file_limited(AT_FDCWD, pid_file, PID_FILE_MAX_BYTES, &text, &len);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CONFIGURE, pid_file);
	errno = 0;
	pid = strtol(text, &end, 10);
	if (errno || end == text || pid <= 1 || (*end && *end != '\n'))
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: not a PID", pid_file);
	/* dockerd reads daemon.json again at SIGHUP and applies "runtimes" and
	 * "default-runtime" to the containers it starts next. */
	if (kill((pid_t)pid, SIGHUP) < 0)
		return br_error_errno(err, -errno, BR_STEP_CONFIGURE, pid_file);
	return 0;
}
