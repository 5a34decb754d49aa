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

#define PRESTART_GC_WAIT_MS 200

/* Cleans up after at most one container whose poststop never ran, at most
 * once a minute host-wide; its trouble never fails this container's start. */
static void opportunistic_gc(const struct config *cfg)
{
	struct teardown_opts topts;
	struct gc_result res;
	int r;

	teardown_opts_from_config(cfg, -1, false, &topts);
	topts.by = "gc";
	/* A container start waits at most this long for another's frees; the
	 * report then says what was not freed yet, and the timer's gc is not
	 * in a hurry. */
	if (topts.wait_ms > PRESTART_GC_WAIT_MS)
		topts.wait_ms = PRESTART_GC_WAIT_MS;
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
	struct register_result res = {};
	struct policy policy = {};
	struct hook_start h;
	const char *why = "", *step = "";
	int r, rc = 0;

	log_open("bpfreaper-prestart");
	r = hook_start("prestart", argc, argv, &h);
	if (r < 0)
		return r == -EPERM ? 1 : 2;
	r = policy_resolve(&h.oci, &h.cfg, h.args.default_mode, &policy, &why);
	if (r < 0) {
		log_err("prestart: container %s: %s", h.oci.id, why);
		rc = 2;
		goto out;
	}
	if (policy.mode == MODE_OFF) {
		log_info("prestart: container %s: mode off (%s), not recorded", h.oci.id, policy.mode_source);
		goto out;
	}
	if (h.oci.pid <= 0) {
		log_err("prestart: container %s: state has no pid; configure bpfreaper-prestart as "
			"a prestart or createRuntime hook", h.oci.id);
		rc = 2;
		goto out;
	}
	r = container_register(&h.oci, &policy, h.cfg.backend, &res, &step);
	if (r < 0) {
		log_err("prestart: container %s: %s: %s", h.oci.id, step, strerror(-r));
		rc = 1;
		goto out;
	}
	if (res.bundle_error)
		log_warn("prestart: container %s: bundle config.json unreadable (%s): "
			 "bpffs directories it makes cannot be placed on the host",
			 h.oci.id, strerror(-res.bundle_error));
	if (*res.trampoline_error)
		log_info("prestart: trampoline backend unavailable (%s): recording with tracepoints",
			 res.trampoline_error);
	log_info("prestart: container %s: %s cgroup %s (id %llu), mode %s (%s), %s backend%s", h.oci.id,
		 res.already ? "already registered" : "registered", res.state.cgroup_path,
		 (unsigned long long)res.state.cgroup_id, mode_name(policy.mode), policy.mode_source,
		 tracer_backend_name(res.state.backend), res.tracer_loaded ? ", tracer loaded" : "");
	register_result_done(&res);
	opportunistic_gc(&h.cfg);
out:
	policy_done(&policy);
	hook_start_done(&h);
	return rc;
}
