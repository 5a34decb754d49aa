// SPDX-License-Identifier: LGPL-2.1-or-later
/* The poststop sequence; see teardown.h. */
#include "teardown.h"
#include "counters.h"
#include "report.h"
#include "tracer-records.h"
#include "crashpoint.h"
#include "util.h"

#include <sys/stat.h>
#include <time.h>

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

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

int container_teardown(const char *id, uint64_t earlier, const struct teardown_opts *opts,
		       struct teardown_result *ret, const char **ret_step, const char **ret_why)
{
	struct teardown_result res = {};
	struct record_list records = {};
	struct tracer t = TRACER_INIT;
	struct rundir rd = {};
	struct reap_opts ropts = { .wait_ms = opts->wait_ms };
	struct report_meta meta = {};
	uint64_t start = now_us();
	_cleanup_close_ int lock = -EBADF;
	int r;

	*ret_why = "";
	*ret_step = "open " RUN_DIR_DEFAULT;
	r = rundir_open(&rd);
	if (r < 0)
		return r;
	*ret_step = TEARDOWN_STEP_STATE;
	lock = state_lock(&rd, id, earlier);
	if (lock < 0) {
		r = lock;
		if (r == -EBADMSG)
			*ret_why = "not a regular file";
		goto out;
	}
	r = state_read(&rd, id, earlier, &res.state, ret_why);
	if (r < 0)
		goto out;
	if (opts->only_cgroup_id && res.state.cgroup_id != opts->only_cgroup_id) {
		*ret_why = "a new run of the container took the id's state";
		r = -ESTALE;
		goto out;
	}

	*ret_step = "open the tracer";
	r = tracer_open(&rd, &t);
	if (r < 0)
		goto out;
	*ret_step = "read the records";
	r = tracer_read_records(&t, res.state.cgroup_id, &records);
	if (r == -ENOENT) {
		r = 0; /* never registered, or forgotten by a run killed late */
	} else if (r == 0) {
		res.registered = true;
	}
	if (r < 0)
		goto out;

	ropts.own_bpffs = rundir_bpffs_dev(&rd);
	ropts.binds = &res.state.binds;
	ropts.remove = res.state.mode == MODE_ENFORCE && !opts->report_only;
	ropts.keep[0] = &res.state.keep;
	ropts.keep[1] = opts->host_keep;
	ropts.registered_ns = res.state.registered_ns;
	meta.mode = ropts.remove ? "enforce" : "report";
	meta.by = opts->by;
	meta.list_freed = opts->list_freed;
	meta.earlier = earlier != 0;
	crashpoint("records-read");
	*ret_step = "remove the container's objects";
	r = reap(&records, &ropts, &res.reap);
	if (r < 0)
		goto out;

	meta.state = &res.state;
	meta.total_us = now_us() - start;
	*ret_step = "write the report";
	r = report_build(&meta, &res.reap, &res.report_json);
	if (r == 0)
		r = report_write(&rd, opts->report_dir, id, earlier, res.report_json);
	if (r < 0)
		goto out;
	report_summary(&meta, &res.reap, res.summary, sizeof(res.summary));
	crashpoint("report-written");

	/* Forget last. In report mode too: the report now holds what was recorded. */
	*ret_step = "drop the records";
	if (res.registered) {
		r = tracer_delete_records(&t, &records.cg);
		crashpoint("records-dropped");
		if (r == 0)
			r = tracer_unregister(&t, res.state.cgroup_id);
		crashpoint("unregistered");
		if (r == -ENOENT)
			r = 0;
		if (r < 0)
			goto out;
	}
	*ret_step = "remove the state file";
	r = state_remove(&rd, id, earlier);
	if (r == 0)
		count_teardown(opts, &res.reap);
	res.mode = meta.mode;
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
