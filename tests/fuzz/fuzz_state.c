// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer target: the state file poststop and gc read back (a tampered
 * or truncated one must be refused, never followed). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct container_state s = {}, again = {};
	struct br_error why = BR_ERROR_INIT;
	char *text = NULL;

	if (state_parse((const char *)data, size, NULL, &s, &why) < 0)
		return 0;
	/* What was accepted serializes and parses back the same. */
	if (state_serialize(&s, &text) < 0)
		abort();
	if (state_parse(text, strlen(text), s.id, &again, &why) < 0)
		abort();
	if (again.cgroup_id != s.cgroup_id || again.mode != s.mode || strcmp(again.id, s.id) != 0 ||
	    strcmp(again.cgroup_path, s.cgroup_path) != 0 || again.keep.n != s.keep.n)
		abort();
	free(text);
	container_state_done(&again);
	container_state_done(&s);
	return 0;
}
