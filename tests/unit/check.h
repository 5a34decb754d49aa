/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A minimal test harness: each TEST prints "ok NAME" or "not ok NAME" with
 * what differed, as tests/run expects. */
#ifndef BPFREAPER_CHECK_H
#define BPFREAPER_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int check_failed;
static const char *check_file;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			check_failed = 1;                                             \
		}                                                                     \
	} while (0)

#define CHECK_EQ_INT(got, want)                                                          \
	do {                                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want);                 \
		if (g_ != w_) {                                                          \
			printf("    %s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
			check_failed = 1;                                                \
		}                                                                        \
	} while (0)

#define CHECK_EQ_STR(got, want)                                                                \
	do {                                                                                   \
		const char *g_ = (got), *w_ = (want);                                          \
		if (!g_ || strcmp(g_, w_) != 0) {                                              \
			printf("    %s:%d: %s = \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got, \
			       g_ ? g_ : "(null)", w_);                                        \
			check_failed = 1;                                                      \
		}                                                                              \
	} while (0)

#define RUN(fn)                                                                   \
	do {                                                                      \
		check_failed = 0;                                                 \
		fn();                                                             \
		printf("%s %s/%s\n", check_failed ? "not ok" : "ok", check_file, #fn); \
		total_failed += check_failed;                                     \
	} while (0)

#endif
