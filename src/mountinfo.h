/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reads /proc/self/mountinfo: which filesystem is mounted where, and which
 * mounts a path can still reach. Reads only; never mounts anything. */
#ifndef BPFREAPER_MOUNTINFO_H
#define BPFREAPER_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct mount_entry {
	int id;                 /* unique in this mount namespace */
	int parent_id;          /* the mount this one sits on */
	const char *root;       /* path inside the filesystem that is mounted */
	const char *mountpoint; /* unescaped */
	const char *fstype;
	dev_t dev;
};

/* All mounts of this mount namespace, in mountinfo order. */
struct mount_table {
	char *text; /* the entries' strings point into it */
	struct mount_entry *v;
	size_t n;
};

/* /proc/self/mountinfo. */
int mount_table_read(struct mount_table *ret);
/* A text in mountinfo's format; takes text (malloc'd) in all cases. Lines
 * that do not parse are skipped, as the kernel may add fields. */
int mount_table_parse(char *text, struct mount_table *ret);
void mount_table_done(struct mount_table *t);
/* Whether v[i] is what a path walk reaches at its mount point: neither it
 * nor any mount it sits on has been mounted over (a later mount on its
 * root, stacked at the same mount point). */
bool mount_table_visible(const struct mount_table *t, size_t i);

/* Calls visit for every mount; a non-zero return from visit stops the walk
 * and is returned. */
int mountinfo_foreach(int (*visit)(const struct mount_entry *m, void *userdata), void *userdata);

#endif
