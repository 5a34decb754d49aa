// SPDX-License-Identifier: LGPL-2.1-or-later
/* Pod identity from OCI annotations; see oci-podid.h. */
#include "oci-podid.h"
#include "util.h"

bool pod_field_valid(const char *s)
{
	size_t n = strnlen(s, POD_FIELD_MAX + 1);

	if (n == 0 || n > POD_FIELD_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

static void take(const struct oci_state *oci, const char *const keys[2], char *buf, const char **invalid)
{
	for (size_t i = 0; i < 2; i++) {
		const char *v = oci_state_annotation(oci, keys[i]);

		if (!v)
			continue;
		if (pod_field_valid(v)) {
			snprintf(buf, POD_FIELD_MAX + 1, "%s", v);
			return;
		}
		if (!*invalid)
			*invalid = keys[i];
	}
}

void pod_identity_from_annotations(const struct oci_state *oci, struct pod_identity *ret,
				   const char **ret_invalid)
{
	static const char *const name[2] = { ANNOTATION_CRIO_POD_NAME, ANNOTATION_CRI_POD_NAME };
	static const char *const ns[2] = { ANNOTATION_CRIO_POD_NAMESPACE, ANNOTATION_CRI_POD_NAMESPACE };
	static const char *const ctr[2] = { ANNOTATION_CRIO_CONTAINER_NAME, ANNOTATION_CRI_CONTAINER_NAME };
	const char *invalid = NULL;

	memset(ret, 0, sizeof(*ret));
	take(oci, name, ret->pod, &invalid);
	take(oci, ns, ret->pod_namespace, &invalid);
	take(oci, ctr, ret->container, &invalid);
	*ret_invalid = invalid;
}

bool pod_identity_known(const struct pod_identity *p)
{
	return p->pod[0] || p->pod_namespace[0] || p->container[0];
}

void pod_identity_format(const struct pod_identity *p, char *buf, size_t size)
{
	if (p->pod[0] && p->pod_namespace[0])
		snprintf(buf, size, "%s/%s", p->pod_namespace, p->pod);
	else if (p->pod[0])
		snprintf(buf, size, "%s", p->pod);
	else
		snprintf(buf, size, "-");
}

void pod_identity_describe(const struct pod_identity *p, char *buf, size_t size)
{
	char pod[2 * POD_FIELD_MAX + 2];

	pod_identity_format(p, pod, sizeof(pod));
	if (!pod_identity_known(p))
		snprintf(buf, size, "%s", "");
	else if (p->container[0])
		snprintf(buf, size, ", pod %s container %s", pod, p->container);
	else
		snprintf(buf, size, ", pod %s", pod);
}

json_object *pod_identity_to_json(const struct pod_identity *p)
{
	json_object *o;

	if (!pod_identity_known(p))
		return NULL;
	o = json_object_new_object();
	if (o && p->pod[0])
		json_object_object_add(o, "name", json_object_new_string(p->pod));
	if (o && p->pod_namespace[0])
		json_object_object_add(o, "namespace", json_object_new_string(p->pod_namespace));
	if (o && p->container[0])
		json_object_object_add(o, "container", json_object_new_string(p->container));
	return o;
}

static int field_from_json(json_object *o, const char *key, char *buf)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string) || !pod_field_valid(json_object_get_string(v)))
		return -EBADMSG;
	snprintf(buf, POD_FIELD_MAX + 1, "%s", json_object_get_string(v));
	return 0;
}

int pod_identity_from_json(json_object *o, struct pod_identity *ret)
{
	struct pod_identity p = {};
	int r;

	if (!json_object_is_type(o, json_type_object))
		return -EBADMSG;
	r = field_from_json(o, "name", p.pod);
	if (r == 0)
		r = field_from_json(o, "namespace", p.pod_namespace);
	if (r == 0)
		r = field_from_json(o, "container", p.container);
	if (r < 0)
		return r;
	*ret = p;
	return 0;
}
