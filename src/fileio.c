// SPDX-License-Identifier: LGPL-2.1-or-later
/* Bounded reads and atomic writes; see fileio.h. */
#include "fileio.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

int read_fd_limited(int fd, size_t max, char **ret_buf, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	bool too_big = false;

	for (;;) {
		ssize_t n;

		if (too_big) {
			char drain[4096];

			n = read(fd, drain, sizeof(drain));
		} else {
			if (cap - len < 4096) {
				size_t ncap = cap ? cap * 2 : 8192;
				char *nbuf = realloc(buf, ncap + 1);

				if (!nbuf)
					return -ENOMEM;
				buf = nbuf;
				cap = ncap;
			}
			n = read(fd, buf + len, cap - len);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		if (!too_big) {
			len += (size_t)n;
			if (len > max)
				too_big = true;
		}
	}
	if (too_big)
		return -EFBIG;
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int read_file_limited(int dirfd, const char *name, size_t max, char **ret_buf, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	return read_fd_limited(fd, max, ret_buf, ret_len);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file_atomic(int dirfd, const char *name, const char *buf, size_t len, int mode, bool durable)
{
	return write_file_atomic_owned(dirfd, name, buf, len, mode, (uid_t)-1, (gid_t)-1, durable);
}

int write_file_atomic_owned(int dirfd, const char *name, const char *buf, size_t len, int mode, uid_t uid,
			    gid_t gid, bool durable)
{
	char tmp[NAME_MAX + 1];
	_cleanup_close_ int fd = -EBADF;
	int r;

	/* "<name>.<pid>.tmp" never ends in ".json", so a reader listing
	 * state files cannot mistake a half-written one for a state. */
	r = path_printf(tmp, sizeof(tmp), "%s.%d.tmp", name, (int)getpid());
	if (r < 0)
		return r;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	r = write_all(fd, buf, len);
	/* Before fchmod: a change of owner clears set-id bits. */
	if (r == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0)
		r = -errno;
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dirfd, tmp, 0);
		return r;
	}
	/* The rename itself must survive a crash too. */
	if (durable && fsync(dirfd) < 0)
		return -errno;
	return 0;
}

int open_dir_created(const char *path, int mode)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *copy = NULL;
	char *component, *save = NULL;

	if (!path || path[0] != '/')
		return -EINVAL;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (component = strtok_r(copy, "/", &save); component; component = strtok_r(NULL, "/", &save)) {
		int next;

		if (streq(component, ".") || streq(component, ".."))
			return -EINVAL;
		if (mkdirat(fd, component, mode) < 0 && errno != EEXIST)
			return -errno;
		next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (next < 0)
			return -errno;
		close(fd);
		fd = next;
	}
	return TAKE_FD(fd);
}

DIR *opendir_fd(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return d;
}
