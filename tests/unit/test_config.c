// SPDX-License-Identifier: LGPL-2.1-or-later
#include <limits.h>

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

/* The words `bpfreaperctl config check` and the hooks' log print, from the
 * field table: each names the key and what it must be. */
TEST(errors_name_the_key)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "{\"mode\":1}", "\"mode\" is not one of enforce, report, off" },
		{ "{\"keep\":\"/x\"}", "\"keep\" is not an array of path globs" },
		{ "{\"keep\":[\"/a\",1]}", "\"keep[1]\" is not a string" },
		{ "{\"log_file\":\"rel\"}", "\"log_file\" is not an absolute path" },
		{ "{\"metrics_textfile\":\"m\"}", "\"metrics_textfile\" is not an absolute path (a directory)" },
		{ "{\"wait_ms\":60001}", "\"wait_ms\" is not an integer from 0 to 60000" },
		{ "{\"tracer_backend\":\"fentry\"}", "\"tracer_backend\" is not one of auto, trampoline, tracepoint" },
		{ "{\"on_error\":true}", "\"on_error\" is not one of ignore, fail" },
		{ "{\"annotation_modes\":[\"report\",\"x\"]}", "\"annotation_modes\" is not an array of enforce, report, off" },
		{ "{\"tracer_idle\":\"x\"}", "\"tracer_idle\" is not one of keep, unload" },
		{ "{\"report_freed\":\"x\"}", "\"report_freed\" is not one of count, list" },
		{ "{\"report_retention\":5}", "\"report_retention\" is not {\"count\": N, \"max_age\": \"7d\"}" },
		{ "{\"report_retention\":{\"count\":100000001}}",
		  "\"report_retention.count\" is not an integer from 0 to 100000000" },
		{ "{\"report_retention\":{\"max_age\":\"7x\"}}",
		  "\"report_retention.max_age\" is not a duration such as \"12h\", \"7d\", \"2w\"" },
		{ "{\"report_retention\":{\"size\":1}}",
		  "\"report_retention\": unknown key \"size\" (known: count, max_age)" },
		{ "{\"runtime\":\"bin/runc\"}", "\"runtime\" is not a command name or an absolute path" },
		{ "{\"live_budget\":{\"bytes\":2251799813685249}}",
		  "\"live_budget.bytes\" is not an integer from 0 to 1125899906842624" },
		{ "{\"tracer_idel\":\"keep\"}",
		  "unknown key \"tracer_idel\" (known: mode, keep, log_file, report_dir, wait_ms, tracer_backend, on_error, "
		  "annotation_modes, tracer_idle, report_freed, metrics_textfile, report_retention, runtime, hooks_dir, "
		  "live_budget)" },
	};
	char text[PATH_MAX + 64];
	struct config c = {};
	struct br_error why = BR_ERROR_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		br_error_clear(&why);
		CHECK_EQ_INT(parse(bad[i].text, &c, &why), -EINVAL);
		CHECK_EQ_INT(why.step, BR_STEP_CONFIG);
		CHECK_EQ_STR(why.detail, bad[i].why);
	}
	/* A path is at most PATH_MAX - 1 bytes; null is no path. */
	snprintf(text, sizeof(text), "{\"log_file\":\"/%0*d\"}", PATH_MAX - 1, 0);
	CHECK_EQ_INT(parse(text, &c, &why), -EINVAL);
	CHECK_EQ_STR(why.detail, "\"log_file\" is longer than 4095 bytes");
	snprintf(text, sizeof(text), "{\"log_file\":\"/%0*d\",\"report_dir\":null}", PATH_MAX - 2, 0);
	CHECK_EQ_INT(parse(text, &c, &why), 0);
	CHECK(c.log_file && strlen(c.log_file) == PATH_MAX - 1);
	CHECK(c.report_dir == NULL);
	config_done(&c);
	/* 64 keep rules, not 65: keep_rules_add's own limit and words. */
	strcpy(text, "{\"keep\":[");
	for (int i = 0; i < 65; i++)
		strcat(text, i ? ",\"/k\"" : "\"/k\"");
	strcat(text, "]}");
	CHECK_EQ_INT(parse(text, &c, &why), -E2BIG);
	CHECK_EQ_STR(why.detail, "more than 64 keep rules");
	CHECK_EQ_INT(why.step, BR_STEP_CONFIG);
}
