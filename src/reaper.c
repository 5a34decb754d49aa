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
#include "util.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int reap_path_add(struct path_list *l, const char *path, uint32_t kind, uint32_t id, int error,
			 const char *why)
{
	struct reap_path *nv;
	char *copy = strdup(path);

	if (!copy)
		return -ENOMEM;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	l->v = nv;
	l->v[l->n++] = (struct reap_path){ .path = copy, .kind = kind, .id = id, .error = error, .why = why };
	return 0;
}

static void path_list_done(struct path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void reap_result_done(struct reap_result *r)
{
	for (size_t i = 0; i < r->n_objects; i++) {
		free(r->objects[i].pinned_at);
		free(r->objects[i].attached_at);
	}
	free(r->objects);
	path_list_done(&r->pins_removed);
	path_list_done(&r->pins_kept);
	path_list_done(&r->pins_left);
	path_list_done(&r->dirs_removed);
	path_list_done(&r->dirs_left);
	path_list_done(&r->attach_detached);
	path_list_done(&r->symlinks_removed);
	path_list_done(&r->symlinks_left);
	path_list_done(&r->attach_left);
	memset(r, 0, sizeof(*r));
}

static int cmp_object(const void *a, const void *b)
{
	const struct reap_object *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

struct reap_object *reap_find_object(struct reap_result *res, uint32_t kind, uint32_t id)
{
	struct reap_object key = { .kind = kind, .id = id };

	return bsearch(&key, res->objects, res->n_objects, sizeof(key), cmp_object);
}

/* The container's objects, sorted and unique. */
static int collect_objects(const struct record_list *records, struct reap_result *res)
{
	size_t n = 0;

	res->objects = calloc(records->n + 1, sizeof(*res->objects));
	if (!res->objects)
		return -ENOMEM;
	for (size_t i = 0; i < records->n; i++) {
		const struct record *rec = &records->v[i];
		struct reap_object *o;

		if (rec->kind == REC_PIN)
			res->pins_recorded++;
		if (rec->kind != REC_CREATE || rec->obj_kind == OBJ_NONE || rec->obj_id == 0)
			continue;
		o = &res->objects[n++];
		o->kind = rec->obj_kind;
		o->id = rec->obj_id;
		o->type = rec->obj_type;
		o->pid = rec->pid;
		memcpy(o->comm, rec->comm, sizeof(o->comm));
		memcpy(o->name, rec->name, sizeof(o->name));
		o->comm[sizeof(o->comm) - 1] = o->name[sizeof(o->name) - 1] = '\0';
	}
	qsort(res->objects, n, sizeof(*res->objects), cmp_object);
	res->n_objects = 0;
	for (size_t i = 0; i < n; i++)
		if (res->n_objects == 0 || cmp_object(&res->objects[res->n_objects - 1], &res->objects[i]))
			res->objects[res->n_objects++] = res->objects[i];
	return 0;
}

/* Links first: a detached link no longer runs its program, whoever still
 * holds it. Kinds that cannot be detached are freed with their last pin. */
static void detach_links(struct reap_result *res)
{
	for (size_t i = 0; i < res->n_objects; i++) {
		struct reap_object *o = &res->objects[i];
		_cleanup_close_ int fd = -EBADF;

		if (o->kind != OBJ_LINK)
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

static const char *kept_by(const struct reap_opts *opts, const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts->keep); i++) {
		const char *rule = opts->keep[i] ? keep_rules_match(opts->keep[i], path) : NULL;

		if (rule)
			return rule;
	}
	return NULL;
}

struct scan_ctx {
	struct reap_result *res;
	const struct reap_opts *opts;
};

static int scan_visit(int dirfd, const char *name, const char *path, const struct stat *st, void *ud)
{
	struct scan_ctx *ctx = ud;
	_cleanup_close_ int fd = -EBADF;
	struct reap_object *o;
	const char *rule;
	uint32_t kind, id;

	if (!S_ISREG(st->st_mode))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0; /* not a pin we can open: not ours to judge */
	if (obj_identify(fd, &kind, &id) < 0)
		return 0;
	o = reap_find_object(ctx->res, kind, id);
	if (!o)
		return 0; /* someone else's object: never touched */
	rule = kept_by(ctx->opts, path);
	if (rule) {
		int r;

		o->kept = true;
		r = reap_path_add(&ctx->res->pins_kept, path, kind, id, 0, "keep rule");
		if (r == 0)
			ctx->res->pins_kept.v[ctx->res->pins_kept.n - 1].rule = rule;
		return r;
	}
	if (!ctx->opts->remove)
		return reap_path_add(&ctx->res->pins_left, path, kind, id, 0, "report mode");
	/* Unlink while holding an fd: our close, not an RCU callback, then
	 * drops what is likely the last reference. */
	if (unlinkat(dirfd, name, 0) < 0) {
		int err = -errno;

		if (err == -ENOENT)
			return 0;
		return reap_path_add(&ctx->res->pins_left, path, kind, id, err, "unlink failed");
	}
	crashpoint("pin-unlinked");
	return reap_path_add(&ctx->res->pins_removed, path, kind, id, 0, NULL);
}

static int unpin_all(struct reap_result *res, const struct reap_opts *opts)
{
	struct bpffs_instance *inst = NULL;
	struct scan_ctx ctx = { .res = res, .opts = opts };
	uint64_t start = now_us();
	size_t n = 0;
	int r;

	r = bpffs_instances(opts->own_bpffs, &inst, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = bpffs_walk(inst[i].mountpoint, scan_visit, &ctx);
		if (r == -ENOMEM)
			break;
		res->bpffs_scanned++;
		r = 0;
	}
	bpffs_instances_free(inst, n);
	res->scan_us = now_us() - start;
	return r;
}

/* Where a recorded mkdir landed on the host: an absolute container path
 * through the bundle's bind mounts; a relative one from the directory it was
 * relative to, found again by (device, inode). */
static int host_dir_of(const struct record *rec, const struct reap_opts *opts, char *buf, size_t size)
{
	char parent[PATH_MAX], joined[PATH_MAX];
	int r;

	if (!(rec->flags & REC_F_RELATIVE))
		return binds_translate(opts->binds, rec->path, buf, size);
	/* The kernel's dev_t is major << 20 | minor. */
	r = bpffs_find_dir(makedev(rec->parent_dev >> 20, rec->parent_dev & 0xfffff),
			   (ino_t)rec->parent_ino, parent, sizeof(parent));
	if (r < 0)
		return r;
	r = snprintf(joined, sizeof(joined), "%s/%s", parent, rec->path);
	if (r < 0 || (size_t)r >= sizeof(joined))
		return -ENAMETOOLONG;
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

/* statfs(2) follows a symlink: ask about the directory that holds it. */
static bool parent_is_bpffs(const char *path)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (!slash || n >= sizeof(parent))
		return false;
	memcpy(parent, path, n);
	parent[n] = '\0';
	return path_is_bpffs(n ? parent : "/");
}

/* Symlinks the container made on a bpffs (iproute2 makes ip -> tc/ and
 * xdp -> tc/). A symlink has no object id: it is removed only if it is
 * still a symlink whose target has the recorded start and length. */
static int remove_symlinks(const struct record_list *records, struct reap_result *res,
			   const struct reap_opts *opts)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < records->n; i++) {
		const struct record *rec = &records->v[i];
		char host[PATH_MAX], target[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (rec->kind != REC_SYMLINK || (rec->flags & REC_F_PATH_TRUNCATED))
			continue;
		if (host_dir_of(rec, opts, host, sizeof(host)) < 0 || !parent_is_bpffs(host))
			continue;
		if (lstat(host, &st) < 0 || !S_ISLNK(st.st_mode) || st.st_dev == opts->own_bpffs)
			continue;
		n = readlink(host, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if ((uint32_t)n != rec->obj_type ||
		    strncmp(target, rec->name, strnlen(rec->name, sizeof(rec->name))) != 0) {
			r = reap_path_add(&res->symlinks_left, host, 0, 0, 0, "points elsewhere now");
			continue;
		}
		if (kept_by(opts, host))
			r = reap_path_add(&res->symlinks_left, host, 0, 0, 0, "keep rule");
		else if (!opts->remove)
			r = reap_path_add(&res->symlinks_left, host, 0, 0, 0, "report mode");
		else if (unlink(host) == 0)
			r = reap_path_add(&res->symlinks_removed, host, 0, 0, 0, NULL);
		else if (errno != ENOENT)
			r = reap_path_add(&res->symlinks_left, host, 0, 0, -errno, "unlink failed");
	}
	return r;
}

/* Only directories the container itself created (mkdir succeeded, so they
 * did not exist before), only on a bpffs, only when empty: rmdir(2) refuses
 * anything else. Deepest first, so nested ones go before their parents. */
static int remove_dirs(const struct record_list *records, struct reap_result *res,
		       const struct reap_opts *opts)
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
		if (!path_is_bpffs(host))
			continue;
		paths[n] = strdup(host);
		if (!paths[n])
			goto nomem;
		n++;
	}
	qsort(paths, n, sizeof(*paths), cmp_depth_desc);
	for (size_t i = 0; i < n && r == 0; i++) {
		struct stat st;

		if (i > 0 && streq(paths[i], paths[i - 1]))
			continue;
		if (lstat(paths[i], &st) < 0 || !S_ISDIR(st.st_mode) || st.st_dev == opts->own_bpffs)
			continue;
		if (kept_by(opts, paths[i]))
			r = reap_path_add(&res->dirs_left, paths[i], 0, 0, 0, "keep rule");
		else if (!opts->remove)
			r = reap_path_add(&res->dirs_left, paths[i], 0, 0, 0, "report mode");
		else if (rmdir(paths[i]) == 0) {
			crashpoint("dir-removed");
			r = reap_path_add(&res->dirs_removed, paths[i], 0, 0, 0, NULL);
		} else if (errno != ENOENT)
			r = reap_path_add(&res->dirs_left, paths[i], 0, 0, -errno,
					  errno == ENOTEMPTY ? "not empty" : "rmdir failed");
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

static int explain_survivors(struct reap_result *res)
{
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
	int r;

	res.flags = records->cg.flags;
	r = collect_objects(records, &res);
	if (r == 0 && opts->remove)
		detach_links(&res);
	/* Attachments next: detach before unpin, so that unpinning frees. */
	if (r == 0)
		r = detach_cgroup_attachments(records, &res, opts->remove);
	if (r == 0)
		r = detach_netdev_attachments(&res, opts->remove);
	/* Pins can only exist if the container pinned something (or the record
	 * overflowed): otherwise there is nothing to look for. */
	if (r == 0 && res.n_objects > 0 && (res.pins_recorded > 0 || (res.flags & CG_OVERFLOW_OBJ)))
		r = unpin_all(&res, opts);
	if (r == 0)
		r = remove_symlinks(records, &res, opts);
	if (r == 0)
		r = remove_dirs(records, &res, opts);
	if (r == 0)
		wait_freed(&res, opts->remove ? opts->wait_ms : 0);
	if (r == 0)
		r = explain_survivors(&res);
	if (r < 0) {
		reap_result_done(&res);
		return r;
	}
	*ret = res;
	return 0;
}
