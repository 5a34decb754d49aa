// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpfreaper-prestart: OCI prestart / createRuntime hook. Wiring only: reads
 * the state, calls container_register(), logs once, picks the exit code.
 *   0  registered (or already registered)
 *   1  bpfreaper could not register the container (the cause is logged)
 *   2  bad input: the state on stdin is not valid for a prestart hook
 */
#include <string.h>
#include <unistd.h>

#include "../src/hookio.h"
#include "../src/log.h"
#include "../src/register.h"

int main(void)
{
	struct oci_state oci = {};
	struct register_result res = {};
	const char *why = "", *step = "";
	int r;

	log_open("bpfreaper-prestart");
	r = hook_read_state(STDIN_FILENO, &oci, &why);
	if (r < 0) {
		log_err("prestart: bad OCI state on stdin: %s", why);
		return 2;
	}
	if (oci.pid <= 0) {
		log_err("prestart: container %s: state has no pid; configure bpfreaper-prestart as "
			"a prestart or createRuntime hook", oci.id);
		oci_state_done(&oci);
		return 2;
	}
	r = container_register(&oci, &res, &step);
	if (r < 0) {
		log_err("prestart: container %s: %s: %s", oci.id, step, strerror(-r));
		oci_state_done(&oci);
		return 1;
	}
	if (res.bundle_error)
		log_warn("prestart: container %s: bundle config.json unreadable (%s): "
			 "bpffs directories it makes cannot be placed on the host",
			 oci.id, strerror(-res.bundle_error));
	log_info("prestart: container %s: %s cgroup %s (id %llu)%s", oci.id,
		 res.already ? "already registered" : "registered", res.state.cgroup_path,
		 (unsigned long long)res.state.cgroup_id, res.tracer_loaded ? ", tracer loaded" : "");
	register_result_done(&res);
	oci_state_done(&oci);
	return 0;
}
