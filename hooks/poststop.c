// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpfreaper-poststop: OCI poststop hook. Wiring only: reads the state, calls
 * container_teardown(), then gc_earlier_runs() for the id's unfinished
 * earlier runs (store-state.h), logs once, picks the exit code. bpfreaper's own
 * trouble never fails a container's teardown unless --strict is given.
 *   0  done, nothing to do, bpfreaper's own trouble (logged, counted; a
 *      config, argument or state it cannot use included: nothing is removed
 *      then, the state stays for gc), or a rootless runtime's user namespace
 *      (logged: bpfreaper never registers there)
 *   1  with --strict: a step failed, a pin was left, or an input was unusable
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../src/run-pool.h"
#include "../src/reap-bpfobj.h"
#include "../src/store-counters.h"
#include "../src/log-events.h"
#include "../src/run-gc.h"
#include "../src/oci-hookargs.h"
#include "../src/edge/gclog.h"
#include "../src/edge/hookio.h"
#include "../src/log.h"
#include "../src/run-teardown.h"
#include "../src/util.h"
#include "../src/version.h"

static void log_left(const char *id, const struct path_list *left, const struct event_fields *f)
{
	for (size_t i = 0; i < left->n; i++) {
		const struct reap_path *p = &left->v[i];

		if (p->id)
			log_event(LOG_WARNING, NULL, f->v, f->n,
				  "poststop: container %s: pin %s (%s id %u) left in place: %s%s%s", id,
				  p->path, obj_kind_name(p->kind), p->id, p->why, p->error ? ": " : "",
				  p->error ? strerror(-p->error) : "");
		else
			log_warn("poststop: container %s: directory %s left in place: %s", id, p->path, p->why);
	}
}

static void log_survivors(const char *id, const struct reap_result *res, const struct event_fields *f)
{
	for (size_t i = 0; i < res->n_objects; i++) {
		const struct reap_object *o = &res->objects[i];

		if (o->freed || o->kept)
			continue;
		if (o->n_held_by)
			log_event(LOG_WARNING, NULL, f->v, f->n,
				  "poststop: container %s: %s id %u (%s) survives: held by pid %u (%.16s) fd %u%s", id,
				  obj_kind_name(o->kind), o->id, o->name, o->held_by[0].pid, o->held_by[0].comm,
				  o->held_by[0].fd, o->n_held_by > 1 ? " and others" : "");
		else if (o->n_used_by)
			log_event(LOG_WARNING, NULL, f->v, f->n,
				  "poststop: container %s: %s id %u (%s) survives: used by prog id %u", id,
				  obj_kind_name(o->kind), o->id, o->name, o->used_by[0]);
		else
			log_event(LOG_WARNING, NULL, f->v, f->n,
				  "poststop: container %s: %s id %u (%s) survives: %s%s%s", id,
				  obj_kind_name(o->kind), o->id, o->name, o->survivor_reason,
				  o->pinned_at ? " at " : "", o->pinned_at ? o->pinned_at : "");
	}
}

#define POSTSTOP_GC_WAIT_MS 200

/* Earlier runs of this id that a later prestart kept unfinished (their
 * poststop crashed or never ran): this container's stop finishes them, so
 * a restarted container's leftovers do not wait for the gc timer. */
static void earlier_runs(const char *id, const struct teardown_opts *opts)
{
	struct gc_result res;
	int r;

	r = gc_earlier_runs(id, opts, &res);
	if (r < 0) {
		log_warn("poststop: container %s: earlier runs: %s", id, strerror(-r));
		return;
	}
	gc_log("poststop: earlier run", &res);
	gc_result_done(&res);
}

/* Cleans up after at most one container whose poststop never ran, at most
 * once a minute host-wide, and keeps reports and records maps bounded where
 * no gc timer runs (the DaemonSet, make install). On the stop path, never
 * the start path: a container start pays for registration only. Its
 * trouble is only logged. */
static void opportunistic_gc(const struct config *cfg)
{
	struct report_retention retention = config_report_retention(cfg);
	struct teardown_opts topts;
	struct gc_result res;
	int r;

	teardown_opts_from_config(cfg, -1, false, &topts);
	topts.by = "gc";
	/* A container stop waits at most this long for another's frees; the
	 * report then says what was not freed yet, and the timer's gc is not
	 * in a hurry. */
	if (topts.wait_ms > POSTSTOP_GC_WAIT_MS)
		topts.wait_ms = POSTSTOP_GC_WAIT_MS;
	r = gc_opportunistic(&topts, &retention, &res);
	if (r < 0) {
		log_warn("poststop: gc: %s", strerror(-r));
		return;
	}
	gc_log("poststop: gc", &res);
	gc_result_done(&res);
}

int main(int argc, char **argv)
{
	struct teardown_opts opts;
	struct teardown_result res = {};
	struct hook_start h;
	struct event_fields f;
	struct report_counts counts;
	struct br_error err = BR_ERROR_INIT;
	char text[sizeof(err.detail) + 128];
	int r, rc = 0;

	if (argc == 2 && streq(argv[1], POOL_TEND_ARG))
		return pool_tend_main();

	/* Asked by a person, never by a runtime: no OCI state to read. */
	if (argc == 2 && streq(argv[1], "--version")) {
		char line[128];

		version_line("bpfreaper-poststop", line, sizeof(line));
		puts(line);
		return 0;
	}
	log_open("bpfreaper-poststop");
	r = hook_start("poststop", argc, argv, &h);
	if (r == HOOK_ROOTLESS) /* logged: nothing of ours can be there */
		return 0;
	if (r == -EPERM) { /* a teardown fails because of us only with --strict */
		(void)counters_add(COUNTER_POSTSTOP_FAILED, 1);
		log_err("poststop: container %s: capabilities %s are not effective (needs cap_sys_admin, "
			"cap_bpf, cap_perfmon)", h.oci.id, h.caps.detail);
		rc = h.args.strict ? 1 : 0;
		goto out;
	}
	if (r == HOOK_TROUBLE) {
		/* Never a removal on a config that did not parse: a typo in an
		 * emergency "off" must not turn into enforcement. */
		(void)counters_add(COUNTER_POSTSTOP_FAILED, 1);
		event_fields_container(&f, hook_container_id(&h), NULL, NULL, 0);
		event_fields_add(&f, "STEP", br_step_words(h.trouble.step));
		log_event(LOG_ERR, LOG_ID_ERROR, f.v, f.n, "poststop: container %s: %s; nothing removed, its state "
			  "(if any) stays for bpfreaperctl gc", hook_container_id(&h),
			  br_error_text(&h.trouble, text, sizeof(text)));
		rc = h.args.strict && h.trouble.step != BR_STEP_ARGS ? 1 : 0;
		goto out;
	}
	if (h.trouble.code) /* the log file: the config is valid, the teardown goes on */
		log_warn("poststop: container %s: %s", h.oci.id, br_error_text(&h.trouble, text, sizeof(text)));
	teardown_opts_from_config(&h.cfg, h.args.wait_ms, h.args.report_only, &opts);
	r = container_teardown(h.oci.id, 0, &opts, &res, &err);
	if (r == -ENOENT && err.step == BR_STEP_STATE_READ) {
		log_info("poststop: container %s: no state, nothing to do (never registered, mode off, "
			 "or already cleaned)", h.oci.id);
		goto gc;
	}
	if (r < 0) {
		(void)counters_add(COUNTER_POSTSTOP_FAILED, 1);
		event_fields_container(&f, h.oci.id, NULL, NULL, 0);
		event_fields_add(&f, "STEP", br_step_words(err.step));
		log_event(LOG_ERR, LOG_ID_ERROR, f.v, f.n, "poststop: container %s: %s", h.oci.id,
			  br_error_text(&err, text, sizeof(text)));
		rc = h.args.strict ? 1 : 0;
		goto out;
	}
	report_counts(&res.reap, &counts);
	event_fields_container(&f, h.oci.id, &res.state.pod, res.mode, res.state.cgroup_id);
	log_left(h.oci.id, &res.reap.pins_left, &f);
	log_left(h.oci.id, &res.reap.dirs_left, &f);
	log_survivors(h.oci.id, &res.reap, &f);
	event_fields_counts(&f, &counts);
	log_event(res.reap.survivors ? LOG_WARNING : LOG_INFO, res.reap.survivors ? LOG_ID_SURVIVORS : LOG_ID_CLEANED,
		  f.v, f.n, "poststop: %s", res.summary);
	rc = h.args.strict && (res.reap.survivors || res.reap.pins_left.n) ? 1 : 0;
	teardown_result_done(&res);
gc:
	earlier_runs(h.oci.id, &opts);
	opportunistic_gc(&h.cfg);
out:
	hook_start_done(&h);
	return rc;
}
