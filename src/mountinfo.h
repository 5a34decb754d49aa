/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reads /proc/self/mountinfo: where each filesystem type is mounted. */
#ifndef BPFREAPER_MOUNTINFO_H
#define BPFREAPER_MOUNTINFO_H

#include <sys/types.h>

struct mount_entry {
	const char *root;       /* path inside the filesystem that is mounted */
	const char *mountpoint; /* unescaped */
	const char *fstype;
	dev_t dev;
};

/* Calls visit for every mount; a non-zero return from visit stops the walk
 * and is returned. */
int mountinfo_foreach(int (*visit)(const struct mount_entry *m, void *userdata), void *userdata);
/* First mount point of fstype whose root is "/", into buf. */
int mountinfo_find_fstype(const char *fstype, char *buf, size_t size);

#endif
