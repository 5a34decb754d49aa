// SPDX-License-Identifier: LGPL-2.1-or-later
/* Mode and keep-rule resolution; see policy.h. */
#include "policy.h"
#include "util.h"

void policy_done(struct policy *p)
{
	keep_rules_done(&p->keep);
}

int policy_resolve(const struct oci_state *oci, const struct config *cfg, enum mode hook_default,
		   struct policy *ret, const char **ret_why)
{
	struct policy p = { .mode = MODE_ENFORCE, .mode_source = "default" };
	const char *mode = oci_state_annotation(oci, ANNOTATION_MODE);
	const char *keep = oci_state_annotation(oci, ANNOTATION_KEEP);
	int r = 0;

	if (mode) {
		p.annotation_mode = mode_from_string(mode);
		if (p.annotation_mode == MODE_UNSET) {
			*ret_why = "annotation " ANNOTATION_MODE " is not one of enforce, report, off";
			return -EINVAL;
		}
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
		r = keep_rules_add(&p.keep, cfg->keep.v[i], ret_why);
	if (r == 0 && keep) {
		r = keep_rules_add_list(&p.keep, keep, ret_why);
		if (r == -EINVAL)
			*ret_why = "annotation " ANNOTATION_KEEP " has a rule that is not an absolute path glob";
	}
	if (r < 0) {
		policy_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}
