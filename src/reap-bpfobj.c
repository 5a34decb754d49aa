// SPDX-License-Identifier: LGPL-2.1-or-later
/* Object IDs are global and not reused while the object lives: an ID match
 * is an identity match. See reap-bpfobj.h. */
#include "reap-bpfobj.h"
#include "enumtab.h"
#include "util.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

static const char *const obj_kind_names[] = {
	[OBJ_MAP] = "map",
	[OBJ_PROG] = "prog",
	[OBJ_LINK] = "link",
};

const char *obj_kind_name(uint32_t kind)
{
	return ENUM_NAME(obj_kind_names, kind, "object");
}

int obj_fd_by_id(uint32_t kind, uint32_t id)
{
	int fd;

	switch (kind) {
	case OBJ_MAP:
		fd = bpf_map_get_fd_by_id(id);
		break;
	case OBJ_PROG:
		fd = bpf_prog_get_fd_by_id(id);
		break;
	case OBJ_LINK:
		fd = bpf_link_get_fd_by_id(id);
		break;
	default:
		return -EINVAL;
	}
	return fd < 0 ? -errno : fd;
}

int obj_identify(int fd, uint32_t *ret_kind, uint32_t *ret_id)
{
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
		struct bpf_link_info link;
	} info;
	char proc[64], target[64];
	uint32_t kind, len;
	ssize_t n;

	/* The anon inode name is the only cheap way to tell the kinds apart:
	 * their IDs come from separate spaces. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (streq(target, "anon_inode:bpf-map"))
		kind = OBJ_MAP;
	else if (streq(target, "anon_inode:bpf-prog"))
		kind = OBJ_PROG;
	/* A link is "bpf_link" where it was created and "bpf-link" where
	 * re-opened from a pin or by id (kernel/bpf/syscall.c). */
	else if (streq(target, "anon_inode:bpf_link") || streq(target, "anon_inode:bpf-link"))
		kind = OBJ_LINK;
	else
		return -EMEDIUMTYPE;

	memset(&info, 0, sizeof(info));
	len = kind == OBJ_MAP ? sizeof(info.map) : kind == OBJ_PROG ? sizeof(info.prog) : sizeof(info.link);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	*ret_kind = kind;
	*ret_id = kind == OBJ_MAP ? info.map.id : kind == OBJ_PROG ? info.prog.id : info.link.id;
	return 0;
}

int obj_next_id(uint32_t kind, uint32_t after, uint32_t *ret)
{
	int r;

	switch (kind) {
	case OBJ_MAP:
		r = bpf_map_get_next_id(after, ret);
		break;
	case OBJ_PROG:
		r = bpf_prog_get_next_id(after, ret);
		break;
	case OBJ_LINK:
		r = bpf_link_get_next_id(after, ret);
		break;
	default:
		return -EINVAL;
	}
	return r < 0 ? -errno : 0;
}

int obj_alive(uint32_t kind, uint32_t id)
{
	int fd = obj_fd_by_id(kind, id);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return fd == -ENOENT ? 0 : fd;
}
