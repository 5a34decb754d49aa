// SPDX-License-Identifier: LGPL-2.1-or-later
/* tc cls_bpf filters over rtnetlink; see reap-tcfilter.h. */
#include "reap-tcfilter.h"
#include "util.h"

#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

struct tc_req {
	struct nlmsghdr nh;
	struct tcmsg tc;
	char attrs[64]; /* cppcheck-suppress unusedStructMember ; attributes appended past tc */
};

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static void add_attr_str(struct tc_req *req, unsigned short type, const char *s)
{
	struct rtattr *a = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->nh.nlmsg_len));
	size_t len = strlen(s) + 1;

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), s, len);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* The BPF program id of a filter message, 0 if it is not a bpf filter. */
static uint32_t bpf_id_of(struct tcmsg *tc, int len)
{
	struct rtattr *a = (struct rtattr *)((char *)tc + NLMSG_ALIGN(sizeof(*tc)));
	bool is_bpf = false;
	uint32_t id = 0;

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == TCA_KIND)
			is_bpf = strncmp(RTA_DATA(a), "bpf", RTA_PAYLOAD(a)) == 0;
		if (a->rta_type == TCA_OPTIONS) {
			struct rtattr *o = RTA_DATA(a);
			int olen = (int)RTA_PAYLOAD(a);

			for (; RTA_OK(o, olen); o = RTA_NEXT(o, olen))
				if (o->rta_type == TCA_BPF_ID && RTA_PAYLOAD(o) >= sizeof(uint32_t))
					memcpy(&id, RTA_DATA(o), sizeof(id));
		}
	}
	return is_bpf ? id : 0;
}

int tc_bpf_filters(int ifindex, bool egress, struct tc_bpf_filter **ret, size_t *ret_n)
{
	struct tc_req req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)), .nlmsg_type = RTM_GETTFILTER,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.tc = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			.tcm_parent = TC_H_MAKE(TC_H_CLSACT, egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS) },
	};
	_cleanup_close_ int fd = nl_open();
	struct tc_bpf_filter *v = NULL;
	size_t n = 0;
	char buf[16384];
	int r = 0;

	if (fd < 0)
		return fd;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	for (bool done = false; !done && r == 0;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;

		if (len < 0) {
			r = errno == EINTR ? 0 : -errno;
			continue;
		}
		for (; r == 0 && NLMSG_OK(nh, (unsigned)len); nh = NLMSG_NEXT(nh, len)) {
			struct tcmsg *tc = NLMSG_DATA(nh);
			struct tc_bpf_filter *nv;
			uint32_t id;

			if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				int err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;

				/* No clsact qdisc on the device: no filters. */
				r = err == -EINVAL || err == -ENOENT ? 0 : err;
				done = true;
				break;
			}
			if (nh->nlmsg_type != RTM_NEWTFILTER)
				continue;
			id = bpf_id_of(tc, (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*tc))));
			if (!id)
				continue;
			nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			v[n++] = (struct tc_bpf_filter){
				.parent = req.tc.tcm_parent, .handle = tc->tcm_handle,
				.prio = (uint16_t)(TC_H_MAJ(tc->tcm_info) >> 16),
				.protocol = (uint16_t)TC_H_MIN(tc->tcm_info), .prog_id = id,
			};
		}
	}
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int tc_bpf_filter_delete(int ifindex, const struct tc_bpf_filter *f)
{
	struct tc_req req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)), .nlmsg_type = RTM_DELTFILTER,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 1 },
		.tc = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = f->parent,
			.tcm_handle = f->handle,
			.tcm_info = TC_H_MAKE((uint32_t)f->prio << 16, f->protocol) },
	};
	_cleanup_close_ int fd = nl_open();
	char buf[4096];
	ssize_t len;
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;

	if (fd < 0)
		return fd;
	add_attr_str(&req, TCA_KIND, "bpf");
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < 0)
		return -errno;
	if (NLMSG_OK(nh, (unsigned)len) && nh->nlmsg_type == NLMSG_ERROR)
		return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	return -EIO;
}
