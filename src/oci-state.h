/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCI runtime state a runtime writes on a hook's stdin. Only validated
 * values leave this module: the id is safe as a file name, the bundle is an
 * absolute path, the pid is positive or absent.
 */
#ifndef BPFREAPER_OCISTATE_H
#define BPFREAPER_OCISTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "error.h"
#include "input-limits.h"

/* Nesting accepted in either: runtimes write a few levels; unknown fields
 * may add some, and json-c's recursion stays shallow. */
#define OCI_JSON_MAX_DEPTH 64
/* runc and crun keep a state directory named after the id: NAME_MAX applies. */
#define CONTAINER_ID_MAX 240

struct oci_state {
	char *oci_version;
	char *id;
	char *status;
	char *bundle; /* NULL if the runtime did not say */
	int pid;      /* 0: absent (runc/podman poststop) or 0 (crun poststop) */
	/* As the runtime sent it, never NULL: any count, size and content.
	 * Only bpfreaper's own io.bpfreaper.* values are ever judged (policy.c). */
	json_object *annotations;
};

void oci_state_done(struct oci_state *s);
/* On failure err (step BR_STEP_OCI_STATE) says what was wrong, in a few
 * words: "state is not valid JSON". */
int oci_state_parse(const char *buf, size_t len, struct oci_state *ret, struct br_error *err);
/* Not valid: err (-EINVAL, no step) says why. */
bool container_id_valid(const char *id, struct br_error *err);
/* Annotation value or NULL (absent or JSON null); a value that is not a
 * string is its JSON text, which the caller's own check then rejects. */
const char *oci_state_annotation(const struct oci_state *s, const char *key);

/* Parse JSON text of at most max_depth nesting, rejecting trailing bytes. */
int json_parse_strict(const char *buf, size_t len, int max_depth, json_object **ret);

/* Where and why JSON text did not parse. */
struct json_error {
	size_t offset;    /* byte offset of the first byte not taken */
	const char *what; /* static text: json-c's words, "text after the JSON value" */
};
/* json_parse_strict(), saying where it stopped on -EINVAL. */
int json_parse_located(const char *buf, size_t len, int max_depth, json_object **ret, struct json_error *ret_error);
/* offset as a 1-based line and column (in bytes), as editors show them. */
void json_error_position(const char *buf, size_t len, size_t offset, unsigned *ret_line, unsigned *ret_column);

#define _cleanup_json_ __attribute__((cleanup(json_putp)))
static inline void json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}

#endif
