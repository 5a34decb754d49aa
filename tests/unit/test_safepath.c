// SPDX-License-Identifier: LGPL-2.1-or-later
/* Removal beneath a view root: never through a symlink, never what existed
 * before the container (the ctime rule). Any filesystem shows it: /tmp. */
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reap-bpffs.h"
#include "check.h"
#include "reap-safepath.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static char root_path[PATH_MAX];

static uint64_t coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Past a jiffy, so that the coarse clock and inode stamps move on. */
static void tick(void)
{
	usleep(30000);
}

static bool starts_with_hostside(const char *target, size_t len, const struct stat *st, void *ud)
{
	(void)len;
	(void)st;
	return strstr(target, (const char *)ud) != NULL;
}

static char *at(const char *rel, char *buf)
{
	int n = snprintf(buf, PATH_MAX, "%.200s/%s", root_path, rel);

	return n > 0 && n < PATH_MAX ? buf : NULL;
}

TEST(ctime_rule_and_symlinks)
{
	char p[PATH_MAX], q[PATH_MAX];
	int r;
	uint64_t since;
	int root;

	at("old", p);
	CHECK_EQ_INT(mkdir(p, 0755), 0);
	at("hostside", p);
	CHECK_EQ_INT(mkdir(p, 0755), 0);
	at("hostside/globals", p);
	CHECK_EQ_INT(mkdir(p, 0755), 0);
	at("oldlink", p);
	CHECK_EQ_INT(symlink("hostside", p), 0);
	tick();
	since = coarse_now_ns();
	tick();
	at("new", p);
	CHECK_EQ_INT(mkdir(p, 0755), 0);
	/* the container's swap: its directory is now a symlink to the host's */
	at("d", p);
	at("hostside", q);
	CHECK_EQ_INT(symlink(q, p), 0);

	root = safepath_open_root(root_path);
	CHECK(root >= 0);
	/* a pre-existing empty directory survives a (faked) mkdir record */
	CHECK_EQ_INT(r = safepath_rmdir(root, "old", NULL, since), -EEXIST);
	CHECK_EQ_STR(safepath_why(r, true), "existed before the container");
	at("old", p);
	CHECK(access(p, F_OK) == 0);
	/* without a registration time it would go: the rule is what keeps it */
	CHECK_EQ_INT(safepath_rmdir(root, "new", NULL, since), 0);
	/* through the symlink: refused, the host's directory stays */
	CHECK_EQ_INT(r = safepath_rmdir(root, "d/globals", NULL, since), -ELOOP);
	CHECK_EQ_STR(safepath_why(r, true), "path has a symlink");
	at("hostside/globals", p);
	CHECK(access(p, F_OK) == 0);
	CHECK_EQ_INT(safepath_rmdir(root, "d", NULL, since), -ELOOP);
	/* the symlink itself, made after registration, pointing where expected */
	CHECK_EQ_INT(r = safepath_unlink_symlink(root, "d", NULL, since, starts_with_hostside, "/nowhere"), -ESTALE);
	CHECK_EQ_STR(safepath_why(r, false), "points elsewhere now");
	CHECK_EQ_INT(safepath_unlink_symlink(root, "d", NULL, since, starts_with_hostside, "hostside"), 0);
	/* an older symlink is not the container's */
	CHECK_EQ_INT(safepath_unlink_symlink(root, "oldlink", NULL, since, NULL, NULL), -EEXIST);
	CHECK_EQ_INT(safepath_unlink_symlink(root, "old", NULL, since, NULL, NULL), -EINVAL);
	CHECK_EQ_INT(safepath_rmdir(root, "gone", NULL, since), -ENOENT);
	/* by identity: another entry at the name stays, the very one goes */
	{
		struct safepath_ident made;
		struct stat st;

		at("made", p);
		CHECK_EQ_INT(mkdir(p, 0755), 0);
		CHECK_EQ_INT(stat(p, &st), 0);
		made = (struct safepath_ident){ st.st_dev, st.st_ino };
		at("other", p);
		CHECK_EQ_INT(mkdir(p, 0755), 0);
		CHECK_EQ_INT(r = safepath_rmdir(root, "other", &made, since), -ESRCH);
		CHECK_EQ_STR(safepath_why(r, true), "another entry holds its name now");
		CHECK(access(p, F_OK) == 0);
		CHECK_EQ_INT(rmdir(p), 0);
		at("otherlink", p);
		CHECK_EQ_INT(symlink("hostside", p), 0);
		CHECK_EQ_INT(safepath_unlink_symlink(root, "otherlink", &made, since, NULL, NULL), -ESRCH);
		CHECK_EQ_INT(lstat(p, &st), 0);
		CHECK_EQ_INT(unlink(p), 0);
		CHECK_EQ_INT(safepath_rmdir(root, "made", &made, since), 0);
	}
	CHECK_EQ_INT(safepath_rmdir(root, "../x", NULL, since) < 0, 1);
	/* a root given with a symlink in it is refused */
	at("oldlink", p);
	CHECK_EQ_INT(safepath_open_root(p), -ELOOP);
	close(root);
	at("hostside/globals", p);
	rmdir(p);
	at("hostside", p);
	rmdir(p);
	at("old", p);
	rmdir(p);
	at("oldlink", p);
	unlink(p);
}

/* Where openat2 is missing (before 5.6, or a seccomp filter refusing it
 * with ENOSYS, as here): the same answers from the O_NOFOLLOW walk. */
TEST(without_openat2)
{
#ifdef __x86_64__
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_LEN(insns), .filter = insns };
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
			_exit(2);
		CHECK(syscall(SYS_openat2, AT_FDCWD, "/", NULL, 0) < 0 && errno == ENOSYS);
		ctime_rule_and_symlinks();
		fflush(stdout);
		_exit(check_failed ? 1 : 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
#endif
}

TEST(view_of_path)
{
	struct bpffs_view v[2] = { { .path = "/sys/fs/bpf/a", .fd = -1 }, { .path = "/sys/fs/bpf/a/b", .fd = -1 } };
	struct bpffs_views views = { .v = v, .n = 2 };
	const char *rel = NULL;

	CHECK(bpffs_view_of(&views, "/sys/fs/bpf/ab", &rel) == NULL);
	CHECK(bpffs_view_of(&views, "/sys/fs/bpf", &rel) == NULL);
	CHECK(bpffs_view_of(&views, "/sys/fs/bpf/a/x/y", &rel) == &v[0]);
	CHECK_EQ_STR(rel, "x/y");
	CHECK(bpffs_view_of(&views, "/sys/fs/bpf/a", &rel) == &v[0]);
	CHECK_EQ_STR(rel, "");
	/* the innermost view */
	CHECK(bpffs_view_of(&views, "/sys/fs/bpf/a/b/c", &rel) == &v[1]);
	CHECK_EQ_STR(rel, "c");
}

static int setup(void)
{
	memcpy(root_path, "/tmp/bpfreaper-safepath.XXXXXX", sizeof("/tmp/bpfreaper-safepath.XXXXXX"));
	return mkdtemp(root_path) ? 0 : -errno;
}

static void teardown(void)
{
	rmdir(root_path);
}
TEST_FIXTURE(setup, teardown);
