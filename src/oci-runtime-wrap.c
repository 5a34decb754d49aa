// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaper-runtime's command line, bundle edit and runtime lookup; see
 * oci-runtime-wrap.h. Nothing here prints or execs: the entry point does. */
#include "oci-runtime-wrap.h"
#include "fileio.h"
#include "oci-state.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

/* "--name", "-name" (Go's flag package takes both, runc uses it), with an
 * optional "=value". True when the name is one of names (NULL-terminated);
 * *ret_value is what follows '=', or NULL. */
static bool option_is(const char *arg, const char *const *names, const char **ret_value)
{
	const char *name, *eq;
	size_t n;

	if (arg[0] != '-')
		return false;
	name = arg + 1 + (arg[1] == '-');
	eq = strchr(name, '=');
	n = eq ? (size_t)(eq - name) : strlen(name);
	for (; *names; names++)
		if (strlen(*names) == n && strncmp(*names, name, n) == 0) {
			*ret_value = eq ? eq + 1 : NULL;
			return true;
		}
	return false;
}

/* Global options of runc and crun that take a value. Any other option
 * before the command takes none (--debug, --systemd-cgroup, ...). */
static const char *const global_valued[] = {
	"root", "log", "log-format", "log-level", "criu", "rootless", "cgroup-manager", NULL,
};
/* Options of create and run that take a value, besides the two read here. */
static const char *const command_valued[] = {
	"console-socket", "pid-file", "preserve-fds", "pidfd-socket", NULL,
};
static const char *const bundle_names[] = { "bundle", "b", NULL };
static const char *const config_names[] = { "config", "f", NULL };

void runtime_call_parse(int argc, char *const argv[], struct runtime_call *ret)
{
	struct runtime_call call = {};
	const char *value;
	int i = 1;

	while (i < argc) {
		const char *a = argv[i];

		if (streq(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;
		i += option_is(a, global_valued, &value) && !value ? 2 : 1;
	}
	if (i >= argc) {
		*ret = call;
		return;
	}
	call.command = i;
	call.adds_hooks = streq(argv[i], "create") || streq(argv[i], "run");
	/* runc (urfave/cli) and crun (argp) both accept options after the
	 * container id, so every argument is looked at, up to "--". */
	for (i++; call.adds_hooks && i < argc; i++) {
		const char *a = argv[i];
		const char **target = NULL;

		if (streq(a, "--")) {
			if (!call.id && i + 1 < argc)
				call.id = argv[i + 1];
			break;
		}
		if (a[0] != '-' || !a[1]) {
			if (!call.id)
				call.id = a;
			continue;
		}
		if (option_is(a, bundle_names, &value))
			target = &call.bundle;
		else if (option_is(a, config_names, &value))
			target = &call.config;
		else if (option_is(a, command_valued, &value)) {
			if (!value)
				i++;
			continue;
		} else if (a[1] == 'b' || a[1] == 'f') {
			/* crun's short form with the value attached: -bDIR. */
			value = a + 2;
			target = a[1] == 'b' ? &call.bundle : &call.config;
		} else {
			continue;
		}
		if (!value) {
			if (++i >= argc)
				break;
			value = argv[i];
		}
		*target = value;
	}
	*ret = call;
}

bool json_integers_exact(const char *text, size_t len)
{
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		size_t start, digits;
		bool negative;
		const char *limit;

		if (in_string) {
			if (text[i] == '\\')
				i++;
			else if (text[i] == '"')
				in_string = false;
			continue;
		}
		if (text[i] == '"') {
			in_string = true;
			continue;
		}
		if (text[i] != '-' && (text[i] < '0' || text[i] > '9'))
			continue;
		negative = text[i] == '-';
		start = i + negative;
		for (i = start; i < len && text[i] >= '0' && text[i] <= '9'; i++)
			;
		digits = i - start;
		if (i < len && (text[i] == '.' || text[i] == 'e' || text[i] == 'E')) {
			/* A double: json-c keeps its text and prints it back as is. */
			while (i < len && strchr("0123456789.eE+-", text[i]))
				i++;
			i--;
			continue;
		}
		i--;
		/* JSON has no leading zeros: the digit count orders the values. */
		limit = negative ? "9223372036854775808" : "18446744073709551615";
		if (digits > strlen(limit) || (digits == strlen(limit) && strncmp(text + start, limit, digits) > 0))
			return false;
	}
	return true;
}

static const char *file_name_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Whether a stage's array runs this hook: the same path, or a file of the
 * same name (hooks.d of podman or CRI-O put it there from elsewhere). */
static int stage_runs(json_object *hooks, const char *stage, const char *path, bool *ret_found)
{
	json_object *list;

	*ret_found = false;
	if (!json_object_object_get_ex(hooks, stage, &list) || json_object_is_type(list, json_type_null))
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *entry = json_object_array_get_idx(list, i), *p;
		const char *s;

		if (!json_object_is_type(entry, json_type_object) || !json_object_object_get_ex(entry, "path", &p) ||
		    !json_object_is_type(p, json_type_string))
			continue;
		s = json_object_get_string(p);
		if (streq(s, path) || streq(file_name_of(s), file_name_of(path))) {
			*ret_found = true;
			return 0;
		}
	}
	return 0;
}

static int append_hook(json_object *hooks, const char *stage, const char *path, const char *mode_arg,
		       const char *config_path)
{
	_cleanup_json_ json_object *entry = json_object_new_object();
	_cleanup_free_ char *config_arg = NULL;
	json_object *list, *args = json_object_new_array();

	if (!entry || !args || json_object_object_add(entry, "path", json_object_new_string(path)) < 0 ||
	    json_object_object_add(entry, "args", args) < 0) {
		json_object_put(args);
		return -ENOMEM;
	}
	if (config_path && asprintf(&config_arg, "--config=%s", config_path) < 0)
		return -ENOMEM;
	if (json_object_array_add(args, json_object_new_string(file_name_of(path))) < 0 ||
	    (mode_arg && json_object_array_add(args, json_object_new_string(mode_arg)) < 0) ||
	    (config_arg && json_object_array_add(args, json_object_new_string(config_arg)) < 0))
		return -ENOMEM;
	if (!json_object_object_get_ex(hooks, stage, &list) || json_object_is_type(list, json_type_null)) {
		list = json_object_new_array();
		if (!list || json_object_object_add(hooks, stage, list) < 0) {
			json_object_put(list);
			return -ENOMEM;
		}
	}
	if (json_object_array_add(list, entry) < 0)
		return -ENOMEM;
	entry = NULL; /* the list holds it now */
	return 0;
}

/* createRuntime is in the runtime spec from 1.0.2 on (prestart, the same
 * moment for bpfreaper, is deprecated there). "1.0.2-dev", which Docker and
 * containerd write, counts as 1.0.2: their runtimes know the stage. */
static bool spec_has_create_runtime(json_object *root)
{
	unsigned long part[3];
	const char *p;
	json_object *v;

	if (!json_object_object_get_ex(root, "ociVersion", &v) || !json_object_is_type(v, json_type_string))
		return false;
	p = json_object_get_string(v);
	for (size_t i = 0; i < ARRAY_SIZE(part); i++) {
		char *end;

		if (*p < '0' || *p > '9')
			return false;
		part[i] = strtoul(p, &end, 10);
		if (i < 2 && *end != '.')
			return false;
		p = end + 1;
	}
	return part[0] > 1 || (part[0] == 1 && (part[1] > 0 || part[2] >= 2));
}

/* What is wrong with the bundle's config, in the caller's error. */
static int bundle_error(struct br_error *err, int code, const char *why)
{
	/* code itself, not what br_error_set returns: the analyzer cannot
	 * see that it is the same. */
	(void)br_error_set(err, code, BR_STEP_BUNDLE, "%s", why);
	return code;
}

int bundle_config_add_hooks(const char *text, size_t len, const struct runtime_hooks *hooks, char **ret_text,
			    struct br_error *err)
{
	static const char *const pre_stages[] = { "prestart", "createRuntime", "createContainer", "startContainer" };
	static const char stage_wrong_type[] = "\"hooks\" or one of its stages has the wrong type";
	_cleanup_json_ json_object *root = NULL;
	json_object *h;
	bool has_pre = false, has_post = false, found;
	const char *out;
	int r;

	r = json_parse_strict(text, len, OCI_JSON_MAX_DEPTH, &root);
	if (r < 0)
		return bundle_error(err, r, "not valid JSON");
	if (!json_object_is_type(root, json_type_object))
		return bundle_error(err, -EINVAL, "not a JSON object");
	if (!json_integers_exact(text, len))
		return bundle_error(err, -ERANGE,
				    "an integer is outside the 64-bit range and could not be written back exactly");
	if (!json_object_object_get_ex(root, "hooks", &h) || json_object_is_type(h, json_type_null)) {
		h = json_object_new_object();
		if (!h || json_object_object_add(root, "hooks", h) < 0) {
			json_object_put(h);
			return bundle_error(err, -ENOMEM, "cannot add the hooks");
		}
	}
	if (!json_object_is_type(h, json_type_object))
		return bundle_error(err, -EINVAL, stage_wrong_type);
	for (size_t i = 0; i < ARRAY_SIZE(pre_stages); i++) {
		r = stage_runs(h, pre_stages[i], hooks->prestart, &found);
		if (r < 0)
			return bundle_error(err, r, stage_wrong_type);
		has_pre |= found;
	}
	r = stage_runs(h, "poststop", hooks->poststop, &has_post);
	if (r < 0)
		return bundle_error(err, r, stage_wrong_type);
	if (has_pre && has_post) {
		*ret_text = NULL;
		return 0;
	}
	/* Report mode unless the host config or an annotation says otherwise,
	 * as for podman's hooks.d files: the wrapper runs for every container
	 * of a container manager, and installing it must remove nothing yet. */
	if (!has_pre) {
		r = append_hook(h, spec_has_create_runtime(root) ? "createRuntime" : "prestart", hooks->prestart,
				"--default-mode=report", hooks->config_path);
		if (r < 0)
			return bundle_error(err, r, "cannot add the hooks");
	}
	if (!has_post) {
		r = append_hook(h, "poststop", hooks->poststop, NULL, hooks->config_path);
		if (r < 0)
			return bundle_error(err, r, "cannot add the hooks");
	}
	out = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!out)
		return bundle_error(err, -ENOMEM, "cannot add the hooks");
	*ret_text = strdup(out);
	return *ret_text ? 0 : bundle_error(err, -ENOMEM, "cannot add the hooks");
}

int bundle_add_hooks(int dirfd, const char *name, const struct runtime_hooks *hooks, bool *ret_edited,
		     struct br_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *text = NULL, *edited = NULL;
	struct stat st;
	size_t len;
	int r;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return bundle_error(err, -errno, "cannot open");
	if (fstat(fd, &st) < 0)
		return bundle_error(err, -errno, "cannot read");
	if (!S_ISREG(st.st_mode))
		return bundle_error(err, -EBADFD, "not a regular file");
	r = read_fd_limited(fd, BUNDLE_CONFIG_MAX_BYTES, &text, &len);
	if (r < 0)
		return bundle_error(err, r, r == -EFBIG ? "larger than " BUNDLE_CONFIG_MAX_TEXT : "cannot read");
	r = bundle_config_add_hooks(text, len, hooks, &edited, err);
	if (r < 0)
		return r;
	if (!edited) {
		*ret_edited = false;
		return 0;
	}
	/* Not durable: bundles live under /run on container hosts, and a
	 * crash loses the container with its bundle anyway. */
	r = write_file_atomic_owned(dirfd, name, edited, strlen(edited), (int)(st.st_mode & 07777), st.st_uid,
				    st.st_gid, false);
	if (r < 0)
		return bundle_error(err, r, "cannot replace");
	*ret_edited = true;
	return 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int executable_at(const char *path, const struct stat *self, bool *ret_self)
{
	struct stat st;

	*ret_self = false;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (access(path, X_OK) < 0)
		return -errno;
	*ret_self = self && same_file(&st, self);
	return 0;
}

int runtime_resolve(const char *runtime, const char *path_env, const char *self_exe, char **ret_path)
{
	_cleanup_free_ char *dirs = NULL;
	struct stat self_st, *self = NULL;
	char *dir, *save = NULL;
	bool found_self = false, is_self;

	if (self_exe && stat(self_exe, &self_st) == 0)
		self = &self_st;
	if (strchr(runtime, '/')) {
		int r;

		if (runtime[0] != '/')
			return -EINVAL;
		r = executable_at(runtime, self, &is_self);
		if (r < 0)
			return r;
		if (is_self)
			return -ELOOP;
		*ret_path = strdup(runtime);
		return *ret_path ? 0 : -ENOMEM;
	}
	dirs = strdup(path_env && *path_env ? path_env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (!dirs)
		return -ENOMEM;
	/* Relative PATH entries are skipped: they would name a file in the
	 * bundle, which the container's image controls. */
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *path = NULL;

		if (dir[0] != '/')
			continue;
		if (asprintf(&path, "%s/%s", dir, runtime) < 0)
			return -ENOMEM;
		if (executable_at(path, self, &is_self) < 0)
			continue;
		if (is_self) {
			found_self = true;
			continue;
		}
		*ret_path = TAKE_PTR(path);
		return 0;
	}
	return found_self ? -ELOOP : -ENOENT;
}
