/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bounded reads and crash-safe writes. A write either leaves the old file or
 * the complete new one (temp file, fsync, rename, fsync of the directory).
 */
#ifndef BPFREAPER_FILEIO_H
#define BPFREAPER_FILEIO_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Read fd to EOF. More than max bytes is -EFBIG, but the rest is still
 * drained so that a runtime writing the state never gets EPIPE. */
int read_fd_limited(int fd, size_t max, char **ret_buf, size_t *ret_len);
int read_file_limited(int dirfd, const char *name, size_t max, char **ret_buf, size_t *ret_len);
/* Replace dirfd/name atomically with buf; never follows a symlink at name.
 * The rename alone is atomic for a writer that is killed: readers see the
 * old file or the new one. durable: also fsync the file and the directory,
 * so the new one survives a power loss; pointless under /run, which does
 * not survive a reboot at all (and costs real I/O where /run is on disk). */
int write_file_atomic(int dirfd, const char *name, const char *buf, size_t len, int mode, bool durable);
/* The same, the new file owned by uid:gid ((uid_t)-1, (gid_t)-1: the
 * writer's), for replacing a file someone else owns. */
int write_file_atomic_owned(int dirfd, const char *name, const char *buf, size_t len, int mode, uid_t uid,
			    gid_t gid, bool durable);
/* mkdir -p of an absolute path with mode for what it creates; refuses
 * symlinks on the way. Returns an O_DIRECTORY fd of the last component. */
int open_dir_created(const char *path, int mode);
/* A DIR stream of its own over the directory dirfd refers to (dirfd stays
 * open and keeps its position); NULL with errno set on failure. */
DIR *opendir_fd(int dirfd);

#endif
