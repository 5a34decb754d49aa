// SPDX-License-Identifier: LGPL-2.1-or-later
/* Symlink-proof resolution and removal beneath a view root; see reap-safepath.h. */
#include "reap-safepath.h"
#include "bpfuapi.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int openat2_dir(int dirfd, const char *path, uint64_t resolve)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = resolve,
	};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* Without openat2 (before 5.6, or a seccomp filter refusing it): one
 * component at a time, none of them a symlink, none on another device. */
static int walk_dir(int dirfd, const char *path, bool same_dev)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat root;
	const char *p = path;

	fd = openat(dirfd, *path == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &root) < 0)
		return -errno;
	while (*p) {
		char comp[NAME_MAX + 1];
		size_t n;
		struct stat st;
		int next;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		if (streq(comp, "."))
			continue;
		if (streq(comp, ".."))
			return -EXDEV; /* RESOLVE_BENEATH would refuse it too */
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			/* O_DIRECTORY wins over O_NOFOLLOW: a symlink is ENOTDIR
			 * here, where openat2 says ELOOP. Say the same. */
			if (errno == ENOTDIR && fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				return -ELOOP;
			return -errno;
		}
		closep(&fd);
		fd = next;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (same_dev && st.st_dev != root.st_dev)
			return -EXDEV;
	}
	return TAKE_FD(fd);
}

int safepath_open_root(const char *path)
{
	int fd;

	if (!path || path[0] != '/')
		return -EINVAL;
	fd = openat2_dir(AT_FDCWD, path, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	return fd == -ENOSYS ? walk_dir(AT_FDCWD, path, false) : fd;
}

int safepath_open_dir(int rootfd, const char *rel)
{
	int fd;

	if (rel[0] == '/')
		return -EINVAL;
	fd = openat2_dir(rootfd, rel[0] ? rel : ".",
			 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
	return fd == -ENOSYS ? walk_dir(rootfd, rel, true) : fd;
}

int safepath_open_parent(int rootfd, const char *rel, int *ret_fd, const char **ret_name)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(rel, '/');
	size_t n = slash ? (size_t)(slash - rel) : 0;
	const char *name = slash ? slash + 1 : rel;
	int fd;

	if (n >= sizeof(parent))
		return -ENAMETOOLONG;
	if (!*name || streq(name, ".") || streq(name, ".."))
		return -EINVAL;
	memcpy(parent, rel, n);
	parent[n] = '\0';
	fd = safepath_open_dir(rootfd, parent);
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	*ret_name = name;
	return 0;
}

static int obj_get_beneath(int dirfd, const char *name)
{
	static bool no_path_fd;
	union bpf_attr attr;
	char proc[PATH_MAX];
	long fd;
	int r;

	if (!no_path_fd) {
		memset(&attr, 0, sizeof(attr));
		attr.pathname = (uint64_t)(uintptr_t)name;
		attr.file_flags = BPFREAPER_BPF_F_PATH_FD;
		memcpy((char *)&attr + BPFREAPER_OBJ_GET_PATH_FD_OFFSET, &dirfd, sizeof(dirfd));
		fd = syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
		if (fd >= 0)
			return (int)fd;
		if (errno != EINVAL)
			return -errno;
		no_path_fd = true; /* before 6.5: the kernel rejects the field */
	}
	/* The magic link is the directory we hold, whatever its path is now. */
	r = path_printf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dirfd, name);
	if (r < 0)
		return r;
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)proc;
	fd = syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
	return fd < 0 ? -errno : (int)fd;
}

int safepath_obj_get(int dirfd, const char *name, struct stat *ret_st)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat before, after;

	if (fstatat(dirfd, name, &before, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(before.st_mode))
		return -EBADFD;
	/* BPF_OBJ_GET follows a symlink at the last name: a rename between
	 * the stat and the get shows as another inode afterwards. */
	fd = obj_get_beneath(dirfd, name);
	if (fd < 0)
		return fd;
	if (fstatat(dirfd, name, &after, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (after.st_ino != before.st_ino || after.st_dev != before.st_dev)
		return -ESTALE;
	if (ret_st)
		*ret_st = before;
	return TAKE_FD(fd);
}

uint64_t safepath_ctime_ns(const struct stat *st)
{
	if (st->st_ctim.tv_sec < 0)
		return 0;
	return (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec;
}

const char *safepath_why(int r, bool dir)
{
	switch (r) {
	case -ENOENT:
		return "gone";
	case -ELOOP:
		return "path has a symlink";
	case -EXDEV:
		return "leaves the bpffs";
	case -ENOTDIR:
		return "not a directory now";
	case -EINVAL:
		return "not a symlink now";
	case -ESRCH:
		return "another entry holds its name now";
	case -EEXIST:
		return "existed before the container";
	case -ESTALE:
		return "points elsewhere now";
	case -ENOTEMPTY:
		return "not empty";
	default:
		return dir ? "rmdir failed" : "unlink failed";
	}
}

/* The entry rel names, not followed: its parent fd, name and stat. */
static int entry_of(int rootfd, const char *rel, int *ret_fd, const char **ret_name, struct stat *ret_st)
{
	_cleanup_close_ int dfd = -EBADF;
	struct stat parent;
	int r;

	r = safepath_open_parent(rootfd, rel, &dfd, ret_name);
	if (r < 0)
		return r;
	if (fstatat(dfd, *ret_name, ret_st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	/* A mount point: its own filesystem, never ours to remove. */
	if (fstat(dfd, &parent) < 0)
		return -errno;
	if (parent.st_dev != ret_st->st_dev)
		return -EXDEV;
	*ret_fd = TAKE_FD(dfd);
	return 0;
}

/* Is st the entry ident names (NULL: any)? */
static bool is_ident(const struct stat *st, const struct safepath_ident *ident)
{
	return !ident || (st->st_dev == ident->dev && st->st_ino == ident->ino);
}

int safepath_rmdir(int rootfd, const char *rel, const struct safepath_ident *ident, uint64_t since_ns)
{
	_cleanup_close_ int dfd = -EBADF;
	const char *name;
	struct stat st;
	int r;

	r = entry_of(rootfd, rel, &dfd, &name, &st);
	if (r < 0)
		return r;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (!is_ident(&st, ident))
		return -ESRCH;
	if (since_ns && safepath_ctime_ns(&st) < since_ns)
		return -EEXIST;
	/* POSIX lets rmdir say EEXIST for "not empty": never "existed before". */
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		return errno == EEXIST ? -ENOTEMPTY : -errno;
	return 0;
}

int safepath_unlink_symlink(int rootfd, const char *rel, const struct safepath_ident *ident, uint64_t since_ns,
			    safepath_target_fn want, void *ud)
{
	_cleanup_close_ int dfd = -EBADF;
	char target[PATH_MAX];
	const char *name;
	struct stat st;
	ssize_t n;
	int r;

	r = entry_of(rootfd, rel, &dfd, &name, &st);
	if (r < 0)
		return r;
	if (!S_ISLNK(st.st_mode))
		return -EINVAL;
	if (!is_ident(&st, ident))
		return -ESRCH;
	n = readlinkat(dfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (want && !want(target, (size_t)n, &st, ud))
		return -ESTALE;
	if (since_ns && safepath_ctime_ns(&st) < since_ns)
		return -EEXIST;
	if (unlinkat(dfd, name, 0) < 0)
		return -errno;
	return 0;
}
