// SPDX-License-Identifier: LGPL-2.1-or-later
#include "check.h"
#include "policy-config.h"

static int parse(const char *text, struct config *c, struct br_error *why)
{
	return config_parse(text, strlen(text), c, why);
}

TEST(full_config)
{
	struct config c = {};
	struct br_error why = BR_ERROR_INIT;

	CHECK_EQ_INT(parse("{\"mode\":\"report\",\"keep\":[\"/sys/fs/bpf/tc/globals/*\"],"
			   "\"log_file\":\"/var/log/bpfreaper.log\",\"report_dir\":\"/var/lib/r\",\"wait_ms\":500,"
			   "\"tracer_backend\":\"tracepoint\"}",
			   &c, &why), 0);
	CHECK_EQ_INT(c.mode, MODE_REPORT);
	CHECK_EQ_INT(c.keep.n, 1);
	CHECK_EQ_STR(c.log_file, "/var/log/bpfreaper.log");
	CHECK_EQ_STR(c.report_dir, "/var/lib/r");
	CHECK_EQ_INT(c.wait_ms, 500);
	CHECK_EQ_INT(c.backend, TRACER_BACKEND_TRACEPOINT);
	config_done(&c);
	/* bpfreaper-runtime's keys */
	CHECK_EQ_INT(parse("{\"runtime\":\"crun\",\"hooks_dir\":\"/opt/bpfreaper\"}", &c, &why), 0);
	CHECK_EQ_STR(c.runtime, "crun");
	CHECK_EQ_STR(c.hooks_dir, "/opt/bpfreaper");
	config_done(&c);
	CHECK_EQ_INT(parse("{\"runtime\":\"/usr/sbin/runc\"}", &c, &why), 0);
	CHECK_EQ_STR(c.runtime, "/usr/sbin/runc");
	config_done(&c);
	CHECK_EQ_INT(parse("{\"live_budget\":{\"objects\":500,\"bytes\":67108864}}", &c, &why), 0);
	CHECK_EQ_INT(c.live_budget.objects, 500);
	CHECK_EQ_INT(c.live_budget.bytes, 67108864);
	config_done(&c);
	CHECK_EQ_INT(parse("{}", &c, &why), 0);
	CHECK_EQ_INT(c.mode, MODE_UNSET);
	CHECK_EQ_INT(c.wait_ms, -1);
	CHECK_EQ_INT(c.backend, TRACER_BACKEND_AUTO);
	config_done(&c);
}

/* Run from the source tree (tests/run does). */
TEST(shipped_example_is_valid)
{
	struct config c = {};
	struct br_error why = BR_ERROR_INIT;

	CHECK_EQ_INT(config_load("packaging/bpfreaper.json.example", &c, &why), 0);
	CHECK_EQ_INT(c.mode, MODE_REPORT);
	CHECK_EQ_INT(c.backend, TRACER_BACKEND_AUTO);
	config_done(&c);
}

TEST(invalid_configs)
{
	static const char *bad[] = {
		"{\"mode\":\"enforcing\"}", "{\"mode\":1}", "{\"keep\":\"/x\"}", "{\"keep\":[\"rel/*\"]}",
		"{\"keep\":[1]}", "{\"log_file\":\"rel\"}", "{\"wait_ms\":-1}", "{\"wait_ms\":60001}",
		"{\"unknown\":1}", "{\"tracer_backend\":\"fentry\"}", "{\"tracer_backend\":1}", "[]", "{",
		"{\"on_error\":\"abort\"}", "{\"on_error\":true}", "{\"annotation_modes\":\"report\"}",
		"{\"annotation_modes\":[\"report\",\"enforcing\"]}", "{\"annotation_modes\":[1]}",
		"{\"annotation_modes\":[\"\"]}", "{\"runtime\":\"\"}", "{\"runtime\":\"bin/runc\"}",
		"{\"runtime\":1}", "{\"hooks_dir\":\"hooks\"}", "{\"live_budget\":5}",
		"{\"live_budget\":{\"objects\":-1}}", "{\"live_budget\":{\"pins\":1}}",
		"{\"live_budget\":{\"bytes\":\"1M\"}}", "{\"live_budget\":{\"bytes\":2251799813685249}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config c = {};
		struct br_error why = BR_ERROR_INIT;

		if (parse(bad[i], &c, &why) == 0) {
			printf("    accepted: %s\n", bad[i]);
			check_failed = 1;
			config_done(&c);
		} else {
			CHECK(*why.detail);
		}
	}
}

TEST(on_error_and_annotation_modes)
{
	struct config c = {};
	struct br_error why = BR_ERROR_INIT;

	CHECK_EQ_INT(parse("{}", &c, &why), 0);
	CHECK_EQ_INT(c.on_error, ON_ERROR_IGNORE); /* fail open unless asked */
	CHECK(!c.annotation_modes_set);
	CHECK(config_annotation_mode_allowed(&c, MODE_ENFORCE)); /* absent: every mode */
	CHECK(config_annotation_mode_allowed(&c, MODE_OFF));
	config_done(&c);
	CHECK_EQ_INT(parse("{\"on_error\":\"fail\",\"annotation_modes\":[\"off\",\"report\"]}", &c, &why), 0);
	CHECK_EQ_INT(c.on_error, ON_ERROR_FAIL);
	CHECK(c.annotation_modes_set);
	CHECK(config_annotation_mode_allowed(&c, MODE_OFF));
	CHECK(config_annotation_mode_allowed(&c, MODE_REPORT));
	CHECK(!config_annotation_mode_allowed(&c, MODE_ENFORCE));
	config_done(&c);
	CHECK_EQ_INT(parse("{\"on_error\":\"ignore\",\"annotation_modes\":[]}", &c, &why), 0);
	CHECK_EQ_INT(c.on_error, ON_ERROR_IGNORE);
	CHECK(c.annotation_modes_set); /* empty: no annotation changes the mode */
	CHECK(!config_annotation_mode_allowed(&c, MODE_OFF));
	CHECK(!config_annotation_mode_allowed(&c, MODE_REPORT));
	config_done(&c);
}

TEST(keep_rules)
{
	struct keep_rules k = {};
	struct br_error why = BR_ERROR_INIT;

	CHECK_EQ_INT(keep_rules_add_list(&k, " /sys/fs/bpf/tc/globals/* , /sys/fs/bpf/agent-?,", &why), 0);
	CHECK_EQ_INT(k.n, 2);
	CHECK_EQ_STR(keep_rules_match(&k, "/sys/fs/bpf/tc/globals/cilium_ct4"), "/sys/fs/bpf/tc/globals/*");
	/* '*' crosses '/' */
	CHECK_EQ_STR(keep_rules_match(&k, "/sys/fs/bpf/tc/globals/a/b"), "/sys/fs/bpf/tc/globals/*");
	CHECK_EQ_STR(keep_rules_match(&k, "/sys/fs/bpf/agent-1"), "/sys/fs/bpf/agent-?");
	CHECK(keep_rules_match(&k, "/sys/fs/bpf/other") == NULL);
	CHECK(keep_rules_add_list(&k, "relative/*", &why) < 0);
	keep_rules_done(&k);
}

/* What `bpfreaperctl config check` and the hooks' log line show. */
TEST(errors_say_where_and_what)
{
	struct config c = {};
	struct br_error why = BR_ERROR_INIT;

	CHECK(parse("{\"mode\": \"report\",}", &c, &why) < 0);
	CHECK(strstr(why.detail, "not valid JSON at line 1, column 19") != NULL);
	CHECK(parse("{\n\"mode\": \"report\",\n\"moed\": \"off\"\n}", &c, &why) < 0);
	CHECK(strstr(why.detail, "unknown key \"moed\"") != NULL);
	CHECK(parse("{\"mode\":\"off\"}\n\n{", &c, &why) < 0);
	CHECK(strstr(why.detail, "line 3, column 1") != NULL);
}
