// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Chooses the tracer's backend, loads its skeleton and keeps it alive
 * through pinned links in the private bpffs, so later prestarts only touch
 * the pinned maps (no program load, no vmlinux BTF parse). One loader
 * serves both skeletons; what differs between them is in `backends`.
 * Never touches a pin outside the tracer's own directory.
 */
#include "tracer-load.h"
#include "enumtab.h"
#include "../bpf/record.h"
#include "store-rundir.h"
#include "util.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "tracepoint.skel.h"
#include "trampoline.skel.h"

int tracer_records_map_create(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bpfreaper_rec", sizeof(record_key_t), sizeof(struct record),
			    MAX_RECORDS_PER_CGROUP, &opts);
	return fd < 0 ? -errno : fd;
}

const char *const tracer_backend_names[TRACER_BACKEND_TRACEPOINT + 1] = {
	[TRACER_BACKEND_AUTO] = "auto",
	[TRACER_BACKEND_TRAMPOLINE] = "trampoline",
	[TRACER_BACKEND_TRACEPOINT] = "tracepoint",
};

const char *tracer_backend_name(enum tracer_backend b)
{
	return ENUM_NAME(tracer_backend_names, b, "unknown");
}

int tracer_backend_parse(const char *s, enum tracer_backend *ret)
{
	int v = ENUM_PARSE(tracer_backend_names, s);

	if (v < 0)
		return v;
	*ret = (enum tracer_backend)v;
	return 0;
}

/*
 * The trampoline backend reads the arguments of kernel functions whose
 * prototypes are not ABI. A fentry program loads even when an argument
 * changed type (do_mkdirat took a user pointer before 5.15), and would then
 * record nothing; so the prototypes are checked in the running kernel's BTF
 * first, and a mismatch makes the tracer fall back to tracepoints.
 */
struct want_param {
	const char *func;
	unsigned int index;
	bool pointer; /* a pointer to the named struct, else the named typedef */
	const char *type;
};

static const struct want_param wanted[] = {
	{ "__sys_bpf", 1, false, "bpfptr_t" },
	{ "do_mkdirat", 0, false, "int" },
	{ "do_mkdirat", 1, true, "filename" },
	{ "do_symlinkat", 0, true, "filename" },
	{ "do_symlinkat", 1, false, "int" },
	{ "do_symlinkat", 2, true, "filename" },
	{ "do_rmdir", 0, false, "int" },
	{ "do_rmdir", 1, true, "filename" },
	{ "do_unlinkat", 0, false, "int" },
	{ "do_unlinkat", 1, true, "filename" },
	{ "filp_close", 0, true, "file" },
};

/* The name of type id, through pointers (if pointer) and qualifiers. */
static const char *param_type_name(const struct btf *btf, __u32 id, bool pointer)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	if (pointer) {
		if (!t || !btf_is_ptr(t))
			return NULL;
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t)))
		t = btf__type_by_id(btf, t->type);
	return t ? btf__name_by_offset(btf, t->name_off) : NULL;
}

static int check_param(const struct btf *btf, const struct want_param *w, struct br_error *err)
{
	const struct btf_type *func, *proto;
	int id;

	id = btf__find_by_name_kind(btf, w->func, BTF_KIND_FUNC);
	if (id < 0)
		return br_error_set(err, -ENOENT, BR_STEP_TRACER_PROBE, "%s: not in this kernel", w->func);
	func = btf__type_by_id(btf, id);
	proto = func ? btf__type_by_id(btf, func->type) : NULL;
	if (proto && btf_is_func_proto(proto) && btf_vlen(proto) > w->index) {
		const struct btf_param *params = btf_params(proto);
		const char *name = param_type_name(btf, params[w->index].type, w->pointer);

		if (name && streq(name, w->type))
			return 0;
	}
	return br_error_set(err, -EPROTO, BR_STEP_TRACER_PROBE, "%s: other arguments on this kernel", w->func);
}

int kprotos_check_btf(const struct btf *btf, struct br_error *err)
{
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(wanted) && r == 0; i++)
		r = check_param(btf, &wanted[i], err);
	return r;
}

int kprotos_check(struct br_error *err, bool *ret_filp_flush)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int r;

	if (!btf)
		return br_error_errno(err, negative_errno(), BR_STEP_TRACER_PROBE, "vmlinux BTF");
	r = kprotos_check_btf(btf, err);
	/* Since 6.7 close(2) flushes and puts the file itself (filp_flush,
	 * __fput_sync) instead of calling filp_close, which the exit of a
	 * process still calls; filp_close calls filp_flush. */
	*ret_filp_flush = btf__find_by_name_kind(btf, "filp_flush", BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return r;
}

#define STR_(x) #x
#define STR(x) STR_(x)
/* bpffs refuses names with a dot (reserved for its preloaded files). */
#define TRACER_DIR "tracer_v" STR(TRACER_LAYOUT_VERSION)
#define TRACER_TMP_DIR TRACER_DIR "_tmp"
/* Links are pinned as LINK_PREFIX + program name; this one exists only when
 * the trampoline backend is loaded. */
#define LINK_PREFIX "link_"
#define TRAMPOLINE_MARKER LINK_PREFIX "fexit_sys_bpf"

static int tracer_dir(const struct rundir *rd, const char *name, char *buf, size_t size)
{
	char bpffs[PATH_MAX];
	int r = rundir_bpffs(rd, bpffs, sizeof(bpffs), 0);

	if (r < 0)
		return r;
	return path_join(buf, size, bpffs, name);
}

static int pin_path(const char *dir, const char *prefix, const char *name, char *buf, size_t size)
{
	return path_printf(buf, size, "%s/%s%s", dir, prefix, name);
}

/* A tracer pinned by another build of bpfreaper may lay records out
 * differently: refuse it rather than misread it. */
static int check_layout(int map_fd, uint32_t key_size, uint32_t value_size)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(map_fd, &info, &len) < 0)
		return -errno;
	return info.key_size == key_size && info.value_size == value_size ? 0 : -EPROTO;
}

/* The maps user space shares with the programs, pinned by these names. */
static int *shared_map_fd(struct tracer *t, size_t i, const char **ret_name)
{
	static const char *const names[] = { "cgroups", "records", "slot_maps", "free_slots", "compacted", "first", "pool", "spill" };

	if (i >= ARRAY_SIZE(names))
		return NULL;
	*ret_name = names[i];
	switch (i) {
	case 0:
		return &t->cgroups_fd;
	case 1:
		return &t->records_fd;
	case 2:
		return &t->slots_fd;
	case 3:
		return &t->free_fd;
	case 4:
		return &t->compacted_fd;
	case 5:
		return &t->first_fd;
	case 6:
		return &t->pool_fd;
	default:
		return &t->spill_fd;
	}
}

static bool is_shared_map(const char *name)
{
	struct tracer t = TRACER_INIT;
	const char *n;

	for (size_t i = 0; shared_map_fd(&t, i, &n); i++)
		if (streq(n, name))
			return true;
	return false;
}

int tracer_open(const struct rundir *rd, struct tracer *ret)
{
	struct tracer t = TRACER_INIT;
	char dir[PATH_MAX], path[PATH_MAX];
	const char *name;
	int r, *fd;

	r = tracer_dir(rd, TRACER_DIR, dir, sizeof(dir));
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && (fd = shared_map_fd(&t, i, &name)); i++) {
		r = pin_path(dir, "", name, path, sizeof(path));
		if (r == 0) {
			*fd = bpf_obj_get(path);
			r = *fd < 0 ? -errno : 0;
		}
	}
	if (r == 0)
		r = check_layout(t.cgroups_fd, sizeof(uint64_t), sizeof(struct cg_state));
	if (r == 0)
		r = check_layout(t.records_fd, sizeof(uint32_t), sizeof(uint32_t));
	if (r == 0)
		r = check_layout(t.slots_fd, sizeof(uint32_t), sizeof(uint32_t));
	if (r == 0)
		r = check_layout(t.compacted_fd, sizeof(uint64_t), sizeof(struct compacted));
	if (r == 0)
		r = check_layout(t.first_fd, sizeof(struct first_key), sizeof(struct record));
	if (r == 0)
		r = check_layout(t.spill_fd, sizeof(struct first_key), sizeof(struct record));
	if (r == 0)
		r = check_layout(t.pool_fd, sizeof(uint32_t), sizeof(uint64_t));
	if (r == 0)
		r = pin_path(dir, "", TRAMPOLINE_MARKER, path, sizeof(path));
	if (r < 0) {
		tracer_close(&t);
		return r;
	}
	t.backend = access(path, F_OK) == 0 ? TRACER_BACKEND_TRAMPOLINE : TRACER_BACKEND_TRACEPOINT;
	*ret = t;
	return 0;
}

void tracer_close(struct tracer *t)
{
	const char *name;
	int *fd;

	for (size_t i = 0; (fd = shared_map_fd(t, i, &name)); i++) {
		closep(fd);
		*fd = -EBADF;
	}
}

/* Removes every pin in a tracer directory, then the directory: unpinning the
 * links detaches the programs. */
static int remove_tracer_dir(const char *dir)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
				return -errno;
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* libbpf finds tracepoint ids in tracefs; hosts run by systemd mount it,
 * minimal ones may not. */
static int ensure_tracefs(void)
{
	struct statfs sfs;

	if (access("/sys/kernel/tracing/events/syscalls", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events/syscalls", F_OK) == 0)
		return 0;
	if (statfs("/sys/kernel/tracing", &sfs) < 0)
		return -errno;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return -errno;
	return access("/sys/kernel/tracing/events/syscalls", F_OK) == 0 ? 0 : -ENOSYS;
}

/* A tracepoint ("group/event") exists on this kernel. */
static bool event_exists(const char *event)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s", event);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s", event);
	return access(path, F_OK) == 0;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("BPFREAPER_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int set_autoload(struct bpf_object *obj, const char *prog, bool on, struct br_error *err)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	int r = p ? bpf_program__set_autoload(p, on) : -ENOENT;

	return r < 0 ? br_error_errno(err, r, BR_STEP_TRACER_LOAD, prog) : 0;
}

/* Tracepoint programs whose event this kernel may lack: the loader leaves
 * them out when it does. */
static const struct {
	const char *event;
	const char *progs[2];
} optional_tracepoints[] = {
	/* arm64 and newer arches have only mkdirat and symlinkat. */
	{ "syscalls/sys_enter_mkdir", { "enter_mkdir_legacy", "exit_mkdir_legacy" } },
	{ "syscalls/sys_enter_symlink", { "enter_symlink_legacy", "exit_symlink_legacy" } },
	{ "syscalls/sys_enter_rmdir", { "enter_rmdir", "exit_rmdir" } },
	{ "syscalls/sys_enter_unlink", { "enter_unlink", "exit_unlink" } },
	/* A kernel without io_uring has nothing to detect. */
	{ "io_uring/io_uring_submit_req", { "io_uring_submit" } },
	{ "io_uring/io_uring_submit_sqe", { "io_uring_submit_old" } },
};

static int choose_tracepoint_progs(struct bpf_object *obj, struct br_error *err)
{
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(optional_tracepoints) && r == 0; i++) {
		if (event_exists(optional_tracepoints[i].event))
			continue;
		for (size_t p = 0; p < ARRAY_SIZE(optional_tracepoints[i].progs) && r == 0; p++)
			if (optional_tracepoints[i].progs[p])
				r = set_autoload(obj, optional_tracepoints[i].progs[p], false, err);
	}
	return r;
}

/* Only where the kernel's prototypes are the ones the programs read. */
static int choose_trampoline_progs(struct bpf_object *obj, struct br_error *err)
{
	bool filp_flush = false;
	int r = kprotos_check(err, &filp_flush);

	/* Where every close of a file passes: one of the two, never both. */
	if (r == 0)
		r = set_autoload(obj, filp_flush ? "enter_filp_close" : "enter_filp_flush", false, err);
	return r;
}

/* Each generated skeleton has its own open and destroy; the rest goes
 * through its struct bpf_object_skeleton. */
#define SKEL_OPS(name)                                                        \
	static void *open_##name(struct bpf_object_skeleton **ret)            \
	{                                                                     \
		struct name##_bpf *skel = name##_bpf__open();                 \
                                                                              \
		if (skel)                                                     \
			*ret = skel->skeleton;                                \
		return skel;                                                  \
	}                                                                     \
	static void destroy_##name(void *skel)                                \
	{                                                                     \
		name##_bpf__destroy(skel);                                    \
	}

SKEL_OPS(tracepoint)
SKEL_OPS(trampoline)

/* What differs between the backends' skeletons. */
struct backend_def {
	/* Opens the skeleton (NULL, errno set, on failure). */
	void *(*open)(struct bpf_object_skeleton **ret);
	void (*destroy)(void *skel);
	/* Leaves out the programs this kernel cannot run. */
	int (*choose_progs)(struct bpf_object *obj, struct br_error *err);
	bool needs_tracefs; /* to attach (libbpf reads tracepoint ids there) */
};

static const struct backend_def backends[] = {
	[TRACER_BACKEND_TRAMPOLINE] = { open_trampoline, destroy_trampoline, choose_trampoline_progs, false },
	[TRACER_BACKEND_TRACEPOINT] = { open_tracepoint, destroy_tracepoint, choose_tracepoint_progs, true },
};

struct skel {
	const struct backend_def *def;
	void *skel;
	struct bpf_object_skeleton *s;
};

static void skel_destroy(struct skel *k)
{
	if (k->skel)
		k->def->destroy(k->skel);
	k->skel = NULL;
}

/* Backend b's skeleton, opened and loaded (not attached). */
static int skel_load(enum tracer_backend b, struct skel *ret, struct br_error *err)
{
	const char *name = tracer_backend_name(b);
	_cleanup_close_ int template = -EBADF;
	struct skel k = { .def = &backends[b] };
	int r;

	libbpf_set_print(silent_print);
	k.skel = k.def->open(&k.s);
	if (!k.skel || !k.s) {
		r = -errno;
		if (r >= 0)
			r = -EIO;
		br_error_set(err, r, BR_STEP_TRACER_LOAD, "%s programs: open: %s", name, strerror(-r));
		return r;
	}
	r = k.def->choose_progs(*k.s->obj, err);
	/* The loader needs one records map to learn their shape from; it
	 * reads the fd at load, so it is closed after loading. */
	if (r == 0) {
		struct bpf_map *records = bpf_object__find_map_by_name(*k.s->obj, "records");

		template = tracer_records_map_create();
		r = !records ? -ENOENT : template < 0 ? template : bpf_map__set_inner_map_fd(records, template);
		if (r < 0)
			br_error_errno(err, r, BR_STEP_TRACER_LOAD, "the records map template");
	}
	if (r == 0) {
		r = bpf_object__load_skeleton(k.s);
		if (r < 0)
			br_error_set(err, r, BR_STEP_TRACER_LOAD, "%s programs: load: %s", name, strerror(-r));
	}
	if (r < 0) {
		skel_destroy(&k);
		return r;
	}
	*ret = k;
	return 0;
}

/* The shared maps and every attached program's link, whatever the backend. */
static int pin_skeleton(const struct bpf_object_skeleton *s, const char *dir, struct br_error *err)
{
	char path[PATH_MAX];
	int r = 0;

	for (int i = 0; i < s->map_cnt && r == 0; i++) {
		const char *name = s->maps[i].name;

		if (!is_shared_map(name))
			continue; /* private to the programs */
		r = pin_path(dir, "", name, path, sizeof(path));
		if (r == 0)
			r = bpf_map__pin(*s->maps[i].map, path);
	}
	for (int i = 0; i < s->prog_cnt && r == 0; i++) {
		struct bpf_link *link = *s->progs[i].link;

		if (!link)
			continue; /* not loaded here, e.g. no mkdir(2) on arm64 */
		r = pin_path(dir, LINK_PREFIX, s->progs[i].name, path, sizeof(path));
		if (r == 0)
			r = bpf_link__pin(link, path);
	}
	return r < 0 ? br_error_errno(err, r, BR_STEP_TRACER_LOAD, "pin the tracer") : 0;
}

/* Loads, attaches and pins backend b into tmp, made empty first (a loader
 * killed half-way, or a backend that failed, leaves pins). */
static int load_into(const char *tmp, enum tracer_backend b, struct br_error *err)
{
	struct skel k = {};
	int r;

	r = remove_tracer_dir(tmp);
	if (r == 0 && mkdir(tmp, 0700) < 0)
		r = -errno;
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_TRACER_LOAD, tmp);
	if (backends[b].needs_tracefs) {
		r = ensure_tracefs();
		if (r < 0)
			return br_error_errno(err, r, BR_STEP_TRACER_LOAD, "mount tracefs");
	}
	r = skel_load(b, &k, err);
	if (r < 0)
		return r;
	r = bpf_object__attach_skeleton(k.s);
	if (r < 0)
		br_error_set(err, r, BR_STEP_TRACER_LOAD, "%s programs: attach: %s", tracer_backend_name(b),
			     strerror(-r));
	else
		r = pin_skeleton(k.s, tmp, err);
	skel_destroy(&k); /* the pins keep everything alive */
	return r;
}

int tracer_load(const struct rundir *rd, enum tracer_backend want, struct tracer *ret, struct br_error *err)
{
	struct br_error trampoline = BR_ERROR_INIT;
	char tmp[PATH_MAX], final[PATH_MAX];
	int r;

	r = tracer_open(rd, ret);
	if (r != -ENOENT)
		/* loaded meanwhile by another hook, or a real error */
		return r < 0 ? br_error_errno(err, r, BR_STEP_TRACER_OPEN, "the pinned tracer") : 0;

	r = tracer_dir(rd, TRACER_TMP_DIR, tmp, sizeof(tmp));
	if (r == 0)
		r = tracer_dir(rd, TRACER_DIR, final, sizeof(final));
	if (r == 0)
		r = remove_tracer_dir(final);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_TRACER_LOAD, "the tracer's directory");

	if (want == TRACER_BACKEND_AUTO) {
		r = load_into(tmp, TRACER_BACKEND_TRAMPOLINE, &trampoline);
		if (r < 0)
			r = load_into(tmp, TRACER_BACKEND_TRACEPOINT, err);
	} else {
		r = load_into(tmp, want, err);
	}
	/* The directory appears whole or not at all for tracer_open(). */
	if (r == 0 && rename(tmp, final) < 0)
		r = br_error_errno(err, -errno, BR_STEP_TRACER_LOAD, final);
	if (r < 0) {
		(void)remove_tracer_dir(tmp);
		return r;
	}
	r = tracer_open(rd, ret);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_TRACER_OPEN, final);
	if (ret->backend != TRACER_BACKEND_TRAMPOLINE)
		ret->trampoline_error = trampoline;
	return 0;
}

int tracer_open_or_load(const struct rundir *rd, enum tracer_backend want, struct tracer *t, bool *ret_loaded,
			struct br_error *err)
{
	char bpffs[PATH_MAX];
	int lock, r;

	*ret_loaded = false;
	lock = rundir_lock(rd, LOCK_SH);
	if (lock < 0)
		return br_error_errno(err, lock, BR_STEP_RUN_DIR, "lock");
	r = tracer_open(rd, t);
	if (r == 0)
		return lock;
	close(lock);
	if (r != -ENOENT)
		return br_error_errno(err, r, BR_STEP_TRACER_OPEN, "the pinned tracer");

	lock = rundir_lock(rd, LOCK_EX);
	if (lock < 0)
		return br_error_errno(err, lock, BR_STEP_RUN_DIR, "lock");
	r = rundir_bpffs(rd, bpffs, sizeof(bpffs), 1);
	if (r < 0)
		br_error_errno(err, r, BR_STEP_TRACER_LOAD, "the private bpffs");
	if (r == 0) {
		r = tracer_open(rd, t);
		if (r < 0 && r != -ENOENT)
			br_error_errno(err, r, BR_STEP_TRACER_OPEN, "the pinned tracer");
	}
	if (r == -ENOENT) {
		r = tracer_load(rd, want, t, err);
		*ret_loaded = r == 0;
	}
	if (r < 0) {
		close(lock);
		return r;
	}
	return lock;
}

int tracer_unload(const struct rundir *rd)
{
	_cleanup_close_ int cgroups_fd = -EBADF;
	char dir[PATH_MAX], path[PATH_MAX];
	uint64_t next;
	int r;

	r = tracer_dir(rd, TRACER_DIR, dir, sizeof(dir));
	if (r == 0)
		r = pin_path(dir, "", "cgroups", path, sizeof(path));
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	/* No layout check: a tracer of another build is unloaded all the same. */
	cgroups_fd = bpf_obj_get(path);
	if (cgroups_fd < 0)
		return errno == ENOENT ? remove_tracer_dir(dir) : -errno;
	if (bpf_map_get_next_key(cgroups_fd, NULL, &next) == 0)
		return -EBUSY;
	if (errno != ENOENT)
		return -errno;
	return remove_tracer_dir(dir);
}

int tracer_probe(enum tracer_backend b, struct br_error *err)
{
	struct skel k = {};
	int r;

	if (b != TRACER_BACKEND_TRAMPOLINE && b != TRACER_BACKEND_TRACEPOINT)
		return br_error_set(err, -EINVAL, BR_STEP_TRACER_PROBE, "backend %s", tracer_backend_name(b));
	r = skel_load(b, &k, err);
	skel_destroy(&k);
	return r;
}
