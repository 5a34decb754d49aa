// SPDX-License-Identifier: LGPL-2.1-or-later
/* Pod identity from CRI-O and containerd annotations, its validation, and
 * its round trip through the state file (older states have none). */
#include "check.h"
#include "oci-podid.h"
#include "store-state.h"

static void from_state_text(const char *text, struct pod_identity *ret, const char **ret_invalid)
{
	struct oci_state oci = {};
	struct br_error why = BR_ERROR_INIT;

	CHECK_EQ_INT(oci_state_parse(text, strlen(text), &oci, &why), 0);
	pod_identity_from_annotations(&oci, ret, ret_invalid);
	oci_state_done(&oci);
}

TEST(crio_annotations)
{
	struct pod_identity p;
	const char *invalid = "x";
	char buf[600];

	from_state_text("{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{"
			"\"io.kubernetes.pod.name\":\"web-7d9f\",\"io.kubernetes.pod.namespace\":\"shop\","
			"\"io.kubernetes.container.name\":\"nginx\"}}", &p, &invalid);
	CHECK_EQ_STR(p.pod, "web-7d9f");
	CHECK_EQ_STR(p.pod_namespace, "shop");
	CHECK_EQ_STR(p.container, "nginx");
	CHECK(invalid == NULL);
	pod_identity_format(&p, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "shop/web-7d9f");
	pod_identity_describe(&p, buf, sizeof(buf));
	CHECK_EQ_STR(buf, ", pod shop/web-7d9f container nginx");
}

TEST(containerd_annotations)
{
	struct pod_identity p;
	const char *invalid = "x";

	from_state_text("{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{"
			"\"io.kubernetes.cri.sandbox-name\":\"db-0\",\"io.kubernetes.cri.sandbox-namespace\":\"data\","
			"\"io.kubernetes.cri.container-name\":\"postgres\",\"io.kubernetes.cri.container-type\":\"container\"}}",
			&p, &invalid);
	CHECK_EQ_STR(p.pod, "db-0");
	CHECK_EQ_STR(p.pod_namespace, "data");
	CHECK_EQ_STR(p.container, "postgres");
	CHECK(invalid == NULL);
}

/* Both present: CRI-O's win; none: nothing known, formatted "-". */
TEST(precedence_and_none)
{
	struct pod_identity p;
	const char *invalid;
	char buf[600];

	from_state_text("{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{"
			"\"io.kubernetes.cri.sandbox-name\":\"cri\",\"io.kubernetes.pod.name\":\"crio\"}}", &p, &invalid);
	CHECK_EQ_STR(p.pod, "crio");
	CHECK_EQ_STR(p.pod_namespace, "");
	pod_identity_format(&p, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "crio");
	from_state_text("{\"id\":\"a\",\"status\":\"creating\"}", &p, &invalid);
	CHECK(!pod_identity_known(&p));
	CHECK(pod_identity_to_json(&p) == NULL);
	pod_identity_format(&p, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "-");
	pod_identity_describe(&p, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "");
}

/* A control character or an overlong value is dropped and named; a valid
 * fallback annotation still counts. */
TEST(invalid_values_dropped)
{
	struct pod_identity p;
	const char *invalid = NULL;
	char text[1024], long_name[300];

	from_state_text("{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{"
			"\"io.kubernetes.pod.name\":\"evil\\u001b[31m\",\"io.kubernetes.cri.sandbox-name\":\"ok\","
			"\"io.kubernetes.pod.namespace\":\"ns\\nx\"}}", &p, &invalid);
	CHECK_EQ_STR(p.pod, "ok");
	CHECK_EQ_STR(p.pod_namespace, "");
	CHECK_EQ_STR(invalid, ANNOTATION_CRIO_POD_NAME);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	snprintf(text, sizeof(text), "{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{"
		 "\"io.kubernetes.container.name\":\"%s\"}}", long_name);
	from_state_text(text, &p, &invalid);
	CHECK_EQ_STR(p.container, "");
	CHECK_EQ_STR(invalid, ANNOTATION_CRIO_CONTAINER_NAME);
	long_name[POD_FIELD_MAX] = '\0';
	CHECK(pod_field_valid(long_name));
	CHECK(!pod_field_valid(""));
	CHECK(!pod_field_valid("caf\xc3\xa9"));
}

TEST(state_round_trip)
{
	struct container_state s = { .id = "web-1", .cgroup_id = 5, .cgroup_path = "/sys/fs/cgroup/web-1",
				     .mode = MODE_ENFORCE };
	struct container_state back = {};
	char *text = NULL;
	struct br_error why = BR_ERROR_INIT;

	snprintf(s.pod.pod, sizeof(s.pod.pod), "web-7d9f");
	snprintf(s.pod.pod_namespace, sizeof(s.pod.pod_namespace), "shop");
	CHECK_EQ_INT(state_serialize(&s, &text), 0);
	CHECK_EQ_INT(state_parse(text, strlen(text), "web-1", &back, &why), 0);
	CHECK_EQ_STR(back.pod.pod, "web-7d9f");
	CHECK_EQ_STR(back.pod.pod_namespace, "shop");
	CHECK_EQ_STR(back.pod.container, "");
	container_state_done(&back);
	free(text);
}

TEST(state_pod_validated)
{
	static const char old[] = "{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\","
				  "\"mode\":\"enforce\"}";
	static const char bad[] = "{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\","
				  "\"mode\":\"enforce\",\"pod\":{\"name\":\"a\\u0007b\"}}";
	static const char not_obj[] = "{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\","
				      "\"mode\":\"enforce\",\"pod\":\"shop/web\"}";
	struct container_state s = {};
	struct br_error why = BR_ERROR_INIT;

	/* A state of an older bpfreaper: no pod, still read. */
	CHECK_EQ_INT(state_parse(old, strlen(old), "a", &s, &why), 0);
	CHECK(!pod_identity_known(&s.pod));
	container_state_done(&s);
	CHECK_EQ_INT(state_parse(bad, strlen(bad), "a", &s, &why), -EBADMSG);
	CHECK_EQ_INT(state_parse(not_obj, strlen(not_obj), "a", &s, &why), -EBADMSG);
}
