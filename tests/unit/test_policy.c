// SPDX-License-Identifier: LGPL-2.1-or-later
/* policy_resolve() under the operator's annotation_modes cap. */
#include "check.h"
#include "config.h"
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
	const char *why = "";
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
