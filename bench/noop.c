// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The baseline hook of bench/run's start-up part: linked statically like
 * bpfreaper's hooks, it reads the OCI state to its end (a runtime may fail
 * on EPIPE otherwise) and does nothing else.
 */
#include <unistd.h>

int main(void)
{
	char buf[4096];

	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	return 0;
}
