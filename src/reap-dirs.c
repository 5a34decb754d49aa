// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The container's symlinks and empty directories in the views it could
 * write, removed deepest first, never through a symlink, never one older
 * than its registration, never one the plan keeps; see reap-dirs.h.
 */
#include "reap-dirs.h"
#include "reap-bpfobj.h"
#include "crashpoint.h"
#include "reap-safepath.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* The kernel's dev_t is major << 20 | minor. */
static dev_t dev_of_kdev(uint32_t kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

/* The entry a name record's call made, by identity (REC_F_IDENTIFIED):
 * false if the tracer could not prove which entry it was. */
static bool ident_of(const struct record *rec, struct safepath_ident *ret)
{
	const struct record_name *at = record_name_of(rec);

	if (!at || !(rec->flags & REC_F_IDENTIFIED))
		return false;
	ret->dev = dev_of_kdev(at->dev);
	ret->ino = (ino_t)at->ino;
	return true;
}

/* Where a recorded mkdir landed on the host: an absolute container path
 * through the bundle's bind mounts; a relative one from the directory it was
 * relative to, found again by (device, inode). */
static int host_dir_of(const struct record *rec, const struct binds *binds, char *buf, size_t size)
{
	const struct record_name *at = record_name_of(rec);
	char parent[PATH_MAX], joined[PATH_MAX];
	int r;

	if (!at)
		return -EINVAL;
	if (!(rec->flags & REC_F_RELATIVE))
		return binds_translate(binds, at->path, buf, size);
	r = bpffs_find_dir(dev_of_kdev(at->dir_dev), (ino_t)at->dir_ino, parent, sizeof(parent));
	if (r < 0)
		return r;
	r = path_join(joined, sizeof(joined), parent, at->path);
	if (r < 0)
		return r;
	return path_normalize(joined, buf, size);
}

static size_t depth_of(const char *path)
{
	size_t d = 0;

	for (; *path; path++)
		d += *path == '/';
	return d;
}

static bool symlink_target_is(const struct record *rec, const char *target, size_t len)
{
	return (uint32_t)len == rec->symlink.target_len &&
	       strncmp(target, rec->symlink.target, strnlen(rec->symlink.target, sizeof(rec->symlink.target))) == 0;
}

static bool target_of_record(const char *target, size_t len, const struct stat *st, void *ud)
{
	(void)st; /* safepath checked its identity */
	return symlink_target_is(ud, target, len);
}

/* Any symlink the container made, by identity: one it renamed since (over
 * a directory it had made, say). */
static bool any_symlink_record(const char *target, size_t len, const struct stat *st, void *ud)
{
	const struct record_list *records = ud;

	for (size_t i = 0; i < records->n; i++) {
		const struct record *rec = &records->v[i];
		struct safepath_ident id;

		if (rec->kind == REC_SYMLINK && ident_of(rec, &id) && id.dev == st->st_dev && id.ino == st->st_ino &&
		    symlink_target_is(rec, target, len))
			return true;
	}
	return false;
}

/* Errors worth printing: a refusal by rule has its why and no error. */
static int error_of(int r)
{
	return r == -ENOTEMPTY || r == -EACCES || r == -EPERM || r == -EBUSY || r == -EIO ? r : 0;
}

#define NOT_PROVEN "not proven: the tracer could not tell which entry the call made"

/* A name whose entry the tracer could not identify: named in left if
 * something is there in a view, never removed. */
static int name_unproven(struct path_list *left, const char *host, const struct bpffs_views *views)
{
	const struct bpffs_view *view;
	const char *rel = NULL;
	struct stat st;

	view = bpffs_view_of(views, host, &rel);
	if (!view || !*rel || fstatat(view->fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return reap_path_add(left, host, 0, 0, 0, NOT_PROVEN);
}

/* A directory or symlink the container made: where its record puts it,
 * and the entry it made there. */
struct made_entry {
	const struct record *rec;
	char *path;
	struct safepath_ident id;
	bool moved; /* not at its name any more: looked for by identity */
	char *found; /* where the search found it */
};

static void made_entries_free(struct made_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].found);
	}
	free(v);
}

static int cmp_depth_desc(const void *a, const void *b)
{
	const struct made_entry *x = a, *y = b;
	const char *px = x->found ? x->found : x->path, *py = y->found ? y->found : y->path;
	size_t dx = depth_of(px), dy = depth_of(py);

	return dx == dy ? 0 : dx > dy ? -1 : 1;
}

struct moved_search {
	struct made_entry *v;
	size_t n;
	size_t left; /* moved ones not found yet */
};

static int find_moved_visit(int dirfd, const char *name, const char *path, const struct stat *st, void *ud)
{
	struct moved_search *m = ud;

	(void)dirfd;
	(void)name;
	if (!S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode))
		return 0;
	for (size_t i = 0; i < m->n; i++) {
		struct made_entry *d = &m->v[i];

		if (!d->moved || d->found || d->id.dev != st->st_dev || d->id.ino != st->st_ino ||
		    S_ISDIR(st->st_mode) != (d->rec->kind == REC_MKDIR))
			continue;
		d->found = strdup(path);
		if (!d->found)
			return -ENOMEM;
		return --m->left == 0 ? 1 : 0;
	}
	return 0;
}

/* The directories or symlinks that left their names (a rename the tracer
 * does not follow), looked for by identity in the views: one walk per
 * view, only when some moved. */
static int find_moved(struct made_entry *v, size_t n, const struct bpffs_views *views)
{
	struct moved_search m = { .v = v, .n = n };

	for (size_t i = 0; i < n; i++)
		m.left += v[i].moved;
	for (size_t i = 0; m.left && i < views->n; i++) {
		int r = bpffs_walk_fd(views->v[i].fd, views->v[i].path, find_moved_visit, &m);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Whether path may be removed at all: 1 with its view and the rest of the
 * path, else 0 (refused by rule, named in left) or -errno. */
static int removable(const char *path, struct path_list *left, const struct reap_plan *plan,
		     const struct bpffs_view **ret_view, const char **ret_rel)
{
	const char *why = NULL;
	int r;

	*ret_view = bpffs_view_of(&plan->views, path, ret_rel);
	if (!*ret_view)
		why = "outside the container's writable bpffs";
	else if (!**ret_rel)
		return 0; /* the view's root: a mount point */
	else if (reap_plan_keeps(plan, path))
		why = "keep rule";
	else if (!plan->opts->remove)
		why = "report mode";
	if (!why)
		return 1;
	r = reap_path_add(left, path, 0, 0, 0, why);
	return r < 0 ? r : 0;
}

/* One symlink of the container's, at path. */
static int remove_symlink(struct made_entry *e, const char *path, const struct reap_plan *plan,
			  struct reap_result *res)
{
	const struct bpffs_view *view;
	const char *rel = NULL;
	int err;

	err = removable(path, &res->symlinks_left, plan, &view, &rel);
	if (err <= 0)
		return err;
	err = safepath_unlink_symlink(view->fd, rel, &e->id, plan->opts->registered_ns, target_of_record,
				      (void *)e->rec);
	if (err == 0)
		return reap_path_add(&res->symlinks_removed, path, 0, 0, 0, NULL);
	if ((err == -ENOENT || err == -ESRCH || err == -EINVAL) && !e->found)
		e->moved = true;
	if (err == -ENOENT || err == -EINVAL)
		return 0; /* gone, or its name holds a non-symlink: not ours to name */
	return reap_path_add(&res->symlinks_left, path, 0, 0, error_of(err), safepath_why(err, false));
}

/* One directory of the container's, at path. */
static int remove_dir(struct made_entry *d, const char *path, const struct reap_plan *plan,
		      struct reap_result *res)
{
	const struct bpffs_view *view;
	const char *rel = NULL;
	int err;

	err = removable(path, &res->dirs_left, plan, &view, &rel);
	if (err <= 0)
		return err;
	err = safepath_rmdir(view->fd, rel, &d->id, plan->opts->registered_ns);
	if (err == 0) {
		crashpoint("dir-removed");
		return reap_path_add(&res->dirs_removed, path, 0, 0, 0, NULL);
	}
	/* Its name now holds a symlink: the container's own (by identity)
	 * goes like the others. */
	if (err == -ELOOP && safepath_unlink_symlink(view->fd, rel, NULL, plan->opts->registered_ns, any_symlink_record,
						     (void *)&plan->mine) == 0)
		return reap_path_add(&res->symlinks_removed, path, 0, 0, 0, NULL);
	if ((err == -ENOENT || err == -ESRCH || err == -ENOTDIR || err == -ELOOP) && !d->found)
		d->moved = true;
	if (err == -ENOENT)
		return 0;
	return reap_path_add(&res->dirs_left, path, 0, 0, error_of(err), safepath_why(err, true));
}

/* One entry, at path (its recorded name, or where the search found it). */
typedef int (*remove_fn)(struct made_entry *e, const char *path, const struct reap_plan *plan,
			 struct reap_result *res);

/* The records of kind (REC_MKDIR, REC_SYMLINK) with their host paths,
 * each removed by remove, deepest first; then those that left their names
 * are looked for by identity and removed where they are now. A record the
 * tracer could not identify is named in left, never removed. */
static int remove_made(uint32_t kind, remove_fn remove, struct path_list *left, const struct reap_plan *plan,
		       struct reap_result *res)
{
	const struct record_list *records = &plan->mine;
	struct made_entry *v;
	size_t n = 0;
	bool any_moved = false;
	int r = 0;

	v = calloc(records->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < records->n; i++) {
		const struct record *rec = &records->v[i];
		char host[PATH_MAX];

		if (rec->kind != kind || (rec->flags & REC_F_PATH_TRUNCATED))
			continue;
		if (host_dir_of(rec, plan->opts->binds, host, sizeof(host)) < 0) {
			res->dirs_unresolved += kind == REC_MKDIR;
			continue;
		}
		if (!ident_of(rec, &v[n].id)) {
			r = name_unproven(left, host, &plan->views);
			continue;
		}
		v[n].rec = rec;
		v[n].path = strdup(host);
		if (!v[n].path)
			r = -ENOMEM;
		else
			n++;
	}
	if (r == 0)
		qsort(v, n, sizeof(*v), cmp_depth_desc);
	for (size_t i = 0; i < n && r == 0; i++) {
		if (i > 0 && streq(v[i].path, v[i - 1].path) && v[i].id.ino == v[i - 1].id.ino)
			continue;
		r = remove(&v[i], v[i].path, plan, res);
		any_moved |= v[i].moved;
	}
	if (r == 0 && any_moved && plan->opts->remove) {
		r = find_moved(v, n, &plan->views);
		if (r == 0)
			qsort(v, n, sizeof(*v), cmp_depth_desc);
		for (size_t i = 0; i < n && r == 0; i++)
			if (v[i].found)
				r = remove(&v[i], v[i].found, plan, res);
	}
	made_entries_free(v, n);
	return r;
}

/* Symlinks the container made on a bpffs (iproute2 makes ip -> tc/ and
 * xdp -> tc/). Removed only while the very symlink it made is at the name
 * (device and inode, as the tracer saw them when the call returned), with a
 * target of the recorded start and length, made after the registration, in
 * a view; one renamed away is looked for by identity. */
int reap_remove_symlinks(const struct reap_plan *plan, struct reap_result *res)
{
	return remove_made(REC_SYMLINK, remove_symlink, &res->symlinks_left, plan, res);
}

/* Directories the container created: only in a view, only the very entry
 * it made (device and inode, as the tracer saw them when the call
 * returned), only if made after its registration, only when empty, and
 * never through a symlink. One that left its name (a rename) is looked
 * for by identity in the views. Deepest first, so nested ones go before
 * their parents. */
int reap_remove_dirs(const struct reap_plan *plan, struct reap_result *res)
{
	return remove_made(REC_MKDIR, remove_dir, &res->dirs_left, plan, res);
}
