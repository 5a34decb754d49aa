// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpfreaper-prestart: OCI prestart / createRuntime hook. Wiring only: reads
 * the state, resolves the policy, calls container_register(), logs once,
 * picks the exit code.
 *   0  registered, already registered, mode "off", a rootless runtime's user
 *      namespace, or bpfreaper's own trouble, the container running
 *      unrecorded (logged, counted, in <run dir>/skipped): a config,
 *      argument, OCI state or io.bpfreaper.* annotation it cannot use
 *      included (README.md, "The rule")
 *   1  bpfreaper's own trouble for a container in mode enforce under
 *      on_error "fail": the operator asked for enforcement to be guaranteed.
 *      The only way prestart refuses a container.
 */
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../src/run-pool.h"
#include "../src/store-counters.h"
#include "../src/log-events.h"
#include "../src/oci-hookargs.h"
#include "../src/edge/hookio.h"
#include "../src/log.h"
#include "../src/oci-podid.h"
#include "../src/policy.h"
#include "../src/run-register.h"
#include "../src/store-rundir.h"
#include "../src/store-skipped.h"
#include "../src/util.h"
#include "../src/version.h"

/* bpfreaper's own trouble, never the container's: the policy says whether
 * the container is refused (policy_unrecorded_runs()); otherwise it runs
 * unrecorded, and the skipped log lets the operator see it. policy NULL:
 * the host's config is not known (invalid, or the arguments are), and an
 * unknown config must neither refuse nor remove: unrecorded. */
static int own_trouble(const struct hook_start *h, const struct policy *policy, const char *reason)
{
	const char *id = hook_container_id(h);
	struct event_fields f;
	struct pod_identity pod;
	const char *invalid, *why_unrecorded = "the config is not usable";
	int r;

	pod_identity_from_annotations(&h->oci, &pod, &invalid);
	event_fields_container(&f, id, &pod, policy ? mode_name(policy->mode) : NULL, 0);
	event_fields_add(&f, "REASON", reason);
	if (policy)
		why_unrecorded = policy_unrecorded_runs(policy);
	if (!why_unrecorded) {
		(void)counters_add(COUNTER_PRESTART_REFUSED, 1);
		log_event(LOG_ERR, LOG_ID_ERROR, f.v, f.n,
			  "prestart: container %s: %s; refused (mode enforce, on_error fail)", id, reason);
		return 1;
	}
	(void)counters_add(COUNTER_PRESTART_SKIPPED, 1);
	r = skipped_record(id, reason);
	log_event(LOG_WARNING, LOG_ID_SKIPPED, f.v, f.n, "prestart: container %s: %s; it runs unrecorded (%s)%s%s%s%s",
		  id, reason, why_unrecorded,
		  r < 0 ? "; not counted in " : "", r < 0 ? rundir_path() : "", r < 0 ? "/" SKIPPED_FILE ": " : "",
		  r < 0 ? strerror(-r) : "");
	return 0;
}

/* Trouble with an input bpfreaper needs (arguments, config, state, its own
 * annotations): the host's policy decides, as for any own trouble. */
static int input_trouble(const struct hook_start *h, const char *reason)
{
	struct policy host = {};
	int rc;

	(void)counters_add(COUNTER_PRESTART_BAD_INPUT, 1);
	if (!h->cfg_known || policy_resolve_host(&h->cfg, h->args.default_mode, &host) < 0)
		return own_trouble(h, NULL, reason);
	rc = own_trouble(h, &host, reason);
	policy_done(&host);
	return rc;
}

int main(int argc, char **argv)
{
	struct register_result res = {};
	struct br_error err = BR_ERROR_INIT;
	struct policy policy = {};
	struct hook_start h;
	struct event_fields f;
	char reason[1024], pod[POD_TEXT_MAX];
	int r, caps, rc = 0;

	if (argc == 2 && streq(argv[1], POOL_TEND_ARG))
		return pool_tend_main();

	/* Asked by a person, never by a runtime: no OCI state to read. */
	if (argc == 2 && streq(argv[1], "--version")) {
		char line[128];

		version_line("bpfreaper-prestart", line, sizeof(line));
		puts(line);
		return 0;
	}
	log_open("bpfreaper-prestart");
	caps = hook_start("prestart", argc, argv, &h);
	if (caps == HOOK_ROOTLESS)
		return 0;
	if (caps == HOOK_TROUBLE) {
		rc = input_trouble(&h, br_error_text(&h.trouble, reason, sizeof(reason)));
		goto out;
	}
	r = policy_resolve(&h.oci, &h.cfg, h.args.default_mode, &policy, &err);
	if (r < 0) {
		rc = input_trouble(&h, err.detail);
		goto out;
	}
	if (policy.annotation_capped)
		log_warn("prestart: container %s: annotation " ANNOTATION_MODE "=%s not honoured: "
			 "annotation_modes in %s does not allow it; mode %s from %s", h.oci.id,
			 mode_name(policy.annotation_mode), h.args.config_path, mode_name(policy.mode),
			 policy.mode_source);
	if (policy.live_budget_capped)
		log_warn("prestart: container %s: annotation " ANNOTATION_LIVE_BUDGET " asks for more than "
			 "live_budget in %s allows; capped to objects=%llu,bytes=%llu (0: no limit)", h.oci.id,
			 h.args.config_path, (unsigned long long)policy.live_budget.objects,
			 (unsigned long long)policy.live_budget.bytes);
	if (!policy_records(&policy)) {
		log_info("prestart: container %s: mode off (%s), not recorded", h.oci.id, policy.mode_source);
		goto out;
	}
	if (h.oci.pid <= 0) {
		rc = own_trouble(&h, &policy, "state has no pid; configure bpfreaper-prestart as a prestart or "
				 "createRuntime hook");
		goto out;
	}
	if (h.trouble.code) { /* the log file: the config is valid */
		rc = own_trouble(&h, &policy, br_error_text(&h.trouble, reason, sizeof(reason)));
		goto out;
	}
	if (caps == -EPERM) {
		snprintf(reason, sizeof(reason), "capabilities %s are not effective (needs cap_sys_admin, "
			 "cap_bpf, cap_perfmon)", h.caps.detail);
		rc = own_trouble(&h, &policy, reason);
		goto out;
	}
	r = container_register(&h.oci, &policy, h.cfg.backend, &res, &err);
	if (r < 0) {
		br_error_text(&err, reason, sizeof(reason));
		rc = own_trouble(&h, &policy, reason);
		goto out;
	}
	if (res.pod_annotation_invalid)
		log_warn("prestart: container %s: annotation %s is not printable ASCII of at most %d bytes: "
			 "not shown in reports and logs", h.oci.id, res.pod_annotation_invalid, POD_FIELD_MAX);
	if (res.bundle.code == -EFBIG)
		log_warn("prestart: container %s: bundle config.json larger than " BUNDLE_CONFIG_MAX_TEXT
			 " (the limit of a bundle's config.json): bpffs directories it makes cannot be placed "
			 "on the host", h.oci.id);
	else if (res.bundle.code)
		log_warn("prestart: container %s: bundle config.json unreadable (%s): "
			 "bpffs directories it makes cannot be placed on the host",
			 h.oci.id, strerror(-res.bundle.code));
	if (res.kept_earlier)
		log_warn("prestart: container %s: an earlier run (cgroup id %llu) was never finished (its "
			 "poststop did not run to the end): its state is kept for this container's poststop "
			 "or bpfreaperctl gc", h.oci.id, (unsigned long long)res.kept_earlier);
	if (res.trampoline_error.code) {
		char text[sizeof(res.trampoline_error.detail) + 64];

		log_info("prestart: trampoline backend unavailable (%s): recording with tracepoints",
			 br_error_text(&res.trampoline_error, text, sizeof(text)));
	}
	if (!res.already)
		(void)counters_add(COUNTER_REGISTERED, 1);
	pod_identity_describe(&res.state.pod, pod, sizeof(pod));
	event_fields_container(&f, h.oci.id, &res.state.pod, mode_name(policy.mode), res.state.cgroup_id);
	event_fields_add(&f, "BACKEND", tracer_backend_name(res.state.backend));
	log_event(LOG_INFO, LOG_ID_REGISTERED, f.v, f.n,
		  "prestart: container %s: %s cgroup %s (id %llu), mode %s (%s), %s backend%s%s", h.oci.id,
		  res.already ? "already registered" : "registered", res.state.cgroup_path,
		  (unsigned long long)res.state.cgroup_id, mode_name(policy.mode), policy.mode_source,
		  tracer_backend_name(res.state.backend), res.tracer_loaded ? ", tracer loaded" : "", pod);
	register_result_done(&res);
out:
	policy_done(&policy);
	hook_start_done(&h);
	return rc;
}
