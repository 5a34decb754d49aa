// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit binaries that fail without a "not ok" line, for tests/meta/run: each
 * holds three cases and dies in the second the way META_MODE says. The
 * runner must count every one of them failed.
 */
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#if META_MODE == 5
static void exit_3(void)
{
	_exit(3);
}
#endif

TEST(before)
{
	CHECK(1);
}

TEST(dies)
{
#if META_MODE == 1 /* a segfault */
	raise(SIGSEGV);
#elif META_MODE == 2 /* an assert(), a sanitizer's abort */
	abort();
#elif META_MODE == 3 /* a case that exits the binary, status 0 */
	exit(0);
#elif META_MODE == 4 /* a heap overflow under ASan, which ends the binary */
	char *volatile p = malloc(4);

	p[4] = 1;
	free(p);
#elif META_MODE == 5 /* non-zero status, every case reported ok */
	atexit(exit_3);
#else /* the control: it passes */
	CHECK(1);
#endif
}

TEST(after)
{
	CHECK(1);
}
