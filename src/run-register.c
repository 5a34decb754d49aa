// SPDX-License-Identifier: LGPL-2.1-or-later
/* The prestart sequence; see run-register.h. */
#include "run-register.h"
#include "reap-bpffs.h"
#include "cgroup.h"
#include "tracer-records.h"
#include "run-pool.h"
#include "crashpoint.h"
#include "util.h"

#include <stdio.h>
#include <time.h>

void register_result_done(struct register_result *r)
{
	container_state_done(&r->state);
}

static uint64_t realtime_coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The id's current state, if any, under its lock (*ret_lock, held until the
 * new run is registered): a teardown of it in progress finishes first (a
 * wait on the start path only then, bounded by that teardown), and none
 * starts on it while we look.
 * - Same cgroup: a runtime retrying prestart, or prestart and createRuntime
 *   both configured; *ret_same if the tracer still has the registration.
 * - Another cgroup: an earlier run of this id that was never finished (its
 *   poststop crashed or never ran). Overwriting it would orphan its records
 *   and its pins for good; finishing it here would put a teardown on the
 *   start path. It is moved aside (store-state.h), *ret_kept says which run, and
 *   poststop of this id or gc finishes it.
 * - Not a valid state: replaced, as nothing could finish it anyway.
 */
static int take_over_name(const struct rundir *rd, const struct tracer *t, const char *id, uint64_t cgroup_id,
			  int *ret_lock, bool *ret_same, uint64_t *ret_kept)
{
	_cleanup_close_ int lock = -EBADF;
	struct container_state old = {};
	struct cg_state cg;
	int r;

	*ret_same = false;
	*ret_kept = 0;
	lock = state_lock(rd, id, 0);
	if (lock == -ENOENT || lock == -EBADMSG)
		return 0;
	if (lock < 0)
		return lock;
	r = state_read(rd, id, 0, &old, NULL);
	if (r == -ENOENT || r == -EBADMSG)
		r = 0;
	else if (r == 0 && old.cgroup_id == cgroup_id)
		*ret_same = tracer_cgroup_state(t, cgroup_id, &cg) == 0;
	else if (r == 0) {
		r = state_keep_earlier(rd, id, old.cgroup_id);
		if (r == 0)
			*ret_kept = old.cgroup_id;
		crashpoint("earlier-kept");
	}
	container_state_done(&old);
	if (r < 0)
		return r;
	*ret_lock = TAKE_FD(lock);
	return 0;
}

/* The container's cgroup, and only if no host process shares it. */
static int container_cgroup(const struct oci_state *oci, struct cgroup_ref *cg, struct br_error *err)
{
	struct cgroup_foreign foreign;
	int r;

	r = cgroup_of_pid(oci->pid, cg);
	if (r == -EPERM)
		return br_error_set(err, r, BR_STEP_CGROUP, "pid %d is in the root cgroup, which is the whole host",
				    (int)oci->pid);
	if (r == -ENOMEDIUM)
		return br_error_set(err, r, BR_STEP_CGROUP,
				    "no usable cgroup2 mount for pid %d's cgroup in this mount namespace (looked in "
				    "/proc/self/mountinfo for a cgroup2 mount that no later mount covers and whose root "
				    "holds that cgroup)", (int)oci->pid);
	if (r < 0)
		return br_error_set(err, r, BR_STEP_CGROUP, "%s", "");

	/* Everything a process in this cgroup pins is removed at poststop: a
	 * host process sharing it (a cgroupsPath naming an existing cgroup,
	 * podman --cgroups=disabled) would lose its own objects. */
	r = cgroup_find_foreign(cg->path, oci->pid, &foreign);
	if (r == 1)
		return br_error_set(err, -EBUSY, BR_STEP_CGROUP_FOREIGN,
				    "%.150s holds pid %d (%s), which is not the container's: refusing to register %.150s",
				    foreign.cgroup, (int)foreign.pid, foreign.comm, cg->path);
	if (r == -E2BIG)
		return br_error_set(err, r, BR_STEP_CGROUP_FOREIGN,
				    "%.150s has more than %d levels or %d cgroups below it: cannot tell whose processes are there",
				    cg->path, CGROUP_WALK_MAX_DEPTH, CGROUP_WALK_MAX_CGROUPS);
	if (r < 0)
		return br_error_set(err, r, BR_STEP_CGROUP_FOREIGN, "%s", "");
	return 0;
}

/* The state poststop will need: who, where, under which policy, and the
 * bundle's mounts. A bundle that cannot be read is said in res->bundle. */
static int container_state_of(const struct oci_state *oci, const struct policy *policy,
			      const struct cgroup_ref *cg, struct register_result *res, struct br_error *err)
{
	struct container_state *st = &res->state;
	int r;

	st->id = strdup(oci->id);
	st->cgroup_path = strdup(cg->path);
	st->cgroup = strdup(cg->rel);
	st->bundle = oci->bundle ? strdup(oci->bundle) : NULL;
	st->runtime_status = strdup(oci->status);
	st->mode_source = strdup(policy->mode_source);
	st->live_budget = policy->live_budget;
	if (!st->id || !st->cgroup_path || !st->cgroup || !st->runtime_status || !st->mode_source ||
	    (oci->bundle && !st->bundle))
		return br_error_set(err, -ENOMEM, BR_STEP_STATE_WRITE, "out of memory");
	st->cgroup_id = cg->id;
	st->pid = oci->pid;
	st->created_at = time(NULL);
	st->mode = policy->mode;
	pod_identity_from_annotations(oci, &st->pod, &res->pod_annotation_invalid);
	for (size_t i = 0; i < policy->keep.n; i++) {
		r = keep_rules_add(&st->keep, policy->keep.v[i], err);
		if (r < 0) {
			br_error_step(err, BR_STEP_STATE_WRITE);
			return r;
		}
	}
	/* Without the bundle's mounts, directories cannot be placed on the
	 * host later; pins still can (they are found by identity). */
	r = oci->bundle ? binds_from_bundle(oci->bundle, &st->binds) : -ENOENT;
	if (r < 0) {
		br_error_set(&res->bundle, r, BR_STEP_BUNDLE, "%s", strerror(-r));
		return 0;
	}
	/* Now, before the container runs: it could plant a symlink in a bind
	 * source that lies in a bpffs it writes, and poststop must not follow
	 * it to another directory. */
	r = binds_resolve(&st->binds);
	if (r < 0)
		return br_error_set(err, r, BR_STEP_BUNDLE, "resolve the bind mounts: %s", strerror(-r));
	return 0;
}

/* The tracer records the cgroup from now on, with the bpffs views its
 * names are kept for. */
static int register_cgroup(const struct rundir *rd, const struct tracer *t, const struct container_state *st)
{
	struct tracer_views views = {};
	int r;

	r = bpffs_container_views(&st->binds, rundir_bpffs_dev(rd), views.v, CG_VIEWS_MAX, &views.n, &views.all);
	if (r == 0)
		r = tracer_register(t, st->cgroup_id, &views);
	for (size_t i = 0; i < views.n; i++)
		free(views.v[i]);
	return r;
}

int container_register(const struct oci_state *oci, const struct policy *policy,
		       enum tracer_backend backend, struct register_result *ret, struct br_error *err)
{
	struct register_result res = {};
	struct rundir rd = {};
	struct tracer t = TRACER_INIT;
	struct cgroup_ref cg;
	_cleanup_close_ int lock = -EBADF, name_lock = -EBADF;
	int r;

	r = rundir_open(&rd);
	if (r < 0)
		return br_error_set(err, r, BR_STEP_RUN_DIR, "%s: %s", rundir_path(), strerror(-r));
	r = container_cgroup(oci, &cg, err);
	if (r == 0)
		r = container_state_of(oci, policy, &cg, &res, err);
	if (r < 0)
		goto out;

	lock = tracer_open_or_load(&rd, backend, &t, &res.tracer_loaded, err);
	if (lock < 0) {
		/* The tracer's detail says what failed; the step says which
		 * load, and what to do about a private mount namespace. */
		r = br_error_set_step(err, lock,
				      lock == -EXDEV ? BR_STEP_TRACER_LOAD_PRIVATE_MNT
				      : backend == TRACER_BACKEND_TRAMPOLINE ? BR_STEP_TRACER_LOAD_TRAMPOLINE
									     : BR_STEP_TRACER_LOAD);
		goto out;
	}
	res.state.backend = t.backend;
	res.trampoline_error = t.trampoline_error;

	r = take_over_name(&rd, &t, oci->id, cg.id, &name_lock, &res.already, &res.kept_earlier);
	if (r < 0) {
		br_error_set(err, r, BR_STEP_STATE_KEEP, "%s", "");
		goto out;
	}
	if (res.already)
		goto out;

	/* Before registering: whatever the container makes is recorded after
	 * this instant, so its bpffs entries have a ctime no older. Coarse, like
	 * the clock the kernel stamps inodes with. */
	res.state.registered_ns = realtime_coarse_ns();
	/* State first: a poststop that finds a state without a registration
	 * has nothing to remove, while a registration without a state would
	 * record a container nobody cleans up after. */
	r = state_write(&rd, &res.state);
	if (r < 0) {
		br_error_set(err, r, BR_STEP_STATE_WRITE, "%s", "");
		goto out;
	}
	crashpoint("state-written");
	r = register_cgroup(&rd, &t, &res.state);
	if (r < 0) {
		br_error_set(err, r, r == -EEXIST ? BR_STEP_REGISTER_TAKEN : BR_STEP_REGISTER, "%s", "");
		(void)state_remove(&rd, oci->id, 0);
		goto out;
	}
	/* The maps this container may take from the pool are put back in
	 * another process: this start does not wait for it. */
	(void)pool_tend_detached(&rd, &t);
out:
	tracer_close(&t);
	rundir_close(&rd);
	if (r < 0) {
		register_result_done(&res);
		return r;
	}
	*ret = res;
	return 0;
}
