// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpfreaper-prestart: OCI prestart / createRuntime hook. Wiring only: reads
 * the state, resolves the policy, calls container_register(), logs once,
 * picks the exit code.
 *   0  registered, already registered, or mode "off"
 *   1  bpfreaper could not register the container (the cause is logged)
 *   2  bad input: the state on stdin, an annotation, the config or the arguments
 */
#include <string.h>
#include <unistd.h>

#include "../src/gc.h"
#include "../src/hookargs.h"
#include "../src/hookio.h"
#include "../src/log.h"
#include "../src/policy.h"
#include "../src/register.h"

/* Cleans up after at most one container whose poststop never ran, at most
 * once a minute host-wide; its trouble never fails this container's start. */
static void opportunistic_gc(const struct config *cfg)
{
	struct teardown_opts topts;
	struct gc_result res;
	int r;

	teardown_opts_from_config(cfg, -1, false, &topts);
	topts.by = "gc";
	r = gc_opportunistic(&topts, &res);
	if (r < 0) {
		log_warn("prestart: gc: %s", strerror(-r));
		return;
	}
	gc_log("prestart: gc", &res);
	gc_result_done(&res);
}

int main(int argc, char **argv)
{
	struct oci_state oci = {};
	struct register_result res = {};
	struct config cfg = { .wait_ms = -1 };
	struct policy policy = {};
	struct hook_args args;
	const char *why = "", *step = "";
	int r, rc = 0;

	log_open("bpfreaper-prestart");
	r = hook_read_state(STDIN_FILENO, &oci, &why);
	if (hook_args_parse(argc, argv, &args) < 0) {
		log_err("prestart: usage: bpfreaper-prestart " HOOK_USAGE);
		oci_state_done(&oci);
		return 2;
	}
	if (r < 0) {
		log_err("prestart: bad OCI state on stdin: %s", why);
		return 2;
	}
	if (hook_restrict_caps("prestart", oci.id) < 0) {
		rc = 1;
		goto out;
	}
	r = hook_load_config(&args, &cfg, &why);
	if (r < 0) {
		log_err("prestart: container %s: config %s: %s: %s", oci.id, args.config_path, why,
			strerror(-r));
		rc = 2;
		goto out;
	}
	r = policy_resolve(&oci, &cfg, args.default_mode, &policy, &why);
	if (r < 0) {
		log_err("prestart: container %s: %s", oci.id, why);
		rc = 2;
		goto out;
	}
	if (policy.mode == MODE_OFF) {
		log_info("prestart: container %s: mode off (%s), not recorded", oci.id, policy.mode_source);
		goto out;
	}
	if (oci.pid <= 0) {
		log_err("prestart: container %s: state has no pid; configure bpfreaper-prestart as "
			"a prestart or createRuntime hook", oci.id);
		rc = 2;
		goto out;
	}
	r = container_register(&oci, &policy, &res, &step);
	if (r < 0) {
		log_err("prestart: container %s: %s: %s", oci.id, step, strerror(-r));
		rc = 1;
		goto out;
	}
	if (res.bundle_error)
		log_warn("prestart: container %s: bundle config.json unreadable (%s): "
			 "bpffs directories it makes cannot be placed on the host",
			 oci.id, strerror(-res.bundle_error));
	log_info("prestart: container %s: %s cgroup %s (id %llu), mode %s (%s)%s", oci.id,
		 res.already ? "already registered" : "registered", res.state.cgroup_path,
		 (unsigned long long)res.state.cgroup_id, mode_name(policy.mode), policy.mode_source,
		 res.tracer_loaded ? ", tracer loaded" : "");
	register_result_done(&res);
	opportunistic_gc(&cfg);
out:
	policy_done(&policy);
	config_done(&cfg);
	oci_state_done(&oci);
	return rc;
}
