// SPDX-License-Identifier: LGPL-2.1-or-later
/* The skipped-containers log: parsing, and a write/read round trip in a
 * private run directory. */
#include "check.h"
#include "store-skipped.h"

#include <stdlib.h>
#include <unistd.h>

TEST(parse_counts_and_keeps_last)
{
	static const char text[] = "1700000000 ctr-1 open /run/bpfreaper: Not a directory\n"
				   "garbage\n"
				   "1700000005 ctr-2 load the tracer: Operation not permitted\n"
				   "1700000009 half-writt";
	struct skipped_summary s = {};

	skipped_parse(text, sizeof(text) - 1, &s);
	CHECK_EQ_INT(s.count, 2);
	CHECK_EQ_INT(s.last_at, 1700000005);
	CHECK_EQ_STR(s.last_id, "ctr-2");
	CHECK_EQ_STR(s.last_reason, "load the tracer: Operation not permitted");
}

TEST(record_and_read_back)
{
	char dir[] = "/tmp/bpfreaper-unit-skipped.XXXXXX";
	struct skipped_summary s = {};
	char path[128];

	CHECK(mkdtemp(dir) != NULL);
	setenv("BPFREAPER_RUN_DIR", dir, 1);
	CHECK_EQ_INT(skipped_summary_read(&s), 0);
	CHECK_EQ_INT(s.count, 0);
	CHECK_EQ_INT(skipped_record("ctr-1", "first"), 0);
	CHECK_EQ_INT(skipped_record("ctr-2", "a reason\nwith a newline"), 0);
	CHECK_EQ_INT(skipped_summary_read(&s), 0);
	CHECK_EQ_INT(s.count, 2);
	CHECK_EQ_STR(s.last_id, "ctr-2");
	CHECK_EQ_STR(s.last_reason, "a reason with a newline");
	/* Bounded: past the limit the file rotates, both still count. */
	for (int i = 0; i < SKIPPED_MAX_BYTES / 16; i++)
		CHECK_EQ_INT(skipped_record("ctr-3", "padding"), 0);
	CHECK_EQ_INT(skipped_summary_read(&s), 0);
	CHECK(s.count > 2);
	CHECK_EQ_STR(s.last_id, "ctr-3");
	snprintf(path, sizeof(path), "%s/" SKIPPED_OLD_FILE, dir);
	CHECK_EQ_INT(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/" SKIPPED_FILE, dir);
	CHECK_EQ_INT(unlink(path), 0);
	CHECK_EQ_INT(rmdir(dir), 0);
	unsetenv("BPFREAPER_RUN_DIR");
}
