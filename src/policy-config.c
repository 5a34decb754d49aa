// SPDX-License-Identifier: LGPL-2.1-or-later
/* Config file parsing and keep rules; see policy-config.h. */
#include "policy-config.h"
#include "enumtab.h"
#include "duration.h"
#include "fileio.h"
#include "oci-state.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>

static const char *const mode_names[] = {
	[MODE_ENFORCE] = "enforce",
	[MODE_REPORT] = "report",
	[MODE_OFF] = "off",
};

static const char *const on_error_names[] = {
	[ON_ERROR_IGNORE] = "ignore",
	[ON_ERROR_FAIL] = "fail",
};

const char *mode_name(enum mode m)
{
	return ENUM_NAME(mode_names, m, "unset");
}

enum mode mode_from_string(const char *s)
{
	int v = ENUM_PARSE(mode_names, s);

	return v < 0 ? MODE_UNSET : (enum mode)v;
}

bool config_annotation_mode_allowed(const struct config *c, enum mode m)
{
	return !c->annotation_modes_set || (c->annotation_modes & (1u << m));
}

const char *on_error_name(enum on_error e)
{
	return ENUM_NAME(on_error_names, e, "ignore");
}

void keep_rules_done(struct keep_rules *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i]);
	k->n = 0;
}

int keep_rules_add(struct keep_rules *k, const char *pattern, struct br_error *err)
{
	size_t n = strlen(pattern);

	if (n == 0 || pattern[0] != '/')
		return br_error_set(err, -EINVAL, BR_STEP_NONE, "a keep rule is not an absolute path glob");
	if (n > KEEP_RULE_MAX_LEN)
		return br_error_set(err, -EINVAL, BR_STEP_NONE, "a keep rule is longer than 1024 bytes");
	for (const char *p = pattern; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return br_error_set(err, -EINVAL, BR_STEP_NONE, "a keep rule has a control character");
	if (k->n >= KEEP_RULES_MAX)
		return br_error_set(err, -E2BIG, BR_STEP_NONE, "more than 64 keep rules");
	k->v[k->n] = strdup(pattern);
	if (!k->v[k->n])
		return br_error_set(err, -ENOMEM, BR_STEP_NONE, "out of memory");
	k->n++;
	return 0;
}

int keep_rules_add_list(struct keep_rules *k, const char *list, struct br_error *err)
{
	_cleanup_free_ char *copy = strdup(list);
	char *save = NULL, *tok;
	int r;

	if (!copy)
		return br_error_set(err, -ENOMEM, BR_STEP_NONE, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		for (char *end = tok + strlen(tok); end > tok && (end[-1] == ' ' || end[-1] == '\t');)
			*--end = '\0';
		if (!*tok)
			continue;
		r = keep_rules_add(k, tok, err);
		if (r < 0)
			return r;
	}
	return 0;
}

const char *keep_rules_match(const struct keep_rules *k, const char *path)
{
	for (size_t i = 0; i < k->n; i++)
		if (fnmatch(k->v[i], path, 0) == 0)
			return k->v[i];
	return NULL;
}

void config_done(struct config *c)
{
	keep_rules_done(&c->keep);
	free(c->log_file);
	free(c->report_dir);
	free(c->metrics_textfile);
	free(c->runtime);
	free(c->hooks_dir);
	memset(c, 0, sizeof(*c));
	c->wait_ms = -1;
}

/* What is wrong in the config, in the caller's error. */
static int config_error(struct br_error *err, int code, const char *why)
{
	/* code itself, not what br_error_set returns: the analyzer cannot
	 * see that it is the same. */
	(void)br_error_set(err, code, BR_STEP_CONFIG, "%s", why);
	return code;
}

static int get_path(json_object *root, const char *key, char **ret, struct br_error *err, const char *why)
{
	json_object *v;

	if (!json_object_object_get_ex(root, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string) || json_object_get_string(v)[0] != '/' ||
	    json_object_get_string_len(v) >= PATH_MAX)
		return config_error(err, -EINVAL, why);
	*ret = strdup(json_object_get_string(v));
	return *ret ? 0 : config_error(err, -ENOMEM, strerror(ENOMEM));
}

/* An empty array is valid: no annotation may change the mode. */
static int parse_annotation_modes(json_object *v, struct config *c, struct br_error *err)
{
	static const char why[] = "\"annotation_modes\" is not an array of enforce, report, off";

	if (!json_object_is_type(v, json_type_array))
		return config_error(err, -EINVAL, why);
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *name = json_object_array_get_idx(v, i);
		enum mode m = json_object_is_type(name, json_type_string)
				      ? mode_from_string(json_object_get_string(name))
				      : MODE_UNSET;

		if (m == MODE_UNSET)
			return config_error(err, -EINVAL, why);
		c->annotation_modes |= 1u << m;
	}
	c->annotation_modes_set = true;
	return 0;
}

/* {"count": N, "max_age": "7d"}: either may be left out or 0 (no limit). */
static int parse_retention(json_object *v, struct config *c, struct br_error *err)
{
	static const char why[] = "\"report_retention\" is not {\"count\": N, \"max_age\": \"7d\"}";
	json_object *count, *age;

	if (!json_object_is_type(v, json_type_object))
		return config_error(err, -EINVAL, why);
	json_object_object_foreach(v, key, val)
	{
		(void)val;
		if (!streq(key, "count") && !streq(key, "max_age"))
			return config_error(err, -EINVAL, why);
	}
	if (json_object_object_get_ex(v, "count", &count)) {
		if (!json_object_is_type(count, json_type_int) || json_object_get_int64(count) < 0 ||
		    json_object_get_int64(count) > 100000000)
			return config_error(err, -EINVAL,
					    "\"report_retention\": \"count\" is not an integer from 0 to 100000000");
		c->retention.count = (size_t)json_object_get_int64(count);
	}
	if (json_object_object_get_ex(v, "max_age", &age) &&
	    (!json_object_is_type(age, json_type_string) ||
	     duration_parse(json_object_get_string(age), &c->retention.max_age_s) < 0))
		return config_error(err, -EINVAL,
				    "\"report_retention\": \"max_age\" is not a duration such as \"12h\", \"7d\", \"2w\"");
	c->retention_set = true;
	return 0;
}

/* {"objects": N, "bytes": N}: either may be left out or 0 (no limit). */
static int parse_live_budget(json_object *v, struct config *c, struct br_error *err)
{
	static const char why[] = "\"live_budget\" is not {\"objects\": N, \"bytes\": N} with integers from 0 to 2^50";

	if (!json_object_is_type(v, json_type_object))
		return config_error(err, -EINVAL, why);
	json_object_object_foreach(v, key, val)
	{
		uint64_t *dst = streq(key, "objects") ? &c->live_budget.objects
				: streq(key, "bytes")  ? &c->live_budget.bytes
						       : NULL;

		if (!dst || !json_object_is_type(val, json_type_int) || json_object_get_int64(val) < 0 ||
		    (uint64_t)json_object_get_int64(val) > LIVE_BUDGET_MAX)
			return config_error(err, -EINVAL, why);
		*dst = (uint64_t)json_object_get_int64(val);
	}
	return 0;
}

int live_budget_parse(const char *s, struct live_budget *ret)
{
	struct live_budget b = {};
	const char *p = s;

	if (!*p)
		return -EINVAL;
	while (*p) {
		uint64_t *dst;
		unsigned long long v;
		char *end;

		if (strncmp(p, "objects=", 8) == 0) {
			dst = &b.objects;
			p += 8;
		} else if (strncmp(p, "bytes=", 6) == 0) {
			dst = &b.bytes;
			p += 6;
		} else {
			return -EINVAL;
		}
		if (*p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || v > LIVE_BUDGET_MAX || (*end && *end != ','))
			return -EINVAL;
		*dst = v;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return -EINVAL; /* a trailing comma */
	}
	*ret = b;
	return 0;
}

/* A part the annotation leaves out (0) is the config's. */
static uint64_t cap_part(uint64_t asked, uint64_t cap, bool *capped)
{
	if (!asked)
		return cap;
	if (cap && asked > cap) {
		*capped = true;
		return cap;
	}
	return asked;
}

struct live_budget live_budget_resolve(const struct config *c, const struct live_budget *annotation,
				       bool *ret_capped)
{
	struct live_budget b = c->live_budget;
	bool capped = false;

	if (annotation) {
		b.objects = cap_part(annotation->objects, c->live_budget.objects, &capped);
		b.bytes = cap_part(annotation->bytes, c->live_budget.bytes, &capped);
	}
	*ret_capped = capped;
	return b;
}

struct report_retention config_report_retention(const struct config *c)
{
	if (c->retention_set)
		return c->retention;
	if (c->report_dir)
		return (struct report_retention){};
	return (struct report_retention){ .count = REPORT_RETENTION_DEFAULT_COUNT,
					  .max_age_s = REPORT_RETENTION_DEFAULT_AGE_S };
}

/* Where "key" first appears as a JSON string followed by ':' (a key
 * written with escapes is not found: no position then). */
static void key_position(const char *text, size_t len, const char *key, struct config_where *ret_where)
{
	size_t klen = strlen(key);

	for (size_t i = 0; ret_where && i + klen + 2 <= len; i++) {
		size_t j = i + klen + 2;

		if (text[i] != '"' || memcmp(text + i + 1, key, klen) != 0 || text[i + klen + 1] != '"')
			continue;
		while (j < len && isspace((unsigned char)text[j]))
			j++;
		if (j < len && text[j] == ':') {
			json_error_position(text, len, i, &ret_where->line, &ret_where->column);
			return;
		}
	}
}

int config_parse(const char *text, size_t len, struct config *ret, struct br_error *err)
{
	return config_parse_at(text, len, ret, err, NULL);
}

int config_parse_at(const char *text, size_t len, struct config *ret, struct br_error *err,
		    struct config_where *ret_where)
{
	_cleanup_json_ json_object *root = NULL;
	struct config c = { .wait_ms = -1 };
	json_object *v;
	int r = 0;

	struct json_error jerr;
	unsigned line, column;

	r = json_parse_located(text, len, 8, &root, &jerr);
	if (ret_where)
		*ret_where = (struct config_where){};
	if (r == -EINVAL) {
		json_error_position(text, len, jerr.offset, &line, &column);
		if (ret_where)
			*ret_where = (struct config_where){ .line = line, .column = column };
		return br_error_set(err, r, BR_STEP_CONFIG, "not valid JSON at line %u, column %u: %s", line, column,
				    jerr.what);
	}
	if (r < 0)
		return br_error_set(err, r, BR_STEP_CONFIG, "not valid JSON");
	if (!json_object_is_type(root, json_type_object))
		return br_error_set(err, -EINVAL, BR_STEP_CONFIG, "not a JSON object");
	json_object_object_foreach(root, key, val)
	{
		(void)val;
		if (!streq(key, "mode") && !streq(key, "keep") && !streq(key, "log_file") &&
		    !streq(key, "report_dir") && !streq(key, "wait_ms") && !streq(key, "tracer_backend") &&
		    !streq(key, "on_error") && !streq(key, "annotation_modes") && !streq(key, "tracer_idle") &&
		    !streq(key, "report_freed") && !streq(key, "metrics_textfile") && !streq(key, "report_retention") &&
		    !streq(key, "runtime") && !streq(key, "hooks_dir") && !streq(key, "live_budget")) {
			key_position(text, len, key, ret_where);
			return br_error_set(err, -EINVAL, BR_STEP_CONFIG,
					    "unknown key \"%.64s\" (known: mode, keep, log_file, report_dir, wait_ms, tracer_backend, "
					    "on_error, annotation_modes, tracer_idle, report_freed, metrics_textfile, "
					    "report_retention, runtime, hooks_dir, live_budget)", key);
		}
	}
	if (json_object_object_get_ex(root, "mode", &v)) {
		c.mode = json_object_is_type(v, json_type_string) ? mode_from_string(json_object_get_string(v))
								  : MODE_UNSET;
		if (c.mode == MODE_UNSET)
			return br_error_set(err, -EINVAL, BR_STEP_CONFIG, "\"mode\" is not one of enforce, report, off");
	}
	if (json_object_object_get_ex(root, "keep", &v)) {
		if (!json_object_is_type(v, json_type_array))
			return br_error_set(err, -EINVAL, BR_STEP_CONFIG, "\"keep\" is not an array of path globs");
		for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++) {
			json_object *rule = json_object_array_get_idx(v, i);

			if (!json_object_is_type(rule, json_type_string)) {
				r = config_error(err, -EINVAL, "\"keep\" is not an array of path globs");
			} else {
				r = keep_rules_add(&c.keep, json_object_get_string(rule), err);
				if (r < 0)
					br_error_step(err, BR_STEP_CONFIG);
			}
		}
	}
	if (r == 0)
		r = get_path(root, "log_file", &c.log_file, err, "\"log_file\" is not an absolute path");
	if (r == 0)
		r = get_path(root, "report_dir", &c.report_dir, err,
			     "\"report_dir\" is not an absolute path");
	if (r == 0)
		r = get_path(root, "metrics_textfile", &c.metrics_textfile, err,
			     "\"metrics_textfile\" is not an absolute path (a directory)");
	if (r == 0 && json_object_object_get_ex(root, "wait_ms", &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
		    json_object_get_int64(v) > WAIT_MS_MAX) {
			r = config_error(err, -EINVAL, "\"wait_ms\" is not an integer from 0 to 60000");
		} else {
			c.wait_ms = (int)json_object_get_int64(v);
		}
	}
	if (r == 0 && json_object_object_get_ex(root, "tracer_backend", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	     tracer_backend_parse(json_object_get_string(v), &c.backend) < 0))
		r = config_error(err, -EINVAL, "\"tracer_backend\" is not one of " TRACER_BACKEND_NAMES);
	if (r == 0 && json_object_object_get_ex(root, "on_error", &v)) {
		int e = ENUM_PARSE(on_error_names,
				   json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "");

		if (e >= 0) {
			c.on_error = (enum on_error)e;
		} else {
			r = config_error(err, -EINVAL, "\"on_error\" is not one of ignore, fail");
		}
	}
	if (r == 0 && json_object_object_get_ex(root, "tracer_idle", &v)) {
		const char *e = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

		if (streq(e, "keep") || streq(e, "unload")) {
			c.unload_idle_tracer = streq(e, "unload");
		} else {
			r = config_error(err, -EINVAL, "\"tracer_idle\" is not one of keep, unload");
		}
	}
	if (r == 0 && json_object_object_get_ex(root, "report_freed", &v)) {
		const char *e = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

		if (streq(e, "count") || streq(e, "list")) {
			c.list_freed = streq(e, "list");
		} else {
			r = config_error(err, -EINVAL, "\"report_freed\" is not one of count, list");
		}
	}
	if (r == 0 && json_object_object_get_ex(root, "annotation_modes", &v))
		r = parse_annotation_modes(v, &c, err);
	if (r == 0 && json_object_object_get_ex(root, "report_retention", &v))
		r = parse_retention(v, &c, err);
	if (r == 0 && json_object_object_get_ex(root, "live_budget", &v))
		r = parse_live_budget(v, &c, err);
	if (r == 0)
		r = get_path(root, "hooks_dir", &c.hooks_dir, err, "\"hooks_dir\" is not an absolute path");
	if (r == 0 && json_object_object_get_ex(root, "runtime", &v)) {
		/* A bare name is looked up in PATH; a relative path would depend
		 * on the bundle's working directory. */
		const char *rt = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

		if (!rt[0] || (rt[0] != '/' && strchr(rt, '/')) || strlen(rt) >= PATH_MAX) {
			r = config_error(err, -EINVAL, "\"runtime\" is neither a command name nor an absolute path");
		} else {
			c.runtime = strdup(rt);
			if (!c.runtime)
				r = -ENOMEM;
		}
	}
	if (r < 0) {
		config_done(&c);
		if (err && err->code != r) /* each failure above says it; not a strdup */
			br_error_set(err, r, BR_STEP_CONFIG, "%s", strerror(-r));
		return r;
	}
	*ret = c;
	return 0;
}

int config_load(const char *path, struct config *ret, struct br_error *err)
{
	return config_load_at(path, ret, err, NULL);
}

int config_load_at(const char *path, struct config *ret, struct br_error *err, struct config_where *ret_where)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = read_file_limited(AT_FDCWD, path, CONFIG_MAX_BYTES, &text, &len);
	if (r == -EFBIG)
		return br_error_set(err, r, BR_STEP_CONFIG, "larger than " CONFIG_MAX_TEXT);
	if (r < 0)
		return br_error_set(err, r, BR_STEP_CONFIG, "%s", "");
	return config_parse_at(text, len, ret, err, ret_where);
}
