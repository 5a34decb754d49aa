// SPDX-License-Identifier: LGPL-2.1-or-later
/* Tracer backend names; see backend.h. */
#include "backend.h"
#include "util.h"

static const char *const names[] = {
	[TRACER_BACKEND_AUTO] = "auto",
	[TRACER_BACKEND_TRAMPOLINE] = "trampoline",
	[TRACER_BACKEND_TRACEPOINT] = "tracepoint",
};

const char *tracer_backend_name(enum tracer_backend b)
{
	return (unsigned)b < ARRAY_SIZE(names) ? names[b] : "unknown";
}

int tracer_backend_parse(const char *s, enum tracer_backend *ret)
{
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (streq(s, names[i])) {
			*ret = (enum tracer_backend)i;
			return 0;
		}
	return -EINVAL;
}
