/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON by field tables over json-c: one table per struct lists each field
 * once (its JSON name, type, limits, place in the struct, whether it is
 * required, its default), and both reading and writing follow it. Reading
 * checks every value against its field and names the field in the error
 * ("\"keep[2]\" is not a string"). Pure: no I/O, no logging.
 */
#ifndef BPFREAPER_JSONFIELD_H
#define BPFREAPER_JSONFIELD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum jf_type {
	/* char *, NULL when absent; max_len, JF_ABSOLUTE, valid. NULL is
	 * written as null: JF_NULLABLE reads that back. */
	JF_STRING,
	JF_BOOL,       /* bool */
	JF_INT,        /* a JSON integer from min to max, in a member of size 1, 4 or 8 */
	/* uint64_t written as a decimal string: JSON readers in other languages
	 * lose the high bits of a number; min, max (0: UINT64_MAX) */
	JF_U64_STRING,
	JF_ENUM,       /* a name of an enumtab.h table, from min to max (0: the last) */
	JF_ENUM_BITS,  /* an array of such names, as bits (1u << value) in an unsigned */
	JF_DURATION,   /* "12h", "7d" (duration.h), as int64_t seconds */
	JF_STRINGS,    /* an array of strings, each handed to add; written from item */
	JF_OBJECT,     /* a nested struct, by its own table */
	JF_CUSTOM,     /* the caller's own mapping: from_json, to_json */
	/* char[size], NUL-terminated within it (a kernel comm, an object's
	 * name); "" is written as "" */
	JF_CHARS,
};

enum {
	JF_REQUIRED = 1u << 0,     /* absent (or null with JF_NULLABLE): an error */
	JF_NULLABLE = 1u << 1,     /* null reads as absent */
	JF_ABSOLUTE = 1u << 2,     /* JF_STRING: starts with '/' */
	JF_OMIT_DEFAULT = 1u << 3, /* written only when not the default (all bytes 0, or def) */
	JF_UNSIGNED = 1u << 4,     /* JF_INT: a 4-byte member is a uint32_t */
};

struct jf_table;

struct jf_field {
	const char *name;
	enum jf_type type;
	unsigned flags;
	size_t offset; /* offsetof() of the member in the table's struct */
	size_t size;   /* sizeof() of the member */
	int64_t min, max;
	int64_t def;        /* JF_INT: the value when absent */
	size_t max_len;     /* JF_STRING: the longest value in bytes; 0: PATH_MAX - 1 */
	/* JF_STRING: a check beyond the flags; expect says what it wants */
	bool (*valid)(const char *s);
	const char *const *names; /* JF_ENUM, JF_ENUM_BITS: indexed by value */
	size_t n_names;
	const struct jf_table *sub; /* JF_OBJECT */
	/* JF_STRINGS: add one string to the member (its own error in err);
	 * item: the member's i-th string, NULL past the last. */
	int (*add)(void *member, const char *s, struct br_error *err);
	const char *(*item)(const void *member, size_t i);
	/* JF_CUSTOM, given the whole struct (a field may depend on an earlier
	 * one); -errno. to_json sets *ret NULL to leave the key out. */
	int (*from_json)(json_object *v, void *base);
	int (*to_json)(const void *base, json_object **ret);
	/* What a wrong value is not, when the type's own words are not enough
	 * ("an array of path globs"). */
	const char *expect;
	/* With has_present: the offset of a bool set when the key is there. */
	bool has_present;
	size_t present;
};

struct jf_table {
	const struct jf_field *fields;
	size_t n;
	bool reject_unknown; /* an unknown key is an error, not skipped */
};

#define JF_TABLE(fields_, reject_) { (fields_), sizeof(fields_) / sizeof((fields_)[0]), (reject_) }
#define JF_MEMBER(type_, member_) .offset = offsetof(type_, member_), .size = sizeof(((type_ *)0)->member_)
#define JF_NAMES(table_) .names = (table_), .n_names = sizeof(table_) / sizeof((table_)[0])

/* Fill *base from object o by table t. On error, -EINVAL (-ENOMEM) and err
 * names the field and the cause, with step; *base may hold what was read
 * before (the caller's done function frees it). An unknown key rejected is
 * also returned in *ret_unknown (may be NULL; it lives as long as o). */
int jf_parse(const struct jf_table *t, json_object *o, void *base, enum br_step step, struct br_error *err,
	     const char **ret_unknown);

/* Add *base's fields to object o, in the table's order. -ENOMEM. */
int jf_write(const struct jf_table *t, const void *base, json_object *o);

/* A JSON array of n structs of size bytes each, from v, each by table t. */
int jf_write_array(const struct jf_table *t, const void *v, size_t n, size_t size, json_object **ret);

#endif
