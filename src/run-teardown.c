// SPDX-License-Identifier: LGPL-2.1-or-later
/* The poststop sequence; see run-teardown.h. */
#include "run-teardown.h"
#include "store-counters.h"
#include "policy.h"
#include "live-usage.h"
#include "store-report.h"
#include "tracer-records.h"
#include "run-pool.h"
#include "crashpoint.h"
#include "util.h"

#include <sys/stat.h>
#include <time.h>

void teardown_result_done(struct teardown_result *r)
{
	container_state_done(&r->state);
	reap_result_done(&r->reap);
	free(r->report_json);
	memset(r, 0, sizeof(*r));
}

void teardown_opts_from_config(const struct config *cfg, int wait_ms_arg, bool report_only,
			       struct teardown_opts *ret)
{
	*ret = (struct teardown_opts){
		.report_only = report_only,
		.wait_ms = wait_ms_arg >= 0 ? (unsigned)wait_ms_arg
			   : cfg->wait_ms >= 0 ? (unsigned)cfg->wait_ms
					       : TEARDOWN_WAIT_MS_DEFAULT,
		.host_keep = &cfg->keep,
		.report_dir = cfg->report_dir,
		.list_freed = cfg->list_freed,
	};
}

/* Once per finished teardown, after the state is gone: a teardown killed
 * before that and run again is counted once. Best effort: the metrics
 * must never fail a container's stop. */
static void count_teardown(const struct teardown_opts *opts, const struct reap_result *reap)
{
	struct report_counts c;

	report_counts(reap, &c);
	struct counter_op ops[] = {
		COUNTER_ADD(opts->by && streq(opts->by, "gc") ? COUNTER_TEARDOWNS_GC : COUNTER_TEARDOWNS_POSTSTOP, 1),
		COUNTER_ADD(COUNTER_OBJECTS_RECORDED, c.objects),
		COUNTER_ADD(COUNTER_OBJECTS_FREED, c.freed),
		COUNTER_ADD(COUNTER_OBJECTS_SURVIVED, c.survived),
		COUNTER_ADD(COUNTER_PINS_REMOVED, c.pins_removed),
		COUNTER_ADD(COUNTER_PINS_KEPT, c.pins_kept),
		COUNTER_ADD(COUNTER_PINS_LEFT, c.pins_left),
		COUNTER_ADD(COUNTER_DIRS_REMOVED, c.dirs_removed),
		COUNTER_ADD(COUNTER_DETACHED, c.links_detached + c.attachments_detached),
		COUNTER_ADD(COUNTER_ATTACHMENTS_LEFT, c.attachments_left),
		COUNTER_ADD(COUNTER_OVERFLOWS, c.overflow),
		COUNTER_ADD(COUNTER_NOT_TRACED, c.not_traced),
	};

	(void)counters_apply(ops, ARRAY_SIZE(ops));
}

/* Forget last, in report mode too: the report now holds what was
 * recorded. Its records map, back in the pool, may be one too many. */
static int forget_container(const struct rundir *rd, const struct tracer *t, uint64_t cgroup_id,
			    const struct record_list *records, struct br_error *err)
{
	int r;

	r = tracer_delete_records(t, cgroup_id, &records->cg);
	crashpoint("records-dropped");
	if (r == 0) {
		_cleanup_close_ int slots = rundir_lock_slots(rd);

		r = slots < 0 ? slots : tracer_unregister(t, cgroup_id);
	}
	crashpoint("unregistered");
	if (r == 0)
		(void)pool_tend_detached(rd, t);
	if (r == -ENOENT)
		r = 0;
	return r < 0 ? br_error_set(err, r, BR_STEP_RECORDS_DROP, "%s", "") : 0;
}

/* The removal under the state's policy, and its report written. */
static int reap_and_report(const struct rundir *rd, const char *id, uint64_t earlier,
			   const struct teardown_opts *opts, uint64_t start_us, const struct record_list *records,
			   struct teardown_result *res, struct br_error *err)
{
	struct policy policy = {};
	struct live_bytes bytes = {};
	struct report_meta meta = {};
	struct reap_opts ropts = { .wait_ms = opts->wait_ms };
	uint64_t bytes_start;
	int r;

	r = policy_of_state(&res->state, opts->host_keep, opts->report_only, &policy);
	if (r < 0) {
		br_error_set(err, r, BR_STEP_REMOVE, "%s", "");
		goto out;
	}
	ropts.own_bpffs = rundir_bpffs_dev(rd);
	ropts.binds = &res->state.binds;
	ropts.remove = policy_removes(&policy);
	ropts.policy = &policy;
	ropts.registered_ns = res->state.registered_ns;
	meta.mode = policy_mode_word(&policy);
	meta.by = opts->by;
	meta.list_freed = opts->list_freed;
	meta.earlier = earlier != 0;
	crashpoint("records-read");
	/* Before anything is removed: afterwards the freed are gone. A failed
	 * measurement only leaves the bytes out of the report. */
	bytes_start = now_us();
	meta.bytes_measured = live_bytes_of_records(records, &bytes) == 0;
	meta.bytes_us = now_us() - bytes_start;
	r = reap(records, &ropts, &res->reap);
	if (r < 0) {
		br_error_set(err, r, BR_STEP_REMOVE, "%s", "");
		goto out;
	}
	meta.bytes_held = bytes.total;
	for (size_t i = 0; i < res->reap.n_objects; i++)
		if (!res->reap.objects[i].freed)
			meta.bytes_survived += live_bytes_of(&bytes, res->reap.objects[i].kind, res->reap.objects[i].id);
	meta.state = &res->state;
	meta.total_us = now_us() - start_us;
	r = report_build(&meta, &res->reap, &res->report_json);
	if (r == 0)
		r = report_write(rd, opts->report_dir, id, earlier, res->report_json);
	if (r < 0) {
		br_error_set(err, r, BR_STEP_REPORT_WRITE, "%s", "");
		goto out;
	}
	report_summary(&meta, &res->reap, res->summary, sizeof(res->summary));
	res->mode = meta.mode;
	crashpoint("report-written");
out:
	policy_done(&policy);
	live_bytes_done(&bytes);
	return r;
}

int container_teardown(const char *id, uint64_t earlier, const struct teardown_opts *opts,
		       struct teardown_result *ret, struct br_error *err)
{
	struct teardown_result res = {};
	struct record_list records = {};
	struct tracer t = TRACER_INIT;
	struct rundir rd = {};
	uint64_t start = now_us();
	_cleanup_close_ int lock = -EBADF;
	int r;

	r = rundir_open(&rd);
	if (r < 0)
		return br_error_set(err, r, BR_STEP_RUN_DIR, "%s: %s", rundir_path(), strerror(-r));
	lock = state_lock(&rd, id, earlier);
	if (lock < 0) {
		r = br_error_set(err, lock, BR_STEP_STATE_READ, "%s", lock == -EBADMSG ? "not a regular file" : "");
		goto out;
	}
	r = state_read(&rd, id, earlier, &res.state, err);
	if (r < 0)
		goto out;
	if (opts->only_cgroup_id && res.state.cgroup_id != opts->only_cgroup_id) {
		r = br_error_set(err, -ESTALE, BR_STEP_STATE_READ, "a new run of the container took the id's state");
		goto out;
	}

	r = tracer_open(&rd, &t);
	if (r < 0) {
		br_error_set(err, r, BR_STEP_TRACER_OPEN, "%s", "");
		goto out;
	}
	r = tracer_read_records(&t, res.state.cgroup_id, &records);
	if (r == -ENOENT) {
		r = 0; /* never registered, or forgotten by a run killed late */
	} else if (r == 0) {
		res.registered = true;
	}
	if (r < 0) {
		br_error_set(err, r, BR_STEP_RECORDS_READ, "%s", "");
		goto out;
	}
	r = reap_and_report(&rd, id, earlier, opts, start, &records, &res, err);
	if (r == 0 && res.registered)
		r = forget_container(&rd, &t, res.state.cgroup_id, &records, err);
	if (r < 0)
		goto out;
	r = state_remove(&rd, id, earlier);
	if (r < 0)
		br_error_set(err, r, BR_STEP_STATE_REMOVE, "%s", "");
	else
		count_teardown(opts, &res.reap);
out:
	record_list_done(&records);
	tracer_close(&t);
	rundir_close(&rd);
	if (r < 0) {
		teardown_result_done(&res);
		return r;
	}
	*ret = res;
	return 0;
}
