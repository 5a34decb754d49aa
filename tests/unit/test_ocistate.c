// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdlib.h>

#include "check.h"
#include "oci-state.h"

static int parse(const char *json, struct oci_state *s, struct br_error *why)
{
	return oci_state_parse(json, strlen(json), s, why);
}

TEST(runc_prestart_state)
{
	struct oci_state s = {};
	struct br_error why = BR_ERROR_INIT;

	CHECK_EQ_INT(parse("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"web-1\",\"status\":\"creating\","
			   "\"pid\":4242,\"bundle\":\"/b/web\",\"annotations\":{\"io.bpfreaper.mode\":\"report\"}}",
			   &s, &why), 0);
	CHECK_EQ_STR(s.id, "web-1");
	CHECK_EQ_STR(s.status, "creating");
	CHECK_EQ_INT(s.pid, 4242);
	CHECK_EQ_STR(s.bundle, "/b/web");
	CHECK_EQ_STR(oci_state_annotation(&s, "io.bpfreaper.mode"), "report");
	CHECK(oci_state_annotation(&s, "absent") == NULL);
	oci_state_done(&s);
}

TEST(poststop_without_pid_and_crun_pid_zero)
{
	struct oci_state s = {};
	struct br_error why = BR_ERROR_INIT;

	CHECK_EQ_INT(parse("{\"ociVersion\":\"1.0.2\",\"id\":\"a\",\"status\":\"stopped\"}", &s, &why), 0);
	CHECK_EQ_INT(s.pid, 0);
	CHECK(s.bundle == NULL);
	oci_state_done(&s);
	/* crun: pid 0 and a non-standard "root" */
	CHECK_EQ_INT(parse("{\"ociVersion\":\"1.0.0\",\"id\":\"a\",\"status\":\"stopped\",\"pid\":0,"
			   "\"root\":\"/x\",\"bundle\":\"/b\"}", &s, &why), 0);
	CHECK_EQ_INT(s.pid, 0);
	oci_state_done(&s);
}

TEST(bad_states_rejected)
{
	static const char *bad[] = {
		"",
		"not json",
		"[]",
		"{\"id\":\"a\"}",                                    /* no status */
		"{\"status\":\"creating\"}",                         /* no id */
		"{\"id\":5,\"status\":\"creating\"}",                /* id not a string */
		"{\"id\":\"../etc\",\"status\":\"creating\"}",       /* climbs */
		"{\"id\":\"a/b\",\"status\":\"creating\"}",          /* slash */
		"{\"id\":\"..\",\"status\":\"creating\"}",
		"{\"id\":\"a\\nb\",\"status\":\"creating\"}",        /* control char */
		"{\"id\":\"a\",\"status\":\"creating\",\"pid\":-1}",
		"{\"id\":\"a\",\"status\":\"creating\",\"pid\":\"1\"}",
		"{\"id\":\"a\",\"status\":\"creating\",\"bundle\":\"rel/path\"}",
		"{\"id\":\"a\",\"status\":\"creating\"} trailing",
		"{\"id\":\"a\",\"status\":\"creating\"",             /* truncated */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct oci_state s = {};
		struct br_error why = BR_ERROR_INIT;
		int r = parse(bad[i], &s, &why);

		if (r == 0) {
			printf("    accepted: %s\n", bad[i]);
			check_failed = 1;
			oci_state_done(&s);
		} else {
			CHECK(*why.detail);
		}
	}
}

TEST(id_rules)
{
	char long_id[1100];
	struct br_error why = BR_ERROR_INIT;

	CHECK(container_id_valid("a", &why));
	CHECK(container_id_valid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &why));
	CHECK(container_id_valid("my_ctr.v2+x-1", &why));
	CHECK(!container_id_valid("", &why));
	CHECK(!container_id_valid(".", &why));
	CHECK(!container_id_valid("a b", &why));
	CHECK(!container_id_valid("a\x01", &why));
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	CHECK(!container_id_valid(long_id, &why));
	long_id[240] = '\0';
	CHECK(container_id_valid(long_id, &why));
	long_id[240] = 'a';
	long_id[241] = '\0';
	CHECK(!container_id_valid(long_id, &why));
}

TEST(huge_and_deep_input)
{
	struct oci_state s = {};
	struct br_error why = BR_ERROR_INIT;
	size_t n = OCI_STATE_MAX_BYTES + 10;
	char *big = malloc(n + 1);
	char deep[200];

	memset(big, ' ', n);
	big[n] = '\0';
	CHECK(oci_state_parse(big, n, &s, &why) < 0);
	free(big);
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	CHECK(parse(deep, &s, &why) < 0);
}

/* What Kubernetes nodes send (docs/operations.md): any count, size and
 * content of annotations up to 256 KiB per object, CRI-O's copy of all of
 * them as one JSON string, values that are not strings, unknown fields. */
TEST(kubernetes_sized_annotations_accepted)
{
	struct oci_state s = {};
	struct br_error why = BR_ERROR_INIT;
	size_t cap = 2 * 1024 * 1024, n = 0;
	char *json = malloc(cap), key[300];
	int r;

	CHECK(json != NULL);
	if (!json)
		return;
	n += (size_t)snprintf(json + n, cap - n, "{\"ociVersion\":\"1.0.2\",\"id\":\"k8s\",\"status\":\"creating\","
			      "\"pid\":7,\"unknownField\":{\"deep\":[[[[{\"x\":null}]]]]},\"annotations\":{");
	/* one value of 200 KiB, the size of a last-applied-configuration */
	n += (size_t)snprintf(json + n, cap - n, "\"kubectl.kubernetes.io/last-applied-configuration\":\"");
	memset(json + n, 'v', 200 * 1024);
	n += 200 * 1024;
	n += (size_t)snprintf(json + n, cap - n, "\",\"io.kubernetes.cri-o.Annotations\":"
			      "\"{\\\"a\\\":\\\"\\u00e9\\u2603\\\",\\\"io.bpfreaper.mode\\\":\\\"enforce\\\"}\",");
	/* a key far longer than a Kubernetes name, a value that is not a string */
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	n += (size_t)snprintf(json + n, cap - n, "\"%s\":\"x\",\"num\":5,\"obj\":{\"a\":[1]},\"nul\":null,", key);
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(json + n, cap - n, "\"example.com/a%d\":\"caf\u00e9 \u2603 %d\",", i, i);
	n += (size_t)snprintf(json + n, cap - n, "\"io.bpfreaper.mode\":\"report\"}}");
	CHECK(n < cap);
	r = oci_state_parse(json, n, &s, &why);
	CHECK_EQ_INT(r, 0);
	if (r != 0) {
		printf("    refused: %s\n", why.detail);
		free(json);
		return;
	}
	CHECK_EQ_STR(s.id, "k8s");
	CHECK_EQ_INT(s.pid, 7);
	CHECK_EQ_STR(oci_state_annotation(&s, "io.bpfreaper.mode"), "report");
	CHECK_EQ_INT((long long)strlen(oci_state_annotation(&s, "kubectl.kubernetes.io/last-applied-configuration")),
		     200 * 1024);
	CHECK_EQ_STR(oci_state_annotation(&s, "example.com/a4999"), "caf\xc3\xa9 \xe2\x98\x83 4999");
	CHECK_EQ_STR(oci_state_annotation(&s, "num"), "5");
	CHECK(oci_state_annotation(&s, "nul") == NULL);
	oci_state_done(&s);
	/* annotations that are not an object are as good as none */
	CHECK_EQ_INT(parse("{\"id\":\"a\",\"status\":\"creating\",\"annotations\":[1]}", &s, &why), 0);
	CHECK(oci_state_annotation(&s, "io.bpfreaper.mode") == NULL);
	oci_state_done(&s);
	free(json);
}

TEST(json_errors_located)
{
	static const char text[] = "{\n  \"mode\": \"report\",\n}";
	json_object *o = NULL;
	struct json_error e;
	unsigned line, column;

	CHECK_EQ_INT(json_parse_located(text, strlen(text), 8, &o, &e), -EINVAL);
	json_error_position(text, strlen(text), e.offset, &line, &column);
	CHECK_EQ_INT(line, 3);
	CHECK_EQ_INT(column, 1);
	CHECK(*e.what);
	CHECK_EQ_INT(json_parse_located("{} x", 4, 8, &o, &e), -EINVAL);
	json_error_position("{} x", 4, e.offset, &line, &column);
	CHECK_EQ_INT(line, 1);
	CHECK_EQ_INT(column, 4);
}
