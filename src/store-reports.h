/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reports directory as a collection: list the reports (only files named
 * as report_write() names them, regular files, never through a symlink), a
 * brief of each, and retention: which to prune, and pruning them. Never
 * creates the directory; never removes anything but those files.
 */
#ifndef BPFREAPER_REPORTS_H
#define BPFREAPER_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy-config.h"

struct report_file {
	char *name;       /* in the directory: <id>.json or <id>@<cgroup id>.json */
	char *id;         /* as far as the name holds it (store-state.h) */
	uint64_t earlier; /* 0: the last run of id */
	int64_t mtime;    /* when it was written, seconds */
};

struct report_files {
	struct report_file *v; /* newest first */
	size_t n;
};

/* The directory reports go to: the config's report_dir, else (NULL)
 * <run dir>/reports. */
int reports_dir_path(const char *report_dir, char *buf, size_t size);
/* An O_DIRECTORY fd of it; -ENOENT if it does not exist (no report yet). */
int reports_dir_open(const char *report_dir);
int reports_list(int dirfd, struct report_files *ret);
void report_files_done(struct report_files *l);

/* What `bpfreaperctl reports` shows of one report. */
struct report_brief {
	char finished_at[40];
	char mode[16];
	char by[16];
	int64_t objects;   /* recorded: listed ones plus freed ones only counted */
	int64_t freed;
	int64_t survived;
	int64_t removed;   /* pins, dirs and symlinks removed */
	int64_t left;      /* pins, dirs, symlinks and attachments left */
};
/* -EBADMSG: not a report this version reads. */
int report_brief_parse(const char *text, size_t len, struct report_brief *ret);
int report_brief_read(int dirfd, const char *name, struct report_brief *ret);

/* The reports a retention prunes: past count (newest kept) or older than
 * max_age at now. l newest first; ret_prune has l->n entries. Pure. */
void reports_choose_prune(const struct report_files *l, const struct report_retention *keep, int64_t now,
			  bool *ret_prune);
/* Unlinks the chosen ones (an entry gone meanwhile counts as done);
 * *ret_removed how many this call removed. Stops at the first error. */
int reports_prune(int dirfd, const struct report_files *l, const bool *prune, size_t *ret_removed);
/* Both of the above on the reports directory (gc); 0 with nothing done
 * when there is no directory yet or no limit. */
int reports_apply_retention(const char *report_dir, const struct report_retention *keep, int64_t now,
			    size_t *ret_removed);
/* The same, but only once the directory holds more than keep->count
 * reports (counted by name: no stat, no sort), so that every container's
 * stop can afford it: the count holds between gc runs too. */
int reports_apply_count(const char *report_dir, const struct report_retention *keep, int64_t now,
			size_t *ret_removed);

#endif
