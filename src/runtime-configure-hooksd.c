// SPDX-License-Identifier: LGPL-2.1-or-later
/* configure/unconfigure for podman and CRI-O: the hooks.d files, and for
 * CRI-O a crio.conf.d drop-in when its hooks_dir does not list their
 * directory. Owns only files it wrote (the record says which); never
 * prints, never edits a file it did not write. See runtime-configure.h. */
#include "runtime-configure-hooksd.h"
#include "fileio.h"
#include "oci-state.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static const char *const manager_names[] = {
	[HOOKSD_PODMAN] = "podman",
	[HOOKSD_CRIO] = "crio",
};

static json_object *strings_array(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

int hooksd_hook_text(const char *hook_bin, const char *stage, const char *const *env, size_t n_env, bool opt_in,
		     char **ret_text)
{
	_cleanup_json_ json_object *root = json_object_new_object(), *hook = json_object_new_object(),
				   *when = json_object_new_object();
	/* The shipped oci-config/hooks.d files: report by default, the
	 * annotation or bpfreaper.json decide otherwise. hooks.d-opt-in/:
	 * only for containers with the annotation, which sets the mode. */
	const char *args[] = { NULL, "--default-mode=report" };
	char path[PATH_MAX], arg0[64];
	const char *text;

	if (!root || !hook || !when)
		return -ENOMEM;
	if (hook_bin[0] != '/')
		return -EINVAL;
	if (path_printf(arg0, sizeof(arg0), "bpfreaper-%s", stage) < 0 ||
	    path_join(path, sizeof(path), hook_bin, arg0) < 0)
		return -ENAMETOOLONG;
	args[0] = arg0;
	json_object_object_add(hook, "path", json_object_new_string(path));
	json_object_object_add(hook, "args", strings_array(args, streq(stage, "prestart") && !opt_in ? 2 : 1));
	/* Without "env" a hook gets the runtime's environment; with it,
	 * only this list. */
	if (n_env)
		json_object_object_add(hook, "env", strings_array(env, n_env));
	if (opt_in) {
		json_object *annotations = json_object_new_object();

		json_object_object_add(annotations, "^io\\.bpfreaper\\.mode$", json_object_new_string(".*"));
		json_object_object_add(when, "annotations", annotations);
	} else {
		json_object_object_add(when, "always", json_object_new_boolean(true));
	}
	json_object_object_add(root, "version", json_object_new_string("1.0.0"));
	json_object_object_add(root, "hook", TAKE_PTR(hook));
	json_object_object_add(root, "when", TAKE_PTR(when));
	json_object_object_add(root, "stages", strings_array(&stage, 1));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || asprintf(ret_text, "%s\n", text) < 0)
		return -ENOMEM;
	return 0;
}

/* ---- CRI-O's hooks_dir, from TOML text ---- */

struct toml_scan {
	const char *p, *end;
};

static void skip_blank(struct toml_scan *s, bool newlines)
{
	while (s->p < s->end) {
		if (*s->p == '#') {
			while (s->p < s->end && *s->p != '\n')
				s->p++;
		} else if (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || (newlines && *s->p == '\n')) {
			s->p++;
		} else {
			return;
		}
	}
}

/* A basic ("...") or literal ('...') string into a JSON string. */
static int scan_string(struct toml_scan *s, json_object **ret)
{
	const char quote = *s->p++;
	char buf[PATH_MAX];
	size_t n = 0;

	for (; s->p < s->end && *s->p != quote && *s->p != '\n'; s->p++) {
		char c = *s->p;

		if (quote == '"' && c == '\\') {
			if (++s->p == s->end)
				return -EINVAL;
			c = *s->p;
			if (c != '\\' && c != '"')
				return -EINVAL; /* \n, \u...: no path in a hooks_dir has them */
		}
		if (n + 1 >= sizeof(buf))
			return -ENAMETOOLONG;
		buf[n++] = c;
	}
	if (s->p == s->end || *s->p != quote)
		return -EINVAL;
	s->p++;
	*ret = json_object_new_string_len(buf, (int)n);
	return *ret ? 0 : -ENOMEM;
}

/* A key (bare or quoted parts joined by dots, spaces around the dots
 * dropped) into buf. */
static int scan_key(struct toml_scan *s, char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		skip_blank(s, false);
		if (s->p < s->end && (*s->p == '"' || *s->p == '\'')) {
			_cleanup_json_ json_object *part = NULL;
			int r = scan_string(s, &part);

			if (r < 0)
				return r;
			r = path_printf(buf + n, size - n, "%s", json_object_get_string(part));
			if (r < 0)
				return r;
			n += strlen(buf + n);
		} else {
			const char *start = s->p;

			while (s->p < s->end && (isalnum((unsigned char)*s->p) || *s->p == '_' || *s->p == '-'))
				s->p++;
			if (s->p == start)
				return -EINVAL;
			if (n + (size_t)(s->p - start) + 1 > size)
				return -ENAMETOOLONG;
			memcpy(buf + n, start, (size_t)(s->p - start));
			n += (size_t)(s->p - start);
			buf[n] = '\0';
		}
		skip_blank(s, false);
		if (s->p == s->end || *s->p != '.')
			return 0;
		if (n + 2 > size)
			return -ENAMETOOLONG;
		buf[n++] = *s->p++;
		buf[n] = '\0';
	}
}

static int scan_string_array(struct toml_scan *s, json_object **ret)
{
	_cleanup_json_ json_object *dirs = json_object_new_array();

	if (!dirs)
		return -ENOMEM;
	if (s->p == s->end || *s->p != '[')
		return -EINVAL;
	s->p++;
	for (;;) {
		json_object *dir;
		int r;

		skip_blank(s, true);
		if (s->p < s->end && *s->p == ']')
			break;
		if (s->p == s->end || (*s->p != '"' && *s->p != '\''))
			return -EINVAL;
		if (json_object_array_length(dirs) >= CRIO_HOOKS_DIRS_MAX)
			return -E2BIG;
		r = scan_string(s, &dir);
		if (r < 0)
			return r;
		json_object_array_add(dirs, dir);
		skip_blank(s, true);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		else if (s->p == s->end || *s->p != ']')
			return -EINVAL;
	}
	s->p++;
	*ret = TAKE_PTR(dirs);
	return 0;
}

static void skip_line(struct toml_scan *s)
{
	while (s->p < s->end && *s->p != '\n')
		s->p++;
}

int crio_hooks_dirs_of(const char *text, size_t len, json_object **ret_dirs, struct br_error *err)
{
	struct toml_scan s = { text, text + len };
	_cleanup_json_ json_object *found = NULL;
	char table[256] = "", key[256], full[512];
	int r;

	while (s.p < s.end) {
		skip_blank(&s, true);
		if (s.p == s.end)
			break;
		if (*s.p == '[') {
			/* [[array.of.tables]] is never crio.runtime. */
			bool array = s.p + 1 < s.end && s.p[1] == '[';

			s.p += array ? 2 : 1;
			r = scan_key(&s, table, sizeof(table));
			if (r < 0 || array)
				table[0] = '\0';
			if (array)
				copy_str(table, sizeof(table), "[[");
			skip_line(&s);
			continue;
		}
		r = scan_key(&s, key, sizeof(key));
		skip_blank(&s, false);
		if (r < 0 || s.p == s.end || *s.p != '=') {
			skip_line(&s);
			continue;
		}
		s.p++;
		skip_blank(&s, false);
		if (path_printf(full, sizeof(full), "%s%s%s", table, *table ? "." : "", key) < 0 ||
		    !streq(full, "crio.runtime.hooks_dir")) {
			/* Another key. Its value's further lines, if it
			 * is a multi-line array, hold values, not "key =",
			 * and are skipped as such. */
			skip_line(&s);
			continue;
		}
		json_object_put(TAKE_PTR(found));
		r = scan_string_array(&s, &found);
		if (r < 0)
			return br_error_set(err, r, BR_STEP_CONFIGURE,
					    "CRI-O config: hooks_dir is not an array of paths (quoted, one line each)");
		skip_line(&s);
	}
	*ret_dirs = TAKE_PTR(found);
	return 0;
}

static bool dirs_have(json_object *dirs, const char *dir)
{
	size_t n = json_object_array_length(dirs);

	for (size_t i = 0; i < n; i++) {
		const char *d = json_object_get_string(json_object_array_get_idx(dirs, i));
		size_t dl = strlen(d), l = strlen(dir);

		/* "/a/b/" is "/a/b". */
		while (dl > 1 && d[dl - 1] == '/')
			dl--;
		while (l > 1 && dir[l - 1] == '/')
			l--;
		if (dl == l && memcmp(d, dir, l) == 0)
			return true;
	}
	return false;
}

int crio_dropin_text(json_object *dirs, const char *hooks_dir, char **ret_text, struct br_error *err)
{
	_cleanup_free_ char *list = NULL;
	size_t n = json_object_array_length(dirs);
	FILE *f;
	size_t size;

	*ret_text = NULL;
	if (dirs_have(dirs, hooks_dir))
		return 0;
	f = open_memstream(&list, &size);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i <= n; i++) {
		const char *d = i < n ? json_object_get_string(json_object_array_get_idx(dirs, i)) : hooks_dir;

		if (strpbrk(d, "\"\\\n")) {
			fclose(f);
			return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE,
					    "hooks_dir entry '%s': a quote, backslash or newline in a path", d);
		}
		fprintf(f, "  \"%s\",\n", d);
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	if (asprintf(ret_text,
		     "# Written by bpfreaperctl configure --runtime=crio; bpfreaperctl unconfigure\n"
		     "# removes it. A drop-in's hooks_dir replaces the whole list, so this one\n"
		     "# carries the directories CRI-O read before and adds bpfreaper's.\n"
		     "[crio.runtime]\n"
		     "hooks_dir = [\n"
		     "%s"
		     "]\n",
		     list) < 0)
		return -ENOMEM;
	return 0;
}

/* ---- files, under the node's root ---- */

/* The node path p as seen here. */
static int under_root(const struct hooksd_request *req, const char *p, char *buf, size_t size)
{
	const char *root = req->root && !streq(req->root, "/") ? req->root : "";

	return path_printf(buf, size, "%s%s", root, p);
}

/* A regular file's content (NULL: none there); never follows a symlink. */
static int read_node_file(const char *path, char **ret_text, size_t *ret_len, struct br_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	*ret_text = NULL;
	*ret_len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return br_error_errno(err, -errno, BR_STEP_CONFIGURE, path);
	if (fstat(fd, &st) < 0)
		return br_error_errno(err, -errno, BR_STEP_CONFIGURE, path);
	if (!S_ISREG(st.st_mode))
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: not a regular file", path);
	r = read_fd_limited(fd, CONFIGURE_FILE_MAX, ret_text, ret_len);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CONFIGURE, path);
	return 0;
}

static int write_node_file(const char *path, const char *text, struct br_error *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	_cleanup_close_ int dirfd = -EBADF;
	int r;

	if (!slash || slash == path)
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: not a file in a directory", path);
	r = path_printf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CONFIGURE, path);
	dirfd = open_dir_created(dir, 0755);
	if (dirfd < 0)
		return br_error_errno(err, dirfd, BR_STEP_CONFIGURE, dir);
	r = write_file_atomic(dirfd, slash + 1, text, strlen(text), 0644, true);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CONFIGURE, path);
	return 0;
}

static bool same_text(const char *a, size_t alen, const char *b)
{
	return a && b && alen == strlen(b) && memcmp(a, b, alen) == 0;
}

static int record_path_of(const struct hooksd_request *req, char *buf, size_t size)
{
	char name[64];

	snprintf(name, sizeof(name), "configured-%s.json", manager_names[req->manager]);
	return path_join(buf, size, req->state_dir ? req->state_dir : CONFIGURE_STATE_DIR_DEFAULT, name);
}

/* The record: {"manager", "hooks_dir", "files": [{"path", "written"}]},
 * node paths. NULL: none. */
static int hooksd_record_load(const struct hooksd_request *req, char *path, size_t size, json_object **ret,
			      struct br_error *err)
{
	_cleanup_free_ char *text = NULL;
	json_object *files;
	size_t len;
	int r;

	*ret = NULL;
	r = record_path_of(req, path, size);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CONFIGURE, "the state directory");
	r = read_node_file(path, &text, &len, err);
	if (r < 0 || !text)
		return r;
	r = json_parse_strict(text, len, OCI_JSON_MAX_DEPTH, ret);
	if (r < 0 || !json_object_object_get_ex(*ret, "files", &files) ||
	    !json_object_is_type(files, json_type_array)) {
		json_object_put(TAKE_PTR(*ret));
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: not a record configure wrote", path);
	}
	return 0;
}

/* What the record says configure wrote at node path p (NULL: nothing). */
static const char *recorded_text(json_object *record, const char *p)
{
	json_object *files, *v;
	size_t n;

	if (!record || !json_object_object_get_ex(record, "files", &files))
		return NULL;
	n = json_object_array_length(files);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(files, i);

		if (json_object_object_get_ex(e, "path", &v) && streq(json_object_get_string(v), p) &&
		    json_object_object_get_ex(e, "written", &v))
			return json_object_get_string(v);
	}
	return NULL;
}

/* The list CRI-O reads now: the last of crio.conf and crio.conf.d/ (in
 * its lexical order, bpfreaper's own drop-in left out) that sets
 * hooks_dir, else CRI-O's default, /usr/share/containers/oci/hooks.d
 * alone (podman reads /etc/containers/oci/hooks.d too; CRI-O does not:
 * its config sets hooks_dir to that one only). Were CRI-O to read /etc
 * as well, the drop-in would only repeat what it does. */
static int crio_current_dirs(const struct hooksd_request *req, json_object **ret, struct br_error *err)
{
	_cleanup_json_ json_object *dirs = NULL;
	struct dirent **names = NULL;
	char path[PATH_MAX], dir[PATH_MAX];
	int n, r;

	r = under_root(req, CRIO_DROPIN_DIR, dir, sizeof(dir));
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CONFIGURE, CRIO_DROPIN_DIR);
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0 && errno != ENOENT)
		return br_error_errno(err, -errno, BR_STEP_CONFIGURE, dir);
	r = 0;
	for (int i = -1; i < n && r == 0; i++) {
		_cleanup_json_ json_object *found = NULL;
		_cleanup_free_ char *text = NULL;
		size_t len;

		if (i < 0) {
			r = under_root(req, CRIO_CONFIG, path, sizeof(path));
		} else {
			size_t nl = strlen(names[i]->d_name);
			/* CRI-O reads *.conf only. */
			if (nl < 5 || !streq(names[i]->d_name + nl - 5, ".conf") ||
			    streq(names[i]->d_name, CRIO_DROPIN_NAME))
				continue;
			r = path_join(path, sizeof(path), dir, names[i]->d_name);
		}
		if (r < 0) {
			r = br_error_errno(err, r, BR_STEP_CONFIGURE, dir);
			break;
		}
		r = read_node_file(path, &text, &len, err);
		if (r < 0 || !text)
			continue;
		r = crio_hooks_dirs_of(text, len, &found, err);
		if (r < 0)
			r = br_error_set(err, r, BR_STEP_CONFIGURE, "%s: hooks_dir is not an array of paths", path);
		else if (found) {
			json_object_put(dirs);
			dirs = TAKE_PTR(found);
		}
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (r < 0)
		return r;
	if (!dirs) {
		dirs = json_object_new_array();
		if (!dirs)
			return -ENOMEM;
		json_object_array_add(dirs, json_object_new_string(HOOKSD_DIR_SHARE));
	}
	*ret = TAKE_PTR(dirs);
	return 0;
}

static int set_result_file(struct configure_file *f, const char *p, enum configure_action action, char *text)
{
	f->action = action;
	f->text = text;
	return copy_str(f->path, sizeof(f->path), p);
}

/* "dirs" of the new record: the earlier record's, and each directory a file
 * written now needs that does not exist yet (node paths, outermost first),
 * so that unconfigure takes them away again. */
static int record_dirs(const struct hooksd_request *req, json_object *record, const struct configure_result *res,
		       json_object *new_record)
{
	json_object *dirs = json_object_new_array(), *prior;

	if (!dirs)
		return -ENOMEM;
	json_object_object_add(new_record, "dirs", dirs);
	if (record && json_object_object_get_ex(record, "dirs", &prior) && json_object_is_type(prior, json_type_array))
		for (size_t i = 0; i < json_object_array_length(prior); i++)
			json_object_array_add(dirs, json_object_get(json_object_array_get_idx(prior, i)));
	for (size_t i = 0; i < res->n_files; i++) {
		char dir[PATH_MAX], real[PATH_MAX];
		size_t first = json_object_array_length(dirs);
		char *slash;

		if (res->files[i].action != CONFIGURE_WRITTEN || copy_str(dir, sizeof(dir), res->files[i].path) < 0)
			continue;
		while ((slash = strrchr(dir, '/')) && slash != dir) {
			struct stat st;

			*slash = '\0';
			/* Recorded already: so are the ones above it. */
			if (dirs_have(dirs, dir) || under_root(req, dir, real, sizeof(real)) < 0 || stat(real, &st) == 0)
				break;
			/* Outermost first: inserted before those of this file
			 * found so far. */
			json_object_array_add(dirs, NULL);
			for (size_t k = json_object_array_length(dirs) - 1; k > first; k--)
				json_object_array_put_idx(dirs, k, json_object_get(json_object_array_get_idx(dirs, k - 1)));
			json_object_array_put_idx(dirs, first, json_object_new_string(dir));
		}
	}
	return 0;
}

/* The directories configure made, innermost first; one not empty stays. */
static void remove_recorded_dirs(const struct hooksd_request *at, json_object *record)
{
	json_object *dirs;

	if (!json_object_object_get_ex(record, "dirs", &dirs) || !json_object_is_type(dirs, json_type_array))
		return;
	for (size_t i = json_object_array_length(dirs); i-- > 0;) {
		json_object *d = json_object_array_get_idx(dirs, i);
		char real[PATH_MAX];

		if (json_object_is_type(d, json_type_string) && json_object_get_string(d)[0] == '/' &&
		    under_root(at, json_object_get_string(d), real, sizeof(real)) == 0)
			(void)rmdir(real);
	}
}

int hooksd_configure(const struct hooksd_request *req, struct configure_result *ret, struct br_error *err)
{
	static const char *const stages[] = { "prestart", "poststop" };
	const char *hooks_dir = req->hooks_dir ? req->hooks_dir : HOOKSD_DIR_DEFAULT;
	_cleanup_json_ json_object *record = NULL, *new_record = NULL, *dirs = NULL;
	char want_paths[3][PATH_MAX];
	char *want[3] = {};
	json_object *files, *v;
	int r;

	*ret = (struct configure_result){ .n_files = req->manager == HOOKSD_CRIO ? 3 : 2 };
	if (hooks_dir[0] != '/')
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: not an absolute path", hooks_dir);
	r = hooksd_record_load(req, ret->record, sizeof(ret->record), &record, err);
	if (r < 0)
		return r;
	if (record && json_object_object_get_ex(record, "hooks_dir", &v) &&
	    !streq(json_object_get_string(v), hooks_dir))
		return br_error_set(err, -EEXIST, BR_STEP_CONFIGURE,
				    "configured already with hooks in %s (%s): unconfigure that first",
				    json_object_get_string(v), ret->record);

	for (size_t i = 0; i < 2; i++) {
		char name[64];

		snprintf(name, sizeof(name), "bpfreaper-%s.json", stages[i]);
		r = path_join(want_paths[i], sizeof(want_paths[i]), hooks_dir, name);
		if (r < 0) {
			r = br_error_errno(err, r, BR_STEP_CONFIGURE, hooks_dir);
			goto out;
		}
		r = hooksd_hook_text(req->hook_bin, stages[i], req->hook_env, req->n_hook_env, req->opt_in, &want[i]);
		if (r < 0) {
			r = br_error_set(err, r, BR_STEP_CONFIGURE, "the hooks' directory '%s': not an absolute path",
					 req->hook_bin);
			goto out;
		}
	}
	if (req->manager == HOOKSD_CRIO) {
		(void)path_join(want_paths[2], sizeof(want_paths[2]), CRIO_DROPIN_DIR, CRIO_DROPIN_NAME);
		r = crio_current_dirs(req, &dirs, err);
		if (r < 0)
			goto out;
		/* Without the drop-in (NULL): CRI-O reads the directory
		 * already, and a drop-in an earlier run wrote goes. */
		r = crio_dropin_text(dirs, hooks_dir, &want[2], err);
		if (r < 0)
			goto out;
	}

	for (size_t i = 0; i < ret->n_files; i++) {
		_cleanup_free_ char *now = NULL;
		const char *mine = recorded_text(record, want_paths[i]);
		char real[PATH_MAX];
		enum configure_action action = CONFIGURE_UNCHANGED;
		size_t len;

		r = under_root(req, want_paths[i], real, sizeof(real));
		if (r < 0) {
			r = br_error_errno(err, r, BR_STEP_CONFIGURE, want_paths[i]);
			goto out;
		}
		r = read_node_file(real, &now, &len, err);
		if (r < 0)
			goto out;
		if (want[i] && !same_text(now, len, want[i])) {
			/* Someone else's file (another package's, an
			 * operator's): never overwritten. */
			if (now && !same_text(now, len, mine)) {
				r = br_error_set(err, -EEXIST, BR_STEP_CONFIGURE,
						 "%s exists and bpfreaperctl configure did not write it: move it away "
						 "or merge it by hand",
						 real);
				goto out;
			}
			action = CONFIGURE_WRITTEN;
		} else if (!want[i] && now && same_text(now, len, mine)) {
			action = CONFIGURE_REMOVED;
		}
		r = set_result_file(&ret->files[i], want_paths[i], action,
				    action == CONFIGURE_WRITTEN ? TAKE_PTR(want[i]) : NULL);
		if (r < 0)
			goto out;
		ret->changed |= action != CONFIGURE_UNCHANGED;
	}
	if (req->dry_run || !ret->changed)
		goto out;

	/* The record first: after a crash below, unconfigure still knows
	 * every file this run may have written. */
	new_record = json_object_new_object();
	files = json_object_new_array();
	if (!new_record || !files) {
		json_object_put(files);
		r = -ENOMEM;
		goto out;
	}
	json_object_object_add(new_record, "manager", json_object_new_string(manager_names[req->manager]));
	json_object_object_add(new_record, "hooks_dir", json_object_new_string(hooks_dir));
	/* unconfigure without --root must not look for these files on
	 * another root, find none, and forget them. */
	json_object_object_add(new_record, "root",
			       json_object_new_string(req->root && *req->root ? req->root : "/"));
	json_object_object_add(new_record, "files", files);
	r = record_dirs(req, record, ret, new_record);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < ret->n_files; i++) {
		const char *text = ret->files[i].action == CONFIGURE_WRITTEN ? ret->files[i].text
										 : recorded_text(record, want_paths[i]);
		json_object *e;

		if (!text || ret->files[i].action == CONFIGURE_REMOVED)
			continue;
		e = json_object_new_object();
		if (!e) {
			r = -ENOMEM;
			goto out;
		}
		json_object_object_add(e, "path", json_object_new_string(want_paths[i]));
		json_object_object_add(e, "written", json_object_new_string(text));
		json_object_array_add(files, e);
	}
	r = write_node_file(ret->record, json_object_to_json_string_ext(new_record, JSON_C_TO_STRING_PRETTY), err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < ret->n_files; i++) {
		char real[PATH_MAX];

		(void)under_root(req, want_paths[i], real, sizeof(real));
		if (ret->files[i].action == CONFIGURE_WRITTEN)
			r = write_node_file(real, ret->files[i].text, err);
		else if (ret->files[i].action == CONFIGURE_REMOVED && unlink(real) < 0 && errno != ENOENT)
			r = br_error_errno(err, -errno, BR_STEP_CONFIGURE, real);
		if (r < 0)
			goto out;
	}
out:
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		free(want[i]);
	if (r < 0)
		configure_result_done(ret);
	return r;
}

int hooksd_unconfigure(const struct hooksd_request *req, struct configure_result *ret, struct br_error *err)
{
	_cleanup_json_ json_object *record = NULL;
	struct hooksd_request at = *req;
	json_object *files, *v;
	size_t n;
	int r;

	*ret = (struct configure_result){};
	r = hooksd_record_load(req, ret->record, sizeof(ret->record), &record, err);
	if (r < 0 || !record)
		return r;
	if (!at.root && json_object_object_get_ex(record, "root", &v) && json_object_is_type(v, json_type_string) &&
	    json_object_get_string(v)[0] == '/')
		at.root = json_object_get_string(v);
	(void)json_object_object_get_ex(record, "files", &files);
	n = json_object_array_length(files);
	if (n > ARRAY_SIZE(ret->files))
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: more files than configure writes",
				    ret->record);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(files, i), *p = NULL, *w = NULL;
		_cleanup_free_ char *now = NULL;
		enum configure_action action;
		char real[PATH_MAX];
		size_t len;

		if (!json_object_object_get_ex(e, "path", &p) || !json_object_is_type(p, json_type_string) ||
		    json_object_get_string(p)[0] != '/' || !json_object_object_get_ex(e, "written", &w)) {
			r = br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: not a record configure wrote",
					 ret->record);
			goto fail;
		}
		r = under_root(&at, json_object_get_string(p), real, sizeof(real));
		if (r < 0) {
			r = br_error_errno(err, r, BR_STEP_CONFIGURE, json_object_get_string(p));
			goto fail;
		}
		r = read_node_file(real, &now, &len, err);
		if (r < 0)
			goto fail;
		if (!now)
			action = CONFIGURE_UNCHANGED; /* gone already */
		else if (same_text(now, len, json_object_get_string(w)))
			action = CONFIGURE_REMOVED;
		else
			action = CONFIGURE_KEPT; /* an operator's now */
		r = set_result_file(&ret->files[i], json_object_get_string(p), action, NULL);
		if (r < 0)
			goto fail;
		ret->n_files = i + 1;
		ret->changed |= action == CONFIGURE_REMOVED;
		if (!req->dry_run && action == CONFIGURE_REMOVED && unlink(real) < 0 && errno != ENOENT) {
			r = br_error_errno(err, -errno, BR_STEP_CONFIGURE, real);
			goto fail;
		}
	}
	if (!req->dry_run)
		remove_recorded_dirs(&at, record);
	if (!req->dry_run && unlink(ret->record) < 0 && errno != ENOENT) {
		r = br_error_errno(err, -errno, BR_STEP_CONFIGURE, ret->record);
		goto fail;
	}
	return 0;
fail:
	configure_result_done(ret);
	return r;
}
