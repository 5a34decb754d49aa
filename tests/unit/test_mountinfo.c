// SPDX-License-Identifier: LGPL-2.1-or-later
/* Which cgroup2 mount a cgroup is found through, decided from crafted
 * mountinfo texts: the layouts hosts and runtimes produce (hybrid, unified,
 * a runtime's mount over the host's, a cgroup namespace's subtree). */
#include <stdlib.h>

#include "cgroup.h"
#include "check.h"
#include "mountinfo.h"

/* This machine's layout: cgroup v1 controllers, cgroup2 at .../unified. */
#define HYBRID                                                                   \
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"                \
	"23 22 0:21 / /sys rw,nosuid,nodev,noexec shared:7 - sysfs sysfs rw\n"   \
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"    \
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" \
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"

static void table_of(const char *text, struct mount_table *ret)
{
	char *copy = strdup(text);

	CHECK(copy != NULL);
	CHECK_EQ_INT(mount_table_parse(copy, ret), 0);
}

/* Mount id of the mount picked for rel, or the error. */
static int picked(const char *text, const char *rel)
{
	struct mount_table t = {};
	size_t i = 0;
	int r;

	table_of(text, &t);
	r = cgroup2_mount_pick(&t, rel, 0, &i);
	if (r == 0)
		r = t.v[i].id;
	mount_table_done(&t);
	return r;
}

/* Path of rel through the mount picked for it, "" if none. */
static void path_of(const char *text, const char *rel, char *buf, size_t size)
{
	struct mount_table t = {};
	size_t i = 0;

	table_of(text, &t);
	buf[0] = '\0';
	if (cgroup2_mount_pick(&t, rel, 0, &i) == 0)
		CHECK_EQ_INT(cgroup2_join(&t.v[i], rel, buf, size), 0);
	mount_table_done(&t);
}

TEST(hybrid)
{
	char path[PATH_MAX];

	CHECK_EQ_INT(picked(HYBRID, "/ctr"), 41);
	path_of(HYBRID, "/bpfreaper-test/ctr", path, sizeof(path));
	CHECK_EQ_STR(path, "/sys/fs/cgroup/unified/bpfreaper-test/ctr");
	path_of(HYBRID, "/", path, sizeof(path));
	CHECK_EQ_STR(path, "/sys/fs/cgroup/unified");
}

TEST(unified)
{
	static const char text[] =
		"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
		"23 22 0:21 / /sys rw shared:7 - sysfs sysfs rw\n"
		"30 23 0:27 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";
	char path[PATH_MAX];

	path_of(text, "/system.slice/ctr.scope", path, sizeof(path));
	CHECK_EQ_STR(path, "/sys/fs/cgroup/system.slice/ctr.scope");
}

/* The layout: a runtime in a private mount namespace mounts cgroup2
 * over /sys/fs/cgroup. The host's mount at .../unified is still listed
 * first, but a path walk now ends in the new mount (where "unified" would
 * be a cgroup of that name). */
TEST(shadowed_over_the_parent)
{
	static const char text[] = HYBRID "99 31 0:38 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n";
	struct mount_table t = {};
	char path[PATH_MAX];

	CHECK_EQ_INT(picked(text, "/ctr"), 99);
	path_of(text, "/bpfreaper-test/ctr", path, sizeof(path));
	CHECK_EQ_STR(path, "/sys/fs/cgroup/bpfreaper-test/ctr");
	table_of(text, &t);
	CHECK(!mount_table_visible(&t, 2)); /* the tmpfs */
	CHECK(!mount_table_visible(&t, 3)); /* the v1 memory mount on it */
	CHECK(!mount_table_visible(&t, 4)); /* the host's cgroup2 */
	CHECK(mount_table_visible(&t, 5));
	mount_table_done(&t);
}

TEST(shadowed_at_the_same_point)
{
	static const char text[] = HYBRID
		"99 41 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
		"100 99 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";

	CHECK_EQ_INT(picked(text, "/ctr"), 100);
}

/* Covered higher up: a fresh sysfs over /sys hides everything below. */
TEST(shadowed_higher_up)
{
	static const char text[] = HYBRID "99 23 0:60 / /sys rw - sysfs sysfs rw\n";

	CHECK_EQ_INT(picked(text, "/ctr"), -ENOMEDIUM);
}

/* A tmpfs over /sys/fs/cgroup: no cgroup2 left to reach. */
TEST(no_usable_mount)
{
	static const char covered[] = HYBRID "99 31 0:60 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n";
	static const char v1_only[] =
		"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"31 22 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
		"35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";

	CHECK_EQ_INT(picked(covered, "/ctr"), -ENOMEDIUM);
	CHECK_EQ_INT(picked(v1_only, "/ctr"), -ENOMEDIUM);
	CHECK_EQ_INT(picked("", "/ctr"), -ENOMEDIUM);
}

/* Later mounts that do not cover it: below it, beside it, over "/". */
TEST(not_shadowed)
{
	static const char text[] = HYBRID
		"97 41 0:60 / /sys/fs/cgroup/unified/ctr rw - tmpfs tmpfs rw\n"
		"98 31 0:61 / /sys/fs/cgroup/unified2 rw - tmpfs tmpfs rw\n"
		"99 22 8:1 / / rw - ext4 /dev/sda1 rw\n";

	CHECK_EQ_INT(picked(text, "/ctr"), 41);
}

/* Moved beneath (MOVE_MOUNT_BENEATH): listed later, yet under the host's
 * mount, which now sits on it. */
TEST(mounted_beneath)
{
	static const char text[] =
		"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"31 22 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
		"41 99 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
		"99 31 0:60 / /sys/fs/cgroup/unified rw - tmpfs tmpfs rw\n";

	CHECK_EQ_INT(picked(text, "/ctr"), 41);
}

/* Inside a cgroup namespace, or a bind of one cgroup: the mount shows the
 * subtree its root names; a cgroup is reached below that root only. */
TEST(subtree_root)
{
	static const char text[] =
		"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"50 22 0:38 /kubepods /mnt/cg rw - cgroup2 cgroup2 rw\n";
	static const char with_whole[] =
		"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"50 22 0:38 /kubepods /mnt/cg rw - cgroup2 cgroup2 rw\n"
		"51 22 0:38 / /mnt/all rw - cgroup2 cgroup2 rw\n";
	char path[PATH_MAX];

	path_of(text, "/kubepods/pod1/ctr", path, sizeof(path));
	CHECK_EQ_STR(path, "/mnt/cg/pod1/ctr");
	path_of(text, "/kubepods", path, sizeof(path));
	CHECK_EQ_STR(path, "/mnt/cg");
	CHECK_EQ_INT(picked(text, "/kubepodsX/ctr"), -ENOMEDIUM);
	CHECK_EQ_INT(picked(text, "/system.slice/ctr"), -ENOMEDIUM);
	CHECK_EQ_INT(picked(text, "/"), -ENOMEDIUM);
	CHECK_EQ_INT(picked(with_whole, "/kubepods/pod1"), 50);
	CHECK_EQ_INT(picked(with_whole, "/system.slice/ctr"), 51);
	path_of(with_whole, "/", path, sizeof(path));
	CHECK_EQ_STR(path, "/mnt/all");
}

/* Several usable mounts: the first, and the next one after it. */
TEST(multiple)
{
	static const char text[] = HYBRID "99 22 0:38 / /mnt/cgroup2 rw - cgroup2 cgroup2 rw\n";
	struct mount_table t = {};
	size_t i = 0;

	table_of(text, &t);
	CHECK_EQ_INT(cgroup2_mount_pick(&t, "/ctr", 0, &i), 0);
	CHECK_EQ_INT(t.v[i].id, 41);
	CHECK_EQ_INT(cgroup2_mount_pick(&t, "/ctr", i + 1, &i), 0);
	CHECK_EQ_INT(t.v[i].id, 99);
	CHECK_EQ_INT(cgroup2_mount_pick(&t, "/ctr", i + 1, &i), -ENOMEDIUM);
	mount_table_done(&t);
}

TEST(escaped_mount_point)
{
	static const char text[] =
		"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"60 22 0:38 / /mnt/with\\040space rw - cgroup2 cgroup2 rw\n";
	char path[PATH_MAX];

	path_of(text, "/ctr", path, sizeof(path));
	CHECK_EQ_STR(path, "/mnt/with space/ctr");
}

/* Lines that do not parse are skipped; a parent loop ends the walk. */
TEST(garbage_and_loops)
{
	static const char text[] =
		"not a mountinfo line\n"
		"x 1 0:1 / /a rw - tmpfs tmpfs rw\n"
		"5 6 0:38 / /a/b rw - cgroup2 cgroup2 rw\n"
		"6 5 0:39 / /a rw - tmpfs tmpfs rw\n";
	struct mount_table t = {};

	table_of(text, &t);
	CHECK_EQ_INT(t.n, 2);
	CHECK(!mount_table_visible(&t, 0));
	mount_table_done(&t);
}
