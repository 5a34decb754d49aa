// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer target: the OCI state a runtime writes to a hook's stdin. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocistate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_state s = {};
	const char *why = NULL;
	char *id;

	if (oci_state_parse((const char *)data, size, &s, &why) == 0) {
		/* A parsed state always has a valid id and annotations. */
		if (!container_id_valid(s.id, &why) || !s.annotations)
			abort();
		(void)oci_state_annotation(&s, "io.bpfreaper.mode");
		oci_state_done(&s);
	} else if (!why) {
		abort(); /* every refusal says why */
	}
	id = strndup((const char *)data, size);
	if (id) {
		(void)container_id_valid(id, &why);
		free(id);
	}
	return 0;
}
