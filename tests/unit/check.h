/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A minimal test harness (selftests/bpf's ASSERT_* in spirit): a file
 * tests/unit/test_NAME.c defines its cases with TEST(case) and nothing else;
 * check.c, linked into every test binary, finds them in the check_tests
 * section, runs them in source order and prints a plan "1..N" then "ok
 * unit/NAME/case" or "not ok unit/NAME/case" after what differed, as
 * tests/run expects (it fails a binary that reports fewer than N).
 */
#ifndef BPFREAPER_CHECK_H
#define BPFREAPER_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Set by a failed CHECK; the runner clears it before each case. */
extern int check_failed;
/* "unit/NAME", from the test file's name. */
extern const char *check_file;

struct check_test {
	const char *file; /* __FILE__: names the binary's cases in the output */
	int line;         /* source order: the linker keeps none */
	const char *name;
	void (*fn)(void);
};

struct check_fixture {
	const char *file;
	/* 0: run the file's cases; CHECK_SKIP(why): the host cannot; -errno:
	 * the set-up failed (the file fails). */
	int (*setup)(void);
	void (*teardown)(void); /* after the cases, if setup returned 0 */
};

/* Pointers, not the structs, go in the sections: every entry is then one
 * pointer wide, whatever padding the compiler gives a struct. */
#define TEST(name_)                                                                          \
	static void name_(void);                                                             \
	static const struct check_test check_test_##name_ = { __FILE__, __LINE__, #name_, name_ }; \
	static const struct check_test *const check_test_ptr_##name_                          \
		__attribute__((used, section("check_tests"))) = &check_test_##name_;          \
	static void name_(void)

/* At most one per file. */
#define TEST_FIXTURE(setup_, teardown_)                                                      \
	static const struct check_fixture check_fixture_ = { __FILE__, setup_, teardown_ };  \
	static const struct check_fixture *const check_fixture_ptr_                          \
		__attribute__((used, section("check_fixtures"))) = &check_fixture_

/* From a fixture's setup: the file's cases cannot run on this host, and why
 * (printed as "skip unit/NAME: why"). */
extern const char *check_skip_why;
#define CHECK_SKIP(why) (check_skip_why = (why), 1)

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

#endif
