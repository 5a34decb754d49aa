/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Raw bpf(2) for the static test helpers, which run in a bare rootfs
 * without libbpf. These return what the kernel did (-1 and errno, or 0 for
 * an id); each helper reports failures its own way.
 */
#ifndef BPFREAPER_RAWBPF_H
#define BPFREAPER_RAWBPF_H

#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The id of the map, program or link fd names (0 if the kernel says no):
 * each kind's info struct starts with its type, then its id. */
static inline uint32_t rawbpf_id(int fd)
{
	uint32_t info[32];
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	memset(info, 0, sizeof(info));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0 ? 0 : info[1];
}

static inline int rawbpf_pin(int fd, const char *path)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.bpf_fd = (uint32_t)fd;
	attr.pathname = (uint64_t)(uintptr_t)path;
	return (int)sys_bpf(BPF_OBJ_PIN, &attr);
}

static inline int rawbpf_obj_get(const char *path)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)path;
	return (int)sys_bpf(BPF_OBJ_GET, &attr);
}

/* A hash map of 4-byte keys. */
static inline int rawbpf_hash_map(const char *name, uint32_t value_size, uint32_t entries)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_HASH;
	attr.key_size = 4;
	attr.value_size = value_size;
	attr.max_entries = entries;
	memcpy(attr.map_name, name, strnlen(name, sizeof(attr.map_name) - 1));
	return (int)sys_bpf(BPF_MAP_CREATE, &attr);
}

#endif
