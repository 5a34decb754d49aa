// SPDX-License-Identifier: LGPL-2.1-or-later
/* Object IDs are global and not reused while the object lives, but reused
 * once it is freed (cyclic, below 2^31): an id names the object a record
 * means only while its fingerprint (struct record_obj) still matches. See
 * reap-bpfobj.h. */
#include "reap-bpfobj.h"
#include "enumtab.h"
#include "util.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

const char *const obj_kind_names[OBJ_LINK + 1] = {
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

/* Each field as bpf_obj_get_info_by_fd copies it from the kernel's struct,
 * the one the tracer reads at creation (bpf/objfile.h). */
static int fingerprint_of(int fd, uint32_t kind, struct record_obj *ret)
{
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
		struct bpf_link_info link;
	} info;
	uint32_t len = sizeof(info);
	struct record_obj o = { .kind = kind };

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	switch (kind) {
	case OBJ_MAP:
		o.id = info.map.id;
		o.type = info.map.type;
		memcpy(o.name, info.map.name, sizeof(o.name));
		o.fp.map.key_size = info.map.key_size;
		o.fp.map.value_size = info.map.value_size;
		o.fp.map.max_entries = info.map.max_entries;
		o.fp.map.map_flags = info.map.map_flags;
		break;
	case OBJ_PROG:
		o.id = info.prog.id;
		o.type = info.prog.type;
		memcpy(o.name, info.prog.name, sizeof(o.name));
		o.fp.prog.load_time = info.prog.load_time;
		memcpy(o.fp.prog.tag, info.prog.tag, sizeof(o.fp.prog.tag));
		break;
	case OBJ_LINK:
		o.id = info.link.id;
		o.type = info.link.type;
		o.fp.link.prog_id = info.link.prog_id;
		break;
	default:
		return -EINVAL;
	}
	*ret = o;
	return 0;
}

int obj_fingerprint(uint32_t kind, uint32_t id, struct record_obj *ret)
{
	_cleanup_close_ int fd = obj_fd_by_id(kind, id);

	if (fd < 0)
		return fd;
	return fingerprint_of(fd, kind, ret);
}

/* A link's name is its program's (bpf/objfile.h): not its own, and not
 * given by bpf_link_info; its program id stands for it. */
static bool fingerprints_equal(const struct record_obj *a, const struct record_obj *b)
{
	if (a->kind != b->kind || a->id != b->id || a->type != b->type)
		return false;
	switch (a->kind) {
	case OBJ_MAP:
		return a->fp.map.key_size == b->fp.map.key_size && a->fp.map.value_size == b->fp.map.value_size &&
		       a->fp.map.max_entries == b->fp.map.max_entries && a->fp.map.map_flags == b->fp.map.map_flags &&
		       strncmp(a->name, b->name, sizeof(a->name)) == 0;
	case OBJ_PROG:
		return a->fp.prog.load_time == b->fp.prog.load_time &&
		       memcmp(a->fp.prog.tag, b->fp.prog.tag, sizeof(a->fp.prog.tag)) == 0 &&
		       strncmp(a->name, b->name, sizeof(a->name)) == 0;
	case OBJ_LINK:
		return a->fp.link.prog_id == b->fp.link.prog_id;
	default:
		return false;
	}
}

int obj_recorded_alive(const struct record_obj *obj)
{
	struct record_obj now = {};
	int r = obj_fingerprint(obj->kind, obj->id, &now);

	if (r < 0)
		return r;
	return fingerprints_equal(obj, &now) ? 1 : 0;
}
