/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place that decides what bpfreaper does to a container; the hooks
 * and the removal code (run-teardown.c, reap.c) ask it and decide nothing
 * themselves. Resolved at prestart (policy_resolve), kept in the state,
 * rebuilt at poststop (policy_of_state):
 *   - the mode: annotation io.bpfreaper.mode, else the config file's
 *     "mode", else the hook's --default-mode, else enforce. The config's
 *     annotation_modes caps the annotation: a mode it does not list is not
 *     honoured, and mode_source says so.
 *   - whether it is recorded at all (mode off is not), and whether it is
 *     refused when it cannot be (mode enforce under on_error fail only);
 *   - whether poststop removes (mode enforce, not --report-only) or only
 *     reports;
 *   - which paths stay: the keep rules (config file "keep" plus annotation
 *     io.bpfreaper.keep at prestart, and the config's rules at poststop).
 *   - the live budget: annotation io.bpfreaper.live-budget capped by the
 *     config's "live_budget", which is also the default.
 */
#ifndef BPFREAPER_POLICY_H
#define BPFREAPER_POLICY_H

#include <stdbool.h>

#include "policy-config.h"
#include "oci-state.h"
#include "store-state.h"

#define ANNOTATION_MODE "io.bpfreaper.mode"
#define ANNOTATION_KEEP "io.bpfreaper.keep"
#define ANNOTATION_LIVE_BUDGET "io.bpfreaper.live-budget"

struct policy {
	enum mode mode;
	/* "annotation", "config", "hook argument" or "default"; the last three
	 * followed by " (annotation capped by annotation_modes)" when the
	 * annotation asked for a mode the config does not allow. At poststop
	 * the state's text (borrowed), NULL in older states. */
	const char *mode_source;
	enum mode annotation_mode; /* what the annotation asked for; MODE_UNSET: none */
	bool annotation_capped;
	enum on_error on_error;    /* the config's, at prestart */
	struct keep_rules keep;    /* the container's: config and annotation rules at prestart */
	/* Poststop only: the config's rules now, beside the container's (a
	 * rule the operator added since the container started keeps too). */
	const struct keep_rules *host_keep;
	bool report_only;          /* poststop --report-only: remove nothing, whatever the mode */
	struct live_budget live_budget; /* 0s: none */
	bool live_budget_capped;   /* the annotation asked for more than the config allows */
};

/* At prestart. -EINVAL with err (step BR_STEP_ANNOTATION) for an invalid
 * annotation. */
int policy_resolve(const struct oci_state *oci, const struct config *cfg, enum mode hook_default,
		   struct policy *ret, struct br_error *err);
/* The host's policy alone, for a container whose annotations or state
 * bpfreaper cannot use: the config and the hook's default decide whether
 * its own trouble refuses it (policy_unrecorded_runs). -ENOMEM only. */
int policy_resolve_host(const struct config *cfg, enum mode hook_default, struct policy *ret);
/* At poststop, from what prestart stored: state must outlive the policy,
 * and so must host_keep (NULL: none). -ENOMEM only. */
int policy_of_state(const struct container_state *state, const struct keep_rules *host_keep, bool report_only,
		    struct policy *ret);
void policy_done(struct policy *p);

/* Whether prestart records the container (mode off: it does not). */
bool policy_records(const struct policy *p);
/* Why a container bpfreaper cannot record, through its own trouble (never
 * the container's), may run all the same: "on_error ignore", "report mode"
 * or "mode off". NULL: it is refused, which happens only when the operator
 * asked for enforcement to be guaranteed (mode enforce, on_error fail). */
const char *policy_unrecorded_runs(const struct policy *p);
/* Whether poststop removes what the container left, or only reports it. */
bool policy_removes(const struct policy *p);
/* The keep rule that keeps path (a host path), or NULL: removed. */
/* What a teardown under p does, as reports and logs say it: "enforce"
 * (removes) or "report" (removes nothing). */
const char *policy_mode_word(const struct policy *p);
const char *policy_keeps(const struct policy *p, const char *path);

#endif
