/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel eBPF objects by ID: open, identify, check liveness. Reads only. */
#ifndef BPFREAPER_BPFOBJ_H
#define BPFREAPER_BPFOBJ_H

#include <stdbool.h>
#include <stdint.h>

#include "../bpf/record.h"

/* "map", "prog", "link", by OBJ_* (a field table's names). */
extern const char *const obj_kind_names[OBJ_LINK + 1];
const char *obj_kind_name(uint32_t kind);
/* An fd of the object, or -errno (-ENOENT: the kernel has freed it). */
int obj_fd_by_id(uint32_t kind, uint32_t id);
/* Which object an fd refers to (a map, prog or link fd, e.g. from a pin). */
int obj_identify(int fd, uint32_t *ret_kind, uint32_t *ret_id);
/* 1 alive, 0 freed, -errno if the kernel would not say. */
/* The smallest id of a live object of kind above after; -ENOENT if none. */
int obj_next_id(uint32_t kind, uint32_t after, uint32_t *ret);
int obj_alive(uint32_t kind, uint32_t id);
/* Whether the object a record names still lives: 1 the very object (its id
 * open and its fingerprint as recorded), 0 the id now names another object
 * (reused: the recorded one was freed), -ENOENT freed, other -errno if the
 * kernel would not say. */
int obj_recorded_alive(const struct record_obj *obj);
/* The live object's fingerprint, as the tracer records it (name aside for
 * a link); -ENOENT: freed. */
int obj_fingerprint(uint32_t kind, uint32_t id, struct record_obj *ret);

#endif
