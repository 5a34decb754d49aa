// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpffs discovery and walking; see reap-bpffs.h. */
#include "reap-bpffs.h"
#include "fileio.h"
#include "mountinfo.h"
#include "store-rundir.h"
#include "reap-safepath.h"
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
	uint64_t since_ns; /* 0: visit every file */
	size_t older;      /* files passed over by their directory's age */
	size_t older_dirs; /* directories not read at all: old, no subdirectory */
	bpffs_visit_fn visit;
	void *ud;
};

static int walk_dir(struct walk *w, int dirfd_in, const char *path, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	bool old_dir = false;
	int r;

	if (depth > BPFFS_WALK_MAX_DEPTH)
		return 0;
	if (w->since_ns) {
		struct stat dst;

		if (fstat(dirfd_in, &dst) < 0)
			return -errno;
		old_dir = safepath_ctime_ns(&dst) < w->since_ns;
		/* No subdirectory either (a bpffs directory's link count is 2
		 * plus its subdirectories): nothing below is newer, and its
		 * entries need not even be read. */
		if (old_dir && dst.st_nlink <= 2) {
			w->older_dirs++;
			return 0;
		}
	}
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
		/* bpffs fills d_type; a name that is no directory in a
		 * directory older than since_ns is older too. */
		if (old_dir && de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) {
			w->older += de->d_type == DT_REG;
			continue;
		}
		if (path_join(child, sizeof(child), path, de->d_name) < 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != w->dev)
			continue;
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
			continue;
		if (S_ISREG(st.st_mode) && w->since_ns && safepath_ctime_ns(&st) < w->since_ns) {
			w->older++;
			continue;
		}
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

int bpffs_walk_since(int rootfd, const char *root, uint64_t since_ns, size_t *ret_older, size_t *ret_older_dirs,
		     bpffs_visit_fn visit, void *ud)
{
	struct walk w = { .since_ns = since_ns, .visit = visit, .ud = ud };
	struct stat st;
	int r;

	if (fstat(rootfd, &st) < 0)
		return -errno;
	w.dev = st.st_dev;
	r = walk_dir(&w, rootfd, root, 0);
	if (ret_older)
		*ret_older += w.older;
	if (ret_older_dirs)
		*ret_older_dirs += w.older_dirs;
	return r;
}

int bpffs_walk_fd(int rootfd, const char *root, bpffs_visit_fn visit, void *ud)
{
	return bpffs_walk_since(rootfd, root, 0, NULL, NULL, visit, ud);
}

int bpffs_walk(const char *root, bpffs_visit_fn visit, void *ud)
{
	_cleanup_close_ int fd = -EBADF;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return bpffs_walk_fd(fd, root, visit, ud);
}

void bpffs_views_done(struct bpffs_views *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].path);
		closep(&v->v[i].fd);
		for (size_t h = 0; h < v->v[i].n_hidden; h++)
			free(v->v[i].hidden[h]);
		free(v->v[i].hidden);
	}
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* Whether path is root or beneath it, by whole components. */
static const char *beneath(const char *root, const char *path)
{
	size_t n = streq(root, "/") ? 0 : strlen(root);

	if (strncmp(path, root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return NULL;
	return path[n] == '/' ? path + n + 1 : path + n;
}

static int view_add(struct bpffs_views *v, const char *path, dev_t exclude)
{
	_cleanup_close_ int fd = -EBADF;
	char norm[PATH_MAX];
	struct bpffs_view *nv;
	struct statfs sfs;
	struct stat st;

	if (path_normalize(path, norm, sizeof(norm)) < 0)
		return 0;
	/* Resolved once already (at prestart): a symlink in it now was put
	 * there since, and is not followed. */
	fd = safepath_open_root(norm);
	if (fd < 0) {
		v->refused += fd != -ENOENT && fd != -ENOTDIR;
		return fd == -ENOMEM ? fd : 0;
	}
	if (fstatfs(fd, &sfs) < 0 || (unsigned long)sfs.f_type != BPF_FS_MAGIC_NUMBER || fstat(fd, &st) < 0 ||
	    st.st_dev == exclude)
		return 0;
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].dev == st.st_dev && v->v[i].ino == st.st_ino)
			return 0;
	nv = realloc(v->v, (v->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	v->v = nv;
	v->v[v->n].path = strdup(norm);
	if (!v->v[v->n].path)
		return -ENOMEM;
	v->v[v->n].fd = TAKE_FD(fd);
	v->v[v->n].dev = st.st_dev;
	v->v[v->n].ino = st.st_ino;
	v->v[v->n].hidden = NULL;
	v->v[v->n].n_hidden = 0;
	v->n++;
	return 0;
}

bool bpffs_view_hides(const struct bpffs_view *view, const char *host_path)
{
	for (size_t h = 0; h < view->n_hidden; h++)
		if (beneath(view->hidden[h], host_path))
			return true;
	return false;
}

/* Mounts apply in the bundle's order: a read-only bind (bind j) whose
 * destination is at or beneath a writable bind's (bind i, i < j) covers
 * that part of it, so through i's view the container cannot write there
 * (its pins can only be someone else's, its names never its own). A bind
 * before i is covered by i instead. Recorded on i's view as host paths. */
static int hide_covered(const struct binds *b, struct bpffs_views *v)
{
	for (size_t i = 0; i < b->n; i++) {
		const char *src = b->v[i].real ? b->v[i].real : b->v[i].source;
		char norm[PATH_MAX];
		struct bpffs_view *view = NULL;

		if (b->v[i].readonly || path_normalize(src, norm, sizeof(norm)) < 0)
			continue;
		for (size_t k = 0; k < v->n && !view; k++)
			if (streq(v->v[k].path, norm))
				view = &v->v[k];
		for (size_t j = i + 1; view && j < b->n; j++) {
			const char *rel = b->v[j].readonly ? beneath(b->v[i].destination, b->v[j].destination) : NULL;
			char *hidden, **nh;

			if (!rel)
				continue;
			if (asprintf(&hidden, "%s%s%s", norm, *rel ? "/" : "", rel) < 0)
				return -ENOMEM;
			nh = realloc(view->hidden, (view->n_hidden + 1) * sizeof(*nh));
			if (!nh) {
				free(hidden);
				return -ENOMEM;
			}
			view->hidden = nh;
			view->hidden[view->n_hidden++] = hidden;
		}
	}
	return 0;
}

int bpffs_views_of(const struct binds *b, dev_t exclude, struct bpffs_views *ret)
{
	struct bpffs_views v = {};
	_cleanup_free_ bool *inner = NULL;
	size_t kept = 0;
	int r = 0;

	if (b->host_mount_ns) {
		struct bpffs_instance *inst = NULL;
		size_t n = 0;

		r = bpffs_instances(exclude, &inst, &n);
		for (size_t i = 0; r == 0 && i < n; i++)
			r = view_add(&v, inst[i].mountpoint, exclude);
		bpffs_instances_free(inst, n);
	}
	for (size_t i = 0; r == 0 && i < b->n; i++)
		if (!b->v[i].readonly)
			r = view_add(&v, b->v[i].real ? b->v[i].real : b->v[i].source, exclude);
	if (r == 0 && !b->host_mount_ns)
		r = hide_covered(b, &v);
	if (r < 0) {
		bpffs_views_done(&v);
		return r;
	}
	/* A view inside another of the same bpffs: the outer walk covers it,
	 * unless the outer one's walk passes over it (hidden there). */
	inner = calloc(v.n + 1, sizeof(*inner));
	if (!inner) {
		bpffs_views_done(&v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < v.n; i++)
		for (size_t j = 0; j < v.n && !inner[i]; j++)
			inner[i] = j != i && v.v[j].dev == v.v[i].dev && !streq(v.v[j].path, v.v[i].path) &&
				   beneath(v.v[j].path, v.v[i].path) && !bpffs_view_hides(&v.v[j], v.v[i].path);
	for (size_t i = 0; i < v.n; i++) {
		if (inner[i]) {
			free(v.v[i].path);
			closep(&v.v[i].fd);
			for (size_t h = 0; h < v.v[i].n_hidden; h++)
				free(v.v[i].hidden[h]);
			free(v.v[i].hidden);
			continue;
		}
		v.v[kept++] = v.v[i];
	}
	v.n = kept;
	*ret = v;
	return 0;
}

/* dest, or dest/rel. */
static char *join_rel(const char *dest, const char *rel)
{
	char *v;

	if (!*rel)
		return strdup(dest);
	return asprintf(&v, "%s/%s", streq(dest, "/") ? "" : dest, rel) < 0 ? NULL : v;
}

int bpffs_container_views(const struct binds *b, dev_t exclude, char **views, size_t max, size_t *ret_n,
			  bool *ret_all)
{
	struct bpffs_instance *inst = NULL;
	size_t ninst = 0, n = 0;
	bool all = false;
	int r;

	r = bpffs_instances(exclude, &inst, &ninst);
	if (r < 0)
		return r;
	for (size_t m = 0; m < ninst; m++) {
		const char *mp = inst[m].mountpoint;

		for (size_t i = 0; i < (b->host_mount_ns ? 1 : b->n); i++) {
			const char *src = b->host_mount_ns ? "/" : b->v[i].real ? b->v[i].real : b->v[i].source;
			const char *dest = b->host_mount_ns ? "/" : b->v[i].destination;
			const char *rel;
			char *v;

			if ((rel = beneath(src, mp)))
				v = join_rel(dest, rel); /* the bpffs mount is in the bind */
			else if (beneath(mp, src))
				v = strdup(dest); /* the bind is in the bpffs */
			else
				continue;
			if (v && n < max)
				views[n++] = v;
			else {
				free(v);
				all = true;
			}
		}
	}
	bpffs_instances_free(inst, ninst);
	*ret_n = n;
	*ret_all = all;
	return 0;
}

const struct bpffs_view *bpffs_view_of(const struct bpffs_views *v, const char *host_path,
				       const char **ret_rel)
{
	const struct bpffs_view *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < v->n; i++) {
		const char *rel = beneath(v->v[i].path, host_path);
		size_t len = strlen(v->v[i].path);

		if (rel && (!best || len > best_len)) {
			best = &v->v[i];
			best_len = len;
			*ret_rel = rel;
		}
	}
	return best && bpffs_view_hides(best, host_path) ? NULL : best;
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
