/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What prestart does: find the container's cgroup, make sure the tracer runs,
 * keep an unfinished earlier run's state of the same id aside (store-state.h),
 * write the state file, register the cgroup. On failure nothing stays
 * registered: crun runs no poststop after a failed prestart. */
#ifndef BPFREAPER_REGISTER_H
#define BPFREAPER_REGISTER_H

#include <stdbool.h>

#include "error.h"
#include "oci-state.h"
#include "policy.h"
#include "store-state.h"

struct register_result {
	struct container_state state;
	bool tracer_loaded; /* this call loaded the tracer (slow path) */
	bool already;       /* registered before (prestart and createRuntime both configured) */
	/* The cgroup id of an earlier run of this id whose state was kept for
	 * poststop or gc to finish (store-state.h); 0 if none. */
	uint64_t kept_earlier;
	/* Reading the bundle's config.json failed (code -errno, step
	 * BR_STEP_BUNDLE): registered all the same, without its mounts. */
	struct br_error bundle;
	/* A pod identity annotation present but not stored (oci-podid.h): its
	 * key, else NULL. */
	const char *pod_annotation_invalid;
	/* Loading the tracer fell back to tracepoints: why (code 0 if not). */
	struct br_error trampoline_error;
};

int container_register(const struct oci_state *oci, const struct policy *policy,
		       enum tracer_backend backend, struct register_result *ret, struct br_error *err);
void register_result_done(struct register_result *r);

#endif
