// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer target: a bundle's config.json through bpfreaper-runtime's edit.
 * Whatever it writes parses again, keeps every integer exact, and has
 * nothing left to add on a second pass. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci-runtime-wrap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct runtime_hooks hooks = {
		.prestart = "/usr/libexec/oci/hooks.d/bpfreaper-prestart",
		.poststop = "/usr/libexec/oci/hooks.d/bpfreaper-poststop",
		.config_path = "/etc/x.json",
	};
	char *out = NULL, *again = NULL;
	struct br_error why = BR_ERROR_INIT;

	if (bundle_config_add_hooks((const char *)data, size, &hooks, &out, &why) < 0 || !out)
		return 0;
	if (!json_integers_exact(out, strlen(out)))
		abort();
	if (bundle_config_add_hooks(out, strlen(out), &hooks, &again, &why) != 0 || again)
		abort();
	free(out);
	return 0;
}
