// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Loads a tracer skeleton (trampoline or tracepoint backend) and keeps it
 * alive through pinned links in the private bpffs, so later prestarts only
 * touch the pinned maps (no program load, no vmlinux BTF parse). Never
 * touches a pin outside that directory.
 */
#include "tracer.h"
#include "bpfobj.h"
#include "util.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "tracer.skel.h"
#include "trampoline.skel.h"
#include "kprotos.h"

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
	r = snprintf(buf, size, "%s/%s", bpffs, name);
	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
}

static int pin_path(const char *dir, const char *name, char *buf, size_t size)
{
	int r = snprintf(buf, size, "%s/%s", dir, name);

	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
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
	static const char *const names[] = { "cgroups", "records", "slot_maps", "free_slots", "compacted" };

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
	default:
		return &t->compacted_fd;
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
		r = pin_path(dir, name, path, sizeof(path));
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
		r = check_layout(t.compacted_fd, sizeof(uint32_t), sizeof(uint32_t));
	if (r == 0)
		r = pin_path(dir, TRAMPOLINE_MARKER, path, sizeof(path));
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

static bool tracepoint_exists(const char *syscall_event)
{
	char event[128];

	snprintf(event, sizeof(event), "syscalls/%s", syscall_event);
	return event_exists(event);
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("BPFREAPER_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* The shared maps and every attached program's link, whatever the backend. */
static int pin_skeleton(const struct bpf_object_skeleton *s, const char *dir)
{
	char path[PATH_MAX];
	int r;

	for (int i = 0; i < s->map_cnt; i++) {
		const char *name = s->maps[i].name;

		if (!is_shared_map(name))
			continue; /* private to the programs */
		r = pin_path(dir, name, path, sizeof(path));
		if (r == 0)
			r = bpf_map__pin(*s->maps[i].map, path);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_link *link = *s->progs[i].link;
		int n;

		if (!link)
			continue; /* not loaded here, e.g. no mkdir(2) on arm64 */
		n = snprintf(path, sizeof(path), "%s/" LINK_PREFIX "%s", dir, s->progs[i].name);
		if (n < 0 || (size_t)n >= sizeof(path))
			return -ENAMETOOLONG;
		r = bpf_link__pin(link, path);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The container's own records map, as bpf/record.bpf.h declares it. */
static int create_records_map(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bpfreaper_rec", sizeof(record_key_t), sizeof(struct record),
			    MAX_RECORDS_PER_CGROUP, &opts);
	return fd < 0 ? -errno : fd;
}

/* The loader needs one records map to learn their shape from; it reads the
 * fd at load, so the caller closes *ret_fd after loading. */
static int set_records_template(struct bpf_map *records, int *ret_fd)
{
	int fd = create_records_map();

	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return bpf_map__set_inner_map_fd(records, fd);
}

/* The tracepoint skeleton, loaded; else NULL, with the -errno in *ret_err
 * and why not in why. */
static struct tracer_bpf *load_tracepoint_skel(int *ret_err, char *why, size_t len)
{
	struct tracer_bpf *skel;
	int template = -EBADF;
	int r;

	libbpf_set_print(silent_print);
	skel = tracer_bpf__open();
	if (!skel) {
		*ret_err = negative_errno();
		snprintf(why, len, "open: %s", strerror(-*ret_err));
		return NULL;
	}
	/* arm64 and newer arches have only mkdirat and symlinkat. */
	if (!tracepoint_exists("sys_enter_mkdir")) {
		bpf_program__set_autoload(skel->progs.enter_mkdir_legacy, false);
		bpf_program__set_autoload(skel->progs.exit_mkdir_legacy, false);
	}
	if (!tracepoint_exists("sys_enter_symlink")) {
		bpf_program__set_autoload(skel->progs.enter_symlink_legacy, false);
		bpf_program__set_autoload(skel->progs.exit_symlink_legacy, false);
	}
	if (!tracepoint_exists("sys_enter_rmdir")) {
		bpf_program__set_autoload(skel->progs.enter_rmdir, false);
		bpf_program__set_autoload(skel->progs.exit_rmdir, false);
	}
	if (!tracepoint_exists("sys_enter_unlink")) {
		bpf_program__set_autoload(skel->progs.enter_unlink, false);
		bpf_program__set_autoload(skel->progs.exit_unlink, false);
	}
	/* A kernel without io_uring has nothing to detect. */
	if (!event_exists("io_uring/io_uring_submit_req"))
		bpf_program__set_autoload(skel->progs.io_uring_submit, false);
	if (!event_exists("io_uring/io_uring_submit_sqe"))
		bpf_program__set_autoload(skel->progs.io_uring_submit_old, false);
	r = set_records_template(skel->maps.records, &template);
	if (r == 0)
		r = tracer_bpf__load(skel);
	closep(&template);
	if (r < 0) {
		snprintf(why, len, "load: %s", strerror(-r));
		tracer_bpf__destroy(skel);
		*ret_err = r;
		return NULL;
	}
	return skel;
}

/* The trampoline skeleton, loaded, if the kernel's prototypes are the ones
 * it reads and the kernel allows trampolines; else NULL, with the -errno in
 * *ret_err and why not in why. */
static struct trampoline_bpf *load_trampoline_skel(int *ret_err, char *why, size_t len)
{
	struct trampoline_bpf *skel;
	int template = -EBADF;
	const char *func;
	bool filp_flush = false;
	int r;

	r = kprotos_check(&func, &filp_flush);
	if (r < 0) {
		snprintf(why, len, "%s: %s", func,
			 r == -EPROTO ? "other arguments on this kernel" : strerror(-r));
		*ret_err = r;
		return NULL;
	}
	libbpf_set_print(silent_print);
	skel = trampoline_bpf__open();
	if (!skel) {
		*ret_err = negative_errno();
		snprintf(why, len, "open: %s", strerror(-*ret_err));
		return NULL;
	}
	/* Where every close of a file passes: one of the two, never both. */
	bpf_program__set_autoload(filp_flush ? skel->progs.enter_filp_close : skel->progs.enter_filp_flush, false);
	r = set_records_template(skel->maps.records, &template);
	if (r == 0)
		r = trampoline_bpf__load(skel);
	closep(&template);
	if (r < 0) {
		snprintf(why, len, "load: %s", strerror(-r));
		trampoline_bpf__destroy(skel);
		*ret_err = r;
		return NULL;
	}
	return skel;
}

/* Each loader loads, attaches and pins its backend into dir (empty). */
static int load_trampoline(const char *dir, char *why, size_t len)
{
	struct trampoline_bpf *skel;
	int r = -EIO;

	skel = load_trampoline_skel(&r, why, len);
	if (!skel)
		return r;
	r = trampoline_bpf__attach(skel);
	if (r < 0)
		snprintf(why, len, "attach: %s", strerror(-r));
	if (r == 0)
		r = pin_skeleton(skel->skeleton, dir);
	trampoline_bpf__destroy(skel); /* the pins keep everything alive */
	return r;
}

static int load_tracepoint(const char *dir, char *why, size_t len)
{
	struct tracer_bpf *skel;
	int r;

	r = ensure_tracefs();
	if (r < 0)
		return r;
	skel = load_tracepoint_skel(&r, why, len);
	if (!skel)
		return r;
	r = tracer_bpf__attach(skel);
	if (r == 0)
		r = pin_skeleton(skel->skeleton, dir);
	tracer_bpf__destroy(skel);
	return r;
}

static int load_into(const char *tmp, enum tracer_backend b, char *why, size_t len)
{
	int r;

	/* A loader killed half-way, or a backend that failed, leaves pins. */
	r = remove_tracer_dir(tmp);
	if (r < 0)
		return r;
	if (mkdir(tmp, 0700) < 0)
		return -errno;
	return b == TRACER_BACKEND_TRAMPOLINE ? load_trampoline(tmp, why, len) : load_tracepoint(tmp, why, len);
}

int tracer_load(const struct rundir *rd, enum tracer_backend want, struct tracer *ret)
{
	char tmp[PATH_MAX], final[PATH_MAX], why[sizeof(ret->trampoline_error)] = "";
	int r;

	r = tracer_open(rd, ret);
	if (r != -ENOENT)
		return r; /* loaded meanwhile by another hook, or a real error */

	r = tracer_dir(rd, TRACER_TMP_DIR, tmp, sizeof(tmp));
	if (r == 0)
		r = tracer_dir(rd, TRACER_DIR, final, sizeof(final));
	if (r == 0)
		r = remove_tracer_dir(final);
	if (r < 0)
		return r;

	if (want != TRACER_BACKEND_TRACEPOINT) {
		r = load_into(tmp, TRACER_BACKEND_TRAMPOLINE, why, sizeof(why));
		if (r < 0 && !*why)
			snprintf(why, sizeof(why), "%s", strerror(-r));
		if (r < 0 && want == TRACER_BACKEND_AUTO)
			r = load_into(tmp, TRACER_BACKEND_TRACEPOINT, NULL, 0);
	} else {
		r = load_into(tmp, TRACER_BACKEND_TRACEPOINT, NULL, 0);
	}
	/* The directory appears whole or not at all for tracer_open(). */
	if (r == 0 && rename(tmp, final) < 0)
		r = -errno;
	if (r < 0) {
		(void)remove_tracer_dir(tmp);
		return r;
	}
	r = tracer_open(rd, ret);
	if (r == 0 && ret->backend != TRACER_BACKEND_TRAMPOLINE)
		snprintf(ret->trampoline_error, sizeof(ret->trampoline_error), "%s", why);
	return r;
}

/* Opens the running tracer, loading it first if there is none. Returns the
 * lock fd: shared normally, exclusive if this call loaded the tracer. */
int tracer_open_or_load(const struct rundir *rd, enum tracer_backend want, struct tracer *t,
			bool *ret_loaded)
{
	char bpffs[PATH_MAX];
	int lock, r;

	*ret_loaded = false;
	lock = rundir_lock(rd, LOCK_SH);
	if (lock < 0)
		return lock;
	r = tracer_open(rd, t);
	if (r == 0)
		return lock;
	close(lock);
	if (r != -ENOENT)
		return r;

	lock = rundir_lock(rd, LOCK_EX);
	if (lock < 0)
		return lock;
	r = rundir_bpffs(rd, bpffs, sizeof(bpffs), 1);
	if (r == 0)
		r = tracer_open(rd, t);
	if (r == -ENOENT) {
		r = tracer_load(rd, want, t);
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
		r = pin_path(dir, "cgroups", path, sizeof(path));
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

/* Empties a records map. Keys are collected first: a walk restarts from
 * the first bucket after its previous key is deleted. */
static int clear_records(int fd)
{
	_cleanup_free_ record_key_t *keys = calloc(MAX_RECORDS_PER_CGROUP + 1, sizeof(*keys));
	record_key_t *prev = NULL;
	size_t n = 0;

	if (!keys)
		return -ENOMEM;
	while (n <= MAX_RECORDS_PER_CGROUP && bpf_map_get_next_key(fd, prev, &keys[n]) == 0) {
		prev = &keys[n];
		n++;
	}
	if (n <= MAX_RECORDS_PER_CGROUP && errno != ENOENT)
		return -errno;
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &keys[i]) < 0 && errno != ENOENT)
			return -errno;
	return 0;
}

/* The records map in a slot; -ENOENT for an empty slot. */
static int open_slot(const struct tracer *t, uint32_t slot)
{
	uint32_t id = 0;
	int fd;

	if (bpf_map_lookup_elem(t->slots_fd, &slot, &id) < 0)
		return -errno;
	if (!id)
		return -ENOENT;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

/* Puts a new records map in an empty slot: the one update of `records`
 * that waits for an RCU grace period, once per slot ever used. */
static int fill_slot(const struct tracer *t, uint32_t slot)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info), fd;
	_cleanup_close_ int own = create_records_map();

	if (own < 0)
		return own;
	if (bpf_obj_get_info_by_fd(own, &info, &len) < 0)
		return -errno;
	fd = (uint32_t)own;
	if (bpf_map_update_elem(t->records_fd, &slot, &fd, BPF_ANY) < 0)
		return -errno;
	if (bpf_map_update_elem(t->slots_fd, &slot, &info.id, BPF_ANY) < 0)
		return -errno;
	return 0;
}

/* A slot for a new registration, its records map emptied: one a
 * forgotten container freed, else the first that has no map yet (slots
 * are filled from 0 up, under the slots lock). */
static int claim_slot(const struct tracer *t, uint32_t *ret)
{
	_cleanup_close_ int own = -EBADF;
	uint32_t slot = 0; /* the kernel fills it in; valgrind does not model that */
	int r;

	if (bpf_map_lookup_and_delete_elem(t->free_fd, NULL, &slot) == 0) {
		own = open_slot(t, slot);
	} else if (errno == ENOENT) {
		for (slot = 0; slot < MAX_REGISTERED_CGROUPS; slot++) {
			own = open_slot(t, slot);
			if (own >= 0) {
				closep(&own);
				continue; /* filled, and someone's: not on the stack */
			}
			if (own != -ENOENT)
				return own;
			r = fill_slot(t, slot);
			if (r < 0)
				return r;
			own = open_slot(t, slot);
			break;
		}
		if (slot == MAX_REGISTERED_CGROUPS)
			return -ENOSPC;
	} else {
		return -errno;
	}
	if (own < 0)
		return own;
	/* A container whose poststop died before clearing it. */
	r = clear_records(own);
	if (r < 0)
		return r;
	if (bpf_map_update_elem(t->compacted_fd, &slot, &(uint32_t){ 0 }, BPF_ANY) < 0)
		return -errno;
	*ret = slot;
	return 0;
}

int tracer_register(const struct tracer *t, uint64_t cgroup_id, const struct tracer_views *views)
{
	struct cg_state st = {};
	struct timespec ts;
	int r;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	st.registered_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (size_t i = 0; views && i < views->n; i++) {
		if (st.n_views >= CG_VIEWS_MAX || copy_str(st.views[st.n_views], CG_VIEW_LEN, views->v[i]) < 0) {
			st.flags |= CG_VIEWS_ALL;
			break;
		}
		/* "/" is the empty prefix: every absolute name is under it. */
		if (streq(views->v[i], "/"))
			st.views[st.n_views][0] = '\0';
		st.n_views++;
	}
	if (views && views->all)
		st.flags |= CG_VIEWS_ALL;
	if (bpf_map_lookup_elem(t->cgroups_fd, &cgroup_id, &(struct cg_state){}) == 0)
		return -EEXIST;
	r = claim_slot(t, &st.slot);
	if (r < 0)
		return r;
	/* The tracer records for the cgroup from this update on. */
	if (bpf_map_update_elem(t->cgroups_fd, &cgroup_id, &st, BPF_NOEXIST) < 0) {
		r = -errno;
		(void)bpf_map_update_elem(t->free_fd, NULL, &st.slot, BPF_ANY); /* unused after all */
		return r;
	}
	return 0;
}

int tracer_trim_slots(const struct tracer *t, size_t keep, size_t *ret_freed)
{
	uint32_t slot = 0; /* the kernel fills it in; valgrind does not model that */
	size_t kept = 0;
	_cleanup_free_ uint32_t *spare = calloc(keep + 1, sizeof(*spare));

	*ret_freed = 0;
	if (!spare)
		return -ENOMEM;
	while (bpf_map_lookup_and_delete_elem(t->free_fd, NULL, &slot) == 0) {
		uint32_t none = 0;

		if (kept < keep) {
			spare[kept++] = slot;
			continue;
		}
		/* The records map goes with its slot; the next registration
		 * that needs one pays the grace period again. */
		if (bpf_map_delete_elem(t->records_fd, &slot) < 0 && errno != ENOENT)
			return -errno;
		if (bpf_map_update_elem(t->slots_fd, &slot, &none, BPF_ANY) < 0)
			return -errno;
		(*ret_freed)++;
	}
	if (errno != ENOENT)
		return -errno;
	for (size_t i = 0; i < kept; i++)
		if (bpf_map_update_elem(t->free_fd, NULL, &spare[i], BPF_ANY) < 0)
			return -errno;
	return 0;
}

int tracer_unregister(const struct tracer *t, uint64_t cgroup_id)
{
	struct cg_state st;

	if (bpf_map_lookup_elem(t->cgroups_fd, &cgroup_id, &st) < 0)
		return -errno;
	if (bpf_map_delete_elem(t->cgroups_fd, &cgroup_id) < 0)
		return -errno;
	/* Killed right here, the slot is never reused (its memory stays until
	 * the tracer is unloaded); pushed twice is impossible: the delete
	 * above succeeds once. */
	if (bpf_map_update_elem(t->free_fd, NULL, &st.slot, BPF_ANY) < 0)
		return -errno;
	return 0;
}

int tracer_cgroup_state(const struct tracer *t, uint64_t cgroup_id, struct cg_state *ret)
{
	if (bpf_map_lookup_elem(t->cgroups_fd, &cgroup_id, ret) < 0)
		return -errno;
	return 0;
}

int tracer_list_registered(const struct tracer *t, uint64_t **ret_ids, size_t *ret_n)
{
	_cleanup_free_ uint64_t *ids = NULL;
	uint64_t key, next;
	size_t n = 0;
	void *prev = NULL;

	ids = calloc(MAX_REGISTERED_CGROUPS, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	while (n < MAX_REGISTERED_CGROUPS && bpf_map_get_next_key(t->cgroups_fd, prev, &next) == 0) {
		ids[n++] = next;
		key = next;
		prev = &key;
	}
	if (errno != ENOENT && n < MAX_REGISTERED_CGROUPS)
		return -errno;
	*ret_ids = TAKE_PTR(ids);
	*ret_n = n;
	return 0;
}

int tracer_count_registered(const struct tracer *t, size_t *ret)
{
	uint64_t next;

	/* Existence of a first key is all the unload decision needs. */
	if (bpf_map_get_next_key(t->cgroups_fd, NULL, &next) == 0) {
		*ret = 1;
		return 0;
	}
	if (errno != ENOENT)
		return -errno;
	*ret = 0;
	return 0;
}

/* Every record of a records map, with its key. The map is keyed by what
 * each record names (bpf/tracer.h), so it is read whole, in batches. */
static int read_slot(int own, record_key_t **ret_keys, struct record **ret_v, size_t *ret_n)
{
	size_t cap = MAX_RECORDS_PER_CGROUP + 1, n = 0;
	_cleanup_free_ record_key_t *keys = calloc(cap, sizeof(*keys));
	_cleanup_free_ struct record *v = calloc(cap, sizeof(*v));
	uint32_t batch = 0;
	bool first = true;

	if (!keys || !v)
		return -ENOMEM;
	for (;;) {
		uint32_t count = (uint32_t)(cap - n);
		int r;

		/* The hash's batch token is a bucket index (u32). */
		r = bpf_map_lookup_batch(own, first ? NULL : &batch, &batch, keys + n, v + n, &count, NULL);
		n += count;
		if (r < 0 && errno == ENOENT)
			break; /* the last batch */
		if (r < 0)
			return -errno;
		first = false;
		if (n >= cap)
			return -E2BIG;
	}
	if (ret_keys)
		*ret_keys = TAKE_PTR(keys);
	*ret_v = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

static int cmp_record_time(const void *a, const void *b)
{
	const struct record *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

int tracer_read_records(const struct tracer *t, uint64_t cgroup_id, struct record_list *ret)
{
	struct record_list l = {};
	_cleanup_close_ int own = -EBADF;
	int r;

	r = tracer_cgroup_state(t, cgroup_id, &l.cg);
	if (r < 0)
		return r;
	own = open_slot(t, l.cg.slot);
	if (own == -ENOENT) {
		l.v = calloc(1, sizeof(*l.v));
		if (!l.v)
			return -ENOMEM;
		*ret = l;
		return 0;
	}
	if (own < 0)
		return own;
	r = read_slot(own, NULL, &l.v, &l.n);
	if (r == 0 && bpf_map_lookup_elem(t->compacted_fd, &l.cg.slot, &l.compacted) < 0)
		r = -errno;
	if (r < 0) {
		record_list_done(&l);
		return r;
	}
	/* In the order they were made, as a person reading the report expects. */
	qsort(l.v, l.n, sizeof(*l.v), cmp_record_time);
	*ret = l;
	return 0;
}

/* Whether the object a record names is freed: its id is gone. An id the
 * kernel refuses to open for any other reason is kept. */
static bool object_freed(uint32_t kind, uint32_t id)
{
	_cleanup_close_ int fd = obj_fd_by_id(kind, id);

	return fd == -ENOENT;
}

int tracer_compact(const struct tracer *t, uint64_t cgroup_id, uint32_t *ret_slot, size_t *ret_dropped)
{
	_cleanup_free_ record_key_t *keys = NULL;
	_cleanup_free_ struct record *v = NULL;
	_cleanup_close_ int own = -EBADF;
	struct cg_state st;
	size_t n = 0, dropped = 0;
	int r;

	*ret_dropped = 0;
	r = tracer_cgroup_state(t, cgroup_id, &st);
	if (r < 0)
		return r;
	*ret_slot = st.slot;
	own = open_slot(t, st.slot);
	if (own == -ENOENT)
		return 0;
	if (own < 0)
		return own;
	r = read_slot(own, &keys, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct record now;

		/* A pin, an attachment or a creation holds a reference to its
		 * object: once the object is freed, none of them exists. Names
		 * (directories, symlinks) are left to the tracer. */
		if (v[i].kind != REC_CREATE && v[i].kind != REC_PIN && v[i].kind != REC_ATTACH)
			continue;
		if (!object_freed(v[i].obj_kind, v[i].obj_id))
			continue;
		/* Only the record read is dropped: the tracer may have put a
		 * newer one at this key meanwhile (a name pinned again), or the
		 * slot gone to another container. */
		if (bpf_map_lookup_elem(own, &keys[i], &now) < 0 || now.ts_ns != v[i].ts_ns ||
		    now.obj_id != v[i].obj_id)
			continue;
		if (bpf_map_delete_elem(own, &keys[i]) == 0)
			dropped++;
	}
	*ret_dropped = dropped;
	return 0;
}

int tracer_count_compacted(const struct tracer *t, uint64_t cgroup_id, uint32_t slot, size_t dropped)
{
	struct cg_state st;
	uint32_t done = 0;

	/* Gone, or its slot another's: the slot was cleared, nothing to count. */
	if (dropped == 0 || tracer_cgroup_state(t, cgroup_id, &st) < 0 || st.slot != slot)
		return 0;
	if (bpf_map_lookup_elem(t->compacted_fd, &slot, &done) < 0)
		return -errno;
	done += (uint32_t)dropped;
	if (bpf_map_update_elem(t->compacted_fd, &slot, &done, BPF_ANY) < 0)
		return -errno;
	return 0;
}

int tracer_live_records(const struct tracer *t, const struct cg_state *st, uint32_t *ret_obj, uint32_t *ret_dir)
{
	uint32_t done = 0;

	if (bpf_map_lookup_elem(t->compacted_fd, &st->slot, &done) < 0)
		return -errno;
	*ret_obj = st->obj_records - done;
	*ret_dir = st->dir_records;
	return 0;
}

void record_list_done(struct record_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int tracer_delete_records(const struct tracer *t, const struct cg_state *st)
{
	_cleanup_close_ int own = open_slot(t, st->slot);

	if (own == -ENOENT)
		return 0;
	return own < 0 ? own : clear_records(own);
}

int tracer_probe(enum tracer_backend b, char *why, size_t len)
{
	int r = -EIO;

	if (len)
		*why = 0;
	if (b == TRACER_BACKEND_TRAMPOLINE) {
		struct trampoline_bpf *skel = load_trampoline_skel(&r, why, len);

		if (skel) {
			trampoline_bpf__destroy(skel);
			r = 0;
		}
	} else {
		struct tracer_bpf *skel = load_tracepoint_skel(&r, why, len);

		if (skel) {
			tracer_bpf__destroy(skel);
			r = 0;
		}
	}
	return r;
}
