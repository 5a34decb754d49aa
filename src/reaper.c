// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The removal sequence; see reaper.h. Every destructive step is preceded by
 * an identity check against the container's creation records: a pin is
 * unlinked only while it holds an object the container created.
 */
#include "reaper.h"
#include "bpffs.h"
#include "bpfobj.h"
#include "attach.h"
#include "crashpoint.h"
#include "policy.h"
#include "safepath.h"
#include "util.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

static bool unproven(const struct reap_result *res, uint32_t kind, uint32_t id)
{
	for (size_t i = 0; i < res->n_unproven; i++)
		if (res->unproven[i].kind == kind && res->unproven[i].id == id)
			return true;
	return false;
}

/* The container's objects, sorted and unique. A creation the tracer could
 * not prove is set aside: the id may name anyone's object. */
static int collect_objects(const struct record_list *records, struct reap_result *res)
{
	size_t n = 0;

	res->objects = calloc(records->n + 1, sizeof(*res->objects));
	res->unproven = calloc(records->n + 1, sizeof(*res->unproven));
	if (!res->objects || !res->unproven)
		return -ENOMEM;
	for (size_t i = 0; i < records->n; i++) {
		const struct record *rec = &records->v[i];

		const struct record_obj *obj = &rec->create.obj;

		if (rec->kind == REC_CREATE && (rec->flags & REC_F_UNPROVEN) && obj->id && !unproven(res, obj->kind, obj->id))
			res->unproven[res->n_unproven++] = (struct reap_unproven){ obj->kind, obj->id };
	}
	for (size_t i = 0; i < records->n; i++) {
		const struct record *rec = &records->v[i];
		const struct record_obj *obj = &rec->create.obj;
		struct reap_object *o;

		if (rec->kind == REC_PIN)
			res->pins_recorded++;
		if (rec->kind != REC_CREATE || obj->kind == OBJ_NONE || obj->id == 0 || unproven(res, obj->kind, obj->id))
			continue;
		o = &res->objects[n++];
		o->kind = obj->kind;
		o->id = obj->id;
		o->type = obj->type;
		o->pid = rec->pid;
		memcpy(o->comm, rec->comm, sizeof(o->comm));
		memcpy(o->name, obj->name, sizeof(o->name));
		o->comm[sizeof(o->comm) - 1] = o->name[sizeof(o->name) - 1] = '\0';
	}
	qsort(res->objects, n, sizeof(*res->objects), reap_object_cmp);
	res->n_objects = 0;
	for (size_t i = 0; i < n; i++)
		if (res->n_objects == 0 || reap_object_cmp(&res->objects[res->n_objects - 1], &res->objects[i]))
			res->objects[res->n_objects++] = res->objects[i];
	return 0;
}

/* An object the container pinned, still alive, whose creation it did not
 * record: someone else's (opened by id), or its own whose creation record
 * the tracer dropped at a close another of its threads raced (see
 * bpf/tracepoint.bpf.c, enter_close). Never the container's to remove; named
 * in the report, which must say what could not be proven. */
static void pinned_not_created(const struct record_list *records, struct reap_result *res)
{
	for (size_t i = 0; i < records->n; i++) {
		const struct record *rec = &records->v[i];
		const struct record_obj *obj = &rec->pin.obj;
		_cleanup_close_ int fd = -EBADF;

		if (rec->kind != REC_PIN || !obj->id || reap_find_object(res, obj->kind, obj->id) ||
		    unproven(res, obj->kind, obj->id))
			continue;
		fd = obj_fd_by_id(obj->kind, obj->id);
		if (fd >= 0)
			res->unproven[res->n_unproven++] = (struct reap_unproven){ obj->kind, obj->id };
	}
}

/* A kept link keeps the program it runs, and so that program's other
 * attachments: the keep rule's author meant the whole thing to stay. */
static void keep_programs_of_kept_links(struct reap_result *res)
{
	for (size_t i = 0; i < res->n_objects; i++) {
		struct reap_object *o = &res->objects[i], *prog;
		_cleanup_close_ int fd = -EBADF;
		struct bpf_link_info info = {};
		uint32_t len = sizeof(info);

		if (o->kind != OBJ_LINK || !o->kept)
			continue;
		fd = obj_fd_by_id(OBJ_LINK, o->id);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
			continue;
		prog = reap_find_object(res, OBJ_PROG, info.prog_id);
		if (prog && !prog->kept) {
			prog->kept = true;
			prog->kept_rule = o->kept_rule;
		}
	}
}

/* Links next: a detached link no longer runs its program, whoever still
 * holds it. Kinds that cannot be detached are freed with their last pin. */
static void detach_links(struct reap_result *res)
{
	for (size_t i = 0; i < res->n_objects; i++) {
		struct reap_object *o = &res->objects[i];
		_cleanup_close_ int fd = -EBADF;

		if (o->kind != OBJ_LINK || o->kept)
			continue;
		fd = obj_fd_by_id(OBJ_LINK, o->id);
		if (fd < 0)
			continue;
		if (bpf_link_detach(fd) == 0) {
			o->detached = true;
			crashpoint("link-detached");
		}
	}
}

/* The keep rule that keeps path: the policy decides (policy.h). */
static const char *kept_by(const struct reap_opts *opts, const char *path)
{
	return opts->policy ? policy_keeps(opts->policy, path) : NULL;
}

/* A pin found in a view that holds one of the container's objects. */
struct pin_candidate {
	const struct bpffs_view *view;
	char *path; /* host path: the view's root and what follows, no symlink */
	uint32_t kind, id;
	ino_t ino; /* the pin's inode when it was identified */
};

struct pin_scan {
	struct reap_result *res;
	const struct reap_opts *opts;
	const struct bpffs_view *view;
	struct pin_candidate *v;
	size_t n;
};

static void pin_scan_done(struct pin_scan *scan)
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

/* First pass: look, unlink nothing. Which pins a keep rule covers decides
 * what may be detached. */
static int consider_pin(struct pin_scan *scan, const char *path, uint32_t kind, uint32_t id, ino_t ino)
{
	struct pin_candidate *nv;
	struct reap_object *o;
	const char *rule;

	o = reap_find_object(scan->res, kind, id);
	if (!o)
		return 0; /* someone else's object: never touched */
	rule = kept_by(scan->opts, path);
	if (rule) {
		o->kept = true;
		if (!o->kept_rule)
			o->kept_rule = rule;
		return reap_path_add_kept(&scan->res->pins_kept, path, kind, id, rule);
	}
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

	if (!S_ISREG(st->st_mode))
		return 0;
	scan->res->pins_opened++;
	fd = safepath_obj_get(dirfd, name, &got);
	if (fd < 0)
		return fd == -ENOMEM ? fd : 0; /* not a pin we can open: not ours to judge */
	if (obj_identify(fd, &kind, &id) < 0)
		return 0;
	return consider_pin(scan, path, kind, id, got.st_ino);
}

static int find_pins(struct reap_result *res, const struct reap_opts *opts, const struct bpffs_views *views,
		     struct pin_scan *scan)
{
	uint64_t start = now_us();
	int r = 0;

	*scan = (struct pin_scan){ .res = res, .opts = opts };
	for (size_t i = 0; i < views->n; i++) {
		scan->view = &views->v[i];
		r = bpffs_walk_since(views->v[i].fd, views->v[i].path, pins_since(opts->registered_ns),
				     &res->pins_older, find_pin_visit, scan);
		if (r == -ENOMEM)
			break;
		res->bpffs_scanned++;
		r = 0;
	}
	res->scan_us = now_us() - start;
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Where each recorded pin is on the host, sorted, duplicates dropped
 * (a path pinned, unlinked and pinned again). -EAGAIN: a pin the record
 * cannot place (relative name, truncated, no bind covers it). */
static int recorded_pin_paths(const struct record_list *records, const struct reap_opts *opts, char ***ret,
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
		    binds_translate(opts->binds, rec->pin.at.path, host, sizeof(host)) < 0)
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
			      const struct reap_opts *opts, const struct bpffs_views *views, struct pin_scan *scan)
{
	struct parent_dir parent = PARENT_DIR_INIT;
	struct pin_found *found = NULL;
	char **paths = NULL;
	size_t n = 0;
	int r;

	/* A pin record missing (overflow) or dropped (its name unlinked
	 * after a rename or a hard link kept the pin elsewhere): only a walk
	 * finds every pin. */
	if (res->flags & (CG_OVERFLOW_OBJ | CG_PINS_FORGOTTEN))
		return 0;
	r = recorded_pin_paths(records, opts, &paths, &n);
	if (r == -EAGAIN)
		return 0;
	if (r < 0)
		return r;
	found = calloc(n + 1, sizeof(*found));
	if (!found)
		r = -ENOMEM;
	/* All or nothing: decide before the first one is considered, which
	 * marks kept objects and cannot be taken back for a walk. */
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

static int unpin(struct reap_result *res, const struct reap_opts *opts, const struct pin_scan *scan)
{
	struct parent_dir parent = PARENT_DIR_INIT;
	int r = 0;

	for (size_t i = 0; r == 0 && i < scan->n; i++) {
		const struct pin_candidate *c = &scan->v[i];
		int err;

		if (!opts->remove) {
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

/* Where a recorded mkdir landed on the host: an absolute container path
 * through the bundle's bind mounts; a relative one from the directory it was
 * relative to, found again by (device, inode). */
static int host_dir_of(const struct record *rec, const struct reap_opts *opts, char *buf, size_t size)
{
	const struct record_name *at = record_name_of(rec);
	char parent[PATH_MAX], joined[PATH_MAX];
	int r;

	if (!at)
		return -EINVAL;
	if (!(rec->flags & REC_F_RELATIVE))
		return binds_translate(opts->binds, at->path, buf, size);
	/* The kernel's dev_t is major << 20 | minor. */
	r = bpffs_find_dir(makedev(at->dir_dev >> 20, at->dir_dev & 0xfffff), (ino_t)at->dir_ino, parent,
			   sizeof(parent));
	if (r < 0)
		return r;
	r = path_join(joined, sizeof(joined), parent, at->path);
	if (r < 0)
		return r;
	return path_normalize(joined, buf, size);
}

static int cmp_depth_desc(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t dx = 0, dy = 0;

	for (; *x; x++)
		dx += *x == '/';
	for (; *y; y++)
		dy += *y == '/';
	return dx == dy ? 0 : dx > dy ? -1 : 1;
}

static bool symlink_target_is(const struct record *rec, const char *target, size_t len)
{
	return (uint32_t)len == rec->symlink.target_len &&
	       strncmp(target, rec->symlink.target, strnlen(rec->symlink.target, sizeof(rec->symlink.target))) == 0;
}

static bool target_of_record(const char *target, size_t len, void *ud)
{
	return symlink_target_is(ud, target, len);
}

/* Any symlink the container made: one it renamed since (over a directory
 * it had made, say) is found by its target. */
static bool target_of_any_record(const char *target, size_t len, void *ud)
{
	const struct record_list *records = ud;

	for (size_t i = 0; i < records->n; i++)
		if (records->v[i].kind == REC_SYMLINK && !(records->v[i].flags & REC_F_PATH_TRUNCATED) &&
		    symlink_target_is(&records->v[i], target, len))
			return true;
	return false;
}

/* Errors worth printing: a refusal by rule has its why and no error. */
static int error_of(int r)
{
	return r == -ENOTEMPTY || r == -EACCES || r == -EPERM || r == -EBUSY || r == -EIO ? r : 0;
}

/* Symlinks the container made on a bpffs (iproute2 makes ip -> tc/ and
 * xdp -> tc/). A symlink has no object id: it is removed only if it is
 * still a symlink whose target has the recorded start and length, made
 * after the registration, in a view. */
static int remove_symlinks(const struct record_list *records, struct reap_result *res,
			   const struct reap_opts *opts, const struct bpffs_views *views)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < records->n; i++) {
		const struct record *rec = &records->v[i];
		const struct bpffs_view *view;
		const char *rel = NULL, *why = NULL;
		char host[PATH_MAX];
		int err;

		if (rec->kind != REC_SYMLINK || (rec->flags & REC_F_PATH_TRUNCATED))
			continue;
		if (host_dir_of(rec, opts, host, sizeof(host)) < 0)
			continue;
		view = bpffs_view_of(views, host, &rel);
		if (!view) {
			r = reap_path_add(&res->symlinks_left, host, 0, 0, 0, "outside the container's writable bpffs");
			continue;
		}
		if (!*rel)
			continue; /* the view's root: a mount point */
		if (kept_by(opts, host)) {
			r = reap_path_add(&res->symlinks_left, host, 0, 0, 0, "keep rule");
			continue;
		}
		if (!opts->remove) {
			r = reap_path_add(&res->symlinks_left, host, 0, 0, 0, "report mode");
			continue;
		}
		err = safepath_unlink_symlink(view->fd, rel, opts->registered_ns, target_of_record, (void *)rec,
					      &why);
		if (err == 0)
			r = reap_path_add(&res->symlinks_removed, host, 0, 0, 0, NULL);
		else if (err != -ENOENT && err != -EINVAL)
			r = reap_path_add(&res->symlinks_left, host, 0, 0, error_of(err), why);
	}
	return r;
}

/* Directories the container created: only in a view, only if made after
 * its registration, only when empty, and never through a symlink, so that a
 * container that swaps a recorded directory for a symlink to the host's
 * cannot point the rmdir there. Deepest first, so nested ones go before
 * their parents. */
static int remove_dirs(const struct record_list *records, struct reap_result *res,
		       const struct reap_opts *opts, const struct bpffs_views *views)
{
	_cleanup_free_ char **paths = NULL;
	size_t n = 0;
	int r = 0;

	paths = calloc(records->n + 1, sizeof(*paths));
	if (!paths)
		return -ENOMEM;
	for (size_t i = 0; i < records->n; i++) {
		const struct record *rec = &records->v[i];
		char host[PATH_MAX];

		if (rec->kind != REC_MKDIR || (rec->flags & REC_F_PATH_TRUNCATED))
			continue;
		if (host_dir_of(rec, opts, host, sizeof(host)) < 0) {
			res->dirs_unresolved++;
			continue;
		}
		paths[n] = strdup(host);
		if (!paths[n])
			goto nomem;
		n++;
	}
	qsort(paths, n, sizeof(*paths), cmp_depth_desc);
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct bpffs_view *view;
		const char *rel = NULL, *why = NULL, *symlink_why = NULL;
		int err;

		if (i > 0 && streq(paths[i], paths[i - 1]))
			continue;
		view = bpffs_view_of(views, paths[i], &rel);
		if (!view) {
			r = reap_path_add(&res->dirs_left, paths[i], 0, 0, 0, "outside the container's writable bpffs");
			continue;
		}
		if (!*rel)
			continue; /* the view's root: a mount point */
		if (kept_by(opts, paths[i])) {
			r = reap_path_add(&res->dirs_left, paths[i], 0, 0, 0, "keep rule");
			continue;
		}
		if (!opts->remove) {
			r = reap_path_add(&res->dirs_left, paths[i], 0, 0, 0, "report mode");
			continue;
		}
		err = safepath_rmdir(view->fd, rel, opts->registered_ns, &why);
		if (err == 0) {
			crashpoint("dir-removed");
			r = reap_path_add(&res->dirs_removed, paths[i], 0, 0, 0, NULL);
			continue;
		}
		/* Its name now holds a symlink: the container's own (made after
		 * registration, with a target it recorded) goes like the others. */
		if (err == -ELOOP &&
		    safepath_unlink_symlink(view->fd, rel, opts->registered_ns, target_of_any_record,
					    (void *)records, &symlink_why) == 0) {
			r = reap_path_add(&res->symlinks_removed, paths[i], 0, 0, 0, NULL);
			continue;
		}
		if (err != -ENOENT && err != -ENOTDIR)
			r = reap_path_add(&res->dirs_left, paths[i], 0, 0, error_of(err), why);
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	return r;
nomem:
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	return -ENOMEM;
}

/* Freeing is asynchronous (RCU, workqueues): poll IDs with a growing pause. */
static void wait_freed(struct reap_result *res, unsigned wait_ms)
{
	uint64_t start = now_us(), deadline = start + (uint64_t)wait_ms * 1000u;
	useconds_t pause = 200;

	for (;;) {
		size_t alive = 0;

		for (size_t i = 0; i < res->n_objects; i++) {
			struct reap_object *o = &res->objects[i];

			if (o->freed || o->kept)
				continue;
			if (obj_alive(o->kind, o->id) == 0)
				o->freed = true;
			else
				alive++;
		}
		if (alive == 0 || now_us() >= deadline)
			break;
		usleep(pause);
		if (pause < 20000)
			pause *= 2;
	}
	res->wait_us = now_us() - start;
}

/* For survivors that no pin explains: which process holds an fd of it,
 * which program uses it. Costs a BPF iterator run, so only when needed. */
static int name_holders(struct reap_result *res)
{
	struct holder_list holders = {};
	bool scanned = false;
	int scan_error = 0;

	for (size_t i = 0; i < res->n_objects; i++) {
		struct reap_object *o = &res->objects[i];

		if (o->freed || o->kept || o->pinned_at || o->attached_at)
			continue;
		if (!scanned) {
			scan_error = holders_scan(&holders);
			scanned = true;
		}
		for (size_t h = 0; h < holders.n && o->n_held_by < REAP_HOLDERS_MAX; h++)
			if (holders.v[h].obj_kind == o->kind && holders.v[h].obj_id == o->id)
				o->held_by[o->n_held_by++] = holders.v[h];
		if (o->kind == OBJ_MAP) {
			size_t n = 0;

			if (progs_using_map(o->id, o->used_by, REAP_HOLDERS_MAX, &n) == 0)
				o->n_used_by = n < REAP_HOLDERS_MAX ? n : REAP_HOLDERS_MAX;
		}
		if (o->n_held_by)
			o->survivor_reason = "held by a process";
		else if (o->n_used_by)
			o->survivor_reason = "used by another program";
		else if (scan_error)
			o->survivor_reason = "still referenced (holders unknown: the iterator failed)";
		else
			o->survivor_reason = "still referenced: attached, or held by the kernel";
	}
	holder_list_done(&holders);
	return 0;
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
static int find_pins_outside(struct reap_result *res, const struct reap_opts *opts, const struct bpffs_views *views)
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
	r = bpffs_instances(opts->own_bpffs, &inst, &n);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		_cleanup_close_ int fd = safepath_open_root(inst[i].mountpoint);

		if (fd >= 0)
			r = bpffs_walk_since(fd, inst[i].mountpoint, pins_since(opts->registered_ns), NULL,
					     outside_visit, &scan);
		if (r != -ENOMEM)
			r = 0;
	}
	bpffs_instances_free(inst, n);
	return r;
}

static int explain_survivors(struct reap_result *res, const struct reap_opts *opts, const struct bpffs_views *views)
{
	int r;

	for (size_t i = 0; i < res->pins_left.n; i++) {
		struct reap_path *p = &res->pins_left.v[i];
		struct reap_object *o = reap_find_object(res, p->kind, p->id);

		if (o && !o->pinned_at) {
			o->pinned_at = strdup(p->path);
			if (!o->pinned_at)
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < res->attach_left.n; i++) {
		struct reap_path *p = &res->attach_left.v[i];
		struct reap_object *o = reap_find_object(res, p->kind, p->id);

		if (o && !o->attached_at) {
			o->attached_at = strdup(p->path);
			if (!o->attached_at)
				return -ENOMEM;
		}
	}
	r = find_pins_outside(res, opts, views);
	if (r < 0)
		return r;
	res->survivors = 0;
	for (size_t i = 0; i < res->n_objects; i++) {
		struct reap_object *o = &res->objects[i];

		if (o->kept && !o->freed)
			o->freed = obj_alive(o->kind, o->id) == 0;
		if (o->freed || o->kept)
			continue;
		res->survivors++;
		o->survivor_reason = o->pinned_at ? "still pinned" : o->attached_at ? "still attached" : NULL;
	}
	return name_holders(res);
}

int reap(const struct record_list *records, const struct reap_opts *opts, struct reap_result *ret)
{
	struct reap_result res = {};
	struct bpffs_views views = {};
	struct pin_scan scan = {};
	uint64_t phase;
	int r;

	res.flags = records->cg.flags;
	res.dropped_freed = records->cg.freed_objs + records->compacted;
	res.dropped_names = records->cg.removed_names;
	r = collect_objects(records, &res);
	if (r == 0)
		pinned_not_created(records, &res);
	/* Only what the container could write: its writable bpffs binds. */
	if (r == 0)
		r = bpffs_views_of(opts->binds, opts->own_bpffs, &views);
	res.views_refused = views.refused;
	/* Pins can only exist if the container pinned something (or the record
	 * overflowed): otherwise there is nothing to look for. Found before
	 * anything is detached: a kept pin keeps what it holds attached. */
	if (r == 0 && res.n_objects > 0 && (res.pins_recorded > 0 || (res.flags & CG_OVERFLOW_OBJ))) {
		uint64_t start = now_us();

		scan = (struct pin_scan){ .res = &res, .opts = opts };
		r = find_recorded_pins(records, &res, opts, &views, &scan);
		res.scan_us = now_us() - start;
		if (r == 1) {
			res.pins_from_record = true;
			r = 0;
		} else if (r == 0) {
			r = find_pins(&res, opts, &views, &scan);
		}
	}
	crashpoint("pins-found");
	if (r == 0)
		keep_programs_of_kept_links(&res);
	phase = now_us();
	if (r == 0 && opts->remove)
		detach_links(&res);
	/* Attachments next: detach before unpin, so that unpinning frees. */
	if (r == 0)
		r = detach_cgroup_attachments(records, &res, opts->remove);
	if (r == 0)
		r = detach_netdev_attachments(&res, opts->remove);
	if (r == 0)
		r = detach_netns_attachments(&res, opts->remove);
	if (r == 0)
		r = detach_sockmap_attachments(&res, opts->remove);
	res.detach_us = now_us() - phase;
	phase = now_us();
	if (r == 0)
		r = unpin(&res, opts, &scan);
	res.unpin_us = now_us() - phase;
	phase = now_us();
	if (r == 0)
		r = remove_symlinks(records, &res, opts, &views);
	if (r == 0)
		r = remove_dirs(records, &res, opts, &views);
	res.dirs_us = now_us() - phase;
	if (r == 0)
		wait_freed(&res, opts->remove ? opts->wait_ms : 0);
	phase = now_us();
	if (r == 0)
		r = explain_survivors(&res, opts, &views);
	res.explain_us = now_us() - phase;
	pin_scan_done(&scan);
	bpffs_views_done(&views);
	if (r < 0) {
		reap_result_done(&res);
		return r;
	}
	*ret = res;
	return 0;
}
