/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ASSERT_* in the manner of selftests/bpf: each prints file:line, what was
 * compared, the value it had and the one expected, marks the test failed
 * (tests/unit/check.c's runner prints "not ok"), and evaluates to whether it
 * held, so a test stops where going on would only repeat the failure:
 *	if (!ASSERT_OK(r, "register")) return; */
#ifndef BPFREAPER_TEST_ASSERT_H
#define BPFREAPER_TEST_ASSERT_H

#include <stdbool.h>

#include "check.h"

#define ASSERT_EQ(got, want, what)                                                                     \
	({                                                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want);                               \
		bool ok_ = g_ == w_;                                                                   \
		if (!ok_) {                                                                            \
			printf("    %s:%d: %s: %s = %lld (0x%llx), want %lld (0x%llx)\n", __FILE__, __LINE__, \
			       (what), #got, g_, (unsigned long long)g_, w_, (unsigned long long)w_);  \
			check_failed = 1;                                                              \
		}                                                                                      \
		ok_;                                                                                   \
	})

#define ASSERT_NEQ(got, unwanted, what)                                                                \
	({                                                                                             \
		long long g_ = (long long)(got), u_ = (long long)(unwanted);                           \
		bool ok_ = g_ != u_;                                                                   \
		if (!ok_) {                                                                            \
			printf("    %s:%d: %s: %s = %lld, want anything else\n", __FILE__, __LINE__, (what), \
			       #got, g_);                                                              \
			check_failed = 1;                                                              \
		}                                                                                      \
		ok_;                                                                                   \
	})

/* A 0 / -errno result, or a syscall's return value with errno set. */
#define ASSERT_OK(r, what)                                                                             \
	({                                                                                             \
		long long r_ = (long long)(r);                                                         \
		bool ok_ = r_ >= 0;                                                                    \
		if (!ok_) {                                                                            \
			printf("    %s:%d: %s: %s = %lld (%s), want success\n", __FILE__, __LINE__, (what), \
			       #r, r_, strerror(r_ == -1 ? errno : (int)-r_));                         \
			check_failed = 1;                                                              \
		}                                                                                      \
		ok_;                                                                                   \
	})

#define ASSERT_TRUE(cond, what)                                                                        \
	({                                                                                             \
		bool ok_ = (cond);                                                                     \
		if (!ok_) {                                                                            \
			printf("    %s:%d: %s: want %s\n", __FILE__, __LINE__, (what), #cond);             \
			check_failed = 1;                                                              \
		}                                                                                      \
		ok_;                                                                                   \
	})

#define ASSERT_STREQ(got, want, what)                                                                  \
	({                                                                                             \
		const char *g_ = (got), *w_ = (want);                                                  \
		bool ok_ = g_ && strcmp(g_, w_) == 0;                                                  \
		if (!ok_) {                                                                            \
			printf("    %s:%d: %s: %s = \"%s\", want \"%s\"\n", __FILE__, __LINE__, (what), #got, \
			       g_ ? g_ : "(null)", w_);                                                \
			check_failed = 1;                                                              \
		}                                                                                      \
		ok_;                                                                                   \
	})

/* Flags in a mask: each of want set, each of unwanted clear. */
#define ASSERT_FLAGS(got, want, unwanted, what)                                                        \
	({                                                                                             \
		unsigned long long g_ = (got), w_ = (want), u_ = (unwanted);                           \
		bool ok_ = (g_ & w_) == w_ && !(g_ & u_);                                              \
		if (!ok_) {                                                                            \
			printf("    %s:%d: %s: %s = 0x%llx, want 0x%llx set and 0x%llx clear\n", __FILE__, \
			       __LINE__, (what), #got, g_, w_, u_);                                    \
			check_failed = 1;                                                              \
		}                                                                                      \
		ok_;                                                                                   \
	})

#endif
