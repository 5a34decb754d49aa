// SPDX-License-Identifier: LGPL-2.1-or-later
/* The field tables (src/jsonfield.c) on a struct of every type. */
#include <stdlib.h>

#include "check.h"
#include "jsonfield.h"
#include "oci-state.h"
#include "util.h"

struct inner {
	int64_t count;
	char *label;
};

struct sample {
	char *name;      /* required */
	char *path;      /* absolute, nullable, omitted when NULL */
	bool on;
	int level;       /* 0..10, default -1 */
	uint64_t big;    /* as a decimal string, 1.. */
	int color;       /* enum */
	unsigned colors; /* enum bits */
	bool colors_set;
	int64_t age_s;   /* duration */
	struct {
		char *v[3];
		size_t n;
	} tags;
	struct inner inner;
	bool inner_set;
	int custom;      /* "even": an even integer */
};

static const char *const colors[] = { "none", "red", "green", "blue" };

static int tag_add(void *tags, const char *s, struct br_error *err)
{
	struct sample *owner = (struct sample *)((char *)tags - offsetof(struct sample, tags));

	if (owner->tags.n >= 3)
		return br_error_set(err, -E2BIG, BR_STEP_NONE, "more than 3 tags");
	owner->tags.v[owner->tags.n] = strdup(s);
	if (!owner->tags.v[owner->tags.n])
		return -ENOMEM;
	owner->tags.n++;
	return 0;
}

static const char *tag_item(const void *tags, size_t i)
{
	const struct sample *owner = (const struct sample *)((const char *)tags - offsetof(struct sample, tags));

	return i < owner->tags.n ? owner->tags.v[i] : NULL;
}

static int even_from(json_object *v, void *base)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int(v) % 2)
		return -EINVAL;
	((struct sample *)base)->custom = json_object_get_int(v);
	return 0;
}

static int even_to(const void *base, json_object **ret)
{
	*ret = json_object_new_int(((const struct sample *)base)->custom);
	return *ret ? 0 : -ENOMEM;
}

static bool no_space(const char *s)
{
	return !strchr(s, ' ');
}

static const struct jf_field inner_fields[] = {
	{ "count", JF_INT, JF_REQUIRED, JF_MEMBER(struct inner, count), .max = 100 },
	{ "label", JF_STRING, JF_NULLABLE, JF_MEMBER(struct inner, label), .max_len = 4 },
};
static const struct jf_table inner_table = JF_TABLE(inner_fields, true);

static const struct jf_field sample_fields[] = {
	{ "name", JF_STRING, JF_REQUIRED, JF_MEMBER(struct sample, name), .max_len = 8, .valid = no_space,
	  .expect = "a name without spaces" },
	{ "path", JF_STRING, JF_ABSOLUTE | JF_NULLABLE | JF_OMIT_DEFAULT, JF_MEMBER(struct sample, path) },
	{ "on", JF_BOOL, 0, JF_MEMBER(struct sample, on) },
	{ "level", JF_INT, 0, JF_MEMBER(struct sample, level), .max = 10, .def = -1 },
	{ "big", JF_U64_STRING, JF_OMIT_DEFAULT, JF_MEMBER(struct sample, big), .min = 1 },
	{ "color", JF_ENUM, 0, JF_MEMBER(struct sample, color), JF_NAMES(colors), .min = 1 },
	{ "colors", JF_ENUM_BITS, 0, JF_MEMBER(struct sample, colors), JF_NAMES(colors), .min = 1,
	  .has_present = true, .present = offsetof(struct sample, colors_set) },
	{ "age", JF_DURATION, 0, JF_MEMBER(struct sample, age_s) },
	{ "tags", JF_STRINGS, 0, JF_MEMBER(struct sample, tags), .add = tag_add, .item = tag_item },
	{ "inner", JF_OBJECT, JF_OMIT_DEFAULT, JF_MEMBER(struct sample, inner), .sub = &inner_table,
	  .has_present = true, .present = offsetof(struct sample, inner_set) },
	{ "even", JF_CUSTOM, 0, JF_MEMBER(struct sample, custom), .from_json = even_from, .to_json = even_to,
	  .expect = "an even integer" },
};
static const struct jf_table sample_table = JF_TABLE(sample_fields, true);
static const struct jf_table sample_lax = JF_TABLE(sample_fields, false);

static void sample_done(struct sample *s)
{
	free(s->name);
	free(s->path);
	for (size_t i = 0; i < s->tags.n; i++)
		free(s->tags.v[i]);
	free(s->inner.label);
	memset(s, 0, sizeof(*s));
}

/* Parse text by t; the error's detail in err. */
static int parse_by(const struct jf_table *t, const char *text, struct sample *ret, struct br_error *err,
		    const char **ret_unknown)
{
	_cleanup_json_ json_object *o = NULL;

	br_error_clear(err);
	memset(ret, 0, sizeof(*ret));
	if (json_parse_strict(text, strlen(text), 8, &o) < 0)
		return -EBADMSG;
	return jf_parse(t, o, ret, BR_STEP_CONFIG, err, ret_unknown);
}

static int parse(const char *text, struct sample *ret, struct br_error *err)
{
	return parse_by(&sample_table, text, ret, err, NULL);
}

/* text must be refused with code and exactly want as the detail. */
static void refused_with(const char *text, int code, const char *want)
{
	struct br_error err = BR_ERROR_INIT;
	struct sample s;

	CHECK_EQ_INT(parse(text, &s, &err), code);
	CHECK_EQ_INT(err.code, code);
	CHECK_EQ_INT(err.step, BR_STEP_CONFIG);
	CHECK_EQ_STR(err.detail, want);
	sample_done(&s);
}

static void refused(const char *text, const char *want)
{
	refused_with(text, -EINVAL, want);
}

TEST(every_type_read)
{
	struct br_error err = BR_ERROR_INIT;
	struct sample s;

	CHECK_EQ_INT(parse("{\"name\":\"a\",\"path\":\"/p\",\"on\":true,\"level\":10,\"big\":\"18446744073709551615\","
			   "\"color\":\"blue\",\"colors\":[\"red\",\"blue\"],\"age\":\"2h\",\"tags\":[\"x\",\"y\"],"
			   "\"inner\":{\"count\":7,\"label\":\"abcd\"},\"even\":4}",
			   &s, &err),
		     0);
	CHECK_EQ_STR(s.name, "a");
	CHECK_EQ_STR(s.path, "/p");
	CHECK(s.on);
	CHECK_EQ_INT(s.level, 10);
	CHECK(s.big == UINT64_MAX);
	CHECK_EQ_INT(s.color, 3);
	CHECK_EQ_INT(s.colors, (1u << 1) | (1u << 3));
	CHECK(s.colors_set);
	CHECK_EQ_INT(s.age_s, 7200);
	CHECK_EQ_INT(s.tags.n, 2);
	CHECK_EQ_STR(s.tags.v[1], "y");
	CHECK_EQ_INT(s.inner.count, 7);
	CHECK_EQ_STR(s.inner.label, "abcd");
	CHECK(s.inner_set);
	CHECK_EQ_INT(s.custom, 4);
	sample_done(&s);
}

TEST(defaults_when_absent)
{
	struct br_error err = BR_ERROR_INIT;
	struct sample s;

	CHECK_EQ_INT(parse("{\"name\":\"a\",\"path\":null}", &s, &err), 0);
	CHECK(s.path == NULL);
	CHECK_EQ_INT(s.level, -1);
	CHECK(!s.colors_set && !s.inner_set);
	CHECK_EQ_INT(s.color, 0);
	sample_done(&s);
}

TEST(required_missing)
{
	refused("{}", "\"name\" is missing");
	refused("{\"name\":\"a\",\"inner\":{}}", "\"inner.count\" is missing");
}

TEST(wrong_type)
{
	refused("{\"name\":1}", "\"name\" is not a name without spaces");
	refused("{\"name\":\"a\",\"on\":1}", "\"on\" is not true or false");
	refused("{\"name\":\"a\",\"level\":\"1\"}", "\"level\" is not an integer from 0 to 10");
	refused("{\"name\":\"a\",\"big\":5}", "\"big\" is not a decimal string from 1 to 18446744073709551615");
	refused("{\"name\":\"a\",\"color\":2}", "\"color\" is not one of red, green, blue");
	refused("{\"name\":\"a\",\"colors\":\"red\"}", "\"colors\" is not an array of red, green, blue");
	refused("{\"name\":\"a\",\"age\":7}", "\"age\" is not a duration such as \"12h\", \"7d\", \"2w\"");
	refused("{\"name\":\"a\",\"tags\":\"x\"}", "\"tags\" is not an array of strings");
	refused("{\"name\":\"a\",\"tags\":[\"x\",\"y\",3]}", "\"tags[2]\" is not a string");
	refused("{\"name\":\"a\",\"inner\":[]}", "\"inner\" is not an object");
	refused("{\"name\":\"a\",\"inner\":{\"count\":1,\"label\":2}}", "\"inner.label\" is not a string");
	refused("{\"name\":\"a\",\"even\":3}", "\"even\" is not an even integer");
	/* null is a value unless the field says it reads as absent */
	refused("{\"name\":\"a\",\"on\":null}", "\"on\" is not true or false");
	refused("{\"name\":null}", "\"name\" is not a name without spaces");
}

TEST(over_the_limits)
{
	refused("{\"name\":\"123456789\"}", "\"name\" is longer than 8 bytes");
	refused("{\"name\":\"a b\"}", "\"name\" is not a name without spaces");
	refused("{\"name\":\"a\",\"path\":\"rel\"}", "\"path\" is not an absolute path");
	refused("{\"name\":\"a\",\"level\":11}", "\"level\" is not an integer from 0 to 10");
	refused("{\"name\":\"a\",\"level\":-1}", "\"level\" is not an integer from 0 to 10");
	/* json-c clamps this to INT64_MAX: still refused */
	refused("{\"name\":\"a\",\"level\":99999999999999999999}", "\"level\" is not an integer from 0 to 10");
	refused("{\"name\":\"a\",\"big\":\"0\"}", "\"big\" is not a decimal string from 1 to 18446744073709551615");
	refused("{\"name\":\"a\",\"big\":\"18446744073709551616\"}",
		"\"big\" is not a decimal string from 1 to 18446744073709551615");
	refused("{\"name\":\"a\",\"big\":\"+1\"}", "\"big\" is not a decimal string from 1 to 18446744073709551615");
	refused("{\"name\":\"a\",\"big\":\"1x\"}", "\"big\" is not a decimal string from 1 to 18446744073709551615");
	refused("{\"name\":\"a\",\"color\":\"none\"}", "\"color\" is not one of red, green, blue");
	refused("{\"name\":\"a\",\"colors\":[\"none\"]}", "\"colors\" is not an array of red, green, blue");
	refused("{\"name\":\"a\",\"inner\":{\"count\":101}}", "\"inner.count\" is not an integer from 0 to 100");
	refused("{\"name\":\"a\",\"inner\":{\"count\":1,\"label\":\"abcde\"}}", "\"inner.label\" is longer than 4 bytes");
	/* the adder's own code and words, in the table's step */
	refused_with("{\"name\":\"a\",\"tags\":[\"1\",\"2\",\"3\",\"4\"]}", -E2BIG, "more than 3 tags");
}

TEST(unknown_keys)
{
	static const char text[] = "{\"name\":\"a\",\"nmae\":1}";
	_cleanup_json_ json_object *o = NULL;
	struct br_error err = BR_ERROR_INIT;
	const char *unknown = NULL;
	struct sample s = {};

	CHECK_EQ_INT(json_parse_strict(text, strlen(text), 8, &o), 0);
	/* the key is named for the caller to find it in the text */
	CHECK_EQ_INT(jf_parse(&sample_table, o, &s, BR_STEP_CONFIG, &err, &unknown), -EINVAL);
	CHECK_EQ_STR(err.detail, "unknown key \"nmae\" (known: name, path, on, level, big, color, colors, age, tags, "
				 "inner, even)");
	CHECK_EQ_STR(unknown, "nmae");
	sample_done(&s);
	refused("{\"name\":\"a\",\"inner\":{\"count\":1,\"x\":1}}",
		"\"inner\": unknown key \"x\" (known: count, label)");
	/* a table that does not reject them skips them */
	CHECK_EQ_INT(parse_by(&sample_lax, "{\"name\":\"a\",\"nmae\":1}", &s, &err, NULL), 0);
	sample_done(&s);
	refused("[]", "not a JSON object");
}

TEST(round_trip)
{
	struct sample s = { .name = "n", .path = "/p", .on = true, .level = 3, .big = UINT64_MAX - 1, .color = 2,
			    .colors = (1u << 2) | (1u << 3), .age_s = 604800, .inner = { .count = 9 }, .custom = -2 };
	_cleanup_json_ json_object *o = json_object_new_object();
	struct br_error err = BR_ERROR_INIT;
	struct sample back = {};
	json_object *v;

	s.tags.n = 2;
	s.tags.v[0] = "t0";
	s.tags.v[1] = "t1";
	CHECK_EQ_INT(jf_write(&sample_table, &s, o), 0);
	CHECK(json_object_object_get_ex(o, "big", &v) && json_object_is_type(v, json_type_string));
	/* a NULL string without JF_OMIT_DEFAULT is written as null */
	CHECK(json_object_object_get_ex(o, "inner", &v) && json_object_object_get_ex(v, "label", &v) && v == NULL);
	CHECK_EQ_INT(jf_parse(&sample_table, o, &back, BR_STEP_CONFIG, &err, NULL), 0);
	CHECK_EQ_STR(back.name, "n");
	CHECK_EQ_STR(back.path, "/p");
	CHECK(back.on);
	CHECK_EQ_INT(back.level, 3);
	CHECK(back.big == UINT64_MAX - 1);
	CHECK_EQ_INT(back.color, 2);
	CHECK_EQ_INT(back.colors, s.colors);
	CHECK_EQ_INT(back.age_s, 604800);
	CHECK_EQ_INT(back.tags.n, 2);
	CHECK_EQ_STR(back.tags.v[1], "t1");
	CHECK_EQ_INT(back.inner.count, 9);
	CHECK_EQ_INT(back.custom, -2);
	sample_done(&back);
}

TEST(defaults_left_out_when_written)
{
	struct sample s = { .name = "n", .level = -1 };
	_cleanup_json_ json_object *o = json_object_new_object();

	CHECK_EQ_INT(jf_write(&sample_table, &s, o), 0);
	/* JF_OMIT_DEFAULT: a NULL string, a 0 and an all-zero object */
	CHECK(!json_object_object_get_ex(o, "path", NULL));
	CHECK(!json_object_object_get_ex(o, "big", NULL));
	CHECK(!json_object_object_get_ex(o, "inner", NULL));
	/* the others are always written */
	CHECK(json_object_object_get_ex(o, "level", NULL));
	CHECK(json_object_object_get_ex(o, "tags", NULL));
	CHECK_EQ_INT(json_object_object_length(o), 8);
}

/* Kernel-shaped records: a fixed char array and a uint32_t, as the report
 * writes objects (an id above INT32_MAX must not turn negative). */
struct kobj {
	uint32_t id;
	char comm[8];
};

static const struct jf_field kobj_fields[] = {
	{ "id", JF_INT, JF_UNSIGNED, JF_MEMBER(struct kobj, id), .min = 0, .max = UINT32_MAX },
	{ "comm", JF_CHARS, 0, JF_MEMBER(struct kobj, comm) },
};
static const struct jf_table kobj_table = JF_TABLE(kobj_fields, true);

TEST(fixed_chars_and_unsigned)
{
	struct kobj v[2] = { { 3000000000u, "abcdefg" }, { 7, "" } };
	_cleanup_json_ json_object *a = NULL;
	struct br_error err = BR_ERROR_INIT;
	struct kobj back = {};
	json_object *o, *x;

	CHECK_EQ_INT(jf_write_array(&kobj_table, v, 2, sizeof(*v), &a), 0);
	CHECK_EQ_INT(json_object_array_length(a), 2);
	o = json_object_array_get_idx(a, 0);
	CHECK(json_object_object_get_ex(o, "id", &x) && json_object_get_int64(x) == 3000000000ll);
	CHECK(json_object_object_get_ex(o, "comm", &x) && streq(json_object_get_string(x), "abcdefg"));
	CHECK(json_object_object_get_ex(json_object_array_get_idx(a, 1), "comm", &x) &&
	      streq(json_object_get_string(x), ""));
	CHECK_EQ_INT(jf_parse(&kobj_table, o, &back, BR_STEP_CONFIG, &err, NULL), 0);
	CHECK_EQ_STR(back.comm, "abcdefg");
	/* one byte more than the array holds with its NUL */
	json_object_object_add(o, "comm", json_object_new_string("abcdefgh"));
	CHECK_EQ_INT(jf_parse(&kobj_table, o, &back, BR_STEP_CONFIG, &err, NULL), -EINVAL);
	CHECK_EQ_STR(err.detail, "\"comm\" is not a string of at most 7 bytes");
}
