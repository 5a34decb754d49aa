// SPDX-License-Identifier: LGPL-2.1-or-later
/* What bpfreaper does to a container, decided here only; see policy.h. */
#include "policy.h"
#include "util.h"

void policy_done(struct policy *p)
{
	keep_rules_done(&p->keep);
}

/* mode, keep and budget: the annotations' values, NULL when absent. */
static int resolve(const char *mode, const char *keep, const char *budget, const struct config *cfg,
		   enum mode hook_default, struct policy *ret, struct br_error *err)
{
	struct policy p = { .mode = MODE_ENFORCE, .mode_source = "default", .on_error = cfg->on_error };
	struct live_budget asked;
	int r = 0;

	if (budget && live_budget_parse(budget, &asked) < 0)
		return br_error_set(err, -EINVAL, BR_STEP_ANNOTATION,
				    "annotation " ANNOTATION_LIVE_BUDGET " is not objects=N,bytes=N");
	p.live_budget = live_budget_resolve(cfg, budget ? &asked : NULL, &p.live_budget_capped);

	if (mode) {
		p.annotation_mode = mode_from_string(mode);
		if (p.annotation_mode == MODE_UNSET)
			return br_error_set(err, -EINVAL, BR_STEP_ANNOTATION,
					    "annotation " ANNOTATION_MODE " is not one of enforce, report, off");
		/* The operator's cap: a pod must not switch itself to a mode the
		 * host did not allow (enforce on a host set to report). */
		p.annotation_capped = !config_annotation_mode_allowed(cfg, p.annotation_mode);
	}
	if (mode && !p.annotation_capped) {
		p.mode = p.annotation_mode;
		p.mode_source = "annotation";
	} else if (cfg->mode != MODE_UNSET) {
		p.mode = cfg->mode;
		p.mode_source = p.annotation_capped ? "config (annotation capped by annotation_modes)" : "config";
	} else if (hook_default != MODE_UNSET) {
		p.mode = hook_default;
		p.mode_source = p.annotation_capped ? "hook argument (annotation capped by annotation_modes)"
						    : "hook argument";
	} else if (p.annotation_capped) {
		p.mode_source = "default (annotation capped by annotation_modes)";
	}
	for (size_t i = 0; r == 0 && i < cfg->keep.n; i++)
		r = keep_rules_add(&p.keep, cfg->keep.v[i], err);
	if (r == 0 && keep) {
		r = keep_rules_add_list(&p.keep, keep, err);
		if (r == -EINVAL)
			br_error_set(err, r, BR_STEP_ANNOTATION,
				     "annotation " ANNOTATION_KEEP " has a rule that is not an absolute path glob");
	}
	if (r < 0) {
		br_error_step(err, BR_STEP_ANNOTATION);
		policy_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}

int policy_resolve(const struct oci_state *oci, const struct config *cfg, enum mode hook_default,
		   struct policy *ret, struct br_error *err)
{
	return resolve(oci_state_annotation(oci, ANNOTATION_MODE), oci_state_annotation(oci, ANNOTATION_KEEP),
		       oci_state_annotation(oci, ANNOTATION_LIVE_BUDGET), cfg, hook_default, ret, err);
}

int policy_resolve_host(const struct config *cfg, enum mode hook_default, struct policy *ret)
{
	/* Without annotations only memory can fail: the config's keep rules
	 * were checked when it was parsed. */
	return resolve(NULL, NULL, NULL, cfg, hook_default, ret, NULL);
}

int policy_of_state(const struct container_state *state, const struct keep_rules *host_keep, bool report_only,
		    struct policy *ret)
{
	struct policy p = {
		.mode = state->mode,
		.mode_source = state->mode_source,
		.host_keep = host_keep,
		.report_only = report_only,
		.live_budget = state->live_budget,
	};
	int r = 0;

	/* The state's rules were checked when prestart resolved them: only
	 * memory can fail here. */
	for (size_t i = 0; r == 0 && i < state->keep.n; i++)
		r = keep_rules_add(&p.keep, state->keep.v[i], NULL);
	if (r < 0) {
		policy_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}

bool policy_records(const struct policy *p)
{
	return p->mode != MODE_OFF;
}

const char *policy_unrecorded_runs(const struct policy *p)
{
	if (p->mode == MODE_ENFORCE && p->on_error == ON_ERROR_FAIL)
		return NULL;
	return p->mode == MODE_ENFORCE ? "on_error ignore" : p->mode == MODE_REPORT ? "report mode" : "mode off";
}

bool policy_removes(const struct policy *p)
{
	return p->mode == MODE_ENFORCE && !p->report_only;
}

const char *policy_mode_word(const struct policy *p)
{
	return policy_removes(p) ? "enforce" : "report";
}

const char *policy_keeps(const struct policy *p, const char *path)
{
	const char *rule = keep_rules_match(&p->keep, path);

	if (!rule && p->host_keep)
		rule = keep_rules_match(p->host_keep, path);
	return rule;
}
