/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who a container is in Kubernetes terms, from the annotations CRI-O and
 * containerd put in its OCI config: pod name, pod namespace, container
 * name. Only for people (logs, reports, list): nothing is ever decided on
 * it, since the container's own config carries it. Values are bounded and
 * printable ASCII; one that is not is dropped, never stored.
 */
#ifndef BPFREAPER_PODID_H
#define BPFREAPER_PODID_H

#include <stdbool.h>
#include <stddef.h>

#include "oci-state.h"

/* A DNS subdomain, Kubernetes' longest name. */
#define POD_FIELD_MAX 253

/* CRI-O */
#define ANNOTATION_CRIO_POD_NAME "io.kubernetes.pod.name"
#define ANNOTATION_CRIO_POD_NAMESPACE "io.kubernetes.pod.namespace"
#define ANNOTATION_CRIO_CONTAINER_NAME "io.kubernetes.container.name"
/* containerd's CRI plugin */
#define ANNOTATION_CRI_POD_NAME "io.kubernetes.cri.sandbox-name"
#define ANNOTATION_CRI_POD_NAMESPACE "io.kubernetes.cri.sandbox-namespace"
#define ANNOTATION_CRI_CONTAINER_NAME "io.kubernetes.cri.container-name"

/* "" where unknown. */
struct pod_identity {
	char pod[POD_FIELD_MAX + 1];
	char pod_namespace[POD_FIELD_MAX + 1];
	char container[POD_FIELD_MAX + 1];
};

/* CRI-O's annotations first, then containerd's. *ret_invalid: the first
 * annotation present but dropped (too long, not printable), else NULL. */
void pod_identity_from_annotations(const struct oci_state *oci, struct pod_identity *ret,
				   const char **ret_invalid);
bool pod_field_valid(const char *s);
bool pod_identity_known(const struct pod_identity *p);
/* Room for either text below. */
#define POD_TEXT_MAX (3 * POD_FIELD_MAX + 32)
/* "namespace/pod", "pod", or "-" for none (a table column). */
void pod_identity_format(const struct pod_identity *p, char *buf, size_t size);
/* ", pod namespace/pod container name" with what is known, or "" (inside
 * a log line). */
void pod_identity_describe(const struct pod_identity *p, char *buf, size_t size);
/* {"name", "namespace", "container"}, each only when known; NULL when
 * nothing is. */
json_object *pod_identity_to_json(const struct pod_identity *p);
/* The same object back; -EBADMSG if it is not one. */
int pod_identity_from_json(json_object *o, struct pod_identity *ret);

#endif
