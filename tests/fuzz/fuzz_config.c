// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer target: /etc/bpfreaper/bpfreaper.json, the io.bpfreaper.keep
 * annotation, and the path normalization bind translation relies on. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci-binds.h"
#include "policy-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c = {};
	struct keep_rules k = {};
	struct br_error why = BR_ERROR_INIT;
	char *text, norm[PATH_MAX];

	struct config_where where;

	if (config_parse_at((const char *)data, size, &c, &why, &where) == 0) {
		if (where.line || where.column)
			abort();
		config_done(&c);
	} else if (where.line && (!where.column || where.line > size + 1 || where.column > size + 1)) {
		abort(); /* a place inside the text, as config check prints it */
	}
	text = strndup((const char *)data, size);
	if (!text)
		return 0;
	if (keep_rules_add_list(&k, text, &why) == 0 && k.n > KEEP_RULES_MAX)
		abort();
	keep_rules_done(&k);
	if (path_normalize(text, norm, sizeof(norm)) == 0) {
		/* Normal form: absolute, no "." or ".." components, no "//". */
		if (norm[0] != '/' || strstr(norm, "//") || strstr(norm, "/./") || strstr(norm, "/../"))
			abort();
	}
	free(text);
	return 0;
}
