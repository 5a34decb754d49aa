// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The records of registered containers, in the pinned maps of the loaded
 * tracer (tracer-load.c): registration gives a container a slot (a
 * records map of its own), poststop reads and drops its records, gc
 * compacts them.
 */
#include "tracer-records.h"
#include "reap-bpfobj.h"
#include "util.h"

#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int tracer_records_map_create(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bpfreaper_rec", sizeof(record_key_t), sizeof(struct record),
			    MAX_RECORDS_PER_CGROUP, &opts);
	return fd < 0 ? -errno : fd;
}

/* Empties a records map. Keys are collected first: a walk restarts from
 * the first bucket after its previous key is deleted. malloc, not calloc:
 * every key read is written before it is used, and zeroing room for the
 * most records a container may hold (over 100 KiB) cost every poststop 27
 * page faults, most of its start-up, for a container that recorded little. */
static int clear_records(int fd)
{
	_cleanup_free_ record_key_t *keys = malloc((MAX_RECORDS_PER_CGROUP + 1) * sizeof(*keys));
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
	/* One call for them all (10 000 records: 10 000 fewer system calls);
	 * a key the tracer dropped meanwhile stops the batch at it, and the
	 * rest goes on after it. */
	for (size_t i = 0; i < n;) {
		__u32 count = (__u32)(n - i);

		if (bpf_map_delete_batch(fd, &keys[i], &count, NULL) == 0)
			break;
		if (errno != ENOENT)
			return -errno;
		i += (size_t)count + 1;
	}
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
	_cleanup_close_ int own = tracer_records_map_create();

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

int tracer_trim_slots(const struct tracer *t, size_t keep, size_t max_free, size_t *ret_freed)
{
	uint32_t slot = 0; /* the kernel fills it in; valgrind does not model that */
	size_t kept = 0;
	_cleanup_free_ uint32_t *spare = calloc(keep + 1, sizeof(*spare));
	int r = 0;

	*ret_freed = 0;
	if (!spare)
		return -ENOMEM;
	while (!max_free || *ret_freed < max_free) {
		uint32_t none = 0;

		if (bpf_map_lookup_and_delete_elem(t->free_fd, NULL, &slot) < 0) {
			r = errno == ENOENT ? 0 : -errno;
			break;
		}
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
	/* The spare ones go back, after an error too: a slot popped and not
	 * pushed back would never be used again. */
	for (size_t i = 0; i < kept; i++)
		if (bpf_map_update_elem(t->free_fd, NULL, &spare[i], BPF_ANY) < 0 && r == 0)
			r = -errno;
	return r;
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
 * each record names (bpf/record.h), so it is read whole, in batches. */
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

/* Whether the object a record names is freed: its id is gone, or names
 * another object now (the fingerprint differs: freed, the id reused). An
 * id the kernel refuses to open for any other reason is kept. */
static bool object_freed(const struct record_obj *obj)
{
	int r = obj_recorded_alive(obj);

	return r == -ENOENT || r == 0;
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
		const struct record_obj *obj = record_obj_of(&v[i]), *now_obj;
		struct record now;

		/* A pin, an attachment or a creation holds a reference to its
		 * object: once the object is freed, none of them exists. Names
		 * (directories, symlinks) are left to the tracer. */
		if (!obj || !object_freed(obj))
			continue;
		/* Only the record read is dropped: the tracer may have put a
		 * newer one at this key meanwhile (a name pinned again), or the
		 * slot gone to another container. */
		if (bpf_map_lookup_elem(own, &keys[i], &now) < 0 || now.ts_ns != v[i].ts_ns ||
		    now.kind != v[i].kind || !(now_obj = record_obj_of(&now)) || now_obj->id != obj->id)
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
