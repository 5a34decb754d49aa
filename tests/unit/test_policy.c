// SPDX-License-Identifier: LGPL-2.1-or-later
/* The policy (policy.h): mode and keep rules at prestart, under the
 * operator's annotation_modes cap, and what poststop removes or keeps. */
#include "check.h"
#include "policy-config.h"
#include "policy.h"

static const char *const with_enforce =
	"{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{\"io.bpfreaper.mode\":\"enforce\"}}";
static const char *const with_off =
	"{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{\"io.bpfreaper.mode\":\"off\"}}";
static const char *const with_typo =
	"{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{\"io.bpfreaper.mode\":\"enforcing\"}}";
static const char *const without = "{\"id\":\"a\",\"status\":\"creating\"}";

/* Resolves the policy of state text under a config given as JSON. */
static int resolve(const char *state, const char *config, enum mode hook_default, struct policy *ret)
{
	struct oci_state oci = {};
	struct config cfg = {};
	struct br_error why = BR_ERROR_INIT;
	int r;

	CHECK_EQ_INT(config_parse(config, strlen(config), &cfg, &why), 0);
	CHECK_EQ_INT(oci_state_parse(state, strlen(state), &oci, &why), 0);
	r = policy_resolve(&oci, &cfg, hook_default, ret, &why);
	oci_state_done(&oci);
	config_done(&cfg);
	return r;
}

TEST(annotation_within_cap)
{
	struct policy p = {};

	CHECK_EQ_INT(resolve(with_off, "{\"mode\":\"report\",\"annotation_modes\":[\"off\",\"report\"]}",
			     MODE_UNSET, &p), 0);
	CHECK_EQ_INT(p.mode, MODE_OFF);
	CHECK_EQ_STR(p.mode_source, "annotation");
	CHECK(!p.annotation_capped);
	policy_done(&p);
}

TEST(annotation_outside_cap)
{
	struct policy p = {};

	/* A pod asking for enforce on a host set to report stays in report. */
	CHECK_EQ_INT(resolve(with_enforce, "{\"mode\":\"report\",\"annotation_modes\":[\"off\",\"report\"]}",
			     MODE_UNSET, &p), 0);
	CHECK_EQ_INT(p.mode, MODE_REPORT);
	CHECK(p.annotation_capped);
	CHECK_EQ_INT(p.annotation_mode, MODE_ENFORCE);
	CHECK_EQ_STR(p.mode_source, "config (annotation capped by annotation_modes)");
	policy_done(&p);
	/* Without a config mode, the hook's default applies, then the default. */
	CHECK_EQ_INT(resolve(with_enforce, "{\"annotation_modes\":[\"report\"]}", MODE_REPORT, &p), 0);
	CHECK_EQ_INT(p.mode, MODE_REPORT);
	CHECK_EQ_STR(p.mode_source, "hook argument (annotation capped by annotation_modes)");
	policy_done(&p);
	CHECK_EQ_INT(resolve(with_off, "{\"annotation_modes\":[]}", MODE_UNSET, &p), 0);
	CHECK_EQ_INT(p.mode, MODE_ENFORCE);
	CHECK_EQ_STR(p.mode_source, "default (annotation capped by annotation_modes)");
	policy_done(&p);
	/* A typo stays bad input, capped or not. */
	CHECK_EQ_INT(resolve(with_typo, "{\"annotation_modes\":[\"report\"]}", MODE_UNSET, &p), -EINVAL);
}

TEST(no_cap)
{
	struct policy p = {};

	CHECK_EQ_INT(resolve(with_enforce, "{\"mode\":\"report\"}", MODE_REPORT, &p), 0);
	CHECK_EQ_INT(p.mode, MODE_ENFORCE);
	CHECK_EQ_STR(p.mode_source, "annotation");
	CHECK(!p.annotation_capped);
	policy_done(&p);
}

TEST(no_annotation)
{
	struct policy p = {};

	CHECK_EQ_INT(resolve(without, "{\"mode\":\"report\",\"annotation_modes\":[\"off\"]}", MODE_ENFORCE, &p), 0);
	CHECK_EQ_INT(p.mode, MODE_REPORT);
	CHECK_EQ_STR(p.mode_source, "config");
	CHECK(!p.annotation_capped);
	CHECK_EQ_INT(p.annotation_mode, MODE_UNSET);
	policy_done(&p);
}

/* Annotation, then config, then the hook argument, then enforce. */
TEST(precedence)
{
	struct oci_state with = {}, without = {}, bad = {};
	struct config cfg = { .mode = MODE_REPORT };
	struct policy p = {};
	struct br_error why = BR_ERROR_INIT;
	const char *s1 = "{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{\"io.bpfreaper.mode\":\"off\","
			 "\"io.bpfreaper.keep\":\"/sys/fs/bpf/x/*\"}}";
	const char *s2 = "{\"id\":\"a\",\"status\":\"creating\"}";
	const char *s3 = "{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{\"io.bpfreaper.mode\":\"nope\"}}";

	CHECK_EQ_INT(oci_state_parse(s1, strlen(s1), &with, &why), 0);
	CHECK_EQ_INT(oci_state_parse(s2, strlen(s2), &without, &why), 0);
	CHECK_EQ_INT(oci_state_parse(s3, strlen(s3), &bad, &why), 0);
	CHECK_EQ_INT(policy_resolve(&with, &cfg, MODE_ENFORCE, &p, &why), 0);
	CHECK_EQ_INT(p.mode, MODE_OFF); /* annotation beats config */
	CHECK_EQ_INT(p.keep.n, 1);
	policy_done(&p);
	CHECK_EQ_INT(policy_resolve(&without, &cfg, MODE_ENFORCE, &p, &why), 0);
	CHECK_EQ_INT(p.mode, MODE_REPORT); /* config beats the hook argument */
	policy_done(&p);
	cfg.mode = MODE_UNSET;
	CHECK_EQ_INT(policy_resolve(&without, &cfg, MODE_REPORT, &p, &why), 0);
	CHECK_EQ_INT(p.mode, MODE_REPORT); /* hook argument beats the default */
	policy_done(&p);
	CHECK_EQ_INT(policy_resolve(&without, &cfg, MODE_UNSET, &p, &why), 0);
	CHECK_EQ_INT(p.mode, MODE_ENFORCE);
	policy_done(&p);
	CHECK(policy_resolve(&bad, &cfg, MODE_UNSET, &p, &why) < 0);
	oci_state_done(&with);
	oci_state_done(&without);
	oci_state_done(&bad);
}

/* Prestart's decisions: off is not recorded; a container bpfreaper cannot
 * record is refused only in mode enforce under on_error fail. */
TEST(recorded_and_refused)
{
	struct policy p = {};

	CHECK_EQ_INT(resolve(with_off, "{}", MODE_UNSET, &p), 0);
	CHECK(!policy_records(&p));
	policy_done(&p);

	CHECK_EQ_INT(resolve(without, "{\"on_error\":\"fail\"}", MODE_UNSET, &p), 0);
	CHECK(policy_records(&p));
	CHECK(policy_unrecorded_runs(&p) == NULL);
	policy_done(&p);

	CHECK_EQ_INT(resolve(without, "{}", MODE_UNSET, &p), 0);
	CHECK_EQ_STR(policy_unrecorded_runs(&p), "on_error ignore");
	policy_done(&p);

	/* Report mode never refuses: a tool that only watches never stops a container. */
	CHECK_EQ_INT(resolve(without, "{\"mode\":\"report\",\"on_error\":\"fail\"}", MODE_UNSET, &p), 0);
	CHECK(policy_records(&p));
	CHECK_EQ_STR(policy_unrecorded_runs(&p), "report mode");
	policy_done(&p);
}

/* The config's rules come first, then the annotation's; a bad annotation
 * rule is bad input. */
TEST(keep_rules_resolved)
{
	static const char *const state =
		"{\"id\":\"a\",\"status\":\"creating\",\"annotations\":"
		"{\"io.bpfreaper.keep\":\" /sys/fs/bpf/app/* , /sys/fs/bpf/db\"}}";
	static const char *const bad =
		"{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{\"io.bpfreaper.keep\":\"/ok,relative/*\"}}";
	struct policy p = {};

	CHECK_EQ_INT(resolve(state, "{\"keep\":[\"/sys/fs/bpf/*/shared\"]}", MODE_UNSET, &p), 0);
	CHECK_EQ_INT(p.keep.n, 3);
	CHECK_EQ_STR(p.keep.v[0], "/sys/fs/bpf/*/shared");
	CHECK_EQ_STR(p.keep.v[1], "/sys/fs/bpf/app/*");
	CHECK_EQ_STR(p.keep.v[2], "/sys/fs/bpf/db");
	/* The first matching rule is the one named in the report. */
	CHECK_EQ_STR(policy_keeps(&p, "/sys/fs/bpf/app/shared"), "/sys/fs/bpf/*/shared");
	CHECK_EQ_STR(policy_keeps(&p, "/sys/fs/bpf/app/a/b"), "/sys/fs/bpf/app/*");
	CHECK_EQ_STR(policy_keeps(&p, "/sys/fs/bpf/db"), "/sys/fs/bpf/db");
	CHECK(policy_keeps(&p, "/sys/fs/bpf/db2") == NULL);
	CHECK(policy_keeps(&p, "/sys/fs/bpf/other/x") == NULL);
	policy_done(&p);

	CHECK_EQ_INT(resolve(bad, "{}", MODE_UNSET, &p), -EINVAL);
}

/* Poststop rebuilds the policy from the state: the container's rules and
 * the config's rules now both keep; the state's mode decides removal
 * unless --report-only. */
TEST(poststop_policy_of_state)
{
	struct container_state s = { .mode = MODE_ENFORCE, .mode_source = "annotation" };
	struct keep_rules host = {};
	struct policy p = {};
	struct br_error why = BR_ERROR_INIT;

	CHECK_EQ_INT(keep_rules_add(&s.keep, "/sys/fs/bpf/app/*", &why), 0);
	CHECK_EQ_INT(keep_rules_add(&host, "/sys/fs/bpf/host-*", &why), 0);

	CHECK_EQ_INT(policy_of_state(&s, &host, false, &p), 0);
	CHECK(policy_removes(&p));
	CHECK_EQ_STR(p.mode_source, "annotation");
	CHECK_EQ_STR(policy_keeps(&p, "/sys/fs/bpf/app/m"), "/sys/fs/bpf/app/*");
	CHECK_EQ_STR(policy_keeps(&p, "/sys/fs/bpf/host-agent"), "/sys/fs/bpf/host-*");
	CHECK(policy_keeps(&p, "/sys/fs/bpf/m") == NULL);
	/* The policy holds its own copy: the state may go first. */
	keep_rules_done(&s.keep);
	CHECK_EQ_STR(policy_keeps(&p, "/sys/fs/bpf/app/m"), "/sys/fs/bpf/app/*");
	policy_done(&p);

	/* --report-only wins over enforce; report stays report. */
	CHECK_EQ_INT(policy_of_state(&s, &host, true, &p), 0);
	CHECK(!policy_removes(&p));
	policy_done(&p);
	s.mode = MODE_REPORT;
	CHECK_EQ_INT(policy_of_state(&s, NULL, false, &p), 0);
	CHECK(!policy_removes(&p));
	CHECK(policy_keeps(&p, "/sys/fs/bpf/host-agent") == NULL); /* no host rules given */
	policy_done(&p);
	keep_rules_done(&host);
}

/* The live budget: the config's is the default and the cap, each part
 * alone; an annotation can lower it, never raise it; a bad one is refused. */
TEST(live_budget_capped_by_the_config)
{
	static const char *const asks_more =
		"{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{\"io.bpfreaper.live-budget\":\"objects=1000,bytes=4096\"}}";
	static const char *const asks_less =
		"{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{\"io.bpfreaper.live-budget\":\"objects=10\"}}";
	static const char *const asks_badly =
		"{\"id\":\"a\",\"status\":\"creating\",\"annotations\":{\"io.bpfreaper.live-budget\":\"objects=-1\"}}";
	static const char *const cfg = "{\"live_budget\":{\"objects\":100,\"bytes\":1048576}}";
	struct live_budget b;
	struct policy p = {};

	CHECK_EQ_INT(resolve(asks_more, cfg, MODE_UNSET, &p), 0);
	CHECK_EQ_INT(p.live_budget.objects, 100); /* capped */
	CHECK_EQ_INT(p.live_budget.bytes, 4096);  /* lower: taken */
	CHECK(p.live_budget_capped);
	policy_done(&p);
	CHECK_EQ_INT(resolve(asks_less, cfg, MODE_UNSET, &p), 0);
	CHECK_EQ_INT(p.live_budget.objects, 10);
	CHECK_EQ_INT(p.live_budget.bytes, 1048576); /* left out: the config's */
	CHECK(!p.live_budget_capped);
	policy_done(&p);
	CHECK_EQ_INT(resolve(without, cfg, MODE_UNSET, &p), 0);
	CHECK_EQ_INT(p.live_budget.objects, 100);
	policy_done(&p);
	/* No config budget: the annotation's stands. */
	CHECK_EQ_INT(resolve(asks_more, "{}", MODE_UNSET, &p), 0);
	CHECK_EQ_INT(p.live_budget.objects, 1000);
	CHECK(!p.live_budget_capped);
	policy_done(&p);
	CHECK_EQ_INT(resolve(asks_badly, cfg, MODE_UNSET, &p), -EINVAL);

	CHECK_EQ_INT(live_budget_parse("bytes=5,objects=2", &b), 0);
	CHECK_EQ_INT(b.objects, 2);
	CHECK_EQ_INT(b.bytes, 5);
	CHECK_EQ_INT(live_budget_parse("", &b), -EINVAL);
	CHECK_EQ_INT(live_budget_parse("objects=", &b), -EINVAL);
	CHECK_EQ_INT(live_budget_parse("objects=1,", &b), -EINVAL);
	CHECK_EQ_INT(live_budget_parse("objects=1x", &b), -EINVAL);
	CHECK_EQ_INT(live_budget_parse("pins=1", &b), -EINVAL);
	CHECK_EQ_INT(live_budget_parse("objects=99999999999999999999", &b), -EINVAL);
}
