// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Where a container's pins are found and removed; see reap-pins.h. A pin
 * is found by the object it holds, one the container created, and unlinked
 * only while its name is still the inode identified; a pin outside the
 * views the container could write is named, never unlinked. bpfreaper's own
 * pins (the tracer's) are tracer-load.c's.
 */
#include "reap-pins.h"
#include "reap-bpfobj.h"
#include "crashpoint.h"
#include "reap-safepath.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

void reap_pin_scan_done(struct pin_scan *scan)
{
	for (size_t i = 0; i < scan->n; i++)
		free(scan->v[i].path);
	free(scan->v);
	scan->v = NULL;
	scan->n = 0;
}

/* The directory fd of the last pin's parent. Pins are visited sorted by
 * path, so the thousands a container leaves in one directory share one
 * resolution of it instead of one openat2 each. */
struct parent_dir {
	const struct bpffs_view *view;
	char rel[PATH_MAX];
	int fd;
};

#define PARENT_DIR_INIT { NULL, "", -EBADF }

static void parent_dir_done(struct parent_dir *p)
{
	closep(&p->fd);
	p->fd = -EBADF;
	p->view = NULL;
}

/* The directory holding rel (beneath view) and rel's last name; the fd is
 * p's, valid until the next call. */
static int parent_dir_get(struct parent_dir *p, const struct bpffs_view *view, const char *rel,
			  const char **ret_name)
{
	const char *slash = strrchr(rel, '/');
	size_t n = slash ? (size_t)(slash - rel) : 0;
	int r, fd;

	if (p->fd >= 0 && p->view == view && strlen(p->rel) == n && strncmp(p->rel, rel, n) == 0) {
		*ret_name = slash ? slash + 1 : rel;
		if (!**ret_name || streq(*ret_name, ".") || streq(*ret_name, ".."))
			return -EINVAL;
		return p->fd;
	}
	parent_dir_done(p);
	if (n >= sizeof(p->rel))
		return -ENAMETOOLONG;
	r = safepath_open_parent(view->fd, rel, &fd, ret_name);
	if (r < 0)
		return r;
	memcpy(p->rel, rel, n);
	p->rel[n] = '\0';
	p->view = view;
	p->fd = fd;
	return fd;
}

/* First pass: look, unlink nothing. The plan then says which pins keep
 * rules keep, which decides what may be detached. */
static int consider_pin(struct pin_scan *scan, const char *path, uint32_t kind, uint32_t id, ino_t ino)
{
	struct pin_candidate *nv;

	/* Someone else's object, never touched; or, while a creation went
	 * unrecorded, maybe the container's: named, not proven. */
	if (!reap_find_object(scan->res, kind, id))
		return reap_creations_unrecorded(scan->res)
			       ? reap_path_add(&scan->res->pins_unproven, path, kind, id, 0, "no record proves it the container's")
			       : 0;
	nv = realloc(scan->v, (scan->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	scan->v = nv;
	nv[scan->n].path = strdup(path);
	if (!nv[scan->n].path)
		return -ENOMEM;
	nv[scan->n].view = scan->view;
	nv[scan->n].kind = kind;
	nv[scan->n].id = id;
	nv[scan->n].ino = ino;
	scan->n++;
	return 0;
}

/* Slack for a clock stepped back a little between registration and a pin. */
#define PIN_AGE_SLACK_NS 1000000000ull

/* Pins older than this cannot be the container's: made (or last renamed or
 * linked, which set ctime too) before it was registered. Every one of its
 * objects was made after, and pinning makes a new inode, so such a pin holds
 * none of them; and a directory older than this has had no pin added since.
 * A walk past a host's 50 000 pins reads their directories and opens only
 * the new ones. ctime cannot be set from user space; a clock stepped back
 * further than the slack can hide the container's pin from the walk, which
 * then leaves it and reports its object as a survivor. 0: no limit. */
static uint64_t pins_since(uint64_t registered_ns)
{
	return registered_ns > PIN_AGE_SLACK_NS ? registered_ns - PIN_AGE_SLACK_NS : 0;
}

static int find_pin_visit(int dirfd, const char *name, const char *path, const struct stat *st, void *ud)
{
	struct pin_scan *scan = ud;
	_cleanup_close_ int fd = -EBADF;
	struct stat got;
	uint32_t kind, id;

	/* Covered by a later read-only bind: not the container's to unpin
	 * through this view (named as a survivor's pin, if it holds one). */
	if (!S_ISREG(st->st_mode) || bpffs_view_hides(scan->view, path))
		return 0;
	scan->res->pins_opened++;
	fd = safepath_obj_get(dirfd, name, &got);
	if (fd < 0)
		return fd == -ENOMEM ? fd : 0; /* not a pin we can open: not ours to judge */
	if (obj_identify(fd, &kind, &id) < 0)
		return 0;
	return consider_pin(scan, path, kind, id, got.st_ino);
}

static int find_pins(struct reap_result *res, const struct bpffs_views *views, struct pin_scan *scan)
{
	int r = 0;

	for (size_t i = 0; i < views->n; i++) {
		scan->view = &views->v[i];
		r = bpffs_walk_since(views->v[i].fd, views->v[i].path, pins_since(scan->registered_ns),
				     &res->pins_older, &res->dirs_older, find_pin_visit, scan);
		if (r == -ENOMEM)
			break;
		res->bpffs_scanned++;
		r = 0;
	}
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Where each recorded pin is on the host, sorted, duplicates dropped
 * (a path pinned, unlinked and pinned again). -EAGAIN: a pin the record
 * cannot place (relative name, truncated, no bind covers it). */
static int recorded_pin_paths(const struct record_list *records, const struct binds *binds, char ***ret,
			      size_t *ret_n)
{
	char **v = calloc(records->n + 1, sizeof(*v));
	size_t n = 0, u = 0;
	int r = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < records->n; i++) {
		const struct record *rec = &records->v[i];
		char host[PATH_MAX];

		if (rec->kind != REC_PIN)
			continue;
		if (rec->pin.at.dirfd != AT_FDCWD || rec->pin.at.path[0] != '/' || (rec->flags & REC_F_PATH_TRUNCATED) ||
		    binds_translate(binds, rec->pin.at.path, host, sizeof(host)) < 0)
			r = -EAGAIN;
		else if (!(v[n++] = strdup(host)))
			r = -ENOMEM;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (u > 0 && streq(v[u - 1], v[i]))
			free(v[i]);
		else
			v[u++] = v[i];
	}
	if (r < 0) {
		for (size_t i = 0; i < u; i++)
			free(v[i]);
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = u;
	return 0;
}

struct pin_found {
	const struct bpffs_view *view;
	uint32_t kind, id;
	ino_t ino;
};

/* A recorded pin, still where the record says, linked once, holding one of
 * the container's objects: its view, object and inode. */
static bool pin_in_place(struct reap_result *res, const struct bpffs_views *views, struct parent_dir *parent,
			 const char *host, struct pin_found *ret)
{
	_cleanup_close_ int fd = -EBADF;
	const char *rel, *name;
	struct stat st;
	int dfd;

	ret->view = bpffs_view_of(views, host, &rel);
	if (!ret->view)
		return false;
	dfd = parent_dir_get(parent, ret->view, rel, &name);
	if (dfd < 0)
		return false;
	fd = safepath_obj_get(dfd, name, &st);
	if (fd < 0 || st.st_nlink != 1 || obj_identify(fd, &ret->kind, &ret->id) < 0 ||
	    !reap_find_object(res, ret->kind, ret->id))
		return false;
	ret->ino = st.st_ino;
	return true;
}

/* The pins the container recorded, at the paths it recorded: when every one
 * is still there, linked once, holding one of its objects, nothing was
 * renamed or hard-linked elsewhere, and poststop costs what the container
 * made instead of a walk of every pin in its views (a host with thousands).
 * Each pin is checked again where it is unlinked (unlink_pin). 1: done,
 * 0: a walk is needed. */
static int find_recorded_pins(const struct record_list *records, struct reap_result *res,
			      const struct bpffs_views *views, struct pin_scan *scan)
{
	struct parent_dir parent = PARENT_DIR_INIT;
	struct pin_found *found = NULL;
	char **paths = NULL;
	size_t n = 0;
	int r;

	/* A pin record missing (overflow) or dropped (its name unlinked
	 * after a rename or a hard link kept the pin elsewhere): only a walk
	 * finds every pin. */
	if (res->flags & (CG_OVERFLOW_OBJ | CG_PINS_FORGOTTEN | CG_UNRESOLVED | CG_UNSEEN_SYSCALL_PROG))
		return 0;
	r = recorded_pin_paths(records, scan->binds, &paths, &n);
	if (r == -EAGAIN)
		return 0;
	if (r < 0)
		return r;
	found = calloc(n + 1, sizeof(*found));
	if (!found)
		r = -ENOMEM;
	/* All or nothing: a walk must not find again what was considered. */
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!pin_in_place(res, views, &parent, paths[i], &found[i]))
			r = -EAGAIN;
	parent_dir_done(&parent);
	for (size_t i = 0; r == 0 && i < n; i++) {
		scan->view = found[i].view;
		r = consider_pin(scan, paths[i], found[i].kind, found[i].id, found[i].ino);
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(found);
	if (r == -EAGAIN)
		return 0;
	return r < 0 ? r : 1;
}

/* Second pass, after the detaches. The pin's parent is resolved again from
 * its view's root without following symlinks, and the name unlinked only
 * while it is still the inode the first pass identified: a bpffs inode
 * holds one object for its whole life, so the inode stands for the object
 * without a second BPF_OBJ_GET and identify (half of the cost of 10 000
 * pins). */
static int unlink_pin(const struct pin_candidate *c, struct parent_dir *parent)
{
	const char *rel = c->path + strlen(c->view->path), *name;
	struct stat st;
	int dfd;

	rel += *rel == '/';
	dfd = parent_dir_get(parent, c->view, rel, &name);
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_ino != c->ino)
		return -ESTALE; /* renamed or replaced since it was identified */
	if (unlinkat(dfd, name, 0) < 0)
		return -errno;
	return 0;
}

int reap_unpin(struct reap_result *res, bool remove, const struct pin_scan *scan)
{
	struct parent_dir parent = PARENT_DIR_INIT;
	int r = 0;

	for (size_t i = 0; r == 0 && i < scan->n; i++) {
		const struct pin_candidate *c = &scan->v[i];
		int err;

		if (!remove) {
			r = reap_path_add(&res->pins_left, c->path, c->kind, c->id, 0, "report mode");
			continue;
		}
		err = unlink_pin(c, &parent);
		if (err == -ENOENT)
			continue;
		if (err < 0) {
			r = reap_path_add(&res->pins_left, c->path, c->kind, c->id, err,
					  err == -ELOOP ? "path has a symlink"
					  : err == -ESTALE ? "renamed while being removed"
							   : "unlink failed");
			continue;
		}
		crashpoint("pin-unlinked");
		r = reap_path_add(&res->pins_removed, c->path, c->kind, c->id, 0, NULL);
	}
	parent_dir_done(&parent);
	return r;
}

int reap_find_pins(const struct record_list *records, struct reap_result *res, const struct binds *binds,
		   uint64_t registered_ns, const struct bpffs_views *views, struct pin_scan *scan)
{
	uint64_t start = now_us();
	int r;

	*scan = (struct pin_scan){ .res = res, .binds = binds, .registered_ns = registered_ns };
	r = find_recorded_pins(records, res, views, scan);
	res->pins_from_record = r == 1;
	if (r == 0)
		r = find_pins(res, views, scan);
	/* The whole search, a record attempt that fell back to a walk too. */
	res->scan_us = now_us() - start;
	return r < 0 ? r : 0;
}

struct outside_scan {
	struct reap_result *res;
	const struct bpffs_views *views;
};

static int outside_visit(int dirfd, const char *name, const char *path, const struct stat *st, void *ud)
{
	struct outside_scan *scan = ud;
	_cleanup_close_ int fd = -EBADF;
	const struct bpffs_view *view;
	struct reap_object *o;
	const char *rel;
	uint32_t kind, id;

	if (!S_ISREG(st->st_mode))
		return 0;
	view = bpffs_view_of(scan->views, path, &rel);
	if (view && view->dev == st->st_dev)
		return 0; /* the views were searched already */
	fd = safepath_obj_get(dirfd, name, NULL);
	if (fd < 0 || obj_identify(fd, &kind, &id) < 0)
		return 0;
	o = reap_find_object(scan->res, kind, id);
	if (!o || o->freed || o->kept || o->pinned_at)
		return 0;
	o->pinned_at = strdup(path);
	if (!o->pinned_at)
		return -ENOMEM;
	return reap_path_add(&scan->res->pins_left, path, kind, id, 0, "outside the container's writable bpffs");
}

/* A survivor may be pinned where the container could not write (the host
 * pinned it, or a bpffs the bundle bound read-only): found by identity on
 * every bpffs, and named, never unlinked. Costs a walk of the host's bpffs
 * instances, so only when a survivor is unexplained. */
int reap_find_pins_outside(struct reap_result *res, dev_t own_bpffs, uint64_t registered_ns,
			   const struct bpffs_views *views)
{
	struct outside_scan scan = { .res = res, .views = views };
	struct bpffs_instance *inst = NULL;
	size_t n = 0;
	bool any = false;
	int r;

	for (size_t i = 0; i < res->n_objects && !any; i++) {
		const struct reap_object *o = &res->objects[i];

		any = !o->freed && !o->kept && !o->pinned_at && !o->attached_at;
	}
	if (!any)
		return 0;
	r = bpffs_instances(own_bpffs, &inst, &n);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		_cleanup_close_ int fd = safepath_open_root(inst[i].mountpoint);

		if (fd >= 0)
			r = bpffs_walk_since(fd, inst[i].mountpoint, pins_since(registered_ns), NULL,
					     NULL, outside_visit, &scan);
		if (r != -ENOMEM)
			r = 0;
	}
	bpffs_instances_free(inst, n);
	return r;
}
