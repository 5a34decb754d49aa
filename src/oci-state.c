// SPDX-License-Identifier: LGPL-2.1-or-later
/* OCI state parsing and container id validation; see oci-state.h. */
#include "oci-state.h"
#include "util.h"

#include <ctype.h>
#include <limits.h>

int json_parse_located(const char *buf, size_t len, int max_depth, json_object **ret, struct json_error *ret_error)
{
	json_tokener *tok;
	json_object *obj;
	const char *nul;
	size_t used;

	*ret_error = (struct json_error){ .what = "not JSON text" };
	if (len > INT_MAX)
		return -EFBIG;
	nul = memchr(buf, '\0', len);
	if (nul) {
		ret_error->offset = (size_t)(nul - buf);
		ret_error->what = "a NUL byte";
		return -EINVAL;
	}
	tok = json_tokener_new_ex(max_depth);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		/* Where the tokener stopped: the byte it could not take. */
		ret_error->offset = json_tokener_get_parse_end(tok);
		ret_error->what = e == json_tokener_continue ? "the text ends too early" : json_tokener_error_desc(e);
		json_tokener_free(tok);
		if (obj)
			json_object_put(obj);
		return -EINVAL;
	}
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (; used < len; used++)
		if (!isspace((unsigned char)buf[used])) {
			ret_error->offset = used;
			ret_error->what = "text after the JSON value";
			json_object_put(obj);
			return -EINVAL;
		}
	*ret = obj;
	return 0;
}

int json_parse_strict(const char *buf, size_t len, int max_depth, json_object **ret)
{
	struct json_error e;

	return json_parse_located(buf, len, max_depth, ret, &e);
}

void json_error_position(const char *buf, size_t len, size_t offset, unsigned *ret_line, unsigned *ret_column)
{
	unsigned line = 1, column = 1;

	for (size_t i = 0; i < offset && i < len; i++) {
		if (buf[i] == '\n') {
			line++;
			column = 1;
		} else {
			column++;
		}
	}
	*ret_line = line;
	*ret_column = column;
}

/* What is wrong with id, or NULL. */
static const char *id_problem(const char *id)
{
	size_t n = strlen(id);

	if (n == 0)
		return "container id is empty";
	if (n > CONTAINER_ID_MAX)
		return "container id is longer than 240 bytes";
	if (streq(id, ".") || streq(id, ".."))
		return "container id is a relative path";
	/* runc's own rule (^[\w+-\.]+$): a file name that cannot climb. */
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
			return "container id has a character other than [A-Za-z0-9_+.-]";
	return NULL;
}

bool container_id_valid(const char *id, struct br_error *err)
{
	const char *why = id_problem(id);

	if (why)
		br_error_set(err, -EINVAL, BR_STEP_NONE, "%s", why);
	return !why;
}

/* What is wrong in the state, in the caller's error. */
static int state_error(struct br_error *err, int code, const char *why)
{
	/* code itself, not what br_error_set returns: the analyzer cannot
	 * see that it is the same. */
	(void)br_error_set(err, code, BR_STEP_OCI_STATE, "%s", why);
	return code;
}

static int dup_string(json_object *root, const char *key, bool required, size_t max, char **ret,
		      struct br_error *err, const char *why_missing, const char *why_type)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(root, key, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			return state_error(err, -EINVAL, why_missing);
		*ret = NULL;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return state_error(err, -EINVAL, why_type);
	s = json_object_get_string(v);
	if (strlen(s) > max)
		return state_error(err, -EINVAL, why_type);
	*ret = strdup(s);
	return *ret ? 0 : state_error(err, -ENOMEM, "");
}

int oci_state_parse(const char *buf, size_t len, struct oci_state *ret, struct br_error *err)
{
	_cleanup_json_ json_object *root = NULL;
	struct oci_state s = {};
	json_object *v;
	int r;

	if (len > OCI_STATE_MAX_BYTES)
		return state_error(err, -EFBIG, "state JSON larger than " OCI_STATE_MAX_TEXT);
	r = json_parse_strict(buf, len, OCI_JSON_MAX_DEPTH, &root);
	if (r < 0)
		return state_error(err, r, "state is not valid JSON");
	if (!json_object_is_type(root, json_type_object))
		return state_error(err, -EINVAL, "state JSON is not an object");
	r = dup_string(root, "id", true, 4096, &s.id, err, "state has no \"id\"", "\"id\" is not a string");
	if (r == 0 && id_problem(s.id))
		r = state_error(err, -EINVAL, id_problem(s.id));
	if (r == 0)
		r = dup_string(root, "status", true, 64, &s.status, err, "state has no \"status\"",
			       "\"status\" is not a short string");
	if (r == 0)
		r = dup_string(root, "ociVersion", false, 64, &s.oci_version, err, "",
			       "\"ociVersion\" is not a short string");
	if (r == 0)
		r = dup_string(root, "bundle", false, PATH_MAX - 1, &s.bundle, err, "", "\"bundle\" is not a path");
	if (r == 0 && s.bundle && s.bundle[0] != '/')
		r = state_error(err, -EINVAL, "\"bundle\" is not an absolute path");
	if (r == 0 && json_object_object_get_ex(root, "pid", &v)) {
		int64_t pid = json_object_get_int64(v);

		if (!json_object_is_type(v, json_type_int) || pid < 0 || pid > INT_MAX)
			r = state_error(err, -EINVAL, "\"pid\" is not a non-negative integer");
		else
			s.pid = (int)pid;
	}
	if (r == 0) {
		/* Read only what is needed: annotations that are not an object
		 * (no runtime sends that) are as good as none. */
		if (json_object_object_get_ex(root, "annotations", &v) && json_object_is_type(v, json_type_object)) {
			s.annotations = json_object_get(v);
		} else {
			s.annotations = json_object_new_object();
			if (!s.annotations)
				r = state_error(err, -ENOMEM, "");
		}
	}
	if (r < 0) {
		oci_state_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

const char *oci_state_annotation(const struct oci_state *s, const char *key)
{
	json_object *v;

	if (!s->annotations || !json_object_object_get_ex(s->annotations, key, &v))
		return NULL;
	return json_object_get_string(v);
}

void oci_state_done(struct oci_state *s)
{
	free(s->oci_version);
	free(s->id);
	free(s->status);
	free(s->bundle);
	if (s->annotations)
		json_object_put(s->annotations);
	memset(s, 0, sizeof(*s));
}
