// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpfreaper-poststop: OCI poststop hook. Wiring only: reads the state, calls
 * container_teardown(), logs once, picks the exit code. bpfreaper's own
 * trouble never fails a container's teardown unless --strict is given.
 *   0  done, nothing to do, or bpfreaper's own trouble (logged)
 *   1  with --strict: a step failed or a pin was left
 *   2  bad input: the state on stdin, the config or the arguments
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../src/bpfobj.h"
#include "../src/hookargs.h"
#include "../src/hookio.h"
#include "../src/log.h"
#include "../src/teardown.h"

static void log_left(const char *id, const struct path_list *left)
{
	for (size_t i = 0; i < left->n; i++) {
		const struct reap_path *p = &left->v[i];

		if (p->id)
			log_warn("poststop: container %s: pin %s (%s id %u) left in place: %s%s%s", id,
				 p->path, obj_kind_name(p->kind), p->id, p->why, p->error ? ": " : "",
				 p->error ? strerror(-p->error) : "");
		else
			log_warn("poststop: container %s: directory %s left in place: %s", id, p->path, p->why);
	}
}

int main(int argc, char **argv)
{
	struct teardown_opts opts;
	struct teardown_result res = {};
	struct config cfg = { .wait_ms = -1 };
	struct oci_state oci = {};
	struct hook_args args;
	const char *why = "", *step = "";
	int r, rc = 0;

	log_open("bpfreaper-poststop");
	r = hook_read_state(STDIN_FILENO, &oci, &why);
	if (hook_args_parse(argc, argv, &args) < 0) {
		log_err("poststop: usage: bpfreaper-poststop " HOOK_USAGE);
		oci_state_done(&oci);
		return 2;
	}
	if (r < 0) {
		log_err("poststop: bad OCI state on stdin: %s", why);
		return 2;
	}
	if (hook_restrict_caps("poststop", oci.id) < 0) {
		rc = args.strict ? 1 : 0;
		goto out;
	}
	r = hook_load_config(&args, &cfg, &why);
	if (r < 0) {
		log_err("poststop: container %s: config %s: %s: %s", oci.id, args.config_path, why,
			strerror(-r));
		rc = 2;
		goto out;
	}
	teardown_opts_from_config(&cfg, args.wait_ms, args.report_only, &opts);
	r = container_teardown(oci.id, &opts, &res, &step, &why);
	if (r == -ENOENT && strcmp(step, "read the state file") == 0) {
		log_info("poststop: container %s: no state, nothing to do (never registered, mode off, "
			 "or already cleaned)", oci.id);
		goto out;
	}
	if (r < 0) {
		log_err("poststop: container %s: %s: %s%s%s", oci.id, step, strerror(-r),
			*why ? ": " : "", why);
		rc = args.strict ? 1 : 0;
		goto out;
	}
	log_left(oci.id, &res.reap.pins_left);
	log_left(oci.id, &res.reap.dirs_left);
	log_msg(res.reap.survivors ? LOG_WARNING : LOG_INFO, "poststop: %s", res.summary);
	rc = args.strict && (res.reap.survivors || res.reap.pins_left.n) ? 1 : 0;
	teardown_result_done(&res);
out:
	config_done(&cfg);
	oci_state_done(&oci);
	return rc;
}
