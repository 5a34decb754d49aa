/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which entry a successful mkdir() or symlink() made: the name walked again
 * through the kernel's dentries and mounts, from where the caller's lookup
 * started (its root, its working directory or the directory fd), when the
 * call returns. The record then names the entry by identity (device and
 * inode), not by its path: the name can be vacated (a rename, an unlink the
 * tracer does not see) and filled by someone else before poststop, and a
 * path that reads "/sys/fs/bpf/x" may have been made in a chroot, on a
 * private mount or on the container's own root filesystem. The walk says
 * where the kernel made it: only an entry on a bpffs is a record.
 *
 * Neither backend has the new dentry in hand (no kprobes, no LSM: the
 * tracepoint backend sees only the syscall's arguments, the trampoline
 * backend attaches to do_mkdirat/do_symlinkat, which return an int), so
 * the walk repeats the lookup, with probe reads, no locks taken:
 *  - every component but the last must be a directory reached through
 *    dentries the kernel still has hashed; a symlink or ".." on the way, a
 *    name longer than the record holds or a component not in the dentry
 *    cache leaves the entry unidentified (reported, never removed);
 *  - a mount on a directory is crossed by looking among the current
 *    mount's children for the one mounted on that dentry (what
 *    __lookup_mnt does through a hash table BPF cannot reach);
 *  - the last component is not crossed into: a mkdir makes the entry in
 *    its parent, whatever is mounted on it since.
 * The result is what the name meant when the call returned. A racing
 * thread of the container that moves its new entry away and another in
 * its place can only make it name an entry it reached by that name in a
 * view it could write (see docs/security.md).
 */
#ifndef BPFREAPER_WALK_BPF_H
#define BPFREAPER_WALK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "record.h"

#define WALK_MAX_COMPONENTS 32
#define WALK_MAX_CHILDREN 8192 /* dentries looked at in one directory */
#define WALK_MAX_MOUNTS 1024   /* child mounts looked at under one mount */
#define WALK_MAX_STACKED 8     /* mounts stacked on one directory */

#define S_IFMT_ 00170000
#define S_IFDIR_ 0040000
#define S_IFLNK_ 0120000

struct walk {
	struct vfsmount *mnt; /* where the walk is */
	struct dentry *dentry;
	__u32 off;            /* the component being read: path[off, off+len) */
	__u32 len;
	void *pos;            /* next list node to look at */
	void *end;            /* the list's head (a list_head list ends there) */
	void *hit;            /* the dentry or mount found */
	bool cross;           /* a component was found: cross its mounts if more follows */
	bool found;           /* at least one component was found */
	bool done;            /* the end of the path was reached */
	bool failed;
};

/* The path being walked, the name of the dentry being compared and the
 * walk's state: the path and name are too large for the BPF stack, and the
 * state lives in a map value, not on the stack, so that no verifier takes
 * its initial values for constants: kernels before the callback fix of 6.8
 * (and the 6.1 of Debian 12) verify a bpf_loop callback once, with the
 * caller's stack as it was at the call, and drop the branches that this
 * first state never takes as dead code. */
struct walk_buf {
	char path[RECORD_PATH_MAX];
	char name[RECORD_PATH_MAX];
	struct walk w;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_buf);
} walk_bufs SEC(".maps");


static __always_inline struct walk_buf *walk_buf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&walk_bufs, &zero);
}

static __always_inline bool old_dentry_lists(void)
{
	return !bpf_core_field_exists(struct dentry, d_children);
}

/* One child of w->dentry: is it the hashed, positive dentry named
 * path[off, off+len)? */
static long walk_child(__u32 i, void *unused)
{
	struct walk_buf *b = walk_buf();
	const unsigned char *name;
	struct walk *w;
	struct dentry *d;
	__u32 len;

	if (!b)
		return 1;
	w = &b->w;
	if (!w->pos || w->pos == w->end)
		return 1;
	if (old_dentry_lists()) {
		struct dentry___old *old;

		old = (void *)((char *)w->pos - bpf_core_field_offset(struct dentry___old, d_child));
		struct list_head *node = w->pos;

		d = (struct dentry *)old;
		w->pos = BPF_CORE_READ(node, next);
	} else {
		struct hlist_node *node = w->pos;

		d = (void *)((char *)w->pos - bpf_core_field_offset(struct dentry, d_sib));
		w->pos = BPF_CORE_READ(node, next);
	}
	len = BPF_CORE_READ(d, d_name.len);
	if (len != w->len || !BPF_CORE_READ(d, d_inode) || !BPF_CORE_READ(d, d_hash.pprev))
		return 0;
	name = BPF_CORE_READ(d, d_name.name);
	if (len == 0 || len >= RECORD_PATH_MAX || bpf_probe_read_kernel(b->name, len & (RECORD_PATH_MAX - 1), name))
		return 0;
	for (__u32 k = 0; k < RECORD_PATH_MAX - 1; k++) {
		if (k >= len)
			break;
		if (b->name[k] != b->path[(w->off + k) & (RECORD_PATH_MAX - 1)])
			return 0;
	}
	w->hit = d;
	return 1;
}

/* One child mount of w->mnt: is it mounted on w->dentry? */
static long walk_mount(__u32 i, void *unused)
{
	struct walk_buf *b = walk_buf();
	struct list_head *node;
	struct walk *w;
	struct mount *m;

	if (!b)
		return 1;
	w = &b->w;
	node = w->pos;
	if (!node || w->pos == w->end)
		return 1;
	m = (void *)((char *)node - bpf_core_field_offset(struct mount, mnt_child));
	w->pos = BPF_CORE_READ(node, next);
	if (BPF_CORE_READ(m, mnt_mountpoint) != w->dentry)
		return 0;
	w->hit = m;
	return 1;
}

static __always_inline struct mount *real_mount(struct vfsmount *mnt)
{
	return (void *)((char *)mnt - bpf_core_field_offset(struct mount, mnt));
}

/* Into whatever is mounted on w->dentry, topmost last. 1 (and w->failed)
 * if there were more than we look through. */
static __always_inline long cross_mounts(struct walk *w)
{
	for (int i = 0; i < WALK_MAX_STACKED; i++) {
		struct mount *m = real_mount(w->mnt);
		struct mount *top;

		w->end = &m->mnt_mounts;
		w->pos = BPF_CORE_READ(m, mnt_mounts.next);
		w->hit = NULL;
		bpf_loop(WALK_MAX_MOUNTS, walk_mount, NULL, 0);
		if (!w->hit)
			return 0;
		top = w->hit;
		w->mnt = (void *)((char *)top + bpf_core_field_offset(struct mount, mnt));
		w->dentry = BPF_CORE_READ(top, mnt.mnt_root);
	}
	w->failed = true; /* deeper than we look: not proven */
	return 1;
}

#define PATH_AT(b, i) ((b)->path[(i) & (RECORD_PATH_MAX - 1)])

static __always_inline unsigned short mode_of(struct dentry *d)
{
	return BPF_CORE_READ(d, d_inode, i_mode) & S_IFMT_;
}

/* The component path[off, off+len) looked up among the children of
 * w->dentry. False (and w->failed) if it is not found. */
static __always_inline bool lookup(struct walk *w, struct walk_buf *b)
{
	struct dentry *dir = w->dentry;

	if (w->len == 1 && PATH_AT(b, w->off) == '.')
		return true;
	if ((w->len == 2 && PATH_AT(b, w->off) == '.' && PATH_AT(b, w->off + 1) == '.') ||
	    mode_of(dir) != S_IFDIR_) {
		w->failed = true; /* ".." is not followed */
		return false;
	}
	w->hit = NULL;
	if (old_dentry_lists()) {
		struct dentry___old *old = (void *)dir;

		w->end = &old->d_subdirs;
		w->pos = BPF_CORE_READ(old, d_subdirs.next);
	} else {
		w->end = NULL;
		w->pos = BPF_CORE_READ(dir, d_children.first);
	}
	bpf_loop(WALK_MAX_CHILDREN, walk_child, NULL, 0);
	if (!w->hit) {
		w->failed = true;
		return false;
	}
	w->dentry = w->hit;
	w->found = true;
	return true;
}

/* One character of the path: a component is looked up where it ends; the
 * mounts on a component are crossed when another component follows it
 * (never after the last: the entry is in its parent). 1 ends the walk. */
static long walk_char(__u32 i, void *unused)
{
	struct walk_buf *b = walk_buf();
	struct walk *w;
	char c;

	if (!b)
		return 1;
	w = &b->w;
	c = PATH_AT(b, i);
	if (c && c != '/') {
		if (w->len == 0) {
			if (w->cross) {
				/* A symlink on the way is not followed. */
				if (mode_of(w->dentry) == S_IFLNK_ || cross_mounts(w)) {
					w->failed = true;
					return 1;
				}
				w->cross = false;
			}
			w->off = i;
		}
		w->len++;
		return 0;
	}
	if (w->len) {
		bool dot = w->len == 1 && PATH_AT(b, w->off) == '.';

		if (!lookup(w, b))
			return 1;
		if (!dot)
			w->cross = true;
		w->len = 0;
	}
	if (c)
		return 0;
	w->done = true;
	return 1;
}

/* The entry at walk_buf()->path (the caller copied it there), looked up
 * from (mnt, dentry) as the kernel did: its dentry, or NULL if the walk
 * cannot prove which entry it is. */
static __always_inline struct dentry *walk_entry(struct vfsmount *mnt, struct dentry *dentry)
{
	struct walk_buf *b = walk_buf();
	struct walk *w;

	if (!b || !mnt || !dentry)
		return NULL;
	w = &b->w;
	__builtin_memset(w, 0, sizeof(*w));
	w->mnt = mnt;
	w->dentry = dentry;
	bpf_loop(RECORD_PATH_MAX, walk_char, NULL, 0);
	return w->done && w->found && !w->failed ? w->dentry : NULL;
}

#endif
