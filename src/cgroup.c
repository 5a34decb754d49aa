// SPDX-License-Identifier: LGPL-2.1-or-later
/* cgroup v2 lookup; see cgroup.h. */
#include "cgroup.h"
#include "fileio.h"
#include "mountinfo.h"
#include "util.h"

#include <fcntl.h>
#include <sys/stat.h>

int cgroup_parse_proc(const char *text, char *ret_rel, size_t size)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		if (n >= 3 && strncmp(line, "0::", 3) == 0) {
			if (n - 3 == 0 || line[3] != '/')
				return -EINVAL;
			if (n - 3 >= size)
				return -ENAMETOOLONG;
			memcpy(ret_rel, line + 3, n - 3);
			ret_rel[n - 3] = '\0';
			if (strstr(ret_rel, "/../") || strstr(ret_rel, "/./") ||
			    (strlen(ret_rel) >= 3 && streq(ret_rel + strlen(ret_rel) - 3, "/..")))
				return -EINVAL;
			return 0;
		}
		line = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

int cgroup_id_of_path(const char *path, uint64_t *ret_id)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* cgroup2 inode numbers are the kernfs ids the BPF helpers return. */
	*ret_id = st.st_ino;
	return 0;
}

int cgroup_open_by_id(uint64_t id)
{
	struct {
		struct file_handle fh;
		uint64_t id; /* cppcheck-suppress unusedStructMember ; the payload f_handle points at */
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS } };
	_cleanup_close_ int mnt_fd = -EBADF;
	char mnt[PATH_MAX];
	int fd, r;

	r = mountinfo_find_fstype("cgroup2", mnt, sizeof(mnt));
	if (r < 0)
		return r;
	mnt_fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mnt_fd < 0)
		return -errno;
	/* A path can be re-created with a new id; the id itself cannot. */
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(mnt_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ESTALE ? -ENOENT : -errno;
	return fd;
}

int cgroup_id_alive(uint64_t id)
{
	int fd = cgroup_open_by_id(id);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return fd == -ENOENT ? 0 : fd;
}

int cgroup_path_of_fd(int fd, char *buf, size_t size)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int cgroup_of_pid(pid_t pid, struct cgroup_ref *ret)
{
	char proc[64], mnt[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	struct cgroup_ref ref = {};
	size_t len;
	int r;

	if (pid <= 0)
		return -EINVAL;
	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	r = read_file_limited(AT_FDCWD, proc, 64 * 1024, &text, &len);
	if (r < 0)
		return r;
	r = cgroup_parse_proc(text, ref.rel, sizeof(ref.rel));
	if (r < 0)
		return r;
	r = mountinfo_find_fstype("cgroup2", mnt, sizeof(mnt));
	if (r < 0)
		return r;
	r = snprintf(ref.path, sizeof(ref.path), "%s%s", streq(mnt, "/") ? "" : mnt,
		     streq(ref.rel, "/") ? "" : ref.rel);
	if (r < 0 || (size_t)r >= sizeof(ref.path))
		return -ENAMETOOLONG;
	if (streq(ref.rel, "/"))
		return -EPERM; /* the root cgroup is the whole host, never a container */
	r = cgroup_id_of_path(ref.path, &ref.id);
	if (r < 0)
		return r;
	*ret = ref;
	return 0;
}
