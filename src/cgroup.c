// SPDX-License-Identifier: LGPL-2.1-or-later
/* cgroup v2 lookup; see cgroup.h. */
#include "cgroup.h"
#include "fileio.h"
#include "input-limits.h"
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

/* root is rel or one of its ancestors, by whole components: /foo holds
 * /foo/x, not /foobar. */
static bool root_holds(const char *root, const char *rel)
{
	size_t n = strlen(root);

	if (streq(root, "/"))
		return true;
	return strncmp(rel, root, n) == 0 && (rel[n] == '\0' || rel[n] == '/');
}

/* rel below m's root, without the leading "/": "" for the root itself. */
static const char *below_root(const struct mount_entry *m, const char *rel)
{
	const char *sub = rel + (streq(m->root, "/") ? 0 : strlen(m->root));

	return sub + strspn(sub, "/");
}

int cgroup2_mount_pick(const struct mount_table *t, const char *rel, size_t from, size_t *ret_index)
{
	for (size_t i = from; i < t->n; i++) {
		const struct mount_entry *m = &t->v[i];

		if (streq(m->fstype, "cgroup2") && root_holds(m->root, rel) && mount_table_visible(t, i)) {
			*ret_index = i;
			return 0;
		}
	}
	return -ENOMEDIUM;
}

int cgroup2_join(const struct mount_entry *m, const char *rel, char *buf, size_t size)
{
	const char *sub = below_root(m, rel);

	if (!*sub)
		return copy_str(buf, size, m->mountpoint);
	return path_join(buf, size, m->mountpoint, sub);
}

/* The table says m is what its mount point reaches; the kernel has the last
 * word (mounts moved or stacked in ways mountinfo order does not show). */
static bool mount_point_reaches(int mnt_fd, const struct mount_entry *m)
{
	struct statx stx;

	if (statx(mnt_fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		return true; /* before 5.8: the table alone decides */
	return stx.stx_mnt_id == (uint64_t)m->id;
}

int cgroup2_open(const char *rel, char *ret_path, size_t size)
{
	_cleanup_(mount_table_done) struct mount_table t = {};
	int r;

	if (rel[0] != '/')
		return -EINVAL;
	r = mount_table_read(&t);
	if (r < 0)
		return r;
	for (size_t i = 0; cgroup2_mount_pick(&t, rel, i, &i) == 0; i++) {
		const struct mount_entry *m = &t.v[i];
		_cleanup_close_ int mnt_fd = -EBADF, fd = -EBADF;
		const char *sub = below_root(m, rel);
		char path[PATH_MAX];
		struct stat st;

		mnt_fd = open(m->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mnt_fd < 0 || !mount_point_reaches(mnt_fd, m))
			continue;
		r = cgroup2_join(m, rel, path, sizeof(path));
		if (r < 0)
			return r;
		fd = openat(mnt_fd, *sub ? sub : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno; /* -ENOENT: the cgroup is gone */
		if (fstat(fd, &st) < 0)
			return -errno;
		/* Something else mounted on the way down inside the hierarchy. */
		if (st.st_dev != m->dev)
			continue;
		r = copy_str(ret_path, size, path);
		if (r < 0)
			return r;
		return TAKE_FD(fd);
	}
	return -ENOMEDIUM;
}

int cgroup_open_by_id(uint64_t id)
{
	struct {
		struct file_handle fh;
		uint64_t id; /* cppcheck-suppress unusedStructMember ; the payload f_handle points at */
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS } };
	_cleanup_close_ int mnt_fd = -EBADF;
	char mnt[PATH_MAX];
	int fd;

	mnt_fd = cgroup2_open("/", mnt, sizeof(mnt));
	/* Whatever went wrong here is about the mount, not the id: it must
	 * never read as "gone" (gc would tear down a live container). */
	if (mnt_fd < 0)
		return mnt_fd == -ENOENT ? -ENOMEDIUM : mnt_fd;
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
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct cgroup_ref ref = {};
	struct stat st;
	char proc[64];
	size_t len;
	int r;

	if (pid <= 0)
		return -EINVAL;
	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	r = read_file_limited(AT_FDCWD, proc, PROC_CGROUP_MAX_BYTES, &text, &len);
	if (r < 0)
		return r;
	r = cgroup_parse_proc(text, ref.rel, sizeof(ref.rel));
	if (r < 0)
		return r;
	if (streq(ref.rel, "/"))
		return -EPERM; /* the root cgroup is the whole host, never a container */
	fd = cgroup2_open(ref.rel, ref.path, sizeof(ref.path));
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	/* cgroup2 inode numbers are the kernfs ids the BPF helpers return. */
	ref.id = st.st_ino;
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
	if (read_file_limited(AT_FDCWD, p, PROC_COMM_MAX_BYTES, &text, &len) < 0) {
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
		r = path_join(subpath, sizeof(subpath), path, de->d_name);
		if (r < 0)
			return r;
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
