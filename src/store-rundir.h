/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Layout of bpfreaper's runtime directory (default /run/bpfreaper):
 *   lock           flock: shared to register, exclusive to load/unload the tracer
 *   state/<id>.json  what prestart tells poststop
 *   reports/<id>.json  poststop's report per container
 *   skipped        containers prestart let run unrecorded (store-skipped.h)
 *   bpffs/         a private bpffs instance for the tracer's own pins; the
 *                  host's /sys/fs/bpf is bind-mounted into containers, this is not
 */
#ifndef BPFREAPER_RUNDIR_H
#define BPFREAPER_RUNDIR_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#define RUN_DIR_DEFAULT "/run/bpfreaper"
#define BPF_FS_MAGIC_NUMBER 0xcafe4a11

struct rundir {
	char root[PATH_MAX / 2];
	int root_fd;
	int state_fd;
	int reports_fd;
};

/* BPFREAPER_RUN_DIR overrides the default (tests; never needed in production). */
const char *rundir_path(void);
/* An O_DIRECTORY fd of the run directory itself, created if missing;
 * -EPERM if it is not ours alone. */
int rundir_open_root(void);
/* Creates what is missing (mode 0700) and opens the directories. */
int rundir_open(struct rundir *ret);
/* The same without creating anything, for read-only verbs: -ENOENT if the
 * run directory does not exist; a missing state/ or reports/ is left
 * -EBADF (state_list() reads it as empty). */
int rundir_open_existing(struct rundir *ret);
void rundir_close(struct rundir *rd);
/* Path of the private bpffs, mounted on first use; -EXDEV instead of
 * mounting it in a mount namespace other than pid 1's. */
int rundir_bpffs(const struct rundir *rd, char *buf, size_t size, int mount_if_missing);
/* Device of the private bpffs, never a container's to write; 0 if it is
 * not mounted. */
dev_t rundir_bpffs_dev(const struct rundir *rd);
/* flock(2) on <root>/lock; returns the fd to close to unlock. */
int rundir_lock(const struct rundir *rd, int operation);
/* Held while the pool of records maps is counted and changed
 * (tracer_unregister, tracer_pool_tend, gc's compaction counts); a
 * separate file, since registrations hold the main lock shared. */
int rundir_lock_slots(const struct rundir *rd);

#endif
