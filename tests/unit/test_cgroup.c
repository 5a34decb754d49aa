// SPDX-License-Identifier: LGPL-2.1-or-later
/* cgroup_find_foreign() over a directory tree shaped like a cgroup2 subtree
 * (cgroup.procs files), in /tmp: no cgroup is touched. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "check.h"

static void write_procs(const char *dir, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void rm_tree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ_INT(system(cmd), 0);
}

TEST(only_the_init)
{
	char dir[] = "/tmp/bpfreaper-unit-cg.XXXXXX", sub[PATH_MAX], own[32];
	struct cgroup_foreign f = {};

	CHECK(mkdtemp(dir) != NULL);
	snprintf(own, sizeof(own), "%d\n", (int)getpid());
	write_procs(dir, own);
	snprintf(sub, sizeof(sub), "%s/child", dir);
	CHECK_EQ_INT(mkdir(sub, 0700), 0);
	write_procs(sub, "");
	CHECK_EQ_INT(cgroup_find_foreign(dir, getpid(), &f), 0);
	rm_tree(dir);
}

TEST(foreign_in_a_descendant)
{
	char dir[] = "/tmp/bpfreaper-unit-cg.XXXXXX", sub[PATH_MAX], own[32];
	struct cgroup_foreign f = {};

	CHECK(mkdtemp(dir) != NULL);
	snprintf(own, sizeof(own), "%d\n", (int)getpid());
	write_procs(dir, own);
	snprintf(sub, sizeof(sub), "%s/child", dir);
	CHECK_EQ_INT(mkdir(sub, 0700), 0);
	/* This test shares its pid namespace with pid 1: only the init counts. */
	write_procs(sub, "1\n");
	CHECK_EQ_INT(cgroup_find_foreign(dir, getpid(), &f), 1);
	CHECK_EQ_INT(f.pid, 1);
	CHECK_EQ_STR(f.cgroup, sub);
	CHECK(f.comm[0] != '\0');
	rm_tree(dir);
}

TEST(bounded_depth)
{
	char dir[] = "/tmp/bpfreaper-unit-cg.XXXXXX", path[PATH_MAX];
	struct cgroup_foreign f = {};

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s", dir);
	for (int i = 0; i <= CGROUP_WALK_MAX_DEPTH + 1; i++) {
		write_procs(path, "");
		strncat(path, "/d", sizeof(path) - strlen(path) - 1);
		CHECK_EQ_INT(mkdir(path, 0700), 0);
	}
	write_procs(path, "");
	CHECK_EQ_INT(cgroup_find_foreign(dir, getpid(), &f), -E2BIG);
	rm_tree(dir);
}

TEST(bad_procs_file)
{
	char dir[] = "/tmp/bpfreaper-unit-cg.XXXXXX";
	struct cgroup_foreign f = {};

	CHECK(mkdtemp(dir) != NULL);
	write_procs(dir, "12x\n");
	CHECK_EQ_INT(cgroup_find_foreign(dir, getpid(), &f), -EBADMSG);
	rm_tree(dir);
}
