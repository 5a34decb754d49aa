// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpfreaper-poststop: OCI poststop hook. Wiring only: reads the state, calls
 * container_teardown(), logs once, picks the exit code. bpfreaper's own
 * trouble never fails a container's teardown unless --strict is given.
 *   0  done, nothing to do, or bpfreaper's own trouble (logged)
 *   1  with --strict: a step failed or an object survived
 *   2  bad input: the state on stdin or the arguments are not valid
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/hookio.h"
#include "../src/bpfobj.h"
#include "../src/log.h"
#include "../src/teardown.h"

static int parse_args(int argc, char **argv, struct teardown_opts *opts, int *strict)
{
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "report-only", no_argument, NULL, 'r' },
		{ "wait-ms", required_argument, NULL, 'w' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end = NULL;
		long v;

		switch (c) {
		case 's':
			*strict = 1;
			break;
		case 'r':
			opts->remove = false;
			break;
		case 'w':
			v = strtol(optarg, &end, 10);
			if (!end || *end || v < 0 || v > 60000)
				return -1;
			opts->wait_ms = (unsigned)v;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct teardown_opts opts = { .remove = true, .wait_ms = 2000 };
	struct teardown_result res = {};
	struct oci_state oci = {};
	const char *why = "", *step = "";
	int strict = 0, r;

	log_open("bpfreaper-poststop");
	r = hook_read_state(STDIN_FILENO, &oci, &why);
	if (parse_args(argc, argv, &opts, &strict) < 0) {
		log_err("poststop: usage: bpfreaper-poststop [--strict] [--report-only] [--wait-ms N]");
		oci_state_done(&oci);
		return 2;
	}
	if (r < 0) {
		log_err("poststop: bad OCI state on stdin: %s", why);
		return 2;
	}
	r = container_teardown(oci.id, &opts, &res, &step, &why);
	if (r == -ENOENT && strcmp(step, "read the state file") == 0) {
		log_info("poststop: container %s: no state, nothing to do (never registered or "
			 "already cleaned)", oci.id);
		oci_state_done(&oci);
		return 0;
	}
	if (r < 0) {
		log_err("poststop: container %s: %s: %s%s%s", oci.id, step, strerror(-r),
			*why ? ": " : "", why);
		oci_state_done(&oci);
		return strict ? 1 : 0;
	}
	for (size_t i = 0; i < res.reap.pins_left.n; i++)
		log_warn("poststop: container %s: pin %s (%s id %u) left in place: %s%s%s", oci.id,
			 res.reap.pins_left.v[i].path, obj_kind_name(res.reap.pins_left.v[i].kind),
			 res.reap.pins_left.v[i].id, res.reap.pins_left.v[i].why,
			 res.reap.pins_left.v[i].error ? ": " : "",
			 res.reap.pins_left.v[i].error ? strerror(-res.reap.pins_left.v[i].error) : "");
	log_msg(res.reap.survivors ? LOG_WARNING : LOG_INFO, "poststop: %s", res.summary);
	r = strict && (res.reap.survivors || res.reap.pins_left.n) ? 1 : 0;
	teardown_result_done(&res);
	oci_state_done(&oci);
	return r;
}
