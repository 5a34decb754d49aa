/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Removal that a container cannot steer. A path under a bpffs view root is
 * resolved from the root's fd without following any symlink and without
 * leaving its mount, then acted on with *at() calls on the parent fd and the
 * last name, never through a path that a symlink could redirect.
 */
#ifndef BPFREAPER_SAFEPATH_H
#define BPFREAPER_SAFEPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct stat;

/* A directory fd for the absolute path, refusing any symlink on the way
 * (-ELOOP). For view roots, whose path was resolved once already. */
int safepath_open_root(const char *path);
/* The directory rel (relative, no "..", "" for rootfd itself) beneath rootfd:
 * -ELOOP a component is a symlink, -EXDEV it crosses a mount. */
int safepath_open_dir(int rootfd, const char *rel);
/* The parent directory of rel beneath rootfd, and its last name in rel. */
int safepath_open_parent(int rootfd, const char *rel, int *ret_fd, const char **ret_name);

/* An fd of the BPF object pinned at dirfd/name (BPF_OBJ_GET with
 * BPF_F_PATH_FD, or through /proc/self/fd on kernels before 6.5), only if
 * name is, before and after the get, the same regular file (*ret_st, may be
 * NULL: its stat before the get). */
int safepath_obj_get(int dirfd, const char *name, struct stat *ret_st);

/* ctime of st in nanoseconds since the epoch. */
uint64_t safepath_ctime_ns(const struct stat *st);

/* An entry by identity: the one a container made, not whatever holds its
 * name now. */
struct safepath_ident {
	dev_t dev;
	ino_t ino;
};

/* Removes the empty directory rel beneath rootfd if it is the entry ident
 * (NULL: any) and its ctime is not older than since_ns (0: no limit). 0
 * removed, -ENOENT gone; otherwise -errno, each refusal its own:
 * -ELOOP a symlink on the path, -ESRCH another entry holds its name now,
 * -EEXIST it existed before the container, -ENOTDIR not a directory now,
 * -ENOTEMPTY, -EXDEV it leaves the bpffs; safepath_why() says it. */
int safepath_rmdir(int rootfd, const char *rel, const struct safepath_ident *ident, uint64_t since_ns);

/* Whether a symlink (st) with this target is the one expected (len: the
 * target's length). */
typedef bool (*safepath_target_fn)(const char *target, size_t len, const struct stat *st, void *ud);
/* Removes the symlink rel beneath rootfd if it is the entry ident (NULL:
 * any), want accepts it and its ctime is not older than since_ns. Like
 * safepath_rmdir; a target refused is -ESTALE, anything but a symlink
 * -EINVAL. */
int safepath_unlink_symlink(int rootfd, const char *rel, const struct safepath_ident *ident, uint64_t since_ns,
			    safepath_target_fn want, void *ud);
/* What a report says of a directory (dir) or symlink that
 * safepath_rmdir() or safepath_unlink_symlink() left with r: "gone",
 * "path has a symlink", "not empty", "points elsewhere now"... one word
 * per refusal, and "rmdir failed"/"unlink failed" for the rest. */
const char *safepath_why(int r, bool dir);

#endif
