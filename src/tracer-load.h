/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the tracer's backend is chosen and the tracer loaded: BPF
 * trampolines on the kernel functions behind bpf(), mkdir and symlink
 * (bpf/trampoline.bpf.c), or syscall tracepoints (bpf/tracepoint.bpf.c).
 * "auto" prefers trampolines and falls back to tracepoints where the kernel
 * refuses them. The tracer is loaded once and pinned in the private bpffs;
 * later hooks only open its pinned maps (tracer-records.h reads and writes
 * them). Loading and unloading happen under the run directory's exclusive
 * lock.
 */
#ifndef BPFREAPER_TRACER_LOAD_H
#define BPFREAPER_TRACER_LOAD_H

#include <errno.h>
#include <stdbool.h>

#include "error.h"

enum tracer_backend {
	TRACER_BACKEND_AUTO = 0,
	TRACER_BACKEND_TRAMPOLINE,
	TRACER_BACKEND_TRACEPOINT,
};

#define TRACER_BACKEND_NAMES "auto, trampoline, tracepoint"
/* Indexed by enum tracer_backend (enumtab.h). */
extern const char *const tracer_backend_names[TRACER_BACKEND_TRACEPOINT + 1];

const char *tracer_backend_name(enum tracer_backend b);
/* -EINVAL for anything but the names above. */
int tracer_backend_parse(const char *s, enum tracer_backend *ret);

/* The pinned maps of a loaded tracer. */
struct tracer {
	int cgroups_fd;
	int records_fd; /* the array of the containers' records maps */
	int slots_fd;   /* the id of the records map in each slot */
	int free_fd;    /* filled slots no container uses (a stack) */
	int compacted_fd; /* records gc dropped, by owner */
	int first_fd;   /* every container's first records */
	int pool_fd;    /* maps pushed onto free_slots and popped off */
	int spill_fd;   /* records of containers that found the pool empty */
	enum tracer_backend backend; /* of the loaded tracer: never AUTO */
	/* tracer_load() with AUTO fell back to tracepoints: why (code 0 if
	 * it did not). */
	struct br_error trampoline_error;
};

#define TRACER_INIT                                                                                   \
	{ .cgroups_fd = -EBADF, .records_fd = -EBADF, .slots_fd = -EBADF, .free_fd = -EBADF, .compacted_fd = -EBADF, \
	  .first_fd = -EBADF, .pool_fd = -EBADF, .spill_fd = -EBADF }

struct rundir;

/* -ENOENT: no tracer is loaded; -EPROTO: the one loaded lays its records
 * out otherwise (another build of bpfreaper). */
int tracer_open(const struct rundir *rd, struct tracer *ret);
/* Loads, attaches and pins a new tracer with backend want (AUTO: the
 * trampoline backend where the kernel loads it, else tracepoints). Caller
 * holds LOCK_EX. */
int tracer_load(const struct rundir *rd, enum tracer_backend want, struct tracer *ret, struct br_error *err);
/* Opens the running tracer, loading it (and mounting the private bpffs)
 * first if there is none. Returns the lock fd to close when done: shared
 * normally, exclusive if this call loaded the tracer. -EXDEV: the private
 * bpffs would live in this process's own mount namespace. */
int tracer_open_or_load(const struct rundir *rd, enum tracer_backend want, struct tracer *t, bool *ret_loaded,
			struct br_error *err);
/* Unpins the tracer if no cgroup is registered (-EBUSY otherwise). Caller
 * holds LOCK_EX. */
int tracer_unload(const struct rundir *rd);
void tracer_close(struct tracer *t);
/* A new, empty records map of the shape the tracer's records slots hold
 * (the loader's template, and the pool's maps). */
int tracer_records_map_create(void);
/* Loads a backend's programs and unloads them at once (doctor). */
int tracer_probe(enum tracer_backend b, struct br_error *err);

/* Do the kernel functions the trampoline backend hooks take the arguments
 * bpf/trampoline.bpf.c reads? 0 if they do; -ENOENT (a function is
 * missing) or -EPROTO (its prototype differs), with err naming the
 * function. *ret_filp_flush: close(2) goes through filp_flush (6.7+). */
int kprotos_check(struct br_error *err, bool *ret_filp_flush);
struct btf;
/* The same against a given BTF (tests). */
int kprotos_check_btf(const struct btf *btf, struct br_error *err);

#endif
