// SPDX-License-Identifier: LGPL-2.1-or-later
/* Test-only kill points; see crashpoint.h. */
#include "crashpoint.h"
#include "util.h"

#include <signal.h>

void crashpoint(const char *name)
{
	static unsigned hits;
	const char *at = getenv("BPFREAPER_CRASH_AT");
	size_t len = strlen(name);
	unsigned long want = 1;

	if (!at || strncmp(at, name, len) != 0 || (at[len] != '\0' && at[len] != ':'))
		return;
	if (at[len] == ':')
		want = strtoul(at + len + 1, NULL, 10);
	if (++hits >= want)
		raise(SIGKILL);
}
