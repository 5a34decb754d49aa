// SPDX-License-Identifier: LGPL-2.1-or-later
/* The reports directory: list, brief, retention; see store-reports.h. Removes
 * only regular files named like reports, by name under the directory fd. */
#include "store-reports.h"
#include "fileio.h"
#include "input-limits.h"
#include "oci-state.h"
#include "store-rundir.h"
#include "store-state.h"
#include "util.h"

#include <fcntl.h>
#include <sys/stat.h>

int reports_dir_path(const char *report_dir, char *buf, size_t size)
{
	if (report_dir)
		return copy_str(buf, size, report_dir);
	return path_join(buf, size, rundir_path(), "reports");
}

int reports_dir_open(const char *report_dir)
{
	char path[PATH_MAX];
	int fd, r;

	r = reports_dir_path(report_dir, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void report_files_done(struct report_files *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].id);
	}
	free(l->v);
	*l = (struct report_files){};
}

static int cmp_newest_first(const void *a, const void *b)
{
	const struct report_file *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? 1 : -1;
	return strcmp(x->name, y->name); /* a stable order for ties */
}

int reports_list(int dirfd, struct report_files *ret)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct report_files l = {};
	struct dirent *de;
	int r = 0;

	d = opendir_fd(dirfd);
	if (!d)
		return -errno;
	while (r == 0 && (de = readdir(d))) {
		struct report_file f = {};
		struct stat st;

		/* write_file_atomic's temp files and anything else are not
		 * reports: never listed, never pruned. */
		if (state_file_name_parse(de->d_name, &f.id, &f.earlier) < 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
			free(f.id);
			continue;
		}
		f.mtime = st.st_mtime;
		f.name = strdup(de->d_name);
		if (!f.name) {
			free(f.id);
			r = -ENOMEM;
			break;
		}
		if (l.n % 64 == 0) {
			struct report_file *v = realloc(l.v, (l.n + 64) * sizeof(*v));

			if (!v) {
				free(f.id);
				free(f.name);
				r = -ENOMEM;
				break;
			}
			l.v = v;
		}
		l.v[l.n++] = f;
	}
	if (r < 0) {
		report_files_done(&l);
		return r;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_newest_first);
	*ret = l;
	return 0;
}

static json_object *member(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, a, &v))
		return NULL;
	return b ? member(v, b, NULL) : v;
}

static int64_t array_len(json_object *a)
{
	return a && json_object_is_type(a, json_type_array) ? (int64_t)json_object_array_length(a) : 0;
}

static void copy_member(json_object *root, const char *key, char *buf, size_t size)
{
	json_object *v = member(root, key, NULL);

	snprintf(buf, size, "%s", v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "");
}

int report_brief_parse(const char *text, size_t len, struct report_brief *ret)
{
	_cleanup_json_ json_object *root = NULL;
	struct report_brief b = {};
	json_object *created, *v;

	if (json_parse_strict(text, len, 16, &root) < 0 || !json_object_is_type(root, json_type_object) ||
	    !json_object_is_type(member(root, "version", NULL), json_type_int))
		return -EBADMSG;
	copy_member(root, "finished_at", b.finished_at, sizeof(b.finished_at));
	copy_member(root, "mode", b.mode, sizeof(b.mode));
	copy_member(root, "by", b.by, sizeof(b.by));
	created = member(root, "created", NULL);
	b.freed = (v = member(root, "freed_objects", NULL)) ? json_object_get_int64(v) : 0;
	/* Freed objects are listed in "created" too under report_freed list:
	 * count each object once. */
	b.objects = b.freed;
	for (int64_t i = 0; i < array_len(created); i++) {
		json_object *o = json_object_array_get_idx(created, (size_t)i);

		b.objects += !((v = member(o, "freed", NULL)) && json_object_get_boolean(v));
	}
	b.survived = array_len(member(root, "survivors", NULL));
	b.removed = array_len(member(root, "removed", "pins")) + array_len(member(root, "removed", "dirs")) +
		    array_len(member(root, "removed", "symlinks"));
	b.left = array_len(member(root, "left", "pins")) + array_len(member(root, "left", "dirs")) +
		 array_len(member(root, "left", "symlinks")) + array_len(member(root, "left", "attachments"));
	*ret = b;
	return 0;
}

int report_brief_read(int dirfd, const char *name, struct report_brief *ret)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	r = read_file_limited(dirfd, name, REPORT_MAX_BYTES, &text, &len);
	return r < 0 ? r : report_brief_parse(text, len, ret);
}

void reports_choose_prune(const struct report_files *l, const struct report_retention *keep, int64_t now,
			  bool *ret_prune)
{
	for (size_t i = 0; i < l->n; i++)
		ret_prune[i] = (keep->count && i >= keep->count) ||
			       (keep->max_age_s && now - l->v[i].mtime > keep->max_age_s);
}

int reports_prune(int dirfd, const struct report_files *l, const bool *prune, size_t *ret_removed)
{
	*ret_removed = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (!prune[i])
			continue;
		/* By name under the directory fd, flags 0: a symlink put in
		 * its place meanwhile is itself unlinked, never followed. */
		if (unlinkat(dirfd, l->v[i].name, 0) < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		(*ret_removed)++;
	}
	return 0;
}

/* The retention applied to the open reports directory fd. */
static int retention_at(int fd, const struct report_retention *keep, int64_t now, size_t *ret_removed)
{
	struct report_files l = {};
	_cleanup_free_ bool *prune = NULL;
	int r;

	r = reports_list(fd, &l);
	if (r < 0)
		return r;
	prune = calloc(l.n ? l.n : 1, sizeof(*prune));
	if (!prune) {
		report_files_done(&l);
		return -ENOMEM;
	}
	reports_choose_prune(&l, keep, now, prune);
	r = reports_prune(fd, &l, prune, ret_removed);
	report_files_done(&l);
	return r;
}

int reports_apply_retention(const char *report_dir, const struct report_retention *keep, int64_t now,
			    size_t *ret_removed)
{
	_cleanup_close_ int fd = -EBADF;

	*ret_removed = 0;
	if (!keep->count && !keep->max_age_s)
		return 0;
	fd = reports_dir_open(report_dir);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	return retention_at(fd, keep, now, ret_removed);
}

/* Reports by name, up to limit + 1: enough to say whether it is past it. */
static int reports_count(int dirfd, size_t limit, size_t *ret_n)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	size_t n = 0;

	d = opendir_fd(dirfd);
	if (!d)
		return -errno;
	while (n <= limit && (de = readdir(d))) {
		_cleanup_free_ char *id = NULL;
		uint64_t earlier;

		if (state_file_name_parse(de->d_name, &id, &earlier) == 0)
			n++;
	}
	*ret_n = n;
	return 0;
}

int reports_apply_count(const char *report_dir, const struct report_retention *keep, int64_t now,
			size_t *ret_removed)
{
	_cleanup_close_ int fd = -EBADF;
	size_t n = 0;
	int r;

	*ret_removed = 0;
	if (!keep->count)
		return 0;
	fd = reports_dir_open(report_dir);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	r = reports_count(fd, keep->count, &n);
	if (r < 0 || n <= keep->count)
		return r;
	return retention_at(fd, keep, now, ret_removed);
}
