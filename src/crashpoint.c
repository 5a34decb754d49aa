// SPDX-License-Identifier: LGPL-2.1-or-later
/* Test-only kill points; see crashpoint.h. Empty in the shipped build. */
#include "crashpoint.h"

#ifdef BPFREAPER_TEST_BUILD
#include "util.h"

#include <signal.h>
#include <stdbool.h>

/* Whether $var names this point, the Nth time it is passed. */
static bool point_hit(const char *var, const char *name, unsigned *hits)
{
	const char *at = getenv(var);
	size_t len = strlen(name);
	unsigned long want = 1;

	if (!at || strncmp(at, name, len) != 0 || (at[len] != '\0' && at[len] != ':'))
		return false;
	if (at[len] == ':')
		want = strtoul(at + len + 1, NULL, 10);
	return ++*hits == want;
}

void crashpoint(const char *name)
{
	static unsigned kill_hits, stop_hits;

	if (point_hit("BPFREAPER_STOP_AT", name, &stop_hits))
		raise(SIGSTOP);
	if (point_hit("BPFREAPER_CRASH_AT", name, &kill_hits))
		raise(SIGKILL);
}

#endif /* BPFREAPER_TEST_BUILD */
