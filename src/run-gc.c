// SPDX-License-Identifier: LGPL-2.1-or-later
/* Garbage collection; see run-gc.h. */
#include "run-gc.h"
#include "enumtab.h"
#include "cgroup.h"
#include "store-counters.h"
#include "store-reports.h"
#include "tracer-records.h"
#include "run-pool.h"
#include "util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

const char *gc_action_name(enum gc_action a)
{
	static const char *const names[] = {
		[GC_ALIVE] = "running",
		[GC_CLEANED] = "cleaned",
		[GC_WOULD_CLEAN] = "would clean",
		[GC_DONE_ALREADY] = "done by poststop",
		[GC_CORRUPT] = "corrupt state",
		[GC_FAILED] = "failed",
		[GC_ORPHAN_DROPPED] = "orphan dropped",
		[GC_ORPHAN_WOULD_DROP] = "would drop orphan",
		[GC_ORPHAN_ALIVE] = "orphan running",
		[GC_DEFERRED] = "next run",
	};

	return ENUM_NAME(names, a, "?");
}

void gc_result_done(struct gc_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].id);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static struct gc_entry *add_entry(struct gc_result *res, const char *id, uint64_t cgroup_id,
				  enum gc_action action)
{
	struct gc_entry *e;

	if (res->n % 32 == 0) {
		struct gc_entry *v = realloc(res->v, (res->n + 32) * sizeof(*v));

		if (!v)
			return NULL;
		res->v = v;
	}
	e = &res->v[res->n];
	*e = (struct gc_entry){ .cgroup_id = cgroup_id, .action = action };
	if (id) {
		e->id = strdup(id);
		if (!e->id)
			return NULL;
	}
	res->n++;
	return e;
}

static void set_failed(struct gc_entry *e, int error, const char *why)
{
	e->action = GC_FAILED;
	br_error_set(&e->err, error, BR_STEP_NONE, "%s", why);
}

const char *gc_entry_why(const struct gc_entry *e, char *buf, size_t len)
{
	const char *words = br_step_words(e->err.step);

	if (*words && *e->err.detail)
		snprintf(buf, len, "%s: %s", words, e->err.detail);
	else
		snprintf(buf, len, "%s", *words ? words : e->err.detail);
	return buf;
}

/* One state file: leave it, or tear the run down. */
static int gc_state(const struct rundir *rd, const struct state_file *f, const struct gc_opts *opts,
		    size_t *cleanups, struct gc_result *res)
{
	struct container_state st = {};
	struct teardown_result tres = {};
	struct teardown_opts topts = opts->teardown;
	uint64_t earlier = f->earlier;
	struct br_error err = BR_ERROR_INIT;
	struct gc_entry *e;
	int r, alive;

	r = state_read(rd, f->id, earlier, &st, &err);
	if (r == -ENOENT)
		return 0; /* poststop finished between the listing and now */
	if (r < 0) {
		e = add_entry(res, f->id, earlier, GC_CORRUPT);
		if (!e)
			return -ENOMEM;
		e->earlier = earlier != 0;
		/* Said as what is wrong with the file, without the step. */
		e->err = err;
		e->err.step = BR_STEP_NONE;
		return 0;
	}
	/* A name cut at STATE_EARLIER_ID_MAX also fits longer ids. */
	if (opts->earlier_runs_of && !streq(st.id, opts->earlier_runs_of)) {
		container_state_done(&st);
		return 0;
	}
	alive = cgroup_id_alive(st.cgroup_id);
	e = add_entry(res, st.id, st.cgroup_id, GC_ALIVE);
	container_state_done(&st);
	if (!e)
		return -ENOMEM;
	e->earlier = earlier != 0;
	if (alive < 0) {
		set_failed(e, alive, "cannot tell whether its cgroup exists");
		return 0;
	}
	if (alive)
		return 0;
	if (opts->dry_run) {
		e->action = GC_WOULD_CLEAN;
		return 0;
	}
	if (opts->max_cleanups && *cleanups >= opts->max_cleanups) {
		/* Not torn down this time; the next run takes it. The entry
		 * stays, or its registration would look like an orphan and
		 * lose its records before that run. */
		e->action = GC_DEFERRED;
		return 0;
	}
	(*cleanups)++;
	/* Only the run seen gone: a prestart may have started a new one
	 * under the id since, keeping this one as an earlier run. */
	topts.only_cgroup_id = e->cgroup_id;
	r = container_teardown(e->id, earlier, &topts, &tres, &err);
	if (r == -ESTALE && err.step == BR_STEP_STATE_READ && !earlier) {
		earlier = e->cgroup_id;
		e->earlier = true;
		br_error_clear(&err);
		r = container_teardown(e->id, earlier, &topts, &tres, &err);
	}
	if (r == -ENOENT && err.step == BR_STEP_STATE_READ) {
		e->action = GC_DONE_ALREADY;
		return 0;
	}
	if (r < 0) {
		e->action = GC_FAILED;
		e->err = err;
		return 0;
	}
	e->action = GC_CLEANED;
	snprintf(e->summary, sizeof(e->summary), "%s", tres.summary);
	report_counts(&tres.reap, &e->counts);
	e->pod = tres.state.pod;
	e->mode = tres.mode;
	teardown_result_done(&tres);
	return 0;
}

/* The listed state files gc looks at. */
static bool gc_wants(const struct gc_opts *opts, const struct state_file *f)
{
	return !opts->earlier_runs_of || (f->earlier && state_file_of(f, opts->earlier_runs_of));
}

static bool has_state_for(const struct gc_result *res, uint64_t cgroup_id)
{
	for (size_t i = 0; i < res->n; i++)
		if (res->v[i].id && res->v[i].cgroup_id == cgroup_id)
			return true;
	return false;
}

/* Registrations nobody has a state for. */
static int gc_orphans(const struct rundir *rd, const struct tracer *t, const struct gc_opts *opts, struct gc_result *res)
{
	_cleanup_free_ uint64_t *ids = NULL;
	size_t n = 0;
	int r;

	r = tracer_list_registered(t, &ids, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct record_list records = {};
		struct gc_entry *e;
		int alive;

		if (has_state_for(res, ids[i]))
			continue;
		alive = cgroup_id_alive(ids[i]);
		/* A prestart may have written its state after our listing:
		 * a live cgroup is never touched. */
		e = add_entry(res, NULL, ids[i], alive ? GC_ORPHAN_ALIVE : GC_ORPHAN_WOULD_DROP);
		if (!e)
			return -ENOMEM;
		if (alive < 0) {
			set_failed(e, alive, "cannot tell whether its cgroup exists");
			continue;
		}
		if (alive || opts->dry_run)
			continue;
		r = tracer_read_records(t, ids[i], &records);
		if (r == 0) {
			e->records = records.n;
			r = tracer_delete_records(t, ids[i], &records.cg);
		}
		if (r == 0 || r == -ENOENT) {
			_cleanup_close_ int slots = rundir_lock_slots(rd);

			r = slots < 0 ? slots : tracer_unregister(t, ids[i]);
		}
		record_list_done(&records);
		if (r < 0 && r != -ENOENT) {
			set_failed(e, r, "drop the registration");
			continue;
		}
		e->action = GC_ORPHAN_DROPPED;
	}
	return 0;
}

static int maybe_unload(const struct rundir *rd, struct gc_result *res)
{
	_cleanup_close_ int lock = -EBADF;
	struct state_ids ids = {};
	int r;

	/* Exclusive: a prestart between writing its state and registering
	 * holds the shared lock, so nothing can slip in between. */
	lock = rundir_lock(rd, LOCK_EX);
	if (lock < 0)
		return lock;
	r = state_list(rd, &ids);
	if (r < 0)
		return r;
	if (ids.n == 0) {
		r = tracer_unload(rd);
		if (r == 0)
			res->tracer_unloaded = true;
		else if (r == -EBUSY || r == -ENOENT)
			r = 0;
	}
	state_ids_done(&ids);
	return r;
}

/* Drops the records of objects the kernel freed unseen, container by
 * container, so that the records budgets count what is alive. The slots
 * lock is held only to count them: a start waits for one update, not for
 * a compaction. */
static int compact_records(const struct rundir *rd, const struct tracer *t, struct gc_result *res)
{
	_cleanup_free_ uint64_t *ids = NULL;
	size_t n = 0;
	int r;

	r = tracer_list_registered(t, &ids, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_close_ int slots = -EBADF;
		struct compacted dropped;

		r = tracer_compact(t, ids[i], &dropped);
		if (r == -ENOENT) {
			r = 0; /* unregistered meanwhile */
			continue;
		}
		if (r < 0 || dropped.obj == 0)
			continue;
		slots = rundir_lock_slots(rd);
		r = slots < 0 ? slots : tracer_count_compacted(t, ids[i], &dropped);
		res->records_compacted += dropped.obj;
	}
	return r;
}

int gc_run(const struct gc_opts *opts, struct gc_result *ret)
{
	struct gc_result res = {};
	struct state_ids ids = {};
	struct tracer t = TRACER_INIT;
	struct rundir rd = {};
	size_t cleanups = 0;
	int r;

	r = rundir_open(&rd);
	if (r < 0)
		return r;
	r = state_list(&rd, &ids);
	for (size_t i = 0; r == 0 && i < ids.n; i++)
		if (gc_wants(opts, &ids.v[i]))
			r = gc_state(&rd, &ids.v[i], opts, &cleanups, &res);
	state_ids_done(&ids);
	if (r == 0 && !opts->earlier_runs_of) {
		r = tracer_open(&rd, &t);
		if (r == 0)
			r = gc_orphans(&rd, &t, opts, &res);
		if (r == 0 && !opts->dry_run)
			r = compact_records(&rd, &t, &res);
		if (r == 0 && !opts->dry_run && !opts->earlier_runs_of) {
			size_t swept = 0;

			r = tracer_sweep_unowned(&t, &swept);
			res.records_compacted += swept;
		}
		/* A burst of containers leaves records maps behind: keep a
		 * few for the next ones, give the rest's memory back; or fill
		 * the pool a hook could not. */
		if (r == 0 && !opts->dry_run && !opts->keep_slots)
			r = pool_tend(&rd, &t, &res.slots_filled, &res.slots_freed);
		if (r == -ENOENT)
			r = 0; /* no tracer: no registrations */
		tracer_close(&t);
	}
	if (r == 0 && !opts->dry_run && !opts->keep_tracer && !opts->earlier_runs_of)
		r = maybe_unload(&rd, &res);
	rundir_close(&rd);
	/* After the teardowns, so that their reports count; a failure here
	 * leaves every container cleaned and is reported on its own. */
	if (r == 0 && !opts->dry_run && opts->retention && !opts->earlier_runs_of)
		res.reports_error = reports_apply_retention(opts->teardown.report_dir, opts->retention,
							    (int64_t)time(NULL), &res.reports_pruned);
	if (r < 0) {
		gc_result_done(&res);
		return r;
	}
	*ret = res;
	return 0;
}

int gc_opportunistic(const struct teardown_opts *topts, const struct report_retention *retention,
		     struct gc_result *ret)
{
	/* The pool is the detached tender's: a map freed here would make
	 * this poststop wait for an RCU grace period. */
	struct gc_opts opts = { .keep_tracer = true,
				.keep_slots = true,
				.max_cleanups = 1,
				.retention = retention,
				.teardown = *topts };
	_cleanup_close_ int fd = -EBADF;
	struct rundir rd = {};
	size_t pruned = 0;
	struct stat st;
	int r;

	*ret = (struct gc_result){};
	/* Every stop writes a report: without the timer, only this keeps
	 * their count bounded between the once-a-minute runs. */
	if (retention)
		ret->reports_error = reports_apply_count(topts->report_dir, retention, (int64_t)time(NULL),
							 &ret->reports_pruned);
	pruned = ret->reports_pruned;
	r = rundir_open(&rd);
	if (r < 0)
		return r;
	fd = openat(rd.root_fd, "gc.stamp", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	rundir_close(&rd);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size > 0 && time(NULL) - st.st_mtime < GC_OPPORTUNISTIC_S)
		return 0;
	/* One poststop at a time does it; the others go on at once. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? 0 : -errno;
	if (pwrite(fd, "1", 1, 0) != 1 || futimens(fd, NULL) < 0)
		return -errno;
	r = gc_run(&opts, ret);
	if (r == 0)
		ret->reports_pruned += pruned;
	return r;
}

int gc_earlier_runs(const char *id, const struct teardown_opts *topts, struct gc_result *ret)
{
	struct gc_opts opts = { .keep_tracer = true, .keep_slots = true, .earlier_runs_of = id, .teardown = *topts };

	return gc_run(&opts, ret);
}

void gc_count_run(int r, const struct gc_result *res)
{
	struct counter_op ops[2] = { COUNTER_ADD(COUNTER_GC_RUNS, 1) };
	bool failed = r < 0;

	for (size_t i = 0; !failed && i < res->n; i++)
		failed = res->v[i].action == GC_FAILED || res->v[i].action == GC_CORRUPT;
	if (failed)
		ops[1] = COUNTER_ADD(COUNTER_GC_FAILED, 1);
	else
		ops[1] = COUNTER_SET(COUNTER_GC_LAST_SUCCESS, (uint64_t)time(NULL));
	(void)counters_apply(ops, ARRAY_SIZE(ops));
}
