// SPDX-License-Identifier: LGPL-2.1-or-later
/* The runtime directory and its lock; see store-rundir.h. Creates only under it. */
#include "store-rundir.h"
#include "fileio.h"
#include "util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

const char *rundir_path(void)
{
	const char *env = getenv("BPFREAPER_RUN_DIR");

	return env && env[0] == '/' ? env : RUN_DIR_DEFAULT;
}

static int open_subdir(int root_fd, const char *name)
{
	int fd;

	if (mkdirat(root_fd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

static int check_ours(int fd)
{
	struct stat st;

	/* Someone else's directory here would let them feed us states. */
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 0022))
		return -EPERM;
	return 0;
}

int rundir_open_root(void)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = open_dir_created(rundir_path(), 0700);
	if (fd < 0)
		return fd;
	r = check_ours(fd);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}

static int open_existing_subdir(int root_fd, const char *name)
{
	int fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? -EBADF : -errno;
	return fd;
}

int rundir_open_existing(struct rundir *ret)
{
	struct rundir rd = { .root_fd = -EBADF, .state_fd = -EBADF, .reports_fd = -EBADF };
	int r;

	r = copy_str(rd.root, sizeof(rd.root), rundir_path());
	if (r < 0)
		return r;
	rd.root_fd = open(rd.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rd.root_fd < 0)
		return -errno;
	r = check_ours(rd.root_fd);
	if (r == 0) {
		rd.state_fd = open_existing_subdir(rd.root_fd, "state");
		rd.reports_fd = open_existing_subdir(rd.root_fd, "reports");
		r = rd.state_fd != -EBADF && rd.state_fd < 0 ? rd.state_fd
		    : rd.reports_fd != -EBADF && rd.reports_fd < 0 ? rd.reports_fd
								   : 0;
	}
	if (r < 0) {
		rundir_close(&rd);
		return r;
	}
	*ret = rd;
	return 0;
}

int rundir_open(struct rundir *ret)
{
	struct rundir rd = { .root_fd = -EBADF, .state_fd = -EBADF, .reports_fd = -EBADF };
	int r;

	r = copy_str(rd.root, sizeof(rd.root), rundir_path());
	if (r < 0)
		return r;
	r = rundir_open_root();
	if (r < 0)
		return r;
	rd.root_fd = r;
	rd.state_fd = open_subdir(rd.root_fd, "state");
	rd.reports_fd = open_subdir(rd.root_fd, "reports");
	if (rd.state_fd < 0 || rd.reports_fd < 0) {
		r = rd.state_fd < 0 ? rd.state_fd : rd.reports_fd;
		rundir_close(&rd);
		return r;
	}
	*ret = rd;
	return 0;
}

void rundir_close(struct rundir *rd)
{
	closep(&rd->root_fd);
	closep(&rd->state_fd);
	closep(&rd->reports_fd);
	rd->root_fd = rd->state_fd = rd->reports_fd = -EBADF;
}

/* 1 if this process shares pid 1's mount namespace, or cannot tell: pid 1
 * may be closed to inspection (a non-dumpable init without CAP_SYS_PTRACE
 * here), and refusing to mount then would break every host like that. */
static int in_init_mount_ns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/mnt", &self) < 0 || stat("/proc/1/ns/mnt", &init) < 0)
		return errno == EACCES || errno == EPERM ? 1 : -errno;
	return self.st_ino == init.st_ino && self.st_dev == init.st_dev;
}

int rundir_bpffs(const struct rundir *rd, char *buf, size_t size, int mount_if_missing)
{
	struct statfs sfs;
	int r;

	r = path_join(buf, size, rd->root, "bpffs");
	if (r < 0)
		return r;
	/* Only a caller that mounts creates the mount point: readers (list,
	 * show, doctor) leave a fresh run directory as they found it. */
	if (mount_if_missing && mkdirat(rd->root_fd, "bpffs", 0700) < 0 && errno != EEXIST)
		return -errno;
	if (statfs(buf, &sfs) < 0)
		return -errno;
	if ((unsigned long)sfs.f_type == BPF_FS_MAGIC_NUMBER)
		return 0;
	if (!mount_if_missing)
		return -ENOENT;
	/* A bpffs mounted in a private mount namespace (crun's, in the
	 * hybrid-cgroup wrapper) dies with it and frees the tracer with it. */
	r = in_init_mount_ns();
	if (r <= 0)
		return r < 0 ? r : -EXDEV;
	if (mount("bpf", buf, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
		return -errno;
	return 0;
}

static int lock_file(const struct rundir *rd, const char *name, int operation)
{
	_cleanup_close_ int fd = -EBADF;

	fd = openat(rd->root_fd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, operation) < 0)
		if (errno != EINTR)
			return -errno;
	return TAKE_FD(fd);
}

int rundir_lock(const struct rundir *rd, int operation)
{
	return lock_file(rd, "lock", operation);
}

int rundir_lock_slots(const struct rundir *rd)
{
	return lock_file(rd, "slots.lock", LOCK_EX);
}

dev_t rundir_bpffs_dev(const struct rundir *rd)
{
	char bpffs[PATH_MAX];
	struct stat st;

	if (rundir_bpffs(rd, bpffs, sizeof(bpffs), 0) < 0 || stat(bpffs, &st) < 0)
		return 0;
	return st.st_dev;
}
