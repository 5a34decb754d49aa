// SPDX-License-Identifier: LGPL-2.1-or-later
/* JSON by field tables; see jsonfield.h. Reads and writes only the struct
 * and the json objects it is given. */
#include "jsonfield.h"
#include "duration.h"
#include "enumtab.h"
#include "util.h"

#include <inttypes.h>
#include <limits.h>

/* A field's place in the input: "report_retention.count", "keep[2]". */
#define JF_PATH_MAX 128

struct jf_ctx {
	enum br_step step;
	struct br_error *err;
	const char **ret_unknown;
};

/* A field's path, cut to fit: it only names the field in an error. */
static void __attribute__((format(printf, 3, 4))) path_printf_cut(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static void *member(void *base, const struct jf_field *f)
{
	return (char *)base + f->offset;
}

static const void *cmember(const void *base, const struct jf_field *f)
{
	return (const char *)base + f->offset;
}

static void store_int(void *p, size_t size, int64_t v)
{
	if (size == sizeof(int64_t)) {
		memcpy(p, &v, sizeof(v));
	} else if (size == sizeof(int32_t)) {
		int32_t v32 = (int32_t)v;

		memcpy(p, &v32, sizeof(v32));
	} else {
		*(uint8_t *)p = (uint8_t)v;
	}
}

static int64_t load_int(const void *p, size_t size)
{
	if (size == sizeof(int64_t)) {
		int64_t v;

		memcpy(&v, p, sizeof(v));
		return v;
	}
	if (size == sizeof(int32_t)) {
		int32_t v32;

		memcpy(&v32, p, sizeof(v32));
		return v32;
	}
	return *(const uint8_t *)p;
}

/* Appends s to buf (size bytes), cutting what does not fit. */
static void append(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 < size)
		snprintf(buf + n, size - n, "%s", s);
}

static int64_t enum_max(const struct jf_field *f)
{
	return f->max ? f->max : (int64_t)f->n_names - 1;
}

/* "enforce, report, off": the names from min to max. */
static void enum_list(const struct jf_field *f, char *buf, size_t size)
{
	buf[0] = '\0';
	for (int64_t v = f->min; v <= enum_max(f); v++) {
		if (!f->names[v])
			continue;
		if (buf[0])
			append(buf, size, ", ");
		append(buf, size, f->names[v]);
	}
}

static int enum_value(const struct jf_field *f, json_object *v)
{
	int e;

	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	e = enum_parse(f->names, f->n_names, json_object_get_string(v));
	if (e < 0 || e < f->min || e > enum_max(f))
		return -EINVAL;
	return e;
}

/* What a value of f must be, for "\"name\" is not <this>". */
static void expectation(const struct jf_field *f, char *buf, size_t size)
{
	char list[256];

	if (f->expect) {
		snprintf(buf, size, "%s", f->expect);
		return;
	}
	switch (f->type) {
	case JF_STRING:
		snprintf(buf, size, "%s", f->flags & JF_ABSOLUTE ? "an absolute path" : "a string");
		break;
	case JF_BOOL:
		snprintf(buf, size, "true or false");
		break;
	case JF_INT:
		snprintf(buf, size, "an integer from %" PRId64 " to %" PRId64, f->min, f->max);
		break;
	case JF_U64_STRING:
		snprintf(buf, size, "a decimal string from %" PRIu64 " to %" PRIu64, (uint64_t)f->min,
			 f->max ? (uint64_t)f->max : UINT64_MAX);
		break;
	case JF_ENUM:
		enum_list(f, list, sizeof(list));
		snprintf(buf, size, "one of %s", list);
		break;
	case JF_ENUM_BITS:
		enum_list(f, list, sizeof(list));
		snprintf(buf, size, "an array of %s", list);
		break;
	case JF_DURATION:
		snprintf(buf, size, "a duration such as \"12h\", \"7d\", \"2w\"");
		break;
	case JF_STRINGS:
		snprintf(buf, size, "an array of strings");
		break;
	case JF_OBJECT:
		snprintf(buf, size, "an object");
		break;
	case JF_CUSTOM:
		snprintf(buf, size, "valid");
		break;
	case JF_CHARS:
		snprintf(buf, size, "a string of at most %zu bytes", f->size - 1);
		break;
	}
}

static int field_error(const struct jf_ctx *c, const struct jf_field *f, const char *path)
{
	char want[320];

	expectation(f, want, sizeof(want));
	return br_error_set(c->err, -EINVAL, c->step, "\"%s\" is not %s", path, want);
}

static int oom(const struct jf_ctx *c)
{
	return br_error_set(c->err, -ENOMEM, c->step, "out of memory");
}

static int parse_table(const struct jf_ctx *c, const struct jf_table *t, json_object *o, void *base,
		       const char *path);

static int parse_string(const struct jf_ctx *c, const struct jf_field *f, json_object *v, void *base,
			const char *path)
{
	size_t max_len = f->max_len ? f->max_len : PATH_MAX - 1;
	char **dst = member(base, f);
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return field_error(c, f, path);
	if ((size_t)json_object_get_string_len(v) > max_len)
		return br_error_set(c->err, -EINVAL, c->step, "\"%s\" is longer than %zu bytes", path, max_len);
	s = json_object_get_string(v);
	if ((f->flags & JF_ABSOLUTE && s[0] != '/') || (f->valid && !f->valid(s)))
		return field_error(c, f, path);
	free(*dst);
	*dst = strdup(s);
	return *dst ? 0 : oom(c);
}

static int parse_u64_string(const struct jf_ctx *c, const struct jf_field *f, json_object *v, void *base,
			    const char *path)
{
	uint64_t max = f->max ? (uint64_t)f->max : UINT64_MAX;
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	unsigned long long n;
	char *end = NULL;

	/* Digits only: strtoull would take a sign or leading blanks. */
	if (s[0] < '0' || s[0] > '9')
		return field_error(c, f, path);
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || n < (uint64_t)f->min || n > max)
		return field_error(c, f, path);
	store_int(member(base, f), f->size, (int64_t)n);
	return 0;
}

static int parse_enum_bits(const struct jf_ctx *c, const struct jf_field *f, json_object *v, void *base,
			   const char *path)
{
	unsigned bits = 0;

	if (!json_object_is_type(v, json_type_array))
		return field_error(c, f, path);
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		int e = enum_value(f, json_object_array_get_idx(v, i));

		if (e < 0)
			return field_error(c, f, path);
		bits |= 1u << e;
	}
	store_int(member(base, f), f->size, bits);
	return 0;
}

static int parse_strings(const struct jf_ctx *c, const struct jf_field *f, json_object *v, void *base,
			 const char *path)
{
	char at[JF_PATH_MAX];

	if (!json_object_is_type(v, json_type_array))
		return field_error(c, f, path);
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *item = json_object_array_get_idx(v, i);
		int r;

		path_printf_cut(at, sizeof(at), "%s[%zu]", path, i);
		if (!json_object_is_type(item, json_type_string))
			return br_error_set(c->err, -EINVAL, c->step, "\"%s\" is not a string", at);
		r = f->add(member(base, f), json_object_get_string(item), c->err);
		if (r < 0)
			return br_error_step(c->err, c->step);
	}
	return 0;
}

static int parse_field(const struct jf_ctx *c, const struct jf_field *f, json_object *v, void *base,
		       const char *path)
{
	int64_t n;
	int r;

	switch (f->type) {
	case JF_STRING:
		return parse_string(c, f, v, base, path);
	case JF_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return field_error(c, f, path);
		store_int(member(base, f), f->size, json_object_get_boolean(v));
		return 0;
	case JF_INT:
		if (!json_object_is_type(v, json_type_int))
			return field_error(c, f, path);
		/* json-c clamps what is beyond int64 to its ends: refused by
		 * any range short of them. */
		n = json_object_get_int64(v);
		if (n < f->min || n > f->max)
			return field_error(c, f, path);
		store_int(member(base, f), f->size, n);
		return 0;
	case JF_U64_STRING:
		return parse_u64_string(c, f, v, base, path);
	case JF_ENUM:
		r = enum_value(f, v);
		if (r < 0)
			return field_error(c, f, path);
		store_int(member(base, f), f->size, r);
		return 0;
	case JF_ENUM_BITS:
		return parse_enum_bits(c, f, v, base, path);
	case JF_DURATION:
		if (!json_object_is_type(v, json_type_string) ||
		    duration_parse(json_object_get_string(v), &n) < 0)
			return field_error(c, f, path);
		store_int(member(base, f), f->size, n);
		return 0;
	case JF_STRINGS:
		return parse_strings(c, f, v, base, path);
	case JF_OBJECT:
		if (!json_object_is_type(v, json_type_object))
			return field_error(c, f, path);
		return parse_table(c, f->sub, v, member(base, f), path);
	case JF_CUSTOM:
		r = f->from_json(v, base);
		if (r == -ENOMEM)
			return oom(c);
		return r < 0 ? field_error(c, f, path) : 0;
	case JF_CHARS:
		if (!json_object_is_type(v, json_type_string) || (size_t)json_object_get_string_len(v) >= f->size)
			return field_error(c, f, path);
		memcpy(member(base, f), json_object_get_string(v), (size_t)json_object_get_string_len(v) + 1);
		return 0;
	}
	return field_error(c, f, path);
}

static const struct jf_field *find_field(const struct jf_table *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (streq(t->fields[i].name, key))
			return &t->fields[i];
	return NULL;
}

static int unknown_key(const struct jf_ctx *c, const struct jf_table *t, const char *key, const char *path)
{
	char known[320] = "";

	for (size_t i = 0; i < t->n; i++) {
		if (i)
			append(known, sizeof(known), ", ");
		append(known, sizeof(known), t->fields[i].name);
	}
	if (c->ret_unknown)
		*c->ret_unknown = key;
	if (path[0])
		return br_error_set(c->err, -EINVAL, c->step, "\"%s\": unknown key \"%.64s\" (known: %s)", path, key,
				    known);
	return br_error_set(c->err, -EINVAL, c->step, "unknown key \"%.64s\" (known: %s)", key, known);
}

static int parse_table(const struct jf_ctx *c, const struct jf_table *t, json_object *o, void *base,
		       const char *path)
{
	char at[JF_PATH_MAX];
	int r;

	if (t->reject_unknown) {
		json_object_object_foreach(o, key, val)
		{
			(void)val;
			if (!find_field(t, key))
				return unknown_key(c, t, key, path);
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct jf_field *f = &t->fields[i];
		json_object *v = NULL;
		bool present = json_object_object_get_ex(o, f->name, &v);

		if (present && (f->flags & JF_NULLABLE) && json_object_is_type(v, json_type_null))
			present = false;
		path_printf_cut(at, sizeof(at), "%s%s%s", path, path[0] ? "." : "", f->name);
		if (!present && (f->flags & JF_REQUIRED))
			return br_error_set(c->err, -EINVAL, c->step, "\"%s\" is missing", at);
		if (!present) {
			if (f->type == JF_INT && f->def)
				store_int(member(base, f), f->size, f->def);
			continue;
		}
		r = parse_field(c, f, v, base, at);
		if (r < 0)
			return r;
		if (f->has_present)
			*(bool *)((char *)base + f->present) = true;
	}
	return 0;
}

int jf_parse(const struct jf_table *t, json_object *o, void *base, enum br_step step, struct br_error *err,
	     const char **ret_unknown)
{
	struct jf_ctx c = { .step = step, .err = err, .ret_unknown = ret_unknown };

	if (!json_object_is_type(o, json_type_object))
		return br_error_set(err, -EINVAL, step, "not a JSON object");
	return parse_table(&c, t, o, base, "");
}

static bool is_default(const struct jf_field *f, const void *p)
{
	if (f->type == JF_INT)
		return load_int(p, f->size) == f->def;
	for (size_t i = 0; i < f->size; i++)
		if (((const uint8_t *)p)[i])
			return false;
	return true;
}

static json_object *u64_string(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return json_object_new_string(buf);
}

static int write_list(const struct jf_field *f, const void *p, json_object **ret)
{
	json_object *a = json_object_new_array();

	if (!a)
		return -ENOMEM;
	if (f->type == JF_ENUM_BITS) {
		unsigned bits = (unsigned)load_int(p, f->size);

		for (size_t v = 0; v < f->n_names && v < 32; v++)
			if (bits & (1u << v) && f->names[v] &&
			    json_object_array_add(a, json_object_new_string(f->names[v])) < 0)
				goto fail_array;
	} else {
		const char *s;

		for (size_t i = 0; (s = f->item(p, i)); i++)
			if (json_object_array_add(a, json_object_new_string(s)) < 0)
				goto fail_array;
	}
	*ret = a;
	return 0;
fail_array:
	json_object_put(a);
	return -ENOMEM;
}

/* The value of f in *base, or NULL for JSON null (*ret NULL and 1: leave
 * the key out). */
static int write_value(const struct jf_field *f, const void *base, json_object **ret)
{
	const void *p = cmember(base, f);
	char buf[32];
	int r;

	*ret = NULL;
	switch (f->type) {
	case JF_STRING:
		if (!*(char *const *)p)
			return 0;
		*ret = json_object_new_string(*(char *const *)p);
		break;
	case JF_BOOL:
		*ret = json_object_new_boolean(load_int(p, f->size) != 0);
		break;
	case JF_INT:
		if ((f->flags & JF_UNSIGNED) && f->size == sizeof(uint32_t)) {
			uint32_t u;

			memcpy(&u, p, sizeof(u));
			*ret = json_object_new_int64(u);
		} else {
			*ret = json_object_new_int64(load_int(p, f->size));
		}
		break;
	case JF_U64_STRING:
		*ret = u64_string((uint64_t)load_int(p, f->size));
		break;
	case JF_ENUM:
		*ret = json_object_new_string(enum_name(f->names, f->n_names, (unsigned)load_int(p, f->size), ""));
		break;
	case JF_DURATION:
		snprintf(buf, sizeof(buf), "%" PRId64 "s", load_int(p, f->size));
		*ret = json_object_new_string(buf);
		break;
	case JF_ENUM_BITS:
	case JF_STRINGS:
		return write_list(f, p, ret);
	case JF_OBJECT:
		*ret = json_object_new_object();
		if (!*ret)
			return -ENOMEM;
		r = jf_write(f->sub, p, *ret);
		if (r < 0) {
			json_object_put(*ret);
			*ret = NULL;
		}
		return r;
	case JF_CUSTOM:
		r = f->to_json(base, ret);
		return r < 0 ? r : *ret ? 0 : 1;
	case JF_CHARS:
		*ret = json_object_new_string_len(p, (int)strnlen(p, f->size));
		break;
	}
	return *ret ? 0 : -ENOMEM;
}

int jf_write(const struct jf_table *t, const void *base, json_object *o)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct jf_field *f = &t->fields[i];
		json_object *v;
		int r;

		if ((f->flags & JF_OMIT_DEFAULT) && is_default(f, cmember(base, f)))
			continue;
		r = write_value(f, base, &v);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (json_object_object_add(o, f->name, v) < 0) {
			json_object_put(v);
			return -ENOMEM;
		}
	}
	return 0;
}

int jf_write_array(const struct jf_table *t, const void *v, size_t n, size_t size, json_object **ret)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++) {
		json_object *o = json_object_new_object();

		if (!o || jf_write(t, (const char *)v + i * size, o) < 0 || json_object_array_add(a, o) < 0) {
			json_object_put(o);
			json_object_put(a);
			a = NULL;
		}
	}
	*ret = a;
	return a ? 0 : -ENOMEM;
}
