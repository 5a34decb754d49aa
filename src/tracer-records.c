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

	if (slot == NO_SLOT)
		return -ENOENT;
	if (bpf_map_lookup_elem(t->slots_fd, &slot, &id) < 0)
		return -errno;
	if (!id)
		return -ENOENT;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

/* Puts a new records map in an empty slot: the update of `records` that
 * waits for an RCU grace period. */
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

static int pool_count(const struct tracer *t, enum pool_count which, uint64_t *ret)
{
	uint32_t k = which;

	*ret = 0;
	return bpf_map_lookup_elem(t->pool_fd, &k, ret) < 0 ? -errno : 0;
}

/* The caller holds the slots lock: user space's count is read, changed
 * and written back. */
static int pool_pushed_add(const struct tracer *t, int64_t delta)
{
	uint32_t k = POOL_PUSHED;
	uint64_t n;
	int r = pool_count(t, POOL_PUSHED, &n);

	if (r < 0)
		return r;
	n += (uint64_t)delta;
	return bpf_map_update_elem(t->pool_fd, &k, &n, BPF_ANY) < 0 ? -errno : 0;
}

/* An emptied records map back to the pool. */
static int pool_push(const struct tracer *t, uint32_t slot)
{
	if (bpf_map_update_elem(t->free_fd, NULL, &slot, BPF_ANY) < 0)
		return -errno;
	return pool_pushed_add(t, 1);
}

int tracer_pool_spare(const struct tracer *t, size_t *ret)
{
	uint64_t pushed = 0, popped = 0;
	int r = pool_count(t, POOL_PUSHED, &pushed);

	if (r == 0)
		r = pool_count(t, POOL_POPPED, &popped);
	if (r < 0)
		return r;
	*ret = pushed > popped ? (size_t)(pushed - popped) : 0;
	return 0;
}

/* The first slot without a records map, from *next on (slots are filled
 * from 0 up). */
static int empty_slot(const struct tracer *t, uint32_t *next)
{
	for (; *next < MAX_REGISTERED_CGROUPS; (*next)++) {
		_cleanup_close_ int own = open_slot(t, *next);

		if (own == -ENOENT)
			return 0;
		if (own < 0)
			return own;
	}
	return -ENOSPC;
}

int tracer_pool_tend(const struct tracer *t, size_t want, size_t *ret_filled, size_t *ret_freed)
{
	uint32_t next = 0, slot = 0; /* the kernel fills it in; valgrind does not model that */
	size_t spare;

	*ret_filled = *ret_freed = 0;
	for (;;) {
		int r;

		r = tracer_pool_spare(t, &spare);
		if (r < 0 || spare == want)
			return r;
		if (spare < want) {
			r = empty_slot(t, &next);
			if (r == 0)
				r = fill_slot(t, next);
			if (r == 0)
				r = pool_push(t, next);
			if (r < 0)
				return r;
			(*ret_filled)++;
			continue;
		}
		/* A burst of containers that needed maps left them behind:
		 * give the memory back. The records map goes with its slot. */
		if (bpf_map_lookup_and_delete_elem(t->free_fd, NULL, &slot) < 0)
			return errno == ENOENT ? 0 : -errno; /* the tracer took the rest */
		r = pool_pushed_add(t, -1);
		if (r < 0)
			return r;
		if (bpf_map_delete_elem(t->records_fd, &slot) < 0 && errno != ENOENT)
			return -errno;
		if (bpf_map_update_elem(t->slots_fd, &slot, &(uint32_t){ 0 }, BPF_ANY) < 0)
			return -errno;
		(*ret_freed)++;
	}
}

int tracer_register(const struct tracer *t, uint64_t cgroup_id, const struct tracer_views *views)
{
	struct cg_state st = { .slot = NO_SLOT };
	struct timespec ts;

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
	/* The tracer records for the cgroup from this update on. */
	if (bpf_map_update_elem(t->cgroups_fd, &cgroup_id, &st, BPF_NOEXIST) < 0)
		return errno == EEXIST ? -EEXIST : -errno;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The owner's entries in a map all containers share (`first`, `spill`:
 * keys, and records if v), read in batches. */
static int read_shared(int fd, uint64_t owner, struct first_key **ret_keys, struct record **ret_v,
		      size_t *ret_n)
{
	enum { BATCH = 256 };
	/* calloc: valgrind does not see the kernel fill them; the pages are
	 * fresh ones all the same (over 100 KiB: mmap), touched only where
	 * the kernel writes. */
	_cleanup_free_ struct first_key *bk = calloc(BATCH, sizeof(*bk));
	_cleanup_free_ struct record *bv = calloc(BATCH, sizeof(*bv));
	_cleanup_free_ struct first_key *keys = NULL;
	_cleanup_free_ struct record *v = NULL;
	size_t n = 0, cap = 0;
	uint32_t batch = 0;
	bool first = true;

	if (!bk || !bv)
		return -ENOMEM;
	for (bool last = false; !last;) {
		uint32_t count = BATCH;
		int r;

		/* The hash's batch token is a bucket index (u32). */
		r = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, bk, bv, &count, NULL);
		if (r < 0 && errno != ENOENT)
			return -errno;
		last = r < 0;
		first = false;
		for (uint32_t i = 0; i < count; i++) {
			if (bk[i].owner != owner)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : FIRST_RECORDS;
				struct first_key *nk = reallocarray(keys, ncap, sizeof(*keys));

				if (!nk)
					return -ENOMEM;
				keys = nk;
				if (ret_v) {
					struct record *nv = reallocarray(v, ncap, sizeof(*v));

					if (!nv)
						return -ENOMEM;
					v = nv;
				}
				cap = ncap;
			}
			keys[n] = bk[i];
			if (ret_v)
				v[n] = bv[i];
			n++;
		}
	}
	*ret_keys = TAKE_PTR(keys);
	if (ret_v)
		*ret_v = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* Drops the owner's entries in a shared map. */
static int clear_shared(int fd, uint64_t owner)
{
	_cleanup_free_ struct first_key *keys = NULL;
	size_t n = 0;
	int r = read_shared(fd, owner, &keys, NULL, &n);

	for (size_t i = 0; r == 0 && i < n; i++)
		if (bpf_map_delete_elem(fd, &keys[i]) < 0 && errno != ENOENT)
			r = -errno;
	return r;
}

/* ... in both. */
static int clear_first(const struct tracer *t, uint64_t owner)
{
	int r = clear_shared(t->first_fd, owner);

	return r < 0 ? r : clear_shared(t->spill_fd, owner);
}

/* Drops the entries of a shared map whose owner is not registered (ids:
 * the registered ones, sorted). A delete restarts the walk at the first
 * key; a kept key goes on. */
static size_t sweep_shared(const struct tracer *t, int fd, const uint64_t *ids, size_t n)
{
	struct first_key k, next;
	void *prev = NULL;
	size_t dropped = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (n && bsearch(&k.owner, ids, n, sizeof(*ids), cmp_u64))
			continue;
		/* Registered after our listing: its records are new, kept. */
		if (tracer_cgroup_state(t, k.owner, &(struct cg_state){}) == 0)
			continue;
		if (bpf_map_delete_elem(fd, &k) == 0)
			dropped++;
		prev = NULL;
	}
	return dropped;
}

int tracer_sweep_unowned(const struct tracer *t, size_t *ret_dropped)
{
	_cleanup_free_ uint64_t *ids = NULL;
	size_t n = 0;
	uint64_t ck, cnext;
	void *prev = NULL;
	int r;

	*ret_dropped = 0;
	r = tracer_list_registered(t, &ids, &n);
	if (r < 0)
		return r;
	if (n)
		qsort(ids, n, sizeof(*ids), cmp_u64);
	*ret_dropped = sweep_shared(t, t->first_fd, ids, n) + sweep_shared(t, t->spill_fd, ids, n);
	while (bpf_map_get_next_key(t->compacted_fd, prev, &cnext) == 0) {
		ck = cnext;
		prev = &ck;
		if ((n && bsearch(&ck, ids, n, sizeof(*ids), cmp_u64)) ||
		    tracer_cgroup_state(t, ck, &(struct cg_state){}) == 0)
			continue;
		if (bpf_map_delete_elem(t->compacted_fd, &ck) == 0)
			prev = NULL;
	}
	return 0;
}

int tracer_unregister(const struct tracer *t, uint64_t cgroup_id)
{
	struct cg_state st;
	int r;

	if (bpf_map_lookup_elem(t->cgroups_fd, &cgroup_id, &st) < 0)
		return -errno;
	if (bpf_map_delete_elem(t->cgroups_fd, &cgroup_id) < 0)
		return -errno;
	/* After the registration: a record made meanwhile is dropped too. */
	r = clear_first(t, cgroup_id);
	if (r < 0)
		return r;
	if (bpf_map_delete_elem(t->compacted_fd, &cgroup_id) < 0 && errno != ENOENT)
		return -errno;
	if (st.slot == NO_SLOT)
		return 0;
	{
		_cleanup_close_ int own = open_slot(t, st.slot);

		r = own < 0 ? own : clear_records(own);
	}
	/* Killed right here, the slot is never reused (its memory stays until
	 * the tracer is unloaded); pushed twice is impossible: the delete
	 * above succeeds once. */
	return r < 0 ? r : pool_push(t, st.slot);
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

static int compacted_of(const struct tracer *t, uint64_t cgroup_id, struct compacted *ret)
{
	*ret = (struct compacted){};
	if (bpf_map_lookup_elem(t->compacted_fd, &cgroup_id, ret) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Appends src's n records to *v (of *n), keeping only the owner's: a map
 * reused from the pool, or an entry of `first`, holds no other container's
 * records unless a tracer program that began before a registration ended
 * wrote one after it (its owner_id says so). */
static int append_owned(struct record **v, size_t *n, const struct record *src, size_t m, uint64_t owner)
{
	struct record *nv = reallocarray(*v, *n + m + 1, sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	for (size_t i = 0; i < m; i++)
		if (src[i].owner_id == owner)
			nv[(*n)++] = src[i];
	return 0;
}

int tracer_read_records(const struct tracer *t, uint64_t cgroup_id, struct record_list *ret)
{
	struct record_list l = {};
	_cleanup_free_ struct first_key *fkeys = NULL, *skeys = NULL;
	_cleanup_free_ struct record *fv = NULL, *ov = NULL, *sv = NULL;
	_cleanup_close_ int own = -EBADF;
	struct compacted done = {};
	size_t fn = 0, on = 0, sn = 0;
	int r;

	r = tracer_cgroup_state(t, cgroup_id, &l.cg);
	if (r < 0)
		return r;
	r = read_shared(t->first_fd, cgroup_id, &fkeys, &fv, &fn);
	if (r == 0 && (l.cg.flags & CG_SPILLED))
		r = read_shared(t->spill_fd, cgroup_id, &skeys, &sv, &sn);
	if (r < 0)
		return r;
	own = open_slot(t, l.cg.slot);
	if (own >= 0)
		r = read_slot(own, NULL, &ov, &on);
	else if (own != -ENOENT)
		r = own;
	if (r == 0)
		r = compacted_of(t, cgroup_id, &done);
	if (r == 0)
		r = append_owned(&l.v, &l.n, fv, fn, cgroup_id);
	if (r == 0)
		r = append_owned(&l.v, &l.n, ov, on, cgroup_id);
	if (r == 0)
		r = append_owned(&l.v, &l.n, sv, sn, cgroup_id);
	if (r < 0) {
		record_list_done(&l);
		return r;
	}
	l.compacted = done.obj;
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

/* Whether the record read (then) is still the one at its key (now): the
 * tracer may have put a newer one there meanwhile (a name pinned again). */
static bool same_record(const struct record *then, const struct record *now)
{
	const struct record_obj *a = record_obj_of(then), *b = record_obj_of(now);

	return now->ts_ns == then->ts_ns && now->kind == then->kind && a && b && a->id == b->id;
}

/* A pin, an attachment or a creation holds a reference to its object:
 * once the object is freed, none of them exists. Names (directories,
 * symlinks) are left to the tracer. */
static bool record_of_freed(const struct record *rec, uint64_t owner)
{
	const struct record_obj *obj = record_obj_of(rec);

	return rec->owner_id == owner && obj && object_freed(obj);
}

/* Drops the owner's records of freed objects in a shared map: how many. */
static uint32_t compact_shared(int fd, uint64_t owner)
{
	_cleanup_free_ struct first_key *keys = NULL;
	_cleanup_free_ struct record *v = NULL;
	struct record now;
	uint32_t dropped = 0;
	size_t n = 0;

	if (read_shared(fd, owner, &keys, &v, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (record_of_freed(&v[i], owner) && bpf_map_lookup_elem(fd, &keys[i], &now) == 0 &&
		    same_record(&v[i], &now) && bpf_map_delete_elem(fd, &keys[i]) == 0)
			dropped++;
	return dropped;
}

int tracer_compact(const struct tracer *t, uint64_t cgroup_id, struct compacted *ret_dropped)
{
	_cleanup_free_ record_key_t *keys = NULL;
	_cleanup_free_ struct record *v = NULL;
	_cleanup_close_ int own = -EBADF;
	struct cg_state st;
	size_t n = 0;
	struct record now;
	int r;

	*ret_dropped = (struct compacted){};
	r = tracer_cgroup_state(t, cgroup_id, &st);
	if (r < 0)
		return r;
	ret_dropped->first = compact_shared(t->first_fd, cgroup_id);
	ret_dropped->obj = ret_dropped->first;
	if (st.flags & CG_SPILLED)
		ret_dropped->obj += compact_shared(t->spill_fd, cgroup_id);
	own = open_slot(t, st.slot);
	if (own == -ENOENT)
		return 0;
	if (own < 0)
		return own;
	r = read_slot(own, &keys, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (record_of_freed(&v[i], cgroup_id) && bpf_map_lookup_elem(own, &keys[i], &now) == 0 &&
		    same_record(&v[i], &now) && bpf_map_delete_elem(own, &keys[i]) == 0)
			ret_dropped->obj++;
	return 0;
}

int tracer_count_compacted(const struct tracer *t, uint64_t cgroup_id, const struct compacted *dropped)
{
	struct compacted done;
	struct cg_state st;
	int r;

	if (dropped->obj == 0)
		return 0;
	r = compacted_of(t, cgroup_id, &done);
	if (r < 0)
		return r;
	done.obj += dropped->obj;
	done.first += dropped->first;
	if (bpf_map_update_elem(t->compacted_fd, &cgroup_id, &done, BPF_ANY) < 0)
		return -errno;
	/* Unregistered meanwhile: its count goes with it. */
	if (tracer_cgroup_state(t, cgroup_id, &st) == -ENOENT)
		(void)bpf_map_delete_elem(t->compacted_fd, &cgroup_id);
	return 0;
}

int tracer_live_records(const struct tracer *t, uint64_t cgroup_id, const struct cg_state *st, uint32_t *ret_obj,
			uint32_t *ret_dir)
{
	struct compacted done;
	int r = compacted_of(t, cgroup_id, &done);

	if (r < 0)
		return r;
	*ret_obj = st->obj_records - done.obj;
	*ret_dir = st->dir_records;
	return 0;
}

void record_list_done(struct record_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int tracer_delete_records(const struct tracer *t, uint64_t cgroup_id, const struct cg_state *st)
{
	_cleanup_close_ int own = -EBADF;
	int r = clear_first(t, cgroup_id);

	if (r < 0)
		return r;
	own = open_slot(t, st->slot);
	if (own == -ENOENT)
		return 0;
	return own < 0 ? own : clear_records(own);
}
