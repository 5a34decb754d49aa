/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host's bpffs instances and a bounded walk over their pins. Finding a
 * pin is not a reason to remove it: callers decide by object identity.
 */
#ifndef BPFREAPER_BPFFS_H
#define BPFREAPER_BPFFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci-binds.h"

#define BPFFS_WALK_MAX_DEPTH 32
#define BPFFS_WALK_MAX_ENTRIES 1000000

struct bpffs_instance {
	char *mountpoint;
	dev_t dev;
};

/* One mount per bpffs superblock visible here (its root mount if any),
 * except the one with device `exclude` (bpfreaper's own). */
int bpffs_instances(dev_t exclude, struct bpffs_instance **ret, size_t *ret_n);
void bpffs_instances_free(struct bpffs_instance *v, size_t n);
struct stat;
typedef int (*bpffs_visit_fn)(int dirfd, const char *name, const char *path, const struct stat *st,
			      void *ud);

/* Calls visit for every regular file (a pin), directory and symlink under root,
 * depth-first (a directory before its entries), without following symlinks
 * or leaving the filesystem. A visit returning > 0 stops the walk. */
int bpffs_walk(const char *root, bpffs_visit_fn visit, void *ud);
/* The same from an open directory (not consumed) whose host path is root. */
int bpffs_walk_fd(int rootfd, const char *root, bpffs_visit_fn visit, void *ud);
/* The same, visiting only the regular files that may be newer than
 * since_ns (ctime, ns since the epoch): a directory whose ctime is older has
 * had no name added, renamed or linked into it since, so its files are
 * passed over from their directory entries alone, without a stat each
 * (counted in *ret_older); its subdirectories are still walked, and one
 * without subdirectories is not even read (counted in *ret_older_dirs). */
int bpffs_walk_since(int rootfd, const char *root, uint64_t since_ns, size_t *ret_older, size_t *ret_older_dirs,
		     bpffs_visit_fn visit, void *ud);

/* A bpffs directory a container could write: where its pins, symlinks and
 * directories may be removed, and nowhere else. */
struct bpffs_view {
	char *path; /* host path of the root, without symlinks */
	int fd;     /* the root directory, opened without following symlinks */
	dev_t dev;
	ino_t ino;
	/* Host paths beneath path that a later read-only bind covers in the
	 * container: it cannot write there through this view. */
	char **hidden;
	size_t n_hidden;
};

struct bpffs_views {
	struct bpffs_view *v;
	size_t n;
	size_t refused; /* writable bpffs binds whose root could not be opened safely */
};

/* The writable binds of the bundle whose source (resolved at prestart) is a
 * directory on a bpffs; every bpffs instance when the container has no
 * mount namespace. Never the bpffs with device exclude (bpfreaper's own).
 * A view inside another one of the same bpffs is walked with it. */
int bpffs_views_of(const struct binds *b, dev_t exclude, struct bpffs_views *ret);
void bpffs_views_done(struct bpffs_views *v);
/* Where the container reaches a host bpffs in its own mount namespace, as
 * paths there: a bind whose source is in a bpffs, or holds a bpffs mount
 * (an rbind of /sys); without a mount namespace, the bpffs mountpoints.
 * The tracer records absolute mkdir()/symlink() names only under these.
 * At most max (malloc'ed, the caller frees them); *ret_all if there were
 * more, or one could not be made. */
int bpffs_container_views(const struct binds *b, dev_t exclude, char **views, size_t max, size_t *ret_n,
			  bool *ret_all);
/* The innermost view whose root contains host_path (a normalised absolute
 * path), with *ret_rel the rest of it ("" for the root); NULL if none, or if
 * a later read-only bind hides host_path in that view. */
const struct bpffs_view *bpffs_view_of(const struct bpffs_views *v, const char *host_path,
				       const char **ret_rel);
/* Whether a later read-only bind hides host_path (beneath view's root) from
 * the container in that view. */
bool bpffs_view_hides(const struct bpffs_view *view, const char *host_path);
/* Host path of the directory (dev, ino) in a visible bpffs; -ENOENT if none. */
int bpffs_find_dir(dev_t dev, ino_t ino, char *buf, size_t size);
bool path_is_bpffs(const char *path);

#endif
