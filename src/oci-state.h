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

/* A hook's stdin is small; anything larger is not a runtime talking. */
#define OCI_STATE_MAX_BYTES (1024 * 1024)
/* runc and crun keep a state directory named after the id: NAME_MAX applies. */
#define CONTAINER_ID_MAX 240
#define ANNOTATIONS_MAX 1024
#define ANNOTATION_VALUE_MAX 4096

struct oci_state {
	char *oci_version;
	char *id;
	char *status;
	char *bundle; /* NULL if the runtime did not say */
	int pid;      /* 0: absent (runc/podman poststop) or 0 (crun poststop) */
	json_object *annotations; /* object of string values, never NULL */
};

void oci_state_done(struct oci_state *s);
/* On failure err (step BR_STEP_OCI_STATE) says what was wrong, in a few
 * words: "state is not valid JSON". */
int oci_state_parse(const char *buf, size_t len, struct oci_state *ret, struct br_error *err);
/* Not valid: err (-EINVAL, no step) says why. */
bool container_id_valid(const char *id, struct br_error *err);
/* Annotation value or NULL. */
const char *oci_state_annotation(const struct oci_state *s, const char *key);

/* Parse JSON text of at most max_depth nesting, rejecting trailing bytes. */
int json_parse_strict(const char *buf, size_t len, int max_depth, json_object **ret);

#define _cleanup_json_ __attribute__((cleanup(json_putp)))
static inline void json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}

#endif
