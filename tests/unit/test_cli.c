// SPDX-License-Identifier: LGPL-2.1-or-later
/* What bpfreaperctl decides without the kernel: id prefixes, durations and
 * ages, the report retention (choice, config, pruning in a private
 * directory), and that a read-only open of the run directory creates
 * nothing. */
#include "check.h"
#include "policy-config.h"
#include "duration.h"
#include "idprefix.h"
#include "store-reports.h"
#include "store-rundir.h"
#include "store-state.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

TEST(prefix_unique_ambiguous_exact)
{
	const char *ids[] = { "abc123", "abd456", "ab", "xyz", "abc123" };
	const char *got = NULL;
	size_t n = 0;

	CHECK_EQ_INT(idprefix_resolve(ids, 5, "abc", &got, &n), 0);
	CHECK_EQ_STR(got, "abc123");
	/* "ab" is itself an id: an exact match wins over the prefix. */
	CHECK_EQ_INT(idprefix_resolve(ids, 5, "ab", &got, &n), 0);
	CHECK_EQ_STR(got, "ab");
	/* "a" matches three distinct ids ("abc123" twice counts once). */
	got = NULL;
	CHECK_EQ_INT(idprefix_resolve(ids, 5, "a", &got, &n), -ENOTUNIQ);
	CHECK_EQ_INT(n, 3);
	CHECK(got == NULL);
	CHECK_EQ_INT(idprefix_resolve(ids, 5, "q", &got, &n), -ENOENT);
	CHECK_EQ_INT(idprefix_resolve(ids, 5, "", &got, &n), -EINVAL);
	CHECK_EQ_INT(idprefix_resolve(ids, 0, "a", &got, &n), -ENOENT);
	/* The same id from a current and an earlier run: unique. */
	CHECK_EQ_INT(idprefix_resolve(ids, 5, "abc1", &got, &n), 0);
	CHECK_EQ_STR(got, "abc123");
}

TEST(durations_parse_and_format)
{
	int64_t s = -1;
	char buf[16];

	CHECK_EQ_INT(duration_parse("45s", &s), 0);
	CHECK_EQ_INT(s, 45);
	CHECK_EQ_INT(duration_parse("30m", &s), 0);
	CHECK_EQ_INT(s, 1800);
	CHECK_EQ_INT(duration_parse("12h", &s), 0);
	CHECK_EQ_INT(s, 43200);
	CHECK_EQ_INT(duration_parse("7d", &s), 0);
	CHECK_EQ_INT(s, 604800);
	CHECK_EQ_INT(duration_parse("2w", &s), 0);
	CHECK_EQ_INT(s, 1209600);
	CHECK_EQ_INT(duration_parse("90", &s), 0);
	CHECK_EQ_INT(s, 90);
	CHECK_EQ_INT(duration_parse("0", &s), 0);
	CHECK_EQ_INT(s, 0);
	CHECK_EQ_INT(duration_parse("", &s), -EINVAL);
	CHECK_EQ_INT(duration_parse("-1", &s), -EINVAL);
	CHECK_EQ_INT(duration_parse(" 1d", &s), -EINVAL);
	CHECK_EQ_INT(duration_parse("1 d", &s), -EINVAL);
	CHECK_EQ_INT(duration_parse("1dd", &s), -EINVAL);
	CHECK_EQ_INT(duration_parse("d", &s), -EINVAL);
	CHECK_EQ_INT(duration_parse("1y", &s), -EINVAL);
	CHECK_EQ_INT(duration_parse("99999999999999999999", &s), -EINVAL);
	CHECK_EQ_INT(duration_parse("4000000w", &s), -EINVAL);
	duration_format(0, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "0s");
	duration_format(59, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "59s");
	duration_format(60, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "1m");
	duration_format(3 * 60 + 59, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "3m");
	duration_format(2 * 3600 + 1, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "2h");
	duration_format(5 * 86400 + 7200, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "5d");
	duration_format(20 * 86400, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "20d");
	duration_format(-5, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "0s");
}

TEST(retention_choice)
{
	struct report_file v[] = { { .mtime = 1000 }, { .mtime = 900 }, { .mtime = 500 }, { .mtime = 100 } };
	struct report_files l = { .v = v, .n = 4 };
	bool prune[4];

	reports_choose_prune(&l, &(struct report_retention){ .count = 2 }, 1000, prune);
	CHECK(!prune[0] && !prune[1] && prune[2] && prune[3]);
	/* Older than 400 s at 1000: written before 600. */
	reports_choose_prune(&l, &(struct report_retention){ .max_age_s = 400 }, 1000, prune);
	CHECK(!prune[0] && !prune[1] && prune[2] && prune[3]);
	reports_choose_prune(&l, &(struct report_retention){ .max_age_s = 500 }, 1000, prune);
	CHECK(!prune[0] && !prune[1] && !prune[2] && prune[3]);
	/* Either limit prunes. */
	reports_choose_prune(&l, &(struct report_retention){ .count = 3, .max_age_s = 50 }, 1000, prune);
	CHECK(!prune[0] && prune[1] && prune[2] && prune[3]);
	reports_choose_prune(&l, &(struct report_retention){}, 1000, prune);
	CHECK(!prune[0] && !prune[1] && !prune[2] && !prune[3]);
}

TEST(retention_config)
{
	struct config c = {};
	struct report_retention k;
	struct br_error why = BR_ERROR_INIT;
	static const char ok[] = "{\"report_retention\": {\"count\": 50, \"max_age\": \"3d\"}}";
	static const char with_dir[] = "{\"report_dir\": \"/var/lib/r\"}";
	static const char *const bad[] = {
		"{\"report_retention\": 5}",
		"{\"report_retention\": {\"count\": -1}}",
		"{\"report_retention\": {\"count\": \"5\"}}",
		"{\"report_retention\": {\"max_age\": \"3 days\"}}",
		"{\"report_retention\": {\"max_age\": 3}}",
		"{\"report_retention\": {\"keep\": 3}}",
	};

	CHECK_EQ_INT(config_parse(ok, sizeof(ok) - 1, &c, &why), 0);
	k = config_report_retention(&c);
	CHECK_EQ_INT(k.count, 50);
	CHECK_EQ_INT(k.max_age_s, 3 * 86400);
	config_done(&c);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		c = (struct config){};
		CHECK_EQ_INT(config_parse(bad[i], strlen(bad[i]), &c, &why), -EINVAL);
		CHECK(strstr(why.detail, "report_retention") != NULL);
	}
	/* Defaults: the run directory's reports are bounded, an operator's
	 * report_dir is left alone unless the config says. */
	c = (struct config){};
	CHECK_EQ_INT(config_parse("{}", 2, &c, &why), 0);
	k = config_report_retention(&c);
	CHECK_EQ_INT(k.count, REPORT_RETENTION_DEFAULT_COUNT);
	CHECK_EQ_INT(k.max_age_s, REPORT_RETENTION_DEFAULT_AGE_S);
	config_done(&c);
	CHECK_EQ_INT(config_parse(with_dir, sizeof(with_dir) - 1, &c, &why), 0);
	k = config_report_retention(&c);
	CHECK_EQ_INT(k.count, 0);
	CHECK_EQ_INT(k.max_age_s, 0);
	config_done(&c);
}

static void touch_at(int dirfd, const char *name, time_t at)
{
	struct timespec ts[2] = { { .tv_sec = at }, { .tv_sec = at } };
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ_INT(write(fd, "{\"version\": 1}", 14), 14);
	close(fd);
	CHECK_EQ_INT(utimensat(dirfd, name, ts, 0), 0);
}

/* poststop's check at every stop: nothing, not even the age, below the
 * count; past it, the whole retention. */
TEST(prune_by_count_only_past_it)
{
	char dir[] = "/tmp/bpfreaper-unit-reports.XXXXXX";
	struct report_retention keep = { .count = 3, .max_age_s = 100 };
	time_t now = time(NULL);
	size_t removed = 99;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	touch_at(fd, "a.json", now);
	touch_at(fd, "b.json", now - 1000);
	touch_at(fd, "c@7.json", now - 2000);
	touch_at(fd, "c.json.1.tmp", now - 3000);
	CHECK_EQ_INT(reports_apply_count(dir, &keep, now, &removed), 0);
	CHECK_EQ_INT(removed, 0);
	CHECK(faccessat(fd, "b.json", F_OK, 0) == 0);
	touch_at(fd, "d.json", now - 10);
	CHECK_EQ_INT(reports_apply_count(dir, &keep, now, &removed), 0);
	CHECK_EQ_INT(removed, 2);
	CHECK(faccessat(fd, "a.json", F_OK, 0) == 0);
	CHECK(faccessat(fd, "d.json", F_OK, 0) == 0);
	CHECK(faccessat(fd, "b.json", F_OK, 0) < 0);
	CHECK(faccessat(fd, "c@7.json", F_OK, 0) < 0);
	/* No count: nothing here (the once-a-minute gc applies the age). */
	CHECK_EQ_INT(reports_apply_count(dir, &(struct report_retention){ .max_age_s = 1 }, now + 100, &removed), 0);
	CHECK_EQ_INT(removed, 0);
	for (const char *const *n = (const char *const[]){ "a.json", "d.json", "c.json.1.tmp", NULL }; *n; n++)
		CHECK_EQ_INT(unlinkat(fd, *n, 0), 0);
	close(fd);
	CHECK_EQ_INT(rmdir(dir), 0);
}

/* Only regular files named like reports are listed and pruned: not temp
 * files, not other files, not symlinks (nor what they point to). */
TEST(prune_only_reports)
{
	char dir[] = "/tmp/bpfreaper-unit-reports.XXXXXX", outside[PATH_MAX], path[PATH_MAX];
	struct report_retention keep = { .count = 1 };
	struct report_files l = {};
	time_t now = time(NULL);
	size_t removed = 0;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	touch_at(fd, "new.json", now - 10);
	touch_at(fd, "old.json", now - 1000);
	touch_at(fd, "older@12345.json", now - 2000);
	touch_at(fd, "old.json.777.tmp", now - 3000);
	touch_at(fd, "notes.txt", now - 3000);
	touch_at(fd, "target", now - 3000);
	snprintf(outside, sizeof(outside), "%s/target", dir);
	CHECK_EQ_INT(symlinkat(outside, fd, "link.json"), 0);
	CHECK_EQ_INT(mkdirat(fd, "sub.json", 0700), 0);

	CHECK_EQ_INT(reports_list(fd, &l), 0);
	CHECK_EQ_INT(l.n, 3);
	if (l.n == 3) {
		CHECK_EQ_STR(l.v[0].name, "new.json");
		CHECK_EQ_STR(l.v[1].name, "old.json");
		CHECK_EQ_STR(l.v[2].name, "older@12345.json");
		CHECK_EQ_STR(l.v[2].id, "older");
		CHECK_EQ_INT(l.v[2].earlier, 12345);
	}
	report_files_done(&l);
	CHECK_EQ_INT(reports_apply_retention(dir, &keep, now, &removed), 0);
	CHECK_EQ_INT(removed, 2);
	for (const char *const *n = (const char *const[]){ "new.json", "old.json.777.tmp", "notes.txt", "target",
							   "link.json", "sub.json", NULL };
	     *n; n++)
		CHECK(faccessat(fd, *n, F_OK, AT_SYMLINK_NOFOLLOW) == 0);
	CHECK(faccessat(fd, "old.json", F_OK, 0) < 0);
	CHECK(faccessat(fd, "older@12345.json", F_OK, 0) < 0);
	/* Nothing to do: no limit, or no directory at all. */
	CHECK_EQ_INT(reports_apply_retention(dir, &(struct report_retention){}, now, &removed), 0);
	CHECK_EQ_INT(removed, 0);
	snprintf(path, sizeof(path), "%s/absent", dir);
	CHECK_EQ_INT(reports_apply_retention(path, &keep, now, &removed), 0);
	CHECK(access(path, F_OK) < 0);

	for (const char *const *n = (const char *const[]){ "new.json", "old.json.777.tmp", "notes.txt", "target",
							   "link.json", NULL };
	     *n; n++)
		CHECK_EQ_INT(unlinkat(fd, *n, 0), 0);
	CHECK_EQ_INT(unlinkat(fd, "sub.json", AT_REMOVEDIR), 0);
	close(fd);
	CHECK_EQ_INT(rmdir(dir), 0);
}

TEST(brief_counts)
{
	static const char text[] =
		"{\"version\": 3, \"id\": \"c\", \"mode\": \"enforce\", \"by\": \"gc\", \"finished_at\": \"T\","
		" \"created\": [{\"freed\": true}, {\"freed\": false}, {\"freed\": false}], \"freed_objects\": 4,"
		" \"survivors\": [{}], \"removed\": {\"pins\": [{}, {}], \"dirs\": [{}], \"symlinks\": []},"
		" \"left\": {\"pins\": [{}], \"dirs\": [], \"symlinks\": [], \"attachments\": [{}]}}";
	struct report_brief b = {};

	CHECK_EQ_INT(report_brief_parse(text, sizeof(text) - 1, &b), 0);
	CHECK_EQ_STR(b.mode, "enforce");
	CHECK_EQ_STR(b.by, "gc");
	/* 4 freed (one of them listed) and 2 listed not freed. */
	CHECK_EQ_INT(b.objects, 6);
	CHECK_EQ_INT(b.freed, 4);
	CHECK_EQ_INT(b.survived, 1);
	CHECK_EQ_INT(b.removed, 3);
	CHECK_EQ_INT(b.left, 2);
	CHECK_EQ_INT(report_brief_parse("[]", 2, &b), -EBADMSG);
	CHECK_EQ_INT(report_brief_parse("{}", 2, &b), -EBADMSG);
}

/* list, show, doctor and report open the run directory this way: a host
 * where no container ran must stay as it was. */
TEST(read_only_open_creates_nothing)
{
	char dir[] = "/tmp/bpfreaper-unit-rundir.XXXXXX", path[256], bpffs[PATH_MAX];
	struct state_ids ids = {};
	struct rundir rd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/run", dir);
	setenv("BPFREAPER_RUN_DIR", path, 1);
	CHECK_EQ_INT(rundir_open_existing(&rd), -ENOENT);
	CHECK(access(path, F_OK) < 0);
	CHECK_EQ_INT(mkdir(path, 0700), 0);
	CHECK_EQ_INT(rundir_open_existing(&rd), 0);
	CHECK_EQ_INT(rd.state_fd, -EBADF);
	CHECK_EQ_INT(state_list(&rd, &ids), 0);
	CHECK_EQ_INT(ids.n, 0);
	/* Not mounted, and not made a mount point either. */
	CHECK_EQ_INT(rundir_bpffs(&rd, bpffs, sizeof(bpffs), 0), -ENOENT);
	rundir_close(&rd);
	snprintf(bpffs, sizeof(bpffs), "%s/bpffs", path);
	CHECK(access(bpffs, F_OK) < 0);
	snprintf(bpffs, sizeof(bpffs), "%s/state", path);
	CHECK(access(bpffs, F_OK) < 0);
	/* Someone else's (group-writable) directory is refused. */
	CHECK_EQ_INT(chmod(path, 0770), 0);
	CHECK_EQ_INT(rundir_open_existing(&rd), -EPERM);
	CHECK_EQ_INT(rmdir(path), 0);
	CHECK_EQ_INT(rmdir(dir), 0);
	unsetenv("BPFREAPER_RUN_DIR");
}
