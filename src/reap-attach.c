// SPDX-License-Identifier: LGPL-2.1-or-later
/* Detaching what outlives the container without a pin; see reap-attach.h. */
#include "reap-attach.h"
#include "bpfuapi.h"
#include "cgroup.h"
#include "crashpoint.h"
#include "reap-tcfilter.h"
#include "util.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* The container's own program (it created it, provably), or NULL. */
static struct reap_object *ours(struct reap_result *res, uint32_t prog_id)
{
	return prog_id ? reap_find_object(res, OBJ_PROG, prog_id) : NULL;
}

/* A program a keep rule holds (by its pin, or a kept link's) keeps its
 * attachments: listed with the rule, never detached. */
static int keep(struct reap_result *res, const char *where, const struct reap_object *prog)
{
	return reap_path_add_kept(&res->attach_kept, where, OBJ_PROG, prog->id, prog->kept_rule);
}

/* List what detach() did (r), or what report mode left; where names the
 * attachment. */
static int settle(struct reap_result *res, bool remove, const char *where, uint32_t prog_id, int r)
{
	if (!remove)
		return reap_path_add(&res->attach_left, where, OBJ_PROG, prog_id, 0, "report mode");
	if (r < 0)
		return reap_path_add(&res->attach_left, where, OBJ_PROG, prog_id, r, "detach failed");
	crashpoint("detached");
	return reap_path_add(&res->attach_detached, where, OBJ_PROG, prog_id, 0, NULL);
}

static bool attached_at(int cg_fd, uint32_t attach_type, uint32_t prog_id)
{
	uint32_t ids[64], cnt = ARRAY_SIZE(ids), flags = 0;

	if (bpf_prog_query(cg_fd, attach_type, 0, &flags, ids, &cnt) < 0)
		return false;
	for (uint32_t i = 0; i < cnt && i < ARRAY_SIZE(ids); i++)
		if (ids[i] == prog_id)
			return true;
	return false;
}

int detach_cgroup_attachments(const struct record_list *records, struct reap_result *res, bool remove)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < records->n; i++) {
		const struct record *rec = &records->v[i];
		_cleanup_close_ int cg_fd = -EBADF, prog_fd = -EBADF;
		char where[PATH_MAX + 64], path[PATH_MAX] = "?";
		const struct reap_object *prog;
		const char *type;

		if (rec->kind != REC_ATTACH || !(rec->flags & REC_F_TARGET_CGROUP))
			continue;
		type = libbpf_bpf_attach_type_str(rec->attach.attach_type);
		cg_fd = cgroup_open_by_id(rec->attach.target_cgroup);
		if (cg_fd == -ENOENT)
			continue; /* the cgroup is gone, and its attachments with it */
		if (cg_fd < 0) {
			/* No usable cgroup2 mount here (or no right to open by
			 * handle): whether it is still attached cannot be told,
			 * so it is listed, never taken for gone. */
			snprintf(where, sizeof(where), "cgroup id %llu %s",
				 (unsigned long long)rec->attach.target_cgroup, type ? type : "?");
			r = reap_path_add(&res->attach_left, where, OBJ_PROG, rec->attach.prog.id, cg_fd,
					  "cannot open the cgroup");
			continue;
		}
		/* Detached already (by the container, or a previous run). */
		if (!attached_at(cg_fd, rec->attach.attach_type, rec->attach.prog.id))
			continue;
		(void)cgroup_path_of_fd(cg_fd, path, sizeof(path));
		snprintf(where, sizeof(where), "cgroup %s %s", path, type ? type : "?");
		/* The record's program id was read from the container's memory,
		 * which another of its threads can rewrite after the kernel read
		 * it: only a program the container created is ever detached. */
		prog = ours(res, rec->attach.prog.id);
		if (!prog) {
			r = reap_path_add(&res->attach_left, where, OBJ_PROG, rec->attach.prog.id, 0,
					  "not a program the container created");
			continue;
		}
		if (prog->kept) {
			r = keep(res, where, prog);
			continue;
		}
		if (remove) {
			prog_fd = bpf_prog_get_fd_by_id(rec->attach.prog.id);
			r = prog_fd < 0 ? prog_fd : bpf_prog_detach2(prog_fd, cg_fd, rec->attach.attach_type);
		}
		r = settle(res, remove, where, rec->attach.prog.id, r < 0 ? -errno : 0);
	}
	return r;
}

static int detach_xdp(struct reap_result *res, bool remove, int ifindex, const char *ifname)
{
	static const struct {
		const char *name;
		uint32_t flag;
	} modes[] = { { "skb", XDP_FLAGS_SKB_MODE }, { "drv", XDP_FLAGS_DRV_MODE }, { "hw", XDP_FLAGS_HW_MODE } };
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	uint32_t ids[3];
	int r = 0;

	if (bpf_xdp_query(ifindex, 0, &q) < 0)
		return 0; /* a device that went away meanwhile */
	ids[0] = q.skb_prog_id;
	ids[1] = q.drv_prog_id;
	ids[2] = q.hw_prog_id;
	for (size_t m = 0; r == 0 && m < ARRAY_SIZE(modes); m++) {
		_cleanup_close_ int fd = -EBADF;
		const struct reap_object *prog = ours(res, ids[m]);
		char where[IF_NAMESIZE + 32];
		int err = 0;

		if (!prog)
			continue;
		snprintf(where, sizeof(where), "xdp %s dev %s", modes[m].name, ifname);
		if (prog->kept) {
			r = keep(res, where, prog);
			continue;
		}
		if (remove) {
			LIBBPF_OPTS(bpf_xdp_attach_opts, a);

			fd = bpf_prog_get_fd_by_id(ids[m]);
			/* old_prog_fd: the kernel replaces only if ours is still
			 * the one attached (XDP_FLAGS_REPLACE). */
			a.old_prog_fd = fd;
			err = fd < 0 ? -errno : bpf_xdp_detach(ifindex, modes[m].flag, &a);
		}
		r = settle(res, remove, where, ids[m], err);
	}
	return r;
}

static int detach_tc(struct reap_result *res, bool remove, int ifindex, const char *ifname)
{
	int r = 0;

	for (int egress = 0; r == 0 && egress < 2; egress++) {
		struct tc_bpf_filter *f = NULL;
		size_t n = 0;

		if (tc_bpf_filters(ifindex, egress, &f, &n) < 0)
			continue;
		for (size_t i = 0; r == 0 && i < n; i++) {
			const struct reap_object *prog = ours(res, f[i].prog_id);
			char where[IF_NAMESIZE + 64];

			if (!prog)
				continue;
			snprintf(where, sizeof(where), "tc %s dev %s prio %u handle 0x%x",
				 egress ? "egress" : "ingress", ifname, f[i].prio, f[i].handle);
			if (prog->kept) {
				r = keep(res, where, prog);
				continue;
			}
			r = settle(res, remove, where, f[i].prog_id,
				   remove ? tc_bpf_filter_delete(ifindex, &f[i]) : 0);
		}
		free(f);
	}
	return r;
}

/* The programs on one tcx or netkit hook, in order, and for each the link
 * that attached it (0: BPF_PROG_ATTACH). libbpf 1.1's bpf_prog_query()
 * predates link_ids, hence the raw call. */
static int mprog_query(int ifindex, uint32_t attach_type, uint32_t *prog_ids, uint32_t *link_ids,
		       uint32_t *ret_cnt)
{
	struct bpfreaper_prog_query q = {
		.target = (uint32_t)ifindex,
		.attach_type = attach_type,
		.prog_ids = (uint64_t)(uintptr_t)prog_ids,
		.count = BPFREAPER_MPROG_MAX,
		.link_ids = (uint64_t)(uintptr_t)link_ids,
	};

	if (syscall(__NR_bpf, BPF_PROG_QUERY, &q, sizeof(q)) < 0)
		return -errno;
	*ret_cnt = q.count < BPFREAPER_MPROG_MAX ? q.count : BPFREAPER_MPROG_MAX;
	return 0;
}

/* tcx (6.6) and netkit (6.7) hooks hold a list of programs per device
 * (bpf_mprog): one query and one detach for both. A program attached with
 * BPF_PROG_ATTACH stays until detached or the device goes; one attached
 * through a link goes with its link, which detach_links() already took if
 * it was the container's: the kernel refuses to detach it as a program
 * (-EBUSY), so it is only ever reported. Netkit is untested here: this
 * kernel has no CONFIG_NETKIT; its query and detach are tcx's (the same
 * bpf_mprog calls on the primary device's ifindex). */
static int detach_mprog(struct reap_result *res, bool remove, int ifindex, const char *ifname)
{
	static const struct {
		const char *name;
		uint32_t type;
	} hooks[] = {
		{ "tcx ingress", BPFREAPER_BPF_TCX_INGRESS },
		{ "tcx egress", BPFREAPER_BPF_TCX_EGRESS },
		{ "netkit primary", BPFREAPER_BPF_NETKIT_PRIMARY },
		{ "netkit peer", BPFREAPER_BPF_NETKIT_PEER },
	};
	int r = 0;

	for (size_t h = 0; r == 0 && h < ARRAY_SIZE(hooks); h++) {
		uint32_t prog_ids[BPFREAPER_MPROG_MAX] = {}, link_ids[BPFREAPER_MPROG_MAX] = {}, cnt = 0;

		/* -ENOENT: nothing on the hook; -ENXIO or -EINVAL: not a netkit
		 * device, or a kernel without tcx or netkit; -ENODEV: gone. */
		if (mprog_query(ifindex, hooks[h].type, prog_ids, link_ids, &cnt) < 0)
			continue;
		for (uint32_t i = 0; r == 0 && i < cnt; i++) {
			_cleanup_close_ int fd = -EBADF;
			const struct reap_object *prog = ours(res, prog_ids[i]);
			char where[IF_NAMESIZE + 64];
			int err = 0;

			if (!prog)
				continue;
			snprintf(where, sizeof(where), "%s dev %s", hooks[h].name, ifname);
			if (prog->kept) {
				r = keep(res, where, prog);
				continue;
			}
			if (link_ids[i]) {
				snprintf(where, sizeof(where), "%s dev %s link %u", hooks[h].name, ifname, link_ids[i]);
				r = reap_path_add(&res->attach_left, where, OBJ_PROG, prog_ids[i], 0,
						  "attached through a link");
				continue;
			}
			if (remove) {
				/* The kernel detaches exactly this program, and only
				 * if BPF_PROG_ATTACH put it there. */
				fd = bpf_prog_get_fd_by_id(prog_ids[i]);
				err = fd < 0 || bpf_prog_detach2(fd, ifindex, hooks[h].type) < 0 ? -errno : 0;
			}
			r = settle(res, remove, where, prog_ids[i], err);
		}
	}
	return r;
}

/* Has the container a program of its own of that type (BPF_PROG_TYPE_UNSPEC:
 * any)? Without one, there is nothing of its own to find where such
 * programs attach. */
static bool has_program(const struct reap_result *res, uint32_t type)
{
	for (size_t i = 0; i < res->n_objects; i++)
		if (res->objects[i].kind == OBJ_PROG && (type == BPF_PROG_TYPE_UNSPEC || res->objects[i].type == type))
			return true;
	return false;
}

int detach_netdev_attachments(struct reap_result *res, bool remove)
{
	struct if_nameindex *ifs;
	int r = 0;

	if (!has_program(res, BPF_PROG_TYPE_UNSPEC))
		return 0;
	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (struct if_nameindex *i = ifs; r == 0 && i->if_index; i++) {
		r = detach_xdp(res, remove, (int)i->if_index, i->if_name);
		if (r == 0)
			r = detach_tc(res, remove, (int)i->if_index, i->if_name);
		if (r == 0)
			r = detach_mprog(res, remove, (int)i->if_index, i->if_name);
	}
	if_freenameindex(ifs);
	return r;
}

static int detach_sockmap(struct reap_result *res, bool remove, int map_fd, const struct bpf_map_info *map)
{
	static const struct {
		const char *name;
		uint32_t type;
	} slots[] = {
		{ "sk_msg_verdict", BPF_SK_MSG_VERDICT },
		{ "sk_skb_stream_parser", BPF_SK_SKB_STREAM_PARSER },
		{ "sk_skb_stream_verdict", BPF_SK_SKB_STREAM_VERDICT },
		{ "sk_skb_verdict", BPF_SK_SKB_VERDICT },
	};
	int r = 0;

	for (size_t s = 0; r == 0 && s < ARRAY_SIZE(slots); s++) {
		_cleanup_close_ int fd = -EBADF;
		uint32_t id = 0, cnt = 1;
		const struct reap_object *prog;
		char where[64];
		int err = 0;

		/* One program per slot; -EINVAL before 5.19 (no query). */
		if (bpf_prog_query(map_fd, slots[s].type, 0, NULL, &id, &cnt) < 0 || cnt == 0)
			continue;
		prog = ours(res, id);
		if (!prog)
			continue;
		snprintf(where, sizeof(where), "%s map %u %s",
			 map->type == BPF_MAP_TYPE_SOCKHASH ? "sockhash" : "sockmap", map->id, slots[s].name);
		if (prog->kept) {
			r = keep(res, where, prog);
			continue;
		}
		if (remove) {
			/* The kernel detaches only if this program is the one in
			 * the slot (else -ENOENT), and refuses one a sockmap link
			 * holds (-EBUSY, 6.10+). */
			fd = bpf_prog_get_fd_by_id(id);
			err = fd < 0 || bpf_prog_detach2(fd, map_fd, slots[s].type) < 0 ? -errno : 0;
			if (err == -EBUSY) {
				r = reap_path_add(&res->attach_left, where, OBJ_PROG, id, 0, "attached through a link");
				continue;
			}
		}
		r = settle(res, remove, where, id, err);
	}
	return r;
}

int detach_sockmap_attachments(struct reap_result *res, bool remove)
{
	uint32_t id = 0;
	int r = 0;

	if (!has_program(res, BPF_PROG_TYPE_SK_MSG) && !has_program(res, BPF_PROG_TYPE_SK_SKB))
		return 0;
	while (r == 0 && bpf_map_get_next_id(id, &id) == 0) {
		_cleanup_close_ int fd = -EBADF;
		struct bpf_map_info map = {};
		uint32_t len = sizeof(map);

		/* The container's own maps go with their pins (a kept one
		 * keeps what it holds): only maps of someone else's. */
		if (reap_find_object(res, OBJ_MAP, id))
			continue;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &map, &len) < 0)
			continue; /* freed meanwhile */
		if (map.type == BPF_MAP_TYPE_SOCKMAP || map.type == BPF_MAP_TYPE_SOCKHASH)
			r = detach_sockmap(res, remove, fd, &map);
	}
	return r;
}

int detach_netns_attachments(struct reap_result *res, bool remove)
{
	_cleanup_close_ int ns = -EBADF, fd = -EBADF;
	uint32_t ids[4], cnt = ARRAY_SIZE(ids);
	const struct reap_object *prog;
	char where[64];
	struct stat st;
	int err = 0;

	if (!has_program(res, BPF_PROG_TYPE_UNSPEC))
		return 0;
	/* The kernel attaches and detaches a flow dissector in the caller's
	 * network namespace: query that one, the host's. */
	ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns < 0 || fstat(ns, &st) < 0)
		return -errno;
	if (bpf_prog_query(ns, BPF_FLOW_DISSECTOR, 0, NULL, ids, &cnt) < 0 || cnt == 0)
		return 0;
	/* One flow dissector per namespace: ids[0] is the one. */
	prog = ours(res, ids[0]);
	if (!prog)
		return 0;
	snprintf(where, sizeof(where), "flow_dissector netns net:[%lu]", (unsigned long)st.st_ino);
	if (prog->kept)
		return keep(res, where, prog);
	if (remove) {
		fd = bpf_prog_get_fd_by_id(ids[0]);
		/* target 0: the caller's namespace. The kernel detaches only if
		 * this very program is the one attached (else -ENOENT), and
		 * refuses one a link attached (-EINVAL: a netns holds links or
		 * a program, never both). */
		err = fd < 0 || bpf_prog_detach2(fd, 0, BPF_FLOW_DISSECTOR) < 0 ? -errno : 0;
		if (err == -EINVAL)
			return reap_path_add(&res->attach_left, where, OBJ_PROG, ids[0], 0, "attached through a link");
	}
	return settle(res, remove, where, ids[0], err);
}
