// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The container's symlinks and empty directories in the views it could
 * write, removed deepest first, never through a symlink, never one older
 * than its registration; see reap-steps.h.
 */
#include "reap-steps.h"
#include "reap-bpfobj.h"
#include "crashpoint.h"
#include "reap-safepath.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* Where a recorded mkdir landed on the host: an absolute container path
 * through the bundle's bind mounts; a relative one from the directory it was
 * relative to, found again by (device, inode). */
static int host_dir_of(const struct record *rec, const struct reap_opts *opts, char *buf, size_t size)
{
	const struct record_name *at = record_name_of(rec);
	char parent[PATH_MAX], joined[PATH_MAX];
	int r;

	if (!at)
		return -EINVAL;
	if (!(rec->flags & REC_F_RELATIVE))
		return binds_translate(opts->binds, at->path, buf, size);
	/* The kernel's dev_t is major << 20 | minor. */
	r = bpffs_find_dir(makedev(at->dir_dev >> 20, at->dir_dev & 0xfffff), (ino_t)at->dir_ino, parent,
			   sizeof(parent));
	if (r < 0)
		return r;
	r = path_join(joined, sizeof(joined), parent, at->path);
	if (r < 0)
		return r;
	return path_normalize(joined, buf, size);
}

static int cmp_depth_desc(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t dx = 0, dy = 0;

	for (; *x; x++)
		dx += *x == '/';
	for (; *y; y++)
		dy += *y == '/';
	return dx == dy ? 0 : dx > dy ? -1 : 1;
}

static bool symlink_target_is(const struct record *rec, const char *target, size_t len)
{
	return (uint32_t)len == rec->symlink.target_len &&
	       strncmp(target, rec->symlink.target, strnlen(rec->symlink.target, sizeof(rec->symlink.target))) == 0;
}

static bool target_of_record(const char *target, size_t len, void *ud)
{
	return symlink_target_is(ud, target, len);
}

/* Any symlink the container made: one it renamed since (over a directory
 * it had made, say) is found by its target. */
static bool target_of_any_record(const char *target, size_t len, void *ud)
{
	const struct record_list *records = ud;

	for (size_t i = 0; i < records->n; i++)
		if (records->v[i].kind == REC_SYMLINK && !(records->v[i].flags & REC_F_PATH_TRUNCATED) &&
		    symlink_target_is(&records->v[i], target, len))
			return true;
	return false;
}

/* Errors worth printing: a refusal by rule has its why and no error. */
static int error_of(int r)
{
	return r == -ENOTEMPTY || r == -EACCES || r == -EPERM || r == -EBUSY || r == -EIO ? r : 0;
}

/* Symlinks the container made on a bpffs (iproute2 makes ip -> tc/ and
 * xdp -> tc/). A symlink has no object id: it is removed only if it is
 * still a symlink whose target has the recorded start and length, made
 * after the registration, in a view. */
int reap_remove_symlinks(const struct record_list *records, struct reap_result *res,
			 const struct reap_opts *opts, const struct bpffs_views *views)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < records->n; i++) {
		const struct record *rec = &records->v[i];
		const struct bpffs_view *view;
		const char *rel = NULL, *why = NULL;
		char host[PATH_MAX];
		int err;

		if (rec->kind != REC_SYMLINK || (rec->flags & REC_F_PATH_TRUNCATED))
			continue;
		if (host_dir_of(rec, opts, host, sizeof(host)) < 0)
			continue;
		view = bpffs_view_of(views, host, &rel);
		if (!view) {
			r = reap_path_add(&res->symlinks_left, host, 0, 0, 0, "outside the container's writable bpffs");
			continue;
		}
		if (!*rel)
			continue; /* the view's root: a mount point */
		if (reap_kept_by(opts, host)) {
			r = reap_path_add(&res->symlinks_left, host, 0, 0, 0, "keep rule");
			continue;
		}
		if (!opts->remove) {
			r = reap_path_add(&res->symlinks_left, host, 0, 0, 0, "report mode");
			continue;
		}
		err = safepath_unlink_symlink(view->fd, rel, opts->registered_ns, target_of_record, (void *)rec,
					      &why);
		if (err == 0)
			r = reap_path_add(&res->symlinks_removed, host, 0, 0, 0, NULL);
		else if (err != -ENOENT && err != -EINVAL)
			r = reap_path_add(&res->symlinks_left, host, 0, 0, error_of(err), why);
	}
	return r;
}

/* Directories the container created: only in a view, only if made after
 * its registration, only when empty, and never through a symlink, so that a
 * container that swaps a recorded directory for a symlink to the host's
 * cannot point the rmdir there. Deepest first, so nested ones go before
 * their parents. */
int reap_remove_dirs(const struct record_list *records, struct reap_result *res,
		       const struct reap_opts *opts, const struct bpffs_views *views)
{
	_cleanup_free_ char **paths = NULL;
	size_t n = 0;
	int r = 0;

	paths = calloc(records->n + 1, sizeof(*paths));
	if (!paths)
		return -ENOMEM;
	for (size_t i = 0; i < records->n; i++) {
		const struct record *rec = &records->v[i];
		char host[PATH_MAX];

		if (rec->kind != REC_MKDIR || (rec->flags & REC_F_PATH_TRUNCATED))
			continue;
		if (host_dir_of(rec, opts, host, sizeof(host)) < 0) {
			res->dirs_unresolved++;
			continue;
		}
		paths[n] = strdup(host);
		if (!paths[n])
			goto nomem;
		n++;
	}
	qsort(paths, n, sizeof(*paths), cmp_depth_desc);
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct bpffs_view *view;
		const char *rel = NULL, *why = NULL, *symlink_why = NULL;
		int err;

		if (i > 0 && streq(paths[i], paths[i - 1]))
			continue;
		view = bpffs_view_of(views, paths[i], &rel);
		if (!view) {
			r = reap_path_add(&res->dirs_left, paths[i], 0, 0, 0, "outside the container's writable bpffs");
			continue;
		}
		if (!*rel)
			continue; /* the view's root: a mount point */
		if (reap_kept_by(opts, paths[i])) {
			r = reap_path_add(&res->dirs_left, paths[i], 0, 0, 0, "keep rule");
			continue;
		}
		if (!opts->remove) {
			r = reap_path_add(&res->dirs_left, paths[i], 0, 0, 0, "report mode");
			continue;
		}
		err = safepath_rmdir(view->fd, rel, opts->registered_ns, &why);
		if (err == 0) {
			crashpoint("dir-removed");
			r = reap_path_add(&res->dirs_removed, paths[i], 0, 0, 0, NULL);
			continue;
		}
		/* Its name now holds a symlink: the container's own (made after
		 * registration, with a target it recorded) goes like the others. */
		if (err == -ELOOP &&
		    safepath_unlink_symlink(view->fd, rel, opts->registered_ns, target_of_any_record,
					    (void *)records, &symlink_why) == 0) {
			r = reap_path_add(&res->symlinks_removed, paths[i], 0, 0, 0, NULL);
			continue;
		}
		if (err != -ENOENT && err != -ENOTDIR)
			r = reap_path_add(&res->dirs_left, paths[i], 0, 0, error_of(err), why);
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	return r;
nomem:
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	return -ENOMEM;
}
