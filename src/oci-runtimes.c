// SPDX-License-Identifier: LGPL-2.1-or-later
/* Container manager probes; see oci-runtimes.h. Reads files beneath a root
 * directory and never changes one. */
#include "oci-runtimes.h"
#include "enumtab.h"
#include "fileio.h"
#include "input-limits.h"
#include "managers.h"
#include "oci-state.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>

#define HOOKSD_FILES_MAX 512
#define CONTAINERD_FILES_MAX 64
#define PROC_SCAN_MAX 65536

static const char *const manager_names[_MANAGER_MAX] = {
	[MANAGER_DOCKER] = "docker",
	[MANAGER_CONTAINERD] = "containerd",
	[MANAGER_CRIO] = "cri-o",
	[MANAGER_PODMAN] = "podman",
};

const char *manager_name(enum manager m)
{
	return ENUM_NAME(manager_names, m, "?");
}

/* Copies src, cut to fit: these strings are for people to read. */
static void set_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool has_file_name(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');

	return streq(slash ? slash + 1 : path, name);
}

/* The text of a config file, NULL with *ret_err set if it cannot be read.
 * It may be a symlink (NixOS, config management): followed, unlike
 * read_file_limited. */
static char *read_config(const char *path, int *ret_err)
{
	_cleanup_close_ int fd = -EBADF;
	char *text = NULL;
	struct stat st;
	size_t len;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0)
		r = negative_errno();
	else if (!S_ISREG(st.st_mode))
		r = -EBADFD;
	else
		r = read_fd_limited(fd, CONFIGURE_FILE_MAX, &text, &len);
	*ret_err = r;
	return r < 0 ? NULL : text;
}

static bool is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* A process whose comm is name under root/proc: its pid, else 0. */
static int find_process(const char *root, const char *name)
{
	_cleanup_closedir_ DIR *d = NULL;
	char proc[PATH_MAX];
	struct dirent *de;
	int seen = 0;

	if (path_below(root, "/proc", proc, sizeof(proc)) < 0)
		return 0;
	d = opendir(proc);
	if (!d)
		return 0;
	while ((de = readdir(d)) && seen++ < PROC_SCAN_MAX) {
		_cleanup_free_ char *comm = NULL;
		char path[PATH_MAX + 300];
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		size_t len;

		if (*end || pid <= 0 || pid > INT_MAX)
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", proc, de->d_name);
		if (read_file_limited(AT_FDCWD, path, PROC_COMM_MAX_BYTES, &comm, &len) < 0)
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		if (streq(comm, name))
			return (int)pid;
	}
	return 0;
}

static void find_presence(const char *root, const char *path_list, const char *binary,
			  const char *const *sockets, struct manager_status *st)
{
	char bin[PATH_MAX];
	int pid;

	if (manager_find_binary(root, path_list, binary, bin)) {
		st->present = true;
		snprintf(st->found, sizeof(st->found), "%s", bin);
	}
	for (size_t i = 0; sockets && sockets[i]; i++) {
		char full[PATH_MAX];

		if (path_below(root, sockets[i], full, sizeof(full)) == 0 && is_socket(full)) {
			size_t l = strlen(st->found);

			snprintf(st->found + l, sizeof(st->found) - l, "%s%s", l ? ", " : "", sockets[i]);
			st->present = true;
			return;
		}
	}
	/* A daemon without its usual socket (a private one): its process. */
	pid = sockets ? find_process(root, binary) : 0;
	if (pid > 0) {
		size_t l = strlen(st->found);

		snprintf(st->found + l, sizeof(st->found) - l, "%sprocess %d", l ? ", " : "", pid);
		st->present = true;
	}
}

/* Docker: a daemon.json runtime whose path is the wrapper. */
static void probe_docker(const char *root, struct manager_status *st)
{
	static const char rel[] = "/etc/docker/daemon.json";
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_object *cfg = NULL;
	json_object *runtimes, *def;
	char full[PATH_MAX];
	const char *def_name = NULL;
	int r;

	if (path_below(root, rel, full, sizeof(full)) < 0)
		return;
	text = read_config(full, &r);
	if (!text && r == -ENOENT)
		return;
	if (!text || json_parse_strict(text, strlen(text), 32, &cfg) < 0 ||
	    !json_object_is_type(cfg, json_type_object)) {
		snprintf(st->detail, sizeof(st->detail), "%s: %s", rel, !text ? strerror(-r) : "not a JSON object");
		return;
	}
	if (json_object_object_get_ex(cfg, "default-runtime", &def) && json_object_is_type(def, json_type_string))
		def_name = json_object_get_string(def);
	if (!json_object_object_get_ex(cfg, "runtimes", &runtimes) ||
	    !json_object_is_type(runtimes, json_type_object))
		return;
	json_object_object_foreach(runtimes, name, rt) {
		json_object *path;

		if (!json_object_is_type(rt, json_type_object) || !json_object_object_get_ex(rt, "path", &path) ||
		    !json_object_is_type(path, json_type_string) ||
		    !has_file_name(json_object_get_string(path), WRAPPER_NAME))
			continue;
		st->wired = true;
		set_str(st->wired_by, sizeof(st->wired_by), rel);
		if (def_name && streq(def_name, name))
			snprintf(st->detail, sizeof(st->detail), "runtime %s, the default", name);
		else
			snprintf(st->detail, sizeof(st->detail), "runtime %s (containers ask for it: --runtime=%s)",
				 name, name);
		return;
	}
}

/* TOML, the part containerd's config needs: [table] headers, key = value
 * with string or array-of-string values (arrays may span lines), comments. */

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* The strings ('literal' or "basic", \" and \\ unescaped) in value (no
 * comments left in it), each passed to fn until it returns false. */
static void for_each_string(const char *value, bool (*fn)(const char *s, void *userdata), void *userdata)
{
	const char *p = value;

	while (*p) {
		char buf[PATH_MAX];
		size_t n = 0;
		char q = *p;

		if (q != '"' && q != '\'') {
			p++;
			continue;
		}
		for (p++; *p && *p != q; p++) {
			if (q == '"' && *p == '\\' && p[1])
				p++;
			if (n + 1 < sizeof(buf))
				buf[n++] = *p;
		}
		buf[n] = '\0';
		if (*p)
			p++;
		if (!fn(buf, userdata))
			return;
	}
}

static bool take_first(const char *s, void *userdata)
{
	snprintf(userdata, PATH_MAX, "%s", s);
	return false;
}

static bool add_import(const char *s, void *userdata)
{
	struct containerd_toml *acc = userdata;

	if (acc->n_imports < CONTAINERD_IMPORTS_MAX)
		snprintf(acc->imports[acc->n_imports++], PATH_MAX, "%s", s);
	return true;
}

static bool passes_bpfreaper(const char *s, void *userdata)
{
	bool *found = userdata;

	/* containerd matches pod_annotations as globs: "*" passes all. */
	if (streq(s, "*") || strncmp(s, "io.bpfreaper.", strlen("io.bpfreaper.")) == 0 || streq(s, "io.bpfreaper*")) {
		*found = true;
		return false;
	}
	return true;
}

/* NAME of a table plugins.<cri>.containerd.runtimes.NAME[.options], else
 * false. NAME may be quoted. */
static bool runtime_of_table(const char *table, char *ret, size_t size)
{
	const char *p = strstr(table, "runtimes.");
	size_t n = 0;

	if (!p)
		return false;
	p += strlen("runtimes.");
	if (*p == '"' || *p == '\'') {
		char q = *p++;

		while (p[n] && p[n] != q)
			n++;
	} else {
		while (p[n] && p[n] != '.')
			n++;
	}
	if (n == 0 || n >= size)
		return false;
	memcpy(ret, p, n);
	ret[n] = '\0';
	return true;
}

const struct containerd_runtime *containerd_runtime_find(const struct containerd_toml *t, const char *name)
{
	for (size_t i = 0; i < t->n_runtimes; i++)
		if (streq(t->runtimes[i].name, name))
			return &t->runtimes[i];
	return NULL;
}

/* The runtime called name in t, added if new; NULL when t is full. */
static struct containerd_runtime *runtime_slot(struct containerd_toml *t, const char *name)
{
	struct containerd_runtime *rt = (struct containerd_runtime *)containerd_runtime_find(t, name);

	if (rt || t->n_runtimes >= CONTAINERD_RUNTIMES_MAX)
		return rt;
	rt = &t->runtimes[t->n_runtimes++];
	set_str(rt->name, sizeof(rt->name), name);
	return rt;
}

static void containerd_entry(const char *table, const char *key, const char *value, void *userdata)
{
	struct containerd_toml *acc = userdata;
	struct containerd_runtime *rt;
	char runtime[128], s[PATH_MAX] = "";
	bool annotated = false;

	if (!*table && streq(key, "imports")) {
		for_each_string(value, add_import, acc);
		return;
	}
	if (streq(key, "default_runtime_name")) {
		for_each_string(value, take_first, s);
		set_str(acc->default_runtime, sizeof(acc->default_runtime), s);
		return;
	}
	if (!runtime_of_table(table, runtime, sizeof(runtime)))
		return;
	if (streq(key, "BinaryName") && (rt = runtime_slot(acc, runtime))) {
		for_each_string(value, take_first, s);
		set_str(rt->binary, sizeof(rt->binary), s);
	} else if (streq(key, "pod_annotations") && (rt = runtime_slot(acc, runtime))) {
		for_each_string(value, passes_bpfreaper, &annotated);
		rt->annotations_set = true;
		rt->annotated = annotated;
	}
}

/* Where the comment of the line [p, end) starts: the first '#' outside a
 * string, else end. */
static const char *comment_start(const char *p, const char *end)
{
	char q = 0;

	for (; p < end; p++) {
		if (q == '"' && *p == '\\' && p + 1 < end)
			p++;
		else if (q && *p == q)
			q = 0;
		else if (!q && (*p == '"' || *p == '\''))
			q = *p;
		else if (!q && *p == '#')
			return p;
	}
	return end;
}

/* Copies [start, end) without spaces at either end and without quotes
 * around a quoted key. */
static void trimmed(const char *start, const char *end, char *ret, size_t size)
{
	size_t n;

	start = skip_space(start);
	n = (size_t)(end - start);
	while (n > 0 && isspace((unsigned char)start[n - 1]))
		n--;
	if (n >= 2 && (start[0] == '"' || start[0] == '\'') && start[n - 1] == start[0]) {
		start++;
		n -= 2;
	}
	if (n >= size)
		n = size - 1;
	memcpy(ret, start, n);
	ret[n] = '\0';
}

/* Calls entry(table, key, value, userdata) for each key = value of text. */
static void toml_scan(const char *text, void (*entry)(const char *table, const char *key, const char *value, void *userdata),
		      void *userdata)
{
	char table[512] = "", value[4096];
	const char *p = text;

	while (*p) {
		const char *line = skip_space(p), *eol = strchr(p, '\n'), *eq;
		char key[128];
		size_t vl = 0;

		if (!eol)
			eol = p + strlen(p);
		p = *eol ? eol + 1 : eol;
		if (line >= eol || *line == '#')
			continue;
		if (*line == '[') {
			const char *close = eol;

			while (close > line && *close != ']')
				close--;
			while (*line == '[')
				line++;
			while (close > line && close[-1] == ']')
				close--;
			trimmed(line, close, table, sizeof(table));
			continue;
		}
		eq = memchr(line, '=', (size_t)(eol - line));
		if (!eq)
			continue;
		trimmed(line, eq, key, sizeof(key));
		/* The value, and for an array the lines up to its ']'. */
		for (const char *v = skip_space(eq + 1), *vend = eol;;) {
			size_t n = (size_t)(comment_start(v, vend) - v);

			if (n >= sizeof(value) - vl - 1)
				n = sizeof(value) - vl - 1;
			memcpy(value + vl, v, n);
			vl += n;
			value[vl] = '\0';
			if (value[0] != '[' || strchr(value, ']') || !*p || vl + 1 >= sizeof(value))
				break;
			v = p;
			vend = strchr(p, '\n');
			if (!vend)
				vend = p + strlen(p);
			p = *vend ? vend + 1 : vend;
		}
		entry(table, key, value, userdata);
	}
}

void containerd_toml_scan(const char *text, struct containerd_toml *acc)
{
	toml_scan(text, containerd_entry, acc);
}

static void scan_containerd_file(const char *root, const char *rel, struct containerd_toml *acc, int *files,
				 struct manager_status *st);

/* Every file matching the glob rel_pattern (absolute, below root), in glob order,
 * which is the order containerd merges them in. */
static void scan_containerd_glob(const char *root, const char *rel_pattern, struct containerd_toml *acc,
				 int *files, struct manager_status *st)
{
	char pattern[PATH_MAX];
	glob_t g = {};

	if (path_below(root, rel_pattern, pattern, sizeof(pattern)) < 0)
		return;
	if (glob(pattern, 0, NULL, &g) == 0) {
		size_t rl = strlen(pattern) - strlen(rel_pattern);

		for (size_t k = 0; k < g.gl_pathc; k++)
			scan_containerd_file(root, g.gl_pathv[k] + rl, acc, files, st);
	}
	globfree(&g);
}

/* Scans the file at rel (below root) and, recursively, what it imports;
 * files counts the files read (imports may loop). */
static void scan_containerd_file(const char *root, const char *rel, struct containerd_toml *acc, int *files,
				 struct manager_status *st)
{
	_cleanup_free_ char *text = NULL;
	/* On the heap: imports nest, and each level's is 64 KiB. */
	_cleanup_free_ struct containerd_toml *own = NULL;
	char full[PATH_MAX], dir[PATH_MAX];
	int r;

	if (++*files > CONTAINERD_FILES_MAX || path_below(root, rel, full, sizeof(full)) < 0)
		return;
	text = read_config(full, &r);
	if (!text) {
		if (r != -ENOENT)
			snprintf(st->detail, sizeof(st->detail), "%s: %s", rel, strerror(-r));
		return;
	}
	own = calloc(1, sizeof(*own));
	if (!own) {
		set_str(st->detail, sizeof(st->detail), "out of memory");
		return;
	}
	containerd_toml_scan(text, own);
	/* What this file sets overrides what earlier files did. */
	for (size_t i = 0; i < own->n_runtimes; i++) {
		const struct containerd_runtime *mine = &own->runtimes[i];
		struct containerd_runtime *rt = runtime_slot(acc, mine->name);

		if (!rt)
			continue;
		if (*mine->binary) {
			set_str(rt->binary, sizeof(rt->binary), mine->binary);
			set_str(rt->from, sizeof(rt->from), rel);
		}
		if (mine->annotations_set) {
			rt->annotations_set = true;
			rt->annotated = mine->annotated;
		}
	}
	if (*own->default_runtime)
		set_str(acc->default_runtime, sizeof(acc->default_runtime), own->default_runtime);
	/* A relative import is relative to the importing file's directory. */
	set_str(dir, sizeof(dir), rel);
	if (strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	for (size_t i = 0; i < own->n_imports; i++) {
		char imp[PATH_MAX];
		bool abs = own->imports[i][0] == '/';

		if (snprintf(imp, sizeof(imp), "%s%s%s", abs ? "" : dir, abs ? "" : "/", own->imports[i]) <
		    (int)sizeof(imp))
			scan_containerd_glob(root, imp, acc, files, st);
	}
}

/* What containerd itself runs: `containerd config dump` by the host's own
 * containerd (chrooted into root when it is not "/", so that absolute
 * imports resolve in that root). It knows every TOML form (dotted keys,
 * inline tables) and its own version's merge rules. NULL when it cannot
 * run (not installed, no CAP_SYS_CHROOT, another architecture's binary):
 * the scan of the files stands in. *ret_refused: it ran and refused the
 * config, so containerd would not start. */
static char *containerd_dump(const char *root, const char *path_list, const char *main_rel, bool *ret_refused)
{
	struct br_error err = BR_ERROR_INIT;
	char bin[PATH_MAX], full[PATH_MAX];
	char *dump = NULL;
	bool has_main = path_below(root, main_rel, full, sizeof(full)) == 0 && access(full, F_OK) == 0;
	int r;

	*ret_refused = false;
	/* Without a main config containerd 2.2 and later import conf.d by
	 * default, which a dump with no config does not: scan instead. */
	if (!has_main || !manager_find_binary(root, path_list, "containerd", bin))
		return NULL;
	r = containerd_config_dump(root, bin, main_rel, &dump, &err);
	*ret_refused = r == -EINVAL;
	if (r == 0 && containerd_dump_version(dump) < 0) {
		free(dump);
		return NULL;
	}
	return r < 0 ? NULL : dump;
}

/* containerd: the main config, or what it imports, names the wrapper as a
 * CRI runtime's BinaryName. Without a main config, containerd 2.2 and
 * later import the .toml files of /etc/containerd/conf.d by default. */
static void probe_containerd(const char *root, const char *path_list, struct manager_status *st)
{
	_cleanup_free_ struct containerd_toml *acc = NULL;
	_cleanup_free_ char *dump = NULL;
	const struct containerd_runtime *wired = NULL;
	char full[PATH_MAX];
	int files = 0;
	const char *main_rel = "/etc/containerd/config.toml";
	const char *def;
	bool refused;

	if (path_below(root, main_rel, full, sizeof(full)) < 0)
		return;
	acc = calloc(1, sizeof(*acc));
	if (!acc) {
		set_str(st->detail, sizeof(st->detail), "out of memory");
		return;
	}
	dump = containerd_dump(root, path_list, main_rel, &refused);
	if (refused) {
		snprintf(st->detail, sizeof(st->detail),
			 "containerd config dump fails on %s: containerd would not start with it", main_rel);
		return;
	}
	if (dump) {
		/* One merged file: every runtime is set "by" the main config. */
		containerd_toml_scan(dump, acc);
		for (size_t i = 0; i < acc->n_runtimes; i++)
			snprintf(acc->runtimes[i].from, sizeof(acc->runtimes[i].from), "%s", main_rel);
	} else if (access(full, F_OK) == 0) {
		scan_containerd_file(root, main_rel, acc, &files, st);
	} else {
		scan_containerd_glob(root, "/etc/containerd/conf.d/*.toml", acc, &files, st);
	}
	def = *acc->default_runtime ? acc->default_runtime : "runc";
	/* The default runtime first: it is the one every pod gets. */
	for (size_t i = 0; i < acc->n_runtimes; i++) {
		const struct containerd_runtime *rt = &acc->runtimes[i];

		if (has_file_name(rt->binary, WRAPPER_NAME) && (!wired || streq(rt->name, def)))
			wired = rt;
	}
	if (!wired)
		return;
	st->wired = true;
	set_str(st->wired_by, sizeof(st->wired_by), wired->from);
	if (streq(wired->name, def))
		snprintf(st->detail, sizeof(st->detail), "runtime %s (the CRI default), BinaryName %.160s",
			 wired->name, wired->binary);
	else
		snprintf(st->detail, sizeof(st->detail), "runtime %s (pods ask for it with a RuntimeClass), BinaryName %.160s",
			 wired->name, wired->binary);
	if (!wired->annotated) {
		size_t l = strlen(st->detail);

		st->incomplete = true;
		snprintf(st->detail + l, sizeof(st->detail) - l,
			 "; its pod_annotations lack \"io.bpfreaper.*\": pod annotations do not reach the hooks");
	}
}

/* One hooks.d file: does it run name at a stage the runtime runs before
 * (prestart, createRuntime) or after (poststop) the container? */
static bool hooksd_runs(json_object *hook, const char *name, bool poststop)
{
	json_object *h, *path, *stages;

	if (!json_object_object_get_ex(hook, "hook", &h) || !json_object_object_get_ex(h, "path", &path) ||
	    !json_object_is_type(path, json_type_string) || !has_file_name(json_object_get_string(path), name) ||
	    !json_object_object_get_ex(hook, "stages", &stages) || !json_object_is_type(stages, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(stages); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(stages, i));

		if (s && (poststop ? streq(s, "poststop") : streq(s, "prestart") || streq(s, "createRuntime")))
			return true;
	}
	return false;
}

/* CRI-O and podman: a hooks.d file in a directory they read that runs the
 * prestart hook, and one that runs poststop. dirs come most preferred
 * first: a file there masks one of the same name in a later directory
 * (containers/common), so a masked one does not count. */
static void probe_hooksd(const char *root, const char *const *dirs, size_t n_dirs, struct manager_status *st)
{
	char prestart_by[PATH_MAX] = "", poststop_by[PATH_MAX] = "", missing[PATH_MAX] = "";
	int files = 0;

	for (size_t i = 0; i < n_dirs; i++) {
		_cleanup_closedir_ DIR *d = NULL;
		char full[PATH_MAX];
		struct dirent *de;

		if (path_below(root, dirs[i], full, sizeof(full)) < 0)
			continue;
		d = opendir(full);
		if (!d)
			continue;
		while ((de = readdir(d)) && files++ < HOOKSD_FILES_MAX) {
			_cleanup_free_ char *text = NULL;
			_cleanup_json_ json_object *hook = NULL;
			char path[PATH_MAX + 300], rel[PATH_MAX + 300];
			size_t nl = strlen(de->d_name);
			json_object *h, *target;
			bool pre, post, masked = false;
			int r;

			if (nl < 6 || !streq(de->d_name + nl - 5, ".json"))
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", dirs[i], de->d_name);
			snprintf(path, sizeof(path), "%s/%s", full, de->d_name);
			for (size_t j = 0; j < i && !masked; j++) {
				char other[PATH_MAX + 300], full_other[PATH_MAX];

				snprintf(other, sizeof(other), "%s/%s", dirs[j], de->d_name);
				masked = path_below(root, other, full_other, sizeof(full_other)) == 0 &&
					 access(full_other, F_OK) == 0;
			}
			if (masked)
				continue;
			text = read_config(path, &r);
			if (!text || json_parse_strict(text, strlen(text), 16, &hook) < 0 ||
			    !json_object_is_type(hook, json_type_object))
				continue;
			pre = hooksd_runs(hook, PRESTART_NAME, false);
			post = hooksd_runs(hook, POSTSTOP_NAME, true);
			if (!pre && !post)
				continue;
			/* A file naming a hook that is not there fails every
			 * container (podman: "no such file"). */
			if (json_object_object_get_ex(hook, "hook", &h) && json_object_object_get_ex(h, "path", &target)) {
				char bin[PATH_MAX];

				if (path_below(root, json_object_get_string(target), bin, sizeof(bin)) < 0 ||
				    !path_is_executable(bin)) {
					snprintf(missing, sizeof(missing), "%.200s names %.200s, which is not an executable file",
						 rel, json_object_get_string(target));
					continue;
				}
			}
			if (pre && !*prestart_by)
				set_str(prestart_by, sizeof(prestart_by), rel);
			if (post && !*poststop_by)
				set_str(poststop_by, sizeof(poststop_by), rel);
		}
	}
	if (*prestart_by) {
		st->wired = true;
		set_str(st->wired_by, sizeof(st->wired_by), prestart_by);
		if (*poststop_by) {
			snprintf(st->detail, sizeof(st->detail), "poststop in %.400s", poststop_by);
		} else {
			st->incomplete = true;
			snprintf(st->detail, sizeof(st->detail), "no hooks.d file runs %s: nothing is removed",
				 POSTSTOP_NAME);
		}
	} else if (*missing) {
		set_str(st->detail, sizeof(st->detail), missing);
	}
}

#define HOOKSD_DIRS_MAX 8
struct hooks_dirs {
	size_t n;
	char v[HOOKSD_DIRS_MAX][PATH_MAX];
};

static bool add_hooks_dir(const char *s, void *userdata)
{
	struct hooks_dirs *d = userdata;

	if (d->n < HOOKSD_DIRS_MAX)
		set_str(d->v[d->n++], PATH_MAX, s);
	return true;
}

static void crio_entry(const char *table, const char *key, const char *value, void *userdata)
{
	/* Each file's hooks_dir replaces the one before. */
	if (streq(table, "crio.runtime") && streq(key, "hooks_dir")) {
		((struct hooks_dirs *)userdata)->n = 0;
		for_each_string(value, add_hooks_dir, userdata);
	}
}

/* CRI-O's hooks_dir: /etc/crio/crio.conf, then the crio.conf.d drop-ins in
 * order, the last one that sets it wins; else CRI-O's default, which is
 * /usr/share/containers/oci/hooks.d alone (not /etc as for podman). */
static void crio_hooks_dirs(const char *root, struct hooks_dirs *ret)
{
	char pattern[PATH_MAX], main_conf[PATH_MAX];
	glob_t g = {};
	int r;

	ret->n = 1;
	set_str(ret->v[0], PATH_MAX, "/usr/share/containers/oci/hooks.d");
	if (path_below(root, "/etc/crio/crio.conf", main_conf, sizeof(main_conf)) == 0) {
		_cleanup_free_ char *text = read_config(main_conf, &r);

		if (text)
			toml_scan(text, crio_entry, ret);
	}
	if (path_below(root, "/etc/crio/crio.conf.d/*.conf", pattern, sizeof(pattern)) == 0 &&
	    glob(pattern, 0, NULL, &g) == 0) {
		for (size_t k = 0; k < g.gl_pathc; k++) {
			_cleanup_free_ char *text = read_config(g.gl_pathv[k], &r);

			if (text)
				toml_scan(text, crio_entry, ret);
		}
	}
	globfree(&g);
}

int manager_probe(const char *root, const char *path_list, enum manager m, struct manager_status *ret)
{
	static const char *const docker_sockets[] = { "/run/docker.sock", "/var/run/docker.sock", NULL };
	static const char *const containerd_sockets[] = { "/run/containerd/containerd.sock",
							  "/var/run/containerd/containerd.sock", NULL };
	static const char *const crio_sockets[] = { "/run/crio/crio.sock", "/var/run/crio/crio.sock", NULL };
	struct manager_status st = {};
	char probe[PATH_MAX];

	if (path_below(root, "/", probe, sizeof(probe)) < 0 || strlen(root) > PATH_MAX / 2)
		return -ENAMETOOLONG;
	if (!path_list)
		path_list = MANAGER_DEFAULT_PATH;
	switch (m) {
	case MANAGER_DOCKER:
		find_presence(root, path_list, "dockerd", docker_sockets, &st);
		probe_docker(root, &st);
		break;
	case MANAGER_CONTAINERD:
		find_presence(root, path_list, "containerd", containerd_sockets, &st);
		probe_containerd(root, path_list, &st);
		break;
	case MANAGER_CRIO: {
		struct hooks_dirs dirs;
		const char *by_preference[HOOKSD_DIRS_MAX];

		find_presence(root, path_list, "crio", crio_sockets, &st);
		crio_hooks_dirs(root, &dirs);
		/* CRI-O lists them least preferred first. */
		for (size_t i = 0; i < dirs.n; i++)
			by_preference[i] = dirs.v[dirs.n - 1 - i];
		probe_hooksd(root, by_preference, dirs.n, &st);
		break;
	}
	case MANAGER_PODMAN: {
		static const char *const dirs[] = { "/etc/containers/oci/hooks.d", "/usr/share/containers/oci/hooks.d" };

		/* No daemon: the binary is all there is to find. */
		find_presence(root, path_list, "podman", NULL, &st);
		probe_hooksd(root, dirs, ARRAY_SIZE(dirs), &st);
		break;
	}
	default:
		return -EINVAL;
	}
	*ret = st;
	return 0;
}
