// SPDX-License-Identifier: LGPL-2.1-or-later
/* cgroup v2 lookup; see cgroup.h. */
#include "cgroup.h"
#include "fileio.h"
#include "mountinfo.h"
#include "util.h"

#include <dirent.h>
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

struct foreign_walk {
	pid_t init;
	bool own_ns;       /* init has a pid namespace of its own */
	dev_t ns_dev;      /* init's pid namespace */
	ino_t ns_ino;
	size_t cgroups;    /* visited so far */
	struct cgroup_foreign found;
};

static int pid_ns_of(pid_t pid, struct stat *ret)
{
	char p[64];

	if (pid > 0)
		snprintf(p, sizeof(p), "/proc/%d/ns/pid", (int)pid);
	else
		snprintf(p, sizeof(p), "/proc/self/ns/pid");
	return stat(p, ret) < 0 ? -errno : 0;
}

/* 1 if pid is the container's, 0 if not, -ENOENT if it is gone. */
static int pid_is_containers(const struct foreign_walk *w, pid_t pid)
{
	struct stat ns;
	int r;

	if (pid == w->init)
		return 1;
	if (!w->own_ns)
		return 0;
	r = pid_ns_of(pid, &ns);
	if (r < 0)
		return r == -ENOENT || r == -ESRCH ? -ENOENT : r;
	return ns.st_dev == w->ns_dev && ns.st_ino == w->ns_ino;
}

static void comm_of(pid_t pid, char *buf, size_t size)
{
	_cleanup_free_ char *text = NULL;
	char p[64];
	size_t len = 0;

	snprintf(p, sizeof(p), "/proc/%d/comm", (int)pid);
	if (read_file_limited(AT_FDCWD, p, 64, &text, &len) < 0) {
		snprintf(buf, size, "?");
		return;
	}
	while (len && text[len - 1] == '\n')
		len--;
	snprintf(buf, size, "%.*s", (int)len, text);
}

/* 1 and w->found if a process in cgroup.procs of dirfd is not the container's. */
static int check_procs(struct foreign_walk *w, int dirfd, const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	char *save = NULL;
	int r;

	r = read_file_limited(dirfd, "cgroup.procs", CGROUP_PROCS_MAX_BYTES, &text, &len);
	if (r == -EFBIG)
		return -E2BIG;
	if (r < 0)
		return r;
	for (char *tok = strtok_r(text, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		char *end = NULL;
		long pid = strtol(tok, &end, 10);

		if (!end || *end || pid <= 0)
			return -EBADMSG;
		r = pid_is_containers(w, (pid_t)pid);
		if (r == -ENOENT || r == 1)
			continue;
		if (r < 0)
			return r;
		w->found.pid = (pid_t)pid;
		comm_of((pid_t)pid, w->found.comm, sizeof(w->found.comm));
		r = copy_str(w->found.cgroup, sizeof(w->found.cgroup), path);
		return r < 0 ? r : 1;
	}
	return 0;
}

static int walk_foreign(struct foreign_walk *w, int dirfd, const char *path, unsigned depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	if (depth > CGROUP_WALK_MAX_DEPTH || ++w->cgroups > CGROUP_WALK_MAX_CGROUPS)
		return -E2BIG;
	r = check_procs(w, dirfd, path);
	if (r != 0)
		return r;
	d = opendir_fd(dirfd);
	if (!d)
		return -errno;
	while ((errno = 0, de = readdir(d))) {
		_cleanup_close_ int sub = -EBADF;
		char subpath[PATH_MAX];

		if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0) {
			if (errno == ENOENT) /* removed meanwhile: nobody in it */
				continue;
			return -errno;
		}
		r = snprintf(subpath, sizeof(subpath), "%s/%s", path, de->d_name);
		if (r < 0 || (size_t)r >= sizeof(subpath))
			return -ENAMETOOLONG;
		r = walk_foreign(w, sub, subpath, depth + 1);
		if (r != 0)
			return r;
	}
	return errno ? -errno : 0;
}

int cgroup_find_foreign(const char *path, pid_t init, struct cgroup_foreign *ret)
{
	struct foreign_walk w = { .init = init };
	_cleanup_close_ int fd = -EBADF;
	struct stat self, ns;
	int r;

	if (init <= 0)
		return -EINVAL;
	r = pid_ns_of(init, &ns);
	if (r < 0)
		return r;
	r = pid_ns_of(0, &self);
	if (r < 0)
		return r;
	/* A container in the hook's own pid namespace (the host's) has only
	 * its init to tell by at prestart: no user code has run yet. */
	w.own_ns = ns.st_dev != self.st_dev || ns.st_ino != self.st_ino;
	w.ns_dev = ns.st_dev;
	w.ns_ino = ns.st_ino;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = walk_foreign(&w, fd, path, 0);
	if (r == 1)
		*ret = w.found;
	return r;
}
