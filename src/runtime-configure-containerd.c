// SPDX-License-Identifier: LGPL-2.1-or-later
/* configure/unconfigure for containerd; see runtime-configure.h. What
 * containerd runs is read from `containerd config dump`, never from its
 * files by hand; the only TOML written by hand is a drop-in and one
 * "imports" entry. Nothing here prints. */
#include "runtime-configure-containerd.h"
#include "fileio.h"
#include "managers.h"
#include "oci-state.h"
#include "util.h"

#include <fnmatch.h>
#include <stdio.h>

#define RECORD_NAME "configured-containerd.json"
/* What the hooks read from a pod's annotations (policy per pod). */
#define POD_ANNOTATIONS_BPFREAPER "io.bpfreaper.*"

/* The CRI plugin that holds the runtimes, per config version. */
static const char *cri_plugin(int version)
{
	return version == 3 ? "plugins.\"io.containerd.cri.v1.runtime\"" : "plugins.\"io.containerd.grpc.v1.cri\"";
}

/* ---- reading the dump: go-toml's canonical output, one table header or
 * one key per line, nested tables indented ---- */

struct toml_line {
	const char *start, *end; /* without the newline */
	bool header;             /* [table] or [[array of tables]] */
	char name[512];          /* the header's table name, trimmed */
};

/* The next line at *p; false at the end. Lines inside a multi-line string
 * are never headers. */
static bool next_line(const char **p, bool *in_multiline, struct toml_line *ret)
{
	const char *s = *p, *t;

	if (!*s)
		return false;
	ret->start = s;
	ret->end = strchrnul(s, '\n');
	*p = *ret->end ? ret->end + 1 : ret->end;
	ret->header = false;
	ret->name[0] = '\0';
	t = s;
	while (t < ret->end && (*t == ' ' || *t == '\t'))
		t++;
	if (!*in_multiline && t < ret->end && *t == '[') {
		const char *close = ret->end;
		size_t n;

		while (close > t && close[-1] != ']')
			close--;
		while (t < close && *t == '[')
			t++;
		while (close > t && close[-1] == ']')
			close--;
		n = (size_t)(close - t);
		if (n < sizeof(ret->name)) {
			/* 1.x quotes plugin names "so", 2.x 'so': one
			 * spelling, so that names compare. */
			memcpy(ret->name, t, n);
			ret->name[n] = '\0';
			for (char *q = strchr(ret->name, '\''); q; q = strchr(q, '\''))
				*q = '"';
			ret->header = true;
		}
	}
	/* An odd number of """ or ''' opens or closes a multi-line string. */
	for (const char *q = s; q + 2 < ret->end; q++)
		if ((q[0] == '"' || q[0] == '\'') && q[1] == q[0] && q[2] == q[0]) {
			*in_multiline = !*in_multiline;
			q += 2;
		}
	return true;
}

/* The key of a key = value line, trimmed, into ret; false if none. */
static bool line_key(const struct toml_line *l, char *ret, size_t size)
{
	const char *k = l->start, *eq = memchr(l->start, '=', (size_t)(l->end - l->start)), *e;
	size_t n;

	if (l->header || !eq)
		return false;
	while (k < eq && (*k == ' ' || *k == '\t'))
		k++;
	e = eq;
	while (e > k && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e <= k || (size_t)(e - k) >= size)
		return false;
	n = (size_t)(e - k);
	memcpy(ret, k, n);
	ret[n] = '\0';
	return true;
}

/* The string value of a key = "basic" (\" and \\ undone) or key =
 * 'literal' line: 1.x's dump prints the first, 2.x's the second. */
static int line_string(const struct toml_line *l, char *ret, size_t size)
{
	const char *v = memchr(l->start, '=', (size_t)(l->end - l->start));
	size_t n = 0;
	char quote;

	if (!v)
		return -EINVAL;
	for (v++; v < l->end && (*v == ' ' || *v == '\t'); v++)
		;
	if (v >= l->end || (*v != '"' && *v != '\''))
		return -EINVAL;
	quote = *v;
	for (v++; v < l->end && *v != quote; v++) {
		if (quote == '"' && *v == '\\' && v + 1 < l->end)
			v++;
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		ret[n++] = *v;
	}
	if (v >= l->end)
		return -EINVAL;
	ret[n] = '\0';
	return 0;
}

/* Is name the table prefix or a table below it? */
static bool in_table(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(name, prefix, n) == 0 && (name[n] == '\0' || name[n] == '.');
}

int containerd_dump_binary(const char *dump, char *ret, size_t size)
{
	char runc[128], options[160], key[64];
	struct toml_line l;
	bool ml = false, in_options = false, seen = false;
	int version = containerd_dump_version(dump);

	if (version < 0)
		return version;
	snprintf(runc, sizeof(runc), "%s.containerd.runtimes.runc", cri_plugin(version));
	snprintf(options, sizeof(options), "%s.options", runc);
	ret[0] = '\0';
	while (next_line(&dump, &ml, &l)) {
		if (l.header) {
			in_options = streq(l.name, options);
			/* runc without options is runc without a BinaryName. */
			seen |= streq(l.name, runc);
			continue;
		}
		if (in_options && !ml && line_key(&l, key, sizeof(key)) && streq(key, "BinaryName"))
			return line_string(&l, ret, size);
	}
	return seen ? 0 : -ENOENT;
}

int containerd_dump_default_runtime(const char *dump, char *ret, size_t size)
{
	char table[128], key[64];
	struct toml_line l;
	bool ml = false, in = false;
	int version = containerd_dump_version(dump);

	if (version < 0)
		return version;
	snprintf(table, sizeof(table), "%s.containerd", cri_plugin(version));
	/* containerd's own default when the key is absent. */
	snprintf(ret, size, "runc");
	while (next_line(&dump, &ml, &l)) {
		if (l.header)
			in = streq(l.name, table);
		else if (in && !ml && line_key(&l, key, sizeof(key)) && streq(key, "default_runtime_name"))
			return line_string(&l, ret, size);
	}
	return 0;
}

/* s as a TOML basic string. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Does table in the dump hold key? */
static bool table_has_key(const char *dump, const char *table, const char *key)
{
	struct toml_line l;
	bool ml = false, in = false;
	char k[64];

	while (next_line(&dump, &ml, &l)) {
		if (l.header)
			in = streq(l.name, table);
		else if (in && !ml && line_key(&l, k, sizeof(k)) && streq(k, key))
			return true;
	}
	return false;
}

/* runc's pod_annotations line with the wrapper's annotations passed on
 * (containerd hands the hooks only the pod annotations listed there). A
 * list that passes them already, or spans lines, is kept as it is. */
static bool line_has_string(const struct toml_line *l, const char *s)
{
	char basic[128], literal[128];
	size_t n = (size_t)(l->end - l->start);

	snprintf(basic, sizeof(basic), "\"%s\"", s);
	snprintf(literal, sizeof(literal), "'%s'", s);
	return memmem(l->start, n, basic, strlen(basic)) || memmem(l->start, n, literal, strlen(literal));
}

static void put_annotations(FILE *f, const struct toml_line *l)
{
	const char *close = l->end;
	bool empty;

	while (close > l->start && strchr(" \t\r", close[-1]))
		close--;
	if (close == l->start || close[-1] != ']' || line_has_string(l, "*") ||
	    line_has_string(l, POD_ANNOTATIONS_BPFREAPER)) {
		fprintf(f, "%.*s\n", (int)(l->end - l->start), l->start);
		return;
	}
	close--;
	empty = close > l->start && close[-1] == '[';
	fprintf(f, "%.*s%s\"" POD_ANNOTATIONS_BPFREAPER "\"%.*s\n", (int)(close - l->start), l->start,
		empty ? "" : ", ", (int)(l->end - close), close);
}

static int no_runc(const char *runc, struct br_error *err)
{
	return br_error_set(err, -ENOENT, BR_STEP_CONFIGURE,
			    "containerd config dump has no [%s]: the CRI plugin is disabled or has no runc "
			    "runtime, so nothing to wire (ctr and Docker name their runtime themselves)",
			    runc);
}

/* "  pod_annotations = [...]": the strings of the dump's line l (NULL:
 * none), each as a basic string, with ours added last if no entry passes it
 * already. The same line again when the dump is read back with it, whatever
 * quotes the dump used, so that a second configure changes nothing. */
static void put_annotations_canonical(FILE *f, const struct toml_line *l)
{
	const char *p = l ? memchr(l->start, '[', (size_t)(l->end - l->start)) : NULL;
	bool passed = false, first = true;

	fputs("  pod_annotations = [", f);
	while (p && ++p < l->end && *p != ']') {
		char value[256], quote = *p;
		size_t n = 0;

		if (quote != '"' && quote != '\'')
			continue;
		for (p++; p < l->end && *p != quote; p++) {
			if (quote == '"' && *p == '\\' && p + 1 < l->end)
				p++;
			if (n + 1 < sizeof(value))
				value[n++] = *p;
		}
		value[n] = '\0';
		fputs(first ? "" : ", ", f);
		put_quoted(f, value);
		first = false;
		passed |= streq(value, "*") || streq(value, POD_ANNOTATIONS_BPFREAPER);
	}
	if (!passed)
		fputs(first ? "\"" POD_ANNOTATIONS_BPFREAPER "\"" : ", \"" POD_ANNOTATIONS_BPFREAPER "\"", f);
	fputs("]\n", f);
}

/* containerd 2.x merges an imported file into the config key by key, so
 * its drop-in sets runc's two keys and nothing else: every other setting
 * stays the node's own, in its own file. Written in file_version, the
 * version of the file that imports it: 2.x reads a version 3 import over a
 * version 2 config.toml as version 3 and drops the config.toml's version 2
 * plugin sections (checked with 2.1.9: SystemdCgroup went). */
static int dropin_v2x(const char *dump, int file_version, const char *wrapper, char **ret_text,
		      struct br_error *err)
{
	_cleanup_free_ char *buf = NULL;
	char runc[128], key[64], want[128];
	struct toml_line l, annotations = {};
	size_t size = 0;
	bool ml = false, in_runc = false, seen_runc = false;
	FILE *f;

	snprintf(runc, sizeof(runc), "%s.containerd.runtimes.runc", cri_plugin(3));
	while (next_line(&dump, &ml, &l)) {
		if (l.header) {
			in_runc = streq(l.name, runc);
			seen_runc |= in_runc;
		} else if (in_runc && !ml && line_key(&l, key, sizeof(key)) && streq(key, "pod_annotations")) {
			annotations = l;
		}
	}
	if (!seen_runc)
		return no_runc(runc, err);
	snprintf(want, sizeof(want), "%s.containerd.runtimes.runc", cri_plugin(file_version));
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n# containerd 2.x merges this file key by key: runc's BinaryName and\n"
		   "# pod_annotations (as containerd config dump showed them, ours added) are\n"
		   "# the only settings here; the node's stay in its own files.\n"
		   "version = %d\n\n[%s]\n",
		CONTAINERD_DROPIN_MARK, file_version, want);
	put_annotations_canonical(f, annotations.start ? &annotations : NULL);
	fprintf(f, "\n[%s.options]\n  BinaryName = ", want);
	put_quoted(f, wrapper);
	fputc('\n', f);
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret_text = TAKE_PTR(buf);
	return 0;
}

int containerd_dropin_text(const char *dump, int file_version, const char *wrapper, char **ret_text,
			   struct br_error *err)
{
	_cleanup_free_ char *buf = NULL;
	char plugin[64], runc[128], options[160], key[64];
	struct toml_line l;
	size_t size = 0;
	bool ml = false, in_plugin = false, in_options = false, in_runc = false, seen_runc = false,
	     seen_options = false, has_annotations;
	int version = containerd_dump_version(dump);
	FILE *f;

	if (version < 0)
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE,
				    "containerd config dump: no version 2 or 3 (containerd older than 1.5?)");
	/* Only 2.x prints version 3, whatever version its config.toml has. */
	if (version == 3)
		return dropin_v2x(dump, file_version == 2 ? 2 : 3, wrapper, ret_text, err);
	snprintf(plugin, sizeof(plugin), "%s", cri_plugin(version));
	snprintf(runc, sizeof(runc), "%s.containerd.runtimes.runc", plugin);
	snprintf(options, sizeof(options), "%s.options", runc);
	has_annotations = table_has_key(dump, runc, "pod_annotations");
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	/* containerd 1.6 and 1.7 merge an imported file by replacing each of
	 * its plugins' sections whole (checked with 1.6.20 and 1.7.24). So
	 * the drop-in holds the CRI plugin's whole effective section, every
	 * runtime and option kept (SystemdCgroup too), the one change being
	 * BinaryName, and the node's file stays untouched. */
	fprintf(f, "%s\n# containerd replaces a plugin's whole section with an imported file's: this is\n"
		   "# the CRI plugin's effective section (containerd config dump) at configure, with\n"
		   "# runc's BinaryName set. Change the node's settings here while it is imported.\n"
		   "version = %d\n",
		CONTAINERD_DROPIN_MARK, version);
	while (next_line(&dump, &ml, &l)) {
		if (l.header) {
			in_plugin = in_table(l.name, plugin);
			in_options = streq(l.name, options);
			in_runc = streq(l.name, runc);
			seen_runc |= in_runc;
		}
		if (!in_plugin)
			continue;
		if (in_options && !ml && line_key(&l, key, sizeof(key)) && streq(key, "BinaryName"))
			continue;
		if (in_runc && !ml && line_key(&l, key, sizeof(key)) && streq(key, "pod_annotations")) {
			put_annotations(f, &l);
			continue;
		}
		if (l.header && l.name[0] && streq(l.name, plugin))
			fputc('\n', f);
		fprintf(f, "%.*s\n", (int)(l.end - l.start), l.start);
		if (in_runc && l.header && !has_annotations)
			fprintf(f, "%*spod_annotations = [\"" POD_ANNOTATIONS_BPFREAPER "\"]\n",
				(int)(strspn(l.start, " \t") + 2), "");
		if (in_options && l.header) {
			fprintf(f, "%*sBinaryName = ", (int)(strspn(l.start, " \t") + 2), "");
			put_quoted(f, wrapper);
			fputc('\n', f);
			seen_options = true;
		}
	}
	if (seen_runc && !seen_options) {
		fprintf(f, "\n[%s]\n  BinaryName = ", options);
		put_quoted(f, wrapper);
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	if (!seen_runc)
		return no_runc(runc, err);
	*ret_text = TAKE_PTR(buf);
	return 0;
}

/* ---- the main config's top-level "imports", written by people: only
 * the array's extent and its strings are read ---- */

struct imports_array {
	const char *line;  /* start of the "imports = [" line */
	const char *open;  /* its '[' */
	const char *close; /* its ']' */
	const char *last;  /* the last character before close that is not space or comment */
	const char *first_table; /* the first [table] line, or the end */
};

/* Where an entry string starts and ends (one past its quote). */
struct import_entry {
	const char *start, *end;
	char value[PATH_MAX];
};

static bool find_imports(const char *text, struct imports_array *ret,
			 bool (*each)(const struct import_entry *e, void *userdata), void *userdata)
{
	const char *p = text;
	struct toml_line l;
	bool ml = false;
	char key[64];

	*ret = (struct imports_array){ .first_table = text + strlen(text) };
	while (next_line(&p, &ml, &l)) {
		const char *q;

		if (l.header) {
			ret->first_table = l.start;
			return false;
		}
		if (ml || !line_key(&l, key, sizeof(key)) || !streq(key, "imports"))
			continue;
		q = (const char *)memchr(l.start, '=', (size_t)(l.end - l.start)) + 1;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '[')
			return false;
		ret->line = l.start;
		ret->open = ret->last = q;
		for (q++; *q; q++) {
			if (*q == '#') {
				q = strchrnul(q, '\n');
				if (!*q)
					break;
				continue;
			}
			if (*q == ']') {
				ret->close = q;
				return true;
			}
			if (*q == '"' || *q == '\'') {
				struct import_entry e = { .start = q };
				char quote = *q;
				size_t n = 0;

				for (q++; *q && *q != quote && *q != '\n'; q++) {
					if (quote == '"' && *q == '\\' && q[1])
						q++;
					if (n + 1 < sizeof(e.value))
						e.value[n++] = *q;
				}
				if (*q != quote)
					return false;
				e.value[n] = '\0';
				e.end = q + 1;
				ret->last = q;
				if (each && !each(&e, userdata))
					each = NULL;
				continue;
			}
			if (!strchr(" \t\r\n", *q))
				ret->last = q;
		}
		return false;
	}
	return false;
}

struct cover {
	char dir[PATH_MAX];
	const char *dropin;
	bool found;
	struct import_entry entry;
};

static bool covers(const struct import_entry *e, void *userdata)
{
	struct cover *c = userdata;
	char pattern[PATH_MAX];

	/* containerd resolves a relative import against the importing file's
	 * directory, and expands globs. */
	if (e->value[0] == '/')
		snprintf(pattern, sizeof(pattern), "%s", e->value);
	else if (path_join(pattern, sizeof(pattern), c->dir, e->value) < 0)
		return true;
	if (fnmatch(pattern, c->dropin, FNM_PATHNAME) == 0) {
		c->found = true;
		c->entry = *e;
		return false;
	}
	return true;
}

bool containerd_imports_cover(const char *main_text, const char *main_path, const char *dropin)
{
	struct cover c = { .dropin = dropin };
	struct imports_array a;
	const char *slash = strrchr(main_path, '/');

	snprintf(c.dir, sizeof(c.dir), "%.*s", slash && slash != main_path ? (int)(slash - main_path) : 1,
		 slash ? main_path : "/");
	(void)find_imports(main_text ? main_text : "", &a, covers, &c);
	return c.found;
}

int containerd_import_add(const char *main_text, const char *dropin, int version, char **ret_text)
{
	_cleanup_free_ char *buf = NULL;
	struct imports_array a;
	size_t size = 0;
	const char *text = main_text ? main_text : "";
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return -ENOMEM;
	if (find_imports(text, &a, NULL, NULL)) {
		/* Last: containerd merges imports in order, and ours has to
		 * win over an earlier one that sets runc's options. */
		fprintf(f, "%.*s%s", (int)(a.last + 1 - text), text, *a.last == '[' ? "" : *a.last == ',' ? " " : ", ");
		put_quoted(f, dropin);
		fputs(a.last + 1, f);
	} else {
		if (!*text)
			fprintf(f, "version = %d\n", version);
		/* A top-level key goes before the first table. */
		fprintf(f, "%.*simports = [", (int)(a.first_table - text), text);
		put_quoted(f, dropin);
		fprintf(f, "]\n%s", a.first_table);
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret_text = TAKE_PTR(buf);
	return 0;
}

static bool is_dropin(const struct import_entry *e, void *userdata)
{
	struct cover *c = userdata;

	if (!streq(e->value, c->dropin))
		return true;
	c->found = true;
	c->entry = *e;
	return false;
}

int containerd_import_remove(const char *main_text, const char *dropin, char **ret_text)
{
	struct cover c = { .dropin = dropin };
	struct imports_array a;
	const char *from, *to, *text = main_text ? main_text : "";
	char *out;
	size_t n;

	*ret_text = NULL;
	if (!find_imports(text, &a, is_dropin, &c) || !c.found)
		return 0;
	from = c.entry.start;
	to = c.entry.end;
	/* The separator with it: the comma before, else the one after. */
	for (const char *q = from; q > a.open;) {
		q--;
		if (*q == ',') {
			from = q;
			break;
		}
		if (!strchr(" \t\r\n", *q))
			break;
	}
	if (from == c.entry.start) {
		const char *q = to;

		while (*q && strchr(" \t\r\n", *q))
			q++;
		if (*q == ',') {
			to = q + 1;
			while (*to == ' ' || *to == '\t')
				to++;
		} else if (q == a.close) {
			/* The only entry: the key goes, as configure added it. */
			from = a.line;
			to = *strchrnul(a.close, '\n') ? strchrnul(a.close, '\n') + 1 : strchrnul(a.close, '\n');
		}
	}
	n = strlen(text) - (size_t)(to - from);
	out = malloc(n + 1);
	if (!out)
		return -ENOMEM;
	memcpy(out, text, (size_t)(from - text));
	memcpy(out + (from - text), to, strlen(to) + 1);
	*ret_text = out;
	return 0;
}

/* ---- processes ---- */

int containerd_restart(enum restart_mode mode, struct br_error *err)
{
	return mode == RESTART_SYSTEMD ? configure_systemctl("restart", "containerd.service", err) : 0;
}

/* ---- the files ---- */

enum { F_MAIN, F_DROPIN, F_CHAIN };

static bool other_root(const char *root)
{
	return root && *root && !streq(root, "/");
}

/* A node path as seen here: below root. */
static int at_root(const char *root, const char *p, char *buf, size_t size)
{
	return path_printf(buf, size, "%s%s", other_root(root) ? root : "", p);
}

/* k3s and RKE2 write their containerd's config.toml anew at each start,
 * from config.toml.tmpl: an imports line added there is lost at the next
 * start, and a template that repeats the runc table stops containerd from
 * starting. Not wired until that is handled: refused, with where to look.
 * A system containerd beside them is wired with --config. */
static const char *const generated_configs[] = {
	"/var/lib/rancher/k3s/agent/etc/containerd/config.toml",
	"/var/lib/rancher/rke2/agent/etc/containerd/config.toml",
};

static int refuse_generated(const struct configure_request *req, const char *main_path, struct br_error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(generated_configs); i++) {
		char here[PATH_MAX];

		if (at_root(req->root, generated_configs[i], here, sizeof(here)) < 0)
			continue;
		if (streq(main_path, generated_configs[i]) || (!req->config_path && access(here, F_OK) == 0))
			return br_error_set(err, -EOPNOTSUPP, BR_STEP_CONFIGURE,
					    "%s is generated by %s from config.toml.tmpl at each start: configure does not wire "
					    "it (docs/install.md, k3s and RKE2); for a system containerd beside it, give --config",
					    generated_configs[i], strstr(generated_configs[i], "/rke2/") ? "RKE2" : "k3s");
	}
	return 0;
}

/* The dump of the node's config (config: a node path, NULL none). On
 * another root, by the node's own containerd chrooted there: the node's
 * version and merge rules, its absolute imports resolved on the node. */
static int node_dump(const char *root, const char *config, char **ret_text, struct br_error *err)
{
	char bin[PATH_MAX];

	if (!other_root(root))
		return containerd_config_dump(NULL, NULL, config, ret_text, err);
	if (!manager_find_binary(root, MANAGER_DEFAULT_PATH, "containerd", bin))
		return br_error_set(err, -ENOEXEC, BR_STEP_CONFIGURE,
				    "no containerd binary under %s (%s): configure asks the node's own containerd "
				    "for its config",
				    root, MANAGER_DEFAULT_PATH);
	return containerd_config_dump(root, bin, config, ret_text, err);
}

static int dropin_path(const char *main_path, char *buf, size_t size)
{
	const char *slash = strrchr(main_path, '/');

	if (main_path[0] != '/' || !slash)
		return -EINVAL;
	return path_printf(buf, size, "%.*s/%s/%s", (int)(slash - main_path), main_path, CONTAINERD_DROPIN_DIR,
			   CONTAINERD_DROPIN_NAME);
}

static int set_file(struct configure_file *f, const char *path, enum configure_action action, char *text)
{
	f->action = action;
	f->text = text;
	return copy_str(f->path, sizeof(f->path), path);
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *member_str(json_object *o, const char *key)
{
	json_object *v = member(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int record_load(const struct configure_request *req, char *path, size_t size, json_object **ret,
		       struct br_error *err)
{
	struct file_now f;
	int r;

	*ret = NULL;
	r = path_join(path, size, req->state_dir ? req->state_dir : CONFIGURE_STATE_DIR_DEFAULT, RECORD_NAME);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CONFIGURE, "the state directory");
	r = file_read(path, &f, err);
	if (r < 0 || !f.exists)
		return r;
	r = json_parse_strict(f.text, f.len, OCI_JSON_MAX_DEPTH, ret);
	file_now_done(&f);
	if (r < 0 || !json_object_is_type(*ret, json_type_object) || !member_str(*ret, "config")) {
		json_object_put(*ret);
		*ret = NULL;
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: not a record configure wrote", path);
	}
	return 0;
}

/* Put one file back as it was before this run wrote it. */
static void put_back(const char *path, const struct file_now *was)
{
	struct br_error ignored = BR_ERROR_INIT;

	if (was->exists)
		(void)file_write(path, was->text, &was->st, &ignored);
	else
		(void)file_remove(path, &ignored);
}

static void add_str(json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, s ? json_object_new_string(s) : NULL);
}

int containerd_configure(const struct configure_request *req, struct configure_result *ret, struct br_error *err)
{
	const char *main_path = req->config_path ? req->config_path : CONTAINERD_CONFIG_DEFAULT;
	_cleanup_json_ json_object *record = NULL, *undo_chain = NULL, *new_record = NULL;
	_cleanup_free_ char *dump = NULL, *after = NULL;
	char dropin[PATH_MAX], binary[PATH_MAX], now_binary[PATH_MAX], default_runtime[128];
	char real_main[PATH_MAX], real_dropin[PATH_MAX];
	/* As seen here; main_path and dropin are the node's, in its files. */
	const char *paths[3] = { real_main, real_dropin, req->bpfreaper_config }, *recorded, *chain = NULL;
	struct file_now now[3] = {};
	char *text[3] = {};
	int version, file_version, r;

	*ret = (struct configure_result){};
	r = dropin_path(main_path, dropin, sizeof(dropin));
	if (r < 0)
		return br_error_set(err, r, BR_STEP_CONFIGURE, "%s: not an absolute path", main_path);
	if (at_root(req->root, main_path, real_main, sizeof(real_main)) < 0 ||
	    at_root(req->root, dropin, real_dropin, sizeof(real_dropin)) < 0)
		return br_error_set(err, -ENAMETOOLONG, BR_STEP_CONFIGURE, "%s%s: too long", req->root ? req->root : "", main_path);
	r = refuse_generated(req, main_path, err);
	if (r < 0)
		return r;
	r = record_load(req, ret->record, sizeof(ret->record), &record, err);
	if (r < 0)
		return r;
	recorded = member_str(record, "config");
	if (recorded && !streq(recorded, main_path))
		return br_error_set(err, -EEXIST, BR_STEP_CONFIGURE,
				    "configured already for %s (%s): unconfigure that first", recorded, ret->record);
	for (size_t i = 0; i < 3; i++) {
		r = file_read(paths[i], &now[i], err);
		if (r < 0)
			goto out;
	}
	r = node_dump(req->root, now[F_MAIN].exists ? main_path : NULL, &dump, err);
	if (r < 0)
		goto out;
	version = containerd_dump_version(dump);
	r = containerd_dump_binary(dump, binary, sizeof(binary));
	if (r == -ENAMETOOLONG || r == -EINVAL) {
		r = br_error_set(err, r, BR_STEP_CONFIGURE, "containerd config dump: runc's BinaryName unreadable");
		goto out;
	}
	/* A BinaryName that is a bpfreaper-runtime (this one or another
	 * install's) is never chained: the wrapper would exec itself. */
	if (r == 0 && *binary && !streq(strrchr(binary, '/') ? strrchr(binary, '/') + 1 : binary, WRAPPER_NAME))
		chain = binary;
	/* Pods run the CRI default runtime; wiring runc while they run
	 * another would look done and clean up nothing. */
	if (containerd_dump_default_runtime(dump, default_runtime, sizeof(default_runtime)) == 0 &&
	    !streq(default_runtime, "runc")) {
		r = br_error_set(err, -EOPNOTSUPP, BR_STEP_CONFIGURE,
				 "containerd's CRI default runtime is \"%s\", not runc: configure wires runc only",
				 default_runtime);
		goto out;
	}
	/* The drop-in speaks the config.toml's version, which 2.x's dump
	 * does not say (it prints 3 for either). */
	file_version = now[F_MAIN].exists ? containerd_dump_version(now[F_MAIN].text) : version;
	r = containerd_dropin_text(dump, file_version > 0 ? file_version : version, req->wrapper, &text[F_DROPIN],
				   err);
	if (r < 0)
		goto out;
	if (now[F_DROPIN].exists && text[F_DROPIN] && streq(now[F_DROPIN].text, text[F_DROPIN]))
		free(TAKE_PTR(text[F_DROPIN]));
	if (!containerd_imports_cover(now[F_MAIN].text, main_path, dropin)) {
		r = containerd_import_add(now[F_MAIN].text, dropin, version, &text[F_MAIN]);
		if (r < 0)
			goto out;
	}
	r = chain_configure_text(now[F_CHAIN].text, now[F_CHAIN].len, chain, member(record, "chain_undo"),
				 &text[F_CHAIN], &undo_chain, err);
	if (r < 0)
		goto out;
	if (chain)
		(void)copy_str(ret->chain, sizeof(ret->chain), chain);
	else if (member_str(member(record, "chain_undo"), "chain"))
		(void)copy_str(ret->chain, sizeof(ret->chain), member_str(member(record, "chain_undo"), "chain"));
	for (size_t i = 0; i < 3; i++) {
		enum configure_action action = text[i] ? CONFIGURE_WRITTEN : CONFIGURE_UNCHANGED;

		r = set_file(&ret->files[i], paths[i], action, TAKE_PTR(text[i]));
		if (r < 0)
			goto out;
		ret->changed |= ret->files[i].action != CONFIGURE_UNCHANGED;
	}
	if (req->dry_run || !ret->changed)
		goto out;

	/* The record first: after a crash below, unconfigure still knows.
	 * What was there before the first configure stays recorded. */
	new_record = record ? json_object_get(record) : json_object_new_object();
	if (!new_record) {
		r = -ENOMEM;
		goto out;
	}
	if (!record) {
		char backup[PATH_MAX];

		add_str(new_record, "manager", "containerd");
		add_str(new_record, "config", main_path);
		add_str(new_record, "root", other_root(req->root) ? req->root : "/");
		add_str(new_record, "dropin", dropin);
		json_object_object_add(new_record, "config_existed", json_object_new_boolean(now[F_MAIN].exists));
		json_object_object_add(new_record, "dropin_existed", json_object_new_boolean(now[F_DROPIN].exists));
		r = path_printf(backup, sizeof(backup), "%s%s", real_main, CONFIGURE_BACKUP_SUFFIX);
		if (r < 0)
			goto out;
		add_str(new_record, "backup", now[F_MAIN].exists ? backup : NULL);
		add_str(new_record, "wrapper_config", req->bpfreaper_config);
	}
	if (ret->files[F_MAIN].text)
		add_str(new_record, "written", ret->files[F_MAIN].text);
	if (undo_chain)
		json_object_object_add(new_record, "chain_undo", json_object_get(undo_chain));
	r = file_write(ret->record, json_object_to_json_string_ext(new_record, JSON_C_TO_STRING_PRETTY), NULL, err);
	if (r < 0)
		goto out;
	if (!record && now[F_MAIN].exists && ret->files[F_MAIN].text) {
		r = file_write(member_str(new_record, "backup"), now[F_MAIN].text, &now[F_MAIN].st, err);
		if (r < 0)
			goto out;
	}
	/* The drop-in before the line that imports it: containerd starting
	 * in between must not find an import of a missing file. */
	for (size_t k = 0; k < 3; k++) {
		static const size_t order[] = { F_DROPIN, F_MAIN, F_CHAIN };
		size_t i = order[k];

		if (ret->files[i].action == CONFIGURE_UNCHANGED)
			continue;
		r = file_write(paths[i], ret->files[i].text, now[i].exists ? &now[i].st : NULL, err);
		if (r < 0)
			goto undo;
	}
	/* What containerd will run now, asked of containerd: an import after
	 * ours, or a file it cannot read, and nothing is left half-done. */
	r = node_dump(req->root, main_path, &after, err);
	if (r == 0 && (containerd_dump_binary(after, now_binary, sizeof(now_binary)) < 0 ||
		       !streq(now_binary, req->wrapper)))
		r = br_error_set(err, -EIO, BR_STEP_CONFIGURE,
				 "after writing %s, containerd config dump shows runc's BinaryName \"%s\", not %s "
				 "(a later import sets it again?): put back as it was",
				 dropin, now_binary, req->wrapper);
	if (r == 0)
		goto out;
undo:
	for (size_t i = 0; i < 3; i++)
		if (ret->files[i].action != CONFIGURE_UNCHANGED)
			put_back(paths[i], &now[i]);
	if (!record) {
		struct br_error ignored = BR_ERROR_INIT;

		(void)file_remove(ret->record, &ignored);
		if (member_str(new_record, "backup") && ret->files[F_MAIN].text)
			(void)file_remove(member_str(new_record, "backup"), &ignored);
	} else {
		struct br_error ignored = BR_ERROR_INIT;

		(void)file_write(ret->record, json_object_to_json_string_ext(record, JSON_C_TO_STRING_PRETTY), NULL,
				 &ignored);
	}
out:
	for (size_t i = 0; i < 3; i++) {
		file_now_done(&now[i]);
		free(text[i]);
	}
	if (r < 0)
		configure_result_done(ret);
	return r;
}

int containerd_unconfigure(const struct configure_request *req, struct configure_result *ret, struct br_error *err)
{
	_cleanup_json_ json_object *record = NULL;
	const char *main_path = req->config_path ? req->config_path : CONTAINERD_CONFIG_DEFAULT;
	const char *written, *backup, *wrapper_config = req->bpfreaper_config, *root = req->root;
	char dropin[PATH_MAX], real_main[PATH_MAX], real_dropin[PATH_MAX];
	struct file_now now[3] = {}, saved = {};
	const char *paths[3];
	int r;

	*ret = (struct configure_result){};
	r = record_load(req, ret->record, sizeof(ret->record), &record, err);
	if (r < 0)
		return r;
	if (record) {
		main_path = member_str(record, "config");
		if (member_str(record, "wrapper_config"))
			wrapper_config = member_str(record, "wrapper_config");
		/* Without --root, the files where configure found them. */
		if (!root)
			root = member_str(record, "root");
	}
	r = dropin_path(main_path, dropin, sizeof(dropin));
	if (r < 0)
		return br_error_set(err, r, BR_STEP_CONFIGURE, "%s: not an absolute path", main_path);
	if (at_root(root, main_path, real_main, sizeof(real_main)) < 0 ||
	    at_root(root, dropin, real_dropin, sizeof(real_dropin)) < 0)
		return br_error_set(err, -ENAMETOOLONG, BR_STEP_CONFIGURE, "%s%s: too long", root ? root : "", main_path);
	paths[F_MAIN] = real_main;
	paths[F_DROPIN] = real_dropin;
	paths[F_CHAIN] = wrapper_config;
	for (size_t i = 0; i < 3; i++) {
		r = file_read(paths[i], &now[i], err);
		if (r < 0)
			goto out;
	}
	written = member_str(record, "written");
	backup = member_str(record, "backup");
	/* config.toml: as it was byte for byte while it holds what configure
	 * wrote; else only the import entry goes. */
	if (written && now[F_MAIN].exists && streq(now[F_MAIN].text, written) &&
	    !json_object_get_boolean(member(record, "config_existed"))) {
		r = set_file(&ret->files[F_MAIN], real_main, CONFIGURE_REMOVED, NULL);
	} else if (written && now[F_MAIN].exists && streq(now[F_MAIN].text, written) && backup &&
		   file_read(backup, &saved, err) == 0 && saved.exists) {
		r = set_file(&ret->files[F_MAIN], real_main, CONFIGURE_RESTORED, TAKE_PTR(saved.text));
	} else {
		char *text = NULL;

		br_error_clear(err);
		r = containerd_import_remove(now[F_MAIN].text, dropin, &text);
		if (r == 0)
			r = set_file(&ret->files[F_MAIN], real_main, text ? CONFIGURE_WRITTEN : CONFIGURE_UNCHANGED,
				     text);
	}
	if (r < 0)
		goto out;
	/* The drop-in: ours, by the record or by its first line. */
	if (now[F_DROPIN].exists &&
	    (record || strncmp(now[F_DROPIN].text, CONTAINERD_DROPIN_MARK, strlen(CONTAINERD_DROPIN_MARK)) == 0))
		r = set_file(&ret->files[F_DROPIN], real_dropin, CONFIGURE_REMOVED, NULL);
	else
		r = set_file(&ret->files[F_DROPIN], real_dropin, CONFIGURE_UNCHANGED, NULL);
	if (r < 0)
		goto out;
	{
		char *text = NULL;

		r = chain_unconfigure_text(now[F_CHAIN].text, now[F_CHAIN].len, member(record, "chain_undo"), &text,
					   err);
		if (r == 0)
			r = set_file(&ret->files[F_CHAIN], wrapper_config,
				     text ? CONFIGURE_WRITTEN : CONFIGURE_UNCHANGED, text);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < 3; i++)
		ret->changed |= ret->files[i].action != CONFIGURE_UNCHANGED;
	if (req->dry_run)
		goto out;
	/* The import line before the drop-in it names. */
	for (size_t i = 0; i < 3; i++) {
		const struct configure_file *f = &ret->files[i];

		if (f->action == CONFIGURE_REMOVED)
			r = file_remove(f->path, err);
		else if (f->action != CONFIGURE_UNCHANGED)
			r = file_write(f->path, f->text, now[i].exists ? &now[i].st : NULL, err);
		if (r < 0)
			goto out;
	}
	/* The backup stays, as Docker's does: the node's file as it was. */
	if (record)
		r = file_remove(ret->record, err);
out:
	for (size_t i = 0; i < 3; i++)
		file_now_done(&now[i]);
	file_now_done(&saved);
	if (r < 0)
		configure_result_done(ret);
	return r;
}
