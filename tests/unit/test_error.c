// SPDX-License-Identifier: LGPL-2.1-or-later
/* struct br_error: how a library error is filled and said, and that the
 * callers that branch on it see the step, not words. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "policy-config.h"
#include "error.h"
#include "oci-state.h"
#include "policy.h"
#include "store-state.h"

TEST(set_fills_and_returns_the_code)
{
	struct br_error err = BR_ERROR_INIT;
	char buf[600];

	CHECK_EQ_INT(br_error_set(&err, -ENOENT, BR_STEP_CONFIG, "%s: %d", "x", 7), -ENOENT);
	CHECK_EQ_INT(err.code, -ENOENT);
	CHECK_EQ_INT(err.step, BR_STEP_CONFIG);
	CHECK_EQ_STR(err.detail, "x: 7");
	CHECK_EQ_STR(br_error_text(&err, buf, sizeof(buf)), "read the configuration file: x: 7");
	/* NULL: the caller does not want to know; the code still comes back. */
	CHECK_EQ_INT(br_error_set(NULL, -EIO, BR_STEP_CONFIG, "ignored"), -EIO);
	CHECK_EQ_INT(br_error_errno(&err, -EACCES, BR_STEP_RUN_DIR, "/run/x"), -EACCES);
	CHECK_EQ_STR(err.detail, "/run/x: Permission denied");
}

TEST(text_says_what_is_set)
{
	struct br_error err = BR_ERROR_INIT;
	char buf[600], small[8];

	/* No detail: the errno says it. */
	br_error_set(&err, -EPERM, BR_STEP_TRACER_LOAD, "%s", "");
	CHECK_EQ_STR(br_error_text(&err, buf, sizeof(buf)), "load the tracer: Operation not permitted");
	/* No step: the detail alone. */
	br_error_set(&err, -EINVAL, BR_STEP_NONE, "a keep rule is not an absolute path glob");
	CHECK_EQ_STR(br_error_text(&err, buf, sizeof(buf)), "a keep rule is not an absolute path glob");
	/* Cut, never overrun. */
	CHECK_EQ_INT(strlen(br_error_text(&err, small, sizeof(small))), sizeof(small) - 1);
	/* A detail longer than the room is cut at its size. */
	{
		char *big = malloc(2000);

		CHECK(big != NULL);
		if (big) {
			memset(big, 'a', 1999);
			big[1999] = '\0';
			br_error_set(&err, -E2BIG, BR_STEP_NONE, "%s", big);
			CHECK_EQ_INT(strlen(err.detail), sizeof(err.detail) - 1);
			free(big);
		}
	}
	br_error_clear(&err);
	CHECK_EQ_INT(err.code, 0);
	CHECK_EQ_INT(err.step, BR_STEP_NONE);
	CHECK_EQ_STR(err.detail, "");
}

/* Every step has its words: a step added without them would print "". */
TEST(every_step_has_words)
{
	CHECK_EQ_STR(br_step_words(BR_STEP_NONE), "");
	for (int s = BR_STEP_NONE + 1; s < BR_STEP__MAX; s++)
		if (!*br_step_words((enum br_step)s)) {
			printf("    step %d has no words\n", s);
			check_failed = 1;
		}
	CHECK_EQ_STR(br_step_words(BR_STEP__MAX), "");
	CHECK_EQ_STR(br_step_words((enum br_step)-1), "");
}

TEST(step_keeps_the_callees)
{
	struct br_error err = BR_ERROR_INIT;

	br_error_set(&err, -EINVAL, BR_STEP_NONE, "a keep rule has a control character");
	CHECK_EQ_INT(br_error_step(&err, BR_STEP_ANNOTATION), -EINVAL);
	CHECK_EQ_INT(err.step, BR_STEP_ANNOTATION);
	/* A step already said is the one that failed. */
	CHECK_EQ_INT(br_error_step(&err, BR_STEP_CONFIG), -EINVAL);
	CHECK_EQ_INT(err.step, BR_STEP_ANNOTATION);
	CHECK_EQ_INT(br_error_step(NULL, BR_STEP_CONFIG), 0);
}

/* The library's parsers fill it with their step and the words the logs
 * and tests know. */
TEST(parsers_fill_it)
{
	struct br_error err = BR_ERROR_INIT;
	struct config cfg = { .wait_ms = -1 };
	struct oci_state oci = {};
	struct container_state st = {};
	struct policy p = {};
	static const char bad_mode[] = "{\"mode\":\"loud\"}";
	static const char other[] = "{\"version\":1,\"id\":\"b\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\",\"mode\":\"enforce\"}";
	static const char dotdot[] = "{\"version\":1,\"id\":\"..\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\",\"mode\":\"enforce\"}";
	static const char ann[] = "{\"ociVersion\":\"1.0.2\",\"id\":\"a\",\"status\":\"creating\",\"pid\":1,"
				  "\"annotations\":{\"io.bpfreaper.keep\":\"relative\"}}";

	CHECK_EQ_INT(config_parse(bad_mode, strlen(bad_mode), &cfg, &err), -EINVAL);
	CHECK_EQ_INT(err.step, BR_STEP_CONFIG);
	CHECK_EQ_STR(err.detail, "\"mode\" is not one of enforce, report, off");

	br_error_clear(&err);
	CHECK_EQ_INT(config_parse("{\"keep\":[\"x\"]}", 14, &cfg, &err), -EINVAL);
	CHECK_EQ_INT(err.step, BR_STEP_CONFIG);
	CHECK_EQ_STR(err.detail, "a keep rule is not an absolute path glob");

	br_error_clear(&err);
	CHECK_EQ_INT(oci_state_parse("{", 1, &oci, &err), -EINVAL);
	CHECK_EQ_INT(err.step, BR_STEP_OCI_STATE);
	CHECK_EQ_STR(err.detail, "state is not valid JSON");

	br_error_clear(&err);
	CHECK_EQ_INT(state_parse(other, strlen(other), "a", &st, &err), -EBADMSG);
	CHECK_EQ_INT(err.code, -EBADMSG);
	CHECK_EQ_INT(err.step, BR_STEP_STATE_READ);
	CHECK_EQ_STR(err.detail, "state names another container");

	br_error_clear(&err);
	CHECK_EQ_INT(state_parse(dotdot, strlen(dotdot), NULL, &st, &err), -EBADMSG);
	CHECK_EQ_INT(err.code, -EBADMSG);
	CHECK_EQ_INT(err.step, BR_STEP_STATE_READ);
	CHECK_EQ_STR(err.detail, "container id is a relative path");

	br_error_clear(&err);
	CHECK_EQ_INT(oci_state_parse(ann, strlen(ann), &oci, &err), 0);
	CHECK_EQ_INT(err.code, 0);
	CHECK_EQ_INT(policy_resolve(&oci, &cfg, MODE_UNSET, &p, &err), -EINVAL);
	CHECK_EQ_INT(err.step, BR_STEP_ANNOTATION);
	CHECK_EQ_STR(err.detail, "annotation io.bpfreaper.keep has a rule that is not an absolute path glob");
	oci_state_done(&oci);
	config_done(&cfg);
}
