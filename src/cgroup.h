/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finds a process's cgroup v2 and its id (what bpf_get_current_cgroup_id()
 * returns). Reads only; never creates, moves or removes a cgroup. */
#ifndef BPFREAPER_CGROUP_H
#define BPFREAPER_CGROUP_H

/* The file handle type of kernfs (cgroupfs) ids, from include/linux/exportfs.h. */
#define FILEID_KERNFS 0xfe

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mountinfo.h"

struct cgroup_ref {
	char path[PATH_MAX]; /* absolute path of the cgroup2 directory, as this process reaches it */
	char rel[PATH_MAX];  /* path within the cgroup2 hierarchy, e.g. "/ctr-1" */
	uint64_t id;
};

/* The "0::" line of /proc/<pid>/cgroup through a usable cgroup2 mount (see
 * cgroup2_open). -ENOMEDIUM: no cgroup2 mount here shows that cgroup. */
int cgroup_of_pid(pid_t pid, struct cgroup_ref *ret);

/* Where cgroup2 is mounted depends on the host and the runtime: at
 * /sys/fs/cgroup/unified on hybrid hosts, at /sys/fs/cgroup on unified ones,
 * over either in a runtime's private mount namespace (shadowing the host's
 * mount, still listed first), or as a subtree (root /foo) inside a cgroup
 * namespace. A mount is usable for cgroup rel (as /proc/<pid>/cgroup names
 * it, in this process's cgroup namespace) when it is cgroup2, a path walk
 * still reaches it, and its root is rel or above it. */

/* The first usable mount for rel at or after index from in t: 0 and
 * *ret_index, or -ENOMEDIUM. Decides from the table alone. */
int cgroup2_mount_pick(const struct mount_table *t, const char *rel, size_t from, size_t *ret_index);
/* Path of cgroup rel through mount m (picked for rel). */
int cgroup2_join(const struct mount_entry *m, const char *rel, char *buf, size_t size);
/* An O_DIRECTORY fd of cgroup rel ("/" for the whole hierarchy) and its path,
 * through a usable mount of this process's mount namespace, checked against
 * the kernel: the mount point resolves to that very mount, the directory
 * lies on its filesystem. -ENOMEDIUM: no such mount; -ENOENT: the mount is
 * there, the cgroup is not. */
int cgroup2_open(const char *rel, char *ret_path, size_t size);
/* Parses the text of a /proc/<pid>/cgroup file. */
int cgroup_parse_proc(const char *text, char *ret_rel, size_t size);
/* 1 if the cgroup with this id still exists, 0 if it is gone, -errno if
 * that cannot be told (-ENOMEDIUM: no cgroup2 mount). Needs
 * CAP_DAC_READ_SEARCH (open_by_handle_at). */
int cgroup_id_alive(uint64_t id);
/* An O_DIRECTORY fd of the cgroup with this id, -ENOENT if it is gone,
 * -ENOMEDIUM if no cgroup2 mount here shows the whole hierarchy (then
 * nothing can be told about the id). */
int cgroup_open_by_id(uint64_t id);
/* The host path of a cgroup directory fd. */
int cgroup_path_of_fd(int fd, char *buf, size_t size);

/* Bounds of the walk below: deeper or larger subtrees are refused (-E2BIG)
 * rather than half-checked. */
#define CGROUP_WALK_MAX_DEPTH 16
#define CGROUP_WALK_MAX_CGROUPS 1024

struct cgroup_foreign {
	pid_t pid;
	char comm[16];
	char cgroup[PATH_MAX]; /* host path of the cgroup that holds it */
};

/* Whether the cgroup at path or any descendant holds a process that is not
 * the container's: the container's are its init (pid) and, when init has a
 * pid namespace other than this process's, every process in that one. 0:
 * none; 1: one found, in *ret; -E2BIG: the subtree exceeds the bounds. A
 * process that exits during the walk is not counted. */
int cgroup_find_foreign(const char *path, pid_t init, struct cgroup_foreign *ret);

#endif
