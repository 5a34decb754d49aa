// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer target: the OCI state a runtime writes to a hook's stdin. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci-state.h"
#include "oci-podid.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_state s = {};
	struct br_error why = BR_ERROR_INIT;
	char *id;

	if (oci_state_parse((const char *)data, size, &s, &why) == 0) {
		/* A parsed state always has a valid id and annotations. */
		if (!container_id_valid(s.id, &why) || !s.annotations)
			abort();
		struct pod_identity pod;
		const char *invalid;

		struct config cfg = { .wait_ms = -1, .on_error = ON_ERROR_FAIL };
		struct policy p;

		/* Whatever the annotations hold, the policy is resolved or the
		 * refusal names an annotation (the hook then runs it unrecorded
		 * under the host's policy, which always resolves). */
		if (policy_resolve(&s, &cfg, MODE_REPORT, &p, &why) == 0)
			policy_done(&p);
		else if (why.step != BR_STEP_ANNOTATION)
			abort();
		if (policy_resolve_host(&cfg, MODE_REPORT, &p) != 0 || p.mode != MODE_REPORT)
			abort();
		policy_done(&p);
		/* Whatever the annotations hold, only valid values are kept. */
		pod_identity_from_annotations(&s, &pod, &invalid);
		if ((pod.pod[0] && !pod_field_valid(pod.pod)) ||
		    (pod.pod_namespace[0] && !pod_field_valid(pod.pod_namespace)) ||
		    (pod.container[0] && !pod_field_valid(pod.container)))
			abort();
		oci_state_done(&s);
	} else if (why.code == 0 || why.step != BR_STEP_OCI_STATE) {
		abort(); /* every refusal says why */
	}
	id = strndup((const char *)data, size);
	if (id) {
		(void)container_id_valid(id, &why);
		free(id);
	}
	return 0;
}
