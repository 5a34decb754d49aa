/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What both tracer backends share: the pinned maps and how a record is made.
 * A backend only decides where it gets a call's arguments from (saved user
 * registers at a syscall tracepoint, or the kernel function's own arguments
 * in a BPF trampoline) and then calls record_bpf() or fill_name().
 *
 * Strings and bpf_attr come from user memory at a syscall, or from kernel
 * memory where the kernel has copied them (struct filename) or made them
 * (bpf() from a BPF_PROG_TYPE_SYSCALL program): `kernel` says which.
 */
#ifndef BPFREAPER_RECORD_BPF_H
#define BPFREAPER_RECORD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "record.h"
#include "objfile.h"
#include "walk.bpf.h"

/* Not preallocated: a registration costs its own entry, not 8 192 of
 * them (about 3 MiB) from the start. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_REGISTERED_CGROUPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct cg_state);
} cgroups SEC(".maps");

/* Every container's first FIRST_RECORDS records (see bpf/record.h): room
 * for that many of every container that can be registered, so that no
 * container's insert under its quota fails. Entries are allocated as
 * records are made; the buckets (16 bytes per entry) are the cost of the
 * idle tracer. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_REGISTERED_CGROUPS * FIRST_RECORDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct first_key);
	__type(value, struct record);
} first SEC(".maps");

/* Records of containers past their first ones that found the pool of
 * records maps empty (several took maps between two hook runs): kept here,
 * shared by whoever needs it, rather than dropped. No container has a
 * quota here; full, the record is dropped (CG_POOL_DRY). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SPILL_RECORDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct first_key);
	__type(value, struct record);
} spill SEC(".maps");

/* The records maps of containers past their first records (key
 * record_key_t, value struct record), in the slot their cg_state names,
 * made by user space and claimed by the tracer from free_slots;
 * src/tracer-load.c gives the loader a template of it
 * (bpf_map__set_inner_map_fd): clang 14 emits struct record only as a
 * forward declaration when a template is written here with __array. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, MAX_REGISTERED_CGROUPS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} records SEC(".maps");

/* User space only: the id of the records map in each slot of `records`, 0
 * for an empty slot. Reading `records` itself from user space waits for an
 * RCU grace period on kernels before 6.8 (10 to 20 ms per lookup); this
 * plain array does not. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_REGISTERED_CGROUPS);
	__type(key, __u32);
	__type(value, __u32);
} slot_maps SEC(".maps");

/* Filled slots no container uses, with their records maps empty: pushed
 * by user space (a refill, a container forgotten), popped by the tracer
 * when a container first needs a records map of its own (atomic: no lock,
 * no walk over the registered cgroups). */
struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, MAX_REGISTERED_CGROUPS);
	__uint(key_size, 0);
	__uint(value_size, sizeof(__u32));
} free_slots SEC(".maps");

/* User space writes, the tracer reads: by owner, what gc dropped of its
 * records (their objects freed), so that the budgets count live records
 * only (struct compacted). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_REGISTERED_CGROUPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct compacted);
} compacted SEC(".maps");

/* enum pool_count: how many maps were put on free_slots and taken off. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pool SEC(".maps");

/* A record is larger than the BPF stack allows; build it here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct record);
} scratch SEC(".maps");

static __always_inline __u64 registered_ancestor(void)
{
	__u64 self = bpf_get_current_cgroup_id();
	__u64 id;
	int level;

	if (bpf_map_lookup_elem(&cgroups, &self))
		return self;
	/* Level 0 is the root cgroup, never registered. The helper returns our
	 * own id at our own level and 0 below it. */
	for (level = 1; level < MAX_CGROUP_DEPTH; level++) {
		id = bpf_get_current_ancestor_cgroup_id(level);
		if (!id || id == self)
			break;
		if (bpf_map_lookup_elem(&cgroups, &id))
			return id;
	}
	return 0;
}

static __always_inline struct record *scratch_record(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline struct file *file_of_fd(int fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (fd < 0 || !fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

static __always_inline int resolve_fd(int fd, struct record_obj *obj, __s64 *refs)
{
	struct file *file = file_of_fd(fd);

	if (!file)
		return -1;
	return resolve_file(file, obj, refs);
}

static __always_inline bool name_kind(__u32 kind)
{
	return kind == REC_MKDIR || kind == REC_SYMLINK;
}

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

/* A name as the container spelled it; a relative one with the identity of
 * the directory it is relative to. FNV-1a: a container that makes two of
 * its own names collide only merges its own records (user space finds pins
 * and objects by identity all the same). */
static __always_inline __u64 name_hash(const struct record_name *at)
{
	__u64 h = FNV_OFFSET;

	for (int i = 0; i < RECORD_PATH_MAX; i++) {
		char c = at->path[i];

		if (!c)
			break;
		h = (h ^ (__u8)c) * FNV_PRIME;
	}
	if (at->path[0] != '/')
		h = ((h ^ at->dir_ino) * FNV_PRIME ^ at->dir_dev) * FNV_PRIME;
	return h & KEY_LOW_MASK;
}

/* Where a record lives in its container's map: what it names, so the same
 * thing always has one record and can be found again to drop it. */
static __always_inline record_key_t record_key(const struct record *rec)
{
	__u64 h;

	switch (rec->kind) {
	case REC_CREATE:
		return KEY_CREATE << KEY_SPACE_SHIFT | (__u64)rec->create.obj.kind << 32 | rec->create.obj.id;
	case REC_PIN:
		return KEY_PIN << KEY_SPACE_SHIFT | name_hash(&rec->pin.at);
	case REC_ATTACH:
		h = (FNV_OFFSET ^ rec->attach.prog.id) * FNV_PRIME;
		h = (h ^ rec->attach.target_ino) * FNV_PRIME;
		h = (h ^ rec->attach.target_dev) * FNV_PRIME;
		h = (h ^ rec->attach.attach_type) * FNV_PRIME;
		return KEY_ATTACH << KEY_SPACE_SHIFT | (h & KEY_LOW_MASK);
	case REC_SYMLINK:
		return KEY_NAME << KEY_SPACE_SHIFT | name_hash(&rec->symlink.at);
	default:
		return KEY_NAME << KEY_SPACE_SHIFT | name_hash(&rec->mkdir.at);
	}
}

/* The registered container owner's state. */
static __always_inline struct cg_state *owner_state(__u64 owner)
{
	return bpf_map_lookup_elem(&cgroups, &owner);
}

/* The owner's records map of its own, NULL until it has one (NO_SLOT is
 * past the array). Looked up again right before each use and tested once:
 * a pointer carried through the inlined callers is tested again where the
 * compiler knows it is not NULL, and on that branch (never taken) the
 * compiler passes a constant 0, which Debian 12's 6.1 verifier follows
 * ("R1 type=scalar expected=map_ptr"). */
static __always_inline void *own_records(struct cg_state *st)
{
	__u32 slot = *(volatile __u32 *)&st->slot;

	return bpf_map_lookup_elem(&records, &slot);
}

static __always_inline void set_overflow(struct cg_state *st, bool name)
{
	__sync_fetch_and_or(&st->flags, name ? CG_OVERFLOW_DIR : CG_OVERFLOW_OBJ);
}

/* A records map of its own for the owner: one from the pool, unless
 * another of its threads claimed one first (that one is used, and ours
 * goes back). NULL: the pool is empty. */
static __always_inline void *claim_records(struct cg_state *st)
{
	__u32 slot, old, popped = POOL_POPPED;
	__u64 *n;

	if (bpf_map_pop_elem(&free_slots, &slot))
		return NULL;
	old = __sync_val_compare_and_swap(&st->slot, NO_SLOT, slot);
	if (old != NO_SLOT) {
		bpf_map_push_elem(&free_slots, &slot, 0);
		slot = old;
	} else {
		n = bpf_map_lookup_elem(&pool, &popped);
		if (n)
			__sync_fetch_and_add(n, 1);
	}
	return bpf_map_lookup_elem(&records, &slot);
}

/* A place in `first` under the owner's quota: reserved before the insert,
 * so that concurrent inserts never take more than the quota. */
static __always_inline bool reserve_first(struct cg_state *st, const struct compacted *done)
{
	__u32 dropped = done ? done->first : 0;

	if (st->first_records - dropped >= FIRST_RECORDS)
		return false;
	if (__sync_fetch_and_add(&st->first_records, 1) - dropped < FIRST_RECORDS)
		return true;
	__sync_fetch_and_add(&st->first_records, -1);
	return false;
}

static __always_inline void append_record(struct record *rec)
{
	bool name = name_kind(rec->kind);
	struct first_key fk = { .owner = rec->owner_id };
	const struct compacted *done;
	struct cg_state *st;
	__u32 live;
	void *own;

	st = owner_state(rec->owner_id);
	if (!st)
		return;
	own = own_records(st);
	rec->ts_ns = bpf_ktime_get_boot_ns();
	fk.key = record_key(rec);
	/* The same thing again (a pin replaced, a directory made, removed
	 * unseen and made again): the newer record stands for it. */
	if (bpf_map_update_elem(&first, &fk, rec, BPF_EXIST) == 0 ||
	    (own && bpf_map_update_elem(own, &fk.key, rec, BPF_EXIST) == 0) ||
	    bpf_map_update_elem(&spill, &fk, rec, BPF_EXIST) == 0) {
		if (rec->kind == REC_PIN)
			__sync_fetch_and_or(&st->flags, CG_PINS_FORGOTTEN);
		return;
	}
	done = bpf_map_lookup_elem(&compacted, &rec->owner_id);
	live = name ? st->dir_records : st->obj_records - (done ? done->obj : 0);
	if (live >= (name ? MAX_DIR_RECORDS : MAX_OBJ_RECORDS)) {
		set_overflow(st, name);
		return;
	}
	if (reserve_first(st, done)) {
		if (bpf_map_update_elem(&first, &fk, rec, BPF_NOEXIST) == 0)
			goto counted;
		/* Another thread recorded the same thing meanwhile. */
		__sync_fetch_and_add(&st->first_records, -1);
		if (bpf_map_update_elem(&first, &fk, rec, BPF_EXIST) == 0)
			return;
	}
	own = own_records(st);
	if (!own)
		own = claim_records(st);
	if (!own) {
		if (bpf_map_update_elem(&spill, &fk, rec, BPF_NOEXIST) == 0) {
			__sync_fetch_and_or(&st->flags, CG_SPILLED);
			goto counted;
		}
		__sync_fetch_and_or(&st->flags, CG_POOL_DRY);
		set_overflow(st, name);
		return;
	}
	if (bpf_map_update_elem(own, &fk.key, rec, BPF_NOEXIST)) {
		set_overflow(st, name);
		return;
	}
counted:
	__sync_fetch_and_add(name ? &st->dir_records : &st->obj_records, 1);
}

/* The owner's record at key, in whichever map holds it. */
static __always_inline struct record *lookup_record(__u64 owner, struct cg_state *st, record_key_t key)
{
	struct first_key fk = { .owner = owner, .key = key };
	struct record *rec = bpf_map_lookup_elem(&first, &fk);
	void *own;

	if (rec)
		return rec;
	own = own_records(st);
	if (own) {
		rec = bpf_map_lookup_elem(own, &key);
		if (rec)
			return rec;
	}
	return bpf_map_lookup_elem(&spill, &fk);
}

/* Drops the record at key, if it is still there: its thing is gone. */
static __always_inline void forget(__u64 owner, struct cg_state *st, record_key_t key)
{
	struct first_key fk = { .owner = owner, .key = key };
	__u64 space = key >> KEY_SPACE_SHIFT;
	void *own;

	if (bpf_map_delete_elem(&first, &fk) == 0) {
		__sync_fetch_and_add(&st->first_records, -1);
	} else {
		own = own_records(st);
		if ((!own || bpf_map_delete_elem(own, &key)) && bpf_map_delete_elem(&spill, &fk))
			return; /* dropped already: gc, or another thread */
	}
	if (space == KEY_PIN)
		__sync_fetch_and_or(&st->flags, CG_PINS_FORGOTTEN);
	__sync_fetch_and_add(space == KEY_NAME ? &st->dir_records : &st->obj_records, -1);
	__sync_fetch_and_add(space == KEY_CREATE ? &st->freed_objs : &st->removed_names, 1);
}

/* An object of the owner's is being freed: its creation record goes. */
static __always_inline void forget_created(__u64 owner, __u32 kind, __u32 id)
{
	struct cg_state *st = owner_state(owner);

	if (st)
		forget(owner, st, KEY_CREATE << KEY_SPACE_SHIFT | (__u64)kind << 32 | id);
}

/* References to a file, across the 6.13 change from a count (f_count) to
 * a count less one (f_ref). */
static __always_inline long file_refs(struct file *file)
{
	if (bpf_core_field_exists(file->f_ref))
		return BPF_CORE_READ(file, f_ref.refcnt.counter) + 1;
	return BPF_CORE_READ(file, f_count.counter);
}

/* The file is the only reference to its BPF object (no pin, link,
 * attachment, program or other file holds it): releasing the file frees
 * the object. Sets *kind and *id. */
static __always_inline bool object_only_in(struct file *file, __u32 *kind, __u32 *id)
{
	struct record_obj obj;
	__s64 refs = 0;

	if (resolve_file(file, &obj, &refs) || refs != 1)
		return false;
	*kind = obj.kind;
	*id = obj.id;
	return true;
}

/* Dropping this, the last reference to file, frees its BPF object. */
static __always_inline bool frees_object(struct file *file, __u32 *kind, __u32 *id)
{
	return file && file_refs(file) == 1 && object_only_in(file, kind, id);
}

#define AT_FDCWD_ (-100)

static __always_inline struct record *begin(__u32 cmd, __u64 owner)
{
	struct record *rec = scratch_record();

	if (!rec)
		return NULL;
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->cmd = cmd;
	rec->pid = bpf_get_current_pid_tgid() >> 32;
	rec->cgroup_id = bpf_get_current_cgroup_id();
	rec->owner_id = owner;
	bpf_get_current_comm(rec->comm, sizeof(rec->comm));
	return rec;
}

#define CGROUP2_SUPER_MAGIC_ 0x63677270

/* An attach target by identity: a cgroup2 directory is its cgroup id. */
static __always_inline int resolve_target(int fd, struct record *rec)
{
	struct file *file = file_of_fd(fd);
	struct dentry *d;
	struct super_block *sb;

	if (!file)
		return -1;
	d = BPF_CORE_READ(file, f_path.dentry);
	sb = BPF_CORE_READ(d, d_sb);
	rec->attach.target_ino = BPF_CORE_READ(d, d_inode, i_ino);
	rec->attach.target_dev = BPF_CORE_READ(sb, s_dev);
	if (BPF_CORE_READ(sb, s_magic) == CGROUP2_SUPER_MAGIC_)
		rec->flags |= REC_F_TARGET_CGROUP;
	return 0;
}

static __always_inline long read_mem(void *dst, __u32 size, const void *src, bool kernel)
{
	return kernel ? bpf_probe_read_kernel(dst, size, src) : bpf_probe_read_user(dst, size, src);
}

static __always_inline long read_str(void *dst, __u32 size, const void *src, bool kernel)
{
	return kernel ? bpf_probe_read_kernel_str(dst, size, src) : bpf_probe_read_user_str(dst, size, src);
}

#define BPF_FS_MAGIC_ 0xcafe4a11

/* A relative name is only worth a record if it lands on a bpffs; the
 * directory it starts from is named by identity (device, inode), which the
 * host can find again after the container's mount namespace is gone. */
static __always_inline bool relative_to_bpffs(struct record *rec, struct record_name *at)
{
	int dirfd = at->dirfd;
	struct dentry *dir;
	struct super_block *sb;

	if (dirfd == AT_FDCWD_) {
		struct task_struct *task = (void *)bpf_get_current_task();

		dir = BPF_CORE_READ(task, fs, pwd.dentry);
	} else {
		struct file *file = file_of_fd(dirfd);

		if (!file)
			return false;
		dir = BPF_CORE_READ(file, f_path.dentry);
	}
	if (!dir)
		return false;
	sb = BPF_CORE_READ(dir, d_sb);
	if (BPF_CORE_READ(sb, s_magic) != BPF_FS_MAGIC_)
		return false;
	at->dir_dev = BPF_CORE_READ(sb, s_dev);
	at->dir_ino = BPF_CORE_READ(dir, d_inode, i_ino);
	rec->flags |= REC_F_RELATIVE;
	return true;
}

/* The bpf() commands that create, pin or attach something. */
static __always_inline bool creates_or_pins(__u32 cmd)
{
	return cmd == BPF_MAP_CREATE || cmd == BPF_PROG_LOAD || cmd == BPF_LINK_CREATE ||
	       cmd == BPF_RAW_TRACEPOINT_OPEN || cmd == BPF_OBJ_PIN || cmd == BPF_PROG_ATTACH;
}

/* A creation or pin succeeded, yet its fd names no BPF object now: another
 * thread of the caller put another file at that number before this probe
 * ran. What was made is unknown; the owner's views are searched at its
 * stop instead of trusting that nothing was made. */
static __always_inline int unresolved(__u64 owner)
{
	struct cg_state *st = bpf_map_lookup_elem(&cgroups, &owner);

	if (st) {
		__sync_fetch_and_or(&st->flags, CG_UNRESOLVED);
		__sync_fetch_and_add(&st->unresolved, 1);
	}
	return 0;
}

/* A successful bpf(cmd, uattr) that returned ret: a record for the commands
 * that create, pin or attach something. Caller checked ret >= 0. */
static __always_inline int record_bpf(__u32 cmd, union bpf_attr *uattr, long ret, bool kernel)
{
	struct record *rec;
	__u64 owner;

	if (!creates_or_pins(cmd))
		return 0;
	owner = registered_ancestor();
	if (!owner)
		return 0;
	rec = begin(cmd, owner);
	if (!rec)
		return 0;
	if (cmd == BPF_OBJ_PIN) {
		__u64 pathname = 0;
		__u32 bpf_fd = 0, file_flags = 0;
		__s32 path_fd = 0;

		read_mem(&pathname, sizeof(pathname), &uattr->pathname, kernel);
		read_mem(&bpf_fd, sizeof(bpf_fd), &uattr->bpf_fd, kernel);
		read_mem(&file_flags, sizeof(file_flags), &uattr->file_flags, kernel);
		rec->kind = REC_PIN;
		rec->pin.at.dirfd = AT_FDCWD_;
		/* BPF_F_PATH_FD (1 << 14, kernel 6.5+): path relative to path_fd. */
		if (file_flags & (1u << 14)) {
			read_mem(&path_fd, sizeof(path_fd), (char *)uattr + 16, kernel);
			rec->pin.at.dirfd = path_fd;
		}
		if (resolve_fd(bpf_fd, &rec->pin.obj, NULL))
			return unresolved(owner);
		if (read_str(rec->pin.at.path, sizeof(rec->pin.at.path), (void *)pathname, kernel) ==
		    sizeof(rec->pin.at.path))
			rec->flags |= REC_F_PATH_TRUNCATED;
		/* A relative name is keyed with its directory's identity. */
		if (rec->pin.at.path[0] != '/')
			relative_to_bpffs(rec, &rec->pin.at);
	} else if (cmd == BPF_PROG_ATTACH) {
		__u32 target_fd = 0, prog_fd = 0;

		read_mem(&target_fd, sizeof(target_fd), &uattr->target_fd, kernel);
		read_mem(&prog_fd, sizeof(prog_fd), &uattr->attach_bpf_fd, kernel);
		read_mem(&rec->attach.attach_type, sizeof(rec->attach.attach_type), &uattr->attach_type, kernel);
		rec->kind = REC_ATTACH;
		if (resolve_fd(prog_fd, &rec->attach.prog, NULL) || rec->attach.prog.kind != OBJ_PROG ||
		    resolve_target(target_fd, rec))
			return 0; /* targets nothing we can name */
	} else {
		__s64 refs = 0;

		rec->kind = REC_CREATE;
		if (resolve_fd((int)ret, &rec->create.obj, &refs))
			return unresolved(owner);
		/* The object the call made is referenced by the fd it returned
		 * and nothing else yet. Anything more means the fd now names an
		 * object that existed before: another thread of the caller
		 * swapped it (dup2 of a host object's fd) between the kernel's
		 * fd_install and this probe. Recorded, never removed. */
		if (refs != 1)
			rec->flags |= REC_F_UNPROVEN;
	}
	append_record(rec);
	return 0;
}

/* Length of a string up to PATH_MAX (4096), read in chunks: the record
 * keeps only its start. */
static __always_inline __u32 target_len(const char *target, bool kernel)
{
	char chunk[64];
	__u32 len = 0;

	for (int i = 0; i < 64; i++) {
		long n = read_str(chunk, sizeof(chunk), target + len, kernel);

		if (n <= 0)
			break;
		if (n < (long)sizeof(chunk)) {
			len += (__u32)n - 1;
			break;
		}
		len += sizeof(chunk) - 1;
	}
	return len;
}

/* An absolute name is on one of the container's bpffs views: it starts
 * with a view's path followed by '/'. */
static __always_inline bool under_view(const struct cg_state *st, const char *path)
{
	if (st->flags & CG_VIEWS_ALL)
		return true;
	for (int v = 0; v < CG_VIEWS_MAX; v++) {
		const char *view = st->views[v];
		int i;

		if ((__u32)v >= st->n_views)
			break;
		for (i = 0; i < CG_VIEW_LEN && i < RECORD_PATH_MAX; i++) {
			if (view[i] == 0)
				break;
			if (path[i] != view[i])
				break;
		}
		if (i < CG_VIEW_LEN && view[i] == 0 && i < RECORD_PATH_MAX && path[i] == '/')
			return true;
	}
	return false;
}

/* A name call (cmd) of a registered caller: the record begun, or NULL. */
static __always_inline struct record *begin_name(__u32 cmd)
{
	__u64 owner = registered_ancestor();

	return owner ? begin(cmd, owner) : NULL;
}

/* Reads the name pathname (relative to dirfd) into at. False if it is not
 * worth a record: unreadable, or relative to a directory off any bpffs. */
static __always_inline bool fill_at(struct record *rec, struct record_name *at, int dirfd, const char *pathname,
				    bool kernel)
{
	long n;

	at->dirfd = dirfd;
	n = read_str(at->path, sizeof(at->path), pathname, kernel);
	if (n <= 0)
		return false;
	if (n == sizeof(at->path))
		rec->flags |= REC_F_PATH_TRUNCATED;
	return at->path[0] == '/' || relative_to_bpffs(rec, at);
}

/* A new name in a directory by a registered caller: mkdir, or a symlink to
 * target. Returns the record to append once the call has succeeded, or
 * NULL if there is nothing worth recording. */
static __always_inline struct record *fill_name(int dirfd, const char *pathname, const char *target,
						bool kernel)
{
	struct record_name *at;
	struct cg_state *st;
	struct record *rec;

	rec = begin_name(target ? TRACE_CMD_SYMLINK : TRACE_CMD_MKDIR);
	if (!rec)
		return NULL;
	if (target) {
		rec->kind = REC_SYMLINK;
		at = &rec->symlink.at;
		if (read_str(rec->symlink.target, sizeof(rec->symlink.target), target, kernel) <= 0)
			return NULL;
		rec->symlink.target_len = target_len(target, kernel);
	} else {
		rec->kind = REC_MKDIR;
		at = &rec->mkdir.at;
	}
	if (!fill_at(rec, at, dirfd, pathname, kernel))
		return NULL;
	if (at->path[0] != '/')
		return rec;
	st = bpf_map_lookup_elem(&cgroups, &rec->owner_id);
	return st && under_view(st, at->path) ? rec : NULL;
}

/* A mkdir or symlink call has returned 0: which entry did it make? The
 * walk starts where the kernel's lookup did (the caller's root for an
 * absolute name: a chroot's; its working directory; the directory fd).
 * False if the entry is not on a bpffs: whatever the path says, nothing
 * there is a bpffs record (a chroot, a private mount, the container's own
 * root filesystem). An entry the walk cannot prove keeps its record
 * without REC_F_IDENTIFIED: reported, never removed. */
static __always_inline bool identify_name(struct record *rec)
{
	struct record_name *at = rec->kind == REC_SYMLINK ? &rec->symlink.at : &rec->mkdir.at;
	struct task_struct *task = (void *)bpf_get_current_task();
	struct walk_buf *b = walk_buf();
	struct vfsmount *mnt;
	struct dentry *from, *d;
	struct super_block *sb;
	unsigned short mode;

	if (!b)
		return true;
	if (at->path[0] == '/') {
		mnt = BPF_CORE_READ(task, fs, root.mnt);
		from = BPF_CORE_READ(task, fs, root.dentry);
	} else if (at->dirfd == AT_FDCWD_) {
		mnt = BPF_CORE_READ(task, fs, pwd.mnt);
		from = BPF_CORE_READ(task, fs, pwd.dentry);
	} else {
		struct file *file = file_of_fd(at->dirfd);

		if (!file)
			return true;
		mnt = BPF_CORE_READ(file, f_path.mnt);
		from = BPF_CORE_READ(file, f_path.dentry);
	}
	if (bpf_probe_read_kernel(b->path, sizeof(b->path), at->path))
		return true;
	d = walk_entry(mnt, from);
	if (!d)
		return true;
	sb = BPF_CORE_READ(d, d_sb);
	if (BPF_CORE_READ(sb, s_magic) != BPF_FS_MAGIC_)
		return false;
	mode = BPF_CORE_READ(d, d_inode, i_mode);
	if ((mode & S_IFMT_) != (rec->kind == REC_SYMLINK ? S_IFLNK_ : S_IFDIR_))
		return true; /* something else is at the name already */
	at->ino = BPF_CORE_READ(d, d_inode, i_ino);
	at->dev = BPF_CORE_READ(sb, s_dev);
	rec->flags |= REC_F_IDENTIFIED;
	return true;
}

/* A name a registered caller removes: rmdir (dir), or unlink of a pin or a
 * symlink. Filled like the record of that name, to find it; NULL if no
 * record could match. */
static __always_inline struct record *fill_removal(int dirfd, const char *pathname, bool dir, bool kernel)
{
	struct record *rec = begin_name(dir ? TRACE_CMD_RMDIR : TRACE_CMD_UNLINK);

	if (!rec)
		return NULL;
	rec->kind = REC_NONE;
	if (!fill_at(rec, &rec->removal.at, dirfd, pathname, kernel) || (rec->flags & REC_F_PATH_TRUNCATED))
		return NULL; /* a truncated name matches no record exactly */
	return rec;
}

static __always_inline bool same_name(const struct record *a, const struct record_name *an,
				      const struct record *b, const struct record_name *bn)
{
	if ((a->flags | b->flags) & REC_F_PATH_TRUNCATED)
		return false;
	for (int i = 0; i < RECORD_PATH_MAX; i++) {
		if (an->path[i] != bn->path[i])
			return false;
		if (!an->path[i])
			break;
	}
	return an->path[0] == '/' || (an->dir_dev == bn->dir_dev && an->dir_ino == bn->dir_ino);
}

/* Drops the record of kind at key if it names what probe names. */
static __always_inline void forget_if_named(struct cg_state *st, record_key_t key, __u32 kind,
					    const struct record *probe)
{
	struct record *rec = lookup_record(probe->owner_id, st, key);
	const struct record_name *at;

	if (!rec || rec->kind != kind)
		return;
	at = kind == REC_MKDIR ? &rec->mkdir.at : kind == REC_PIN ? &rec->pin.at : &rec->symlink.at;
	if (same_name(rec, at, probe, &probe->removal.at))
		forget(probe->owner_id, st, key);
}

/* The name in probe (fill_removal) is gone: its record goes too. The
 * name was read from the caller's memory, which another of its threads
 * can change: the container can only make the tracer forget a name of its
 * own, never remove anything. */
static __always_inline void forget_name(const struct record *probe)
{
	struct cg_state *st = owner_state(probe->owner_id);
	__u64 h;

	if (!st)
		return;
	h = name_hash(&probe->removal.at);
	if (probe->cmd == TRACE_CMD_RMDIR) {
		forget_if_named(st, KEY_NAME << KEY_SPACE_SHIFT | h, REC_MKDIR, probe);
		return;
	}
	forget_if_named(st, KEY_PIN << KEY_SPACE_SHIFT | h, REC_PIN, probe);
	forget_if_named(st, KEY_NAME << KEY_SPACE_SHIFT | h, REC_SYMLINK, probe);
}

#endif
