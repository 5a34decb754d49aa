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

struct cgroup_ref {
	char path[PATH_MAX]; /* absolute path of the cgroup2 directory on this host */
	char rel[PATH_MAX];  /* path within the cgroup2 hierarchy, e.g. "/ctr-1" */
	uint64_t id;
};

/* The "0::" line of /proc/<pid>/cgroup against the cgroup2 mount. Hybrid hosts
 * mount cgroup2 at /sys/fs/cgroup/unified; pure v2 hosts at /sys/fs/cgroup. */
int cgroup_of_pid(pid_t pid, struct cgroup_ref *ret);
/* Parses the text of a /proc/<pid>/cgroup file. */
int cgroup_parse_proc(const char *text, char *ret_rel, size_t size);
int cgroup_id_of_path(const char *path, uint64_t *ret_id);
/* 1 if the cgroup with this id still exists, 0 if it is gone. Needs
 * CAP_DAC_READ_SEARCH (open_by_handle_at). */
int cgroup_id_alive(uint64_t id);
/* An O_DIRECTORY fd of the cgroup with this id, -ENOENT if it is gone. */
int cgroup_open_by_id(uint64_t id);
/* The host path of a cgroup directory fd. */
int cgroup_path_of_fd(int fd, char *buf, size_t size);

/* Bounds of the walk below: deeper or larger subtrees are refused (-E2BIG)
 * rather than half-checked. */
#define CGROUP_WALK_MAX_DEPTH 16
#define CGROUP_WALK_MAX_CGROUPS 1024
#define CGROUP_PROCS_MAX_BYTES (1024 * 1024)

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
