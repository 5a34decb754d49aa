// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpffs discovery and walking; see bpffs.h. */
#include "bpffs.h"
#include "fileio.h"
#include "mountinfo.h"
#include "rundir.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/vfs.h>

bool path_is_bpffs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && (unsigned long)sfs.f_type == BPF_FS_MAGIC_NUMBER;
}

struct collect {
	dev_t exclude;
	struct bpffs_instance *v;
	size_t n;
};

static int collect_visit(const struct mount_entry *m, void *userdata)
{
	struct collect *c = userdata;
	struct bpffs_instance *nv;
	char *mp;

	if (!streq(m->fstype, "bpf") || m->dev == c->exclude)
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].dev == m->dev) {
			/* Prefer the mount that shows the whole instance. */
			if (streq(m->root, "/")) {
				mp = strdup(m->mountpoint);
				if (!mp)
					return -ENOMEM;
				free(c->v[i].mountpoint);
				c->v[i].mountpoint = mp;
			}
			return 0;
		}
	nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->v = nv;
	mp = strdup(m->mountpoint);
	if (!mp)
		return -ENOMEM;
	c->v[c->n++] = (struct bpffs_instance){ .mountpoint = mp, .dev = m->dev };
	return 0;
}

int bpffs_instances(dev_t exclude, struct bpffs_instance **ret, size_t *ret_n)
{
	struct collect c = { .exclude = exclude };
	int r = mountinfo_foreach(collect_visit, &c);

	if (r < 0) {
		bpffs_instances_free(c.v, c.n);
		return r;
	}
	*ret = c.v;
	*ret_n = c.n;
	return 0;
}

void bpffs_instances_free(struct bpffs_instance *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].mountpoint);
	free(v);
}

struct walk {
	dev_t dev;
	size_t entries;
	bpffs_visit_fn visit;
	void *ud;
};

static int walk_dir(struct walk *w, int dirfd_in, const char *path, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	if (depth > BPFFS_WALK_MAX_DEPTH)
		return 0;
	d = opendir_fd(dirfd_in);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char child[PATH_MAX];
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (++w->entries > BPFFS_WALK_MAX_ENTRIES)
			return -E2BIG;
		r = snprintf(child, sizeof(child), "%s/%s", streq(path, "/") ? "" : path, de->d_name);
		if (r < 0 || (size_t)r >= sizeof(child))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != w->dev)
			continue;
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			continue;
		r = w->visit(dirfd(d), de->d_name, child, &st, w->ud);
		if (r != 0)
			return r;
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sub = openat(dirfd(d), de->d_name,
							 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				continue;
			r = walk_dir(w, sub, child, depth + 1);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

int bpffs_walk(const char *root, bpffs_visit_fn visit, void *ud)
{
	_cleanup_close_ int fd = -EBADF;
	struct walk w = { .visit = visit, .ud = ud };
	struct stat st;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	w.dev = st.st_dev;
	return walk_dir(&w, fd, root, 0);
}

struct find_dir {
	ino_t ino;
	char *buf;
	size_t size;
};

static int find_dir_visit(int dirfd, const char *name, const char *path, const struct stat *st, void *ud)
{
	struct find_dir *f = ud;

	(void)dirfd;
	(void)name;
	if (!S_ISDIR(st->st_mode) || st->st_ino != f->ino)
		return 0;
	return copy_str(f->buf, f->size, path) < 0 ? -ENAMETOOLONG : 1;
}

int bpffs_find_dir(dev_t dev, ino_t ino, char *buf, size_t size)
{
	struct bpffs_instance *inst = NULL;
	struct find_dir f = { .ino = ino, .buf = buf, .size = size };
	size_t n = 0;
	int r;

	r = bpffs_instances(0, &inst, &n);
	if (r < 0)
		return r;
	r = -ENOENT;
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (inst[i].dev != dev)
			continue;
		if (stat(inst[i].mountpoint, &st) == 0 && st.st_ino == ino) {
			r = copy_str(buf, size, inst[i].mountpoint);
			break;
		}
		r = bpffs_walk(inst[i].mountpoint, find_dir_visit, &f);
		r = r == 1 ? 0 : r == 0 ? -ENOENT : r;
		break;
	}
	bpffs_instances_free(inst, n);
	return r;
}
