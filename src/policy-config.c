// SPDX-License-Identifier: LGPL-2.1-or-later
/* Config file parsing and keep rules; see policy-config.h. */
#include "policy-config.h"
#include "enumtab.h"
#include "fileio.h"
#include "jsonfield.h"
#include "oci-state.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>

const char *const mode_names[MODE_OFF + 1] = {
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

/* bpfreaper-runtime's "runtime": a bare name is looked up in PATH; a
 * relative path would depend on the bundle's working directory. */
static bool runtime_valid(const char *rt)
{
	return rt[0] && (rt[0] == '/' || !strchr(rt, '/'));
}

int keep_rules_add_member(void *keep, const char *pattern, struct br_error *err)
{
	return keep_rules_add(keep, pattern, err);
}

const char *keep_rules_item(const void *keep, size_t i)
{
	const struct keep_rules *k = keep;

	return i < k->n ? k->v[i] : NULL;
}

static const char *const tracer_idle_names[] = { "keep", "unload" };
static const char *const report_freed_names[] = { "count", "list" };

/* {"count": N, "max_age": "7d"}: either may be left out or 0 (no limit). */
static const struct jf_field retention_fields[] = {
	{ "count", JF_INT, 0, JF_MEMBER(struct report_retention, count), .max = 100000000 },
	{ "max_age", JF_DURATION, 0, JF_MEMBER(struct report_retention, max_age_s) },
};
static const struct jf_table retention_table = JF_TABLE(retention_fields, true);

/* {"objects": N, "bytes": N}: either may be left out or 0 (no limit). */
static const struct jf_field live_budget_fields[] = {
	{ "objects", JF_INT, 0, JF_MEMBER(struct live_budget, objects), .max = LIVE_BUDGET_MAX },
	{ "bytes", JF_INT, 0, JF_MEMBER(struct live_budget, bytes), .max = LIVE_BUDGET_MAX },
};
static const struct jf_table live_budget_table = JF_TABLE(live_budget_fields, true);

/* Every key of bpfreaper.json, in the order "unknown key" lists them. */
static const struct jf_field config_fields[] = {
	{ "mode", JF_ENUM, 0, JF_MEMBER(struct config, mode), JF_NAMES(mode_names), .min = MODE_ENFORCE },
	{ "keep", JF_STRINGS, 0, JF_MEMBER(struct config, keep), .add = keep_rules_add_member, .item = keep_rules_item,
	  .expect = "an array of path globs" },
	{ "log_file", JF_STRING, JF_NULLABLE | JF_ABSOLUTE, JF_MEMBER(struct config, log_file) },
	{ "report_dir", JF_STRING, JF_NULLABLE | JF_ABSOLUTE, JF_MEMBER(struct config, report_dir) },
	{ "wait_ms", JF_INT, 0, JF_MEMBER(struct config, wait_ms), .max = WAIT_MS_MAX, .def = -1 },
	{ "tracer_backend", JF_ENUM, 0, JF_MEMBER(struct config, backend), JF_NAMES(tracer_backend_names) },
	{ "on_error", JF_ENUM, 0, JF_MEMBER(struct config, on_error), JF_NAMES(on_error_names) },
	{ "annotation_modes", JF_ENUM_BITS, 0, JF_MEMBER(struct config, annotation_modes), JF_NAMES(mode_names),
	  .min = MODE_ENFORCE, .has_present = true, .present = offsetof(struct config, annotation_modes_set) },
	{ "tracer_idle", JF_ENUM, 0, JF_MEMBER(struct config, unload_idle_tracer), JF_NAMES(tracer_idle_names) },
	{ "report_freed", JF_ENUM, 0, JF_MEMBER(struct config, list_freed), JF_NAMES(report_freed_names) },
	{ "metrics_textfile", JF_STRING, JF_NULLABLE | JF_ABSOLUTE, JF_MEMBER(struct config, metrics_textfile),
	  .expect = "an absolute path (a directory)" },
	{ "report_retention", JF_OBJECT, 0, JF_MEMBER(struct config, retention), .sub = &retention_table,
	  .expect = "{\"count\": N, \"max_age\": \"7d\"}", .has_present = true,
	  .present = offsetof(struct config, retention_set) },
	{ "runtime", JF_STRING, 0, JF_MEMBER(struct config, runtime), .valid = runtime_valid,
	  .expect = "a command name or an absolute path" },
	{ "hooks_dir", JF_STRING, JF_NULLABLE | JF_ABSOLUTE, JF_MEMBER(struct config, hooks_dir) },
	{ "live_budget", JF_OBJECT, 0, JF_MEMBER(struct config, live_budget), .sub = &live_budget_table,
	  .expect = "{\"objects\": N, \"bytes\": N} with integers from 0 to 2^50" },
};
static const struct jf_table config_table = JF_TABLE(config_fields, true);

int config_parse_at(const char *text, size_t len, struct config *ret, struct br_error *err,
		    struct config_where *ret_where)
{
	_cleanup_json_ json_object *root = NULL;
	struct config c = { .wait_ms = -1 };
	const char *unknown = NULL;
	struct json_error jerr;
	unsigned line, column;
	int r;

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
	r = jf_parse(&config_table, root, &c, BR_STEP_CONFIG, err, &unknown);
	if (r < 0) {
		if (unknown)
			key_position(text, len, unknown, ret_where);
		config_done(&c);
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
