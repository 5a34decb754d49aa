// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpfleak: runs inside test containers and leaks eBPF objects the way real
 * workloads do. Raw bpf(2) only, linked statically, so it needs nothing in
 * the container's rootfs. Prints "<kind> <id> <path>" for each object made.
 *   bpfleak map PATH           a hash map pinned at PATH
 *   bpfleak maps DIR N         N maps pinned as DIR/m0 .. DIR/m<N-1>
 *   bpfleak prog PATH          a socket filter holding an unpinned map, prog pinned at PATH
 *   bpfleak nopin              a map, not pinned (freed when the process exits)
 *   bpfleak churn N            N maps made and closed at once (a long-lived agent's churn)
 *   bpfleak exitchurn N PER    N child processes, each makes PER maps and exits without
 *                              closing them
 *   bpfleak pinchurn PATH N    N times: a map pinned at PATH, unpinned, closed
 *   bpfleak dirchurn PATH N    N times: mkdir PATH, rmdir PATH
 *   bpfleak progchurn N        N times: a map, a program using it, both closed (the map
 *                              is freed with the program, by no close of its own)
 *   bpfleak cglink CGDIR PATH  a cgroup_skb program linked (BPF_LINK_CREATE) to the
 *                              cgroup CGDIR on ingress, the link pinned at PATH
 *   bpfleak xdplink DEV PATH   an XDP program linked (BPF_LINK_CREATE) to the network
 *                              device DEV, the link pinned at PATH
 *   bpfleak tcx DEV [PIN]      a sched_cls program attached with BPF_PROG_ATTACH (no link)
 *                              to the tcx ingress hook of DEV, another to tcx egress;
 *                              with PIN, pinned at PIN-ingress and PIN-egress
 *   bpfleak tcxlink DEV PATH   a sched_cls program linked (BPF_LINK_CREATE) to DEV's tcx
 *                              ingress hook, the link pinned at PATH
 *   bpfleak tcxquery DEV       the programs on DEV's tcx hooks: "ingress|egress ID LINK_ID"
 *   bpfleak fdattach [PIN]     a flow dissector program (or the one pinned at PIN)
 *                              attached with BPF_PROG_ATTACH to the caller's netns
 *   bpfleak fdpin PATH         a flow dissector program pinned at PATH, not attached
 *   bpfleak fdquery            the flow dissector of the caller's netns: "flow_dissector ID"
 *   bpfleak fddetach ID        detaches program ID as the flow dissector of the caller's netns
 *   bpfleak sockmap MAP msg|skb  an sk_msg (sk_msg_verdict) or sk_skb (sk_skb_verdict) program
 *                              attached with BPF_PROG_ATTACH to the sockmap pinned at MAP
 *   bpfleak sockmapquery MAP   the programs of the sockmap pinned at MAP: "msg|skb ID"
 *   bpfleak mkdirs DIR N       N directories DIR/d0 .. DIR/d<N-1> (mkdir(2) only)
 *   bpfleak send SOCKET        a map, not pinned, its fd sent over the unix socket
 *                              SOCKET (SCM_RIGHTS) to whoever listens there
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rawbpf.h"


/* is_prog: which kind, for the message only. */
static uint32_t id_of(int fd, int is_prog)
{
	uint32_t id = rawbpf_id(fd);

	if (!id) {
		fprintf(stderr, "bpfleak: BPF_OBJ_GET_INFO_BY_FD %s: %s\n", is_prog ? "prog" : "map", strerror(errno));
		exit(1);
	}
	return id;
}

static int map_create(const char *name)
{
	int fd = rawbpf_hash_map(name, 8, 16);

	if (fd < 0) {
		perror("bpfleak: BPF_MAP_CREATE");
		exit(1);
	}
	return fd;
}

static void pin(int fd, const char *path)
{
	if (rawbpf_pin(fd, path) < 0) {
		fprintf(stderr, "bpfleak: pin %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static int prog_with_map(int map_fd)
{
	struct bpf_insn insns[] = {
		/* r1 = map (ld_imm64): the program holds a reference to the map */
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (uint64_t)(uintptr_t)"GPL";
	strncpy(attr.prog_name, "leakprog", sizeof(attr.prog_name) - 1);
	fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		perror("bpfleak: BPF_PROG_LOAD");
		exit(1);
	}
	return fd;
}

static void cgroup_link(const char *cgdir, const char *path)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int prog, link, cg = open(cgdir, O_RDONLY | O_DIRECTORY);

	if (cg < 0) {
		perror("bpfleak: open cgroup");
		exit(1);
	}
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_SKB;
	attr.expected_attach_type = BPF_CGROUP_INET_INGRESS;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	strncpy(attr.prog_name, "cglinkprog", sizeof(attr.prog_name) - 1);
	prog = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	if (prog < 0) {
		perror("bpfleak: BPF_PROG_LOAD cgroup_skb");
		exit(1);
	}
	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog;
	attr.link_create.target_fd = cg;
	attr.link_create.attach_type = BPF_CGROUP_INET_INGRESS;
	link = (int)sys_bpf(BPF_LINK_CREATE, &attr);
	if (link < 0) {
		perror("bpfleak: BPF_LINK_CREATE");
		exit(1);
	}
	pin(link, path);
	printf("prog %u -\n", id_of(prog, 1));
}

static uint32_t link_id_of(int fd)
{
	return id_of(fd, 0);
}

static void xdp_link(const char *dev, const char *path)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 2 }, /* XDP_PASS */
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	unsigned ifindex = if_nametoindex(dev);
	int prog, link;

	if (!ifindex) {
		fprintf(stderr, "bpfleak: no device %s\n", dev);
		exit(1);
	}
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.expected_attach_type = BPF_XDP;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	strncpy(attr.prog_name, "xdplinkprog", sizeof(attr.prog_name) - 1);
	prog = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	if (prog < 0) {
		perror("bpfleak: BPF_PROG_LOAD xdp");
		exit(1);
	}
	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog;
	attr.link_create.target_ifindex = ifindex;
	attr.link_create.attach_type = BPF_XDP;
	link = (int)sys_bpf(BPF_LINK_CREATE, &attr);
	if (link < 0) {
		perror("bpfleak: BPF_LINK_CREATE xdp");
		exit(1);
	}
	pin(link, path);
	printf("prog %u -\n", id_of(prog, 1));
	printf("link %u %s\n", link_id_of(link), path);
}

/* Debian 12's uapi headers (6.1) predate tcx (6.6): kernel numbers. */
#define TCX_INGRESS 46
#define TCX_EGRESS 47

static int load_trivial(uint32_t type, int32_t ret, const char *name)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	strncpy(attr.prog_name, name, sizeof(attr.prog_name) - 1);
	fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		fprintf(stderr, "bpfleak: BPF_PROG_LOAD %s: %s\n", name, strerror(errno));
		exit(1);
	}
	return fd;
}

/* BPF_PROG_ATTACH: target is an ifindex for tcx, 0 (the caller's netns)
 * for a flow dissector. */
static void prog_attach(int prog, uint32_t target, uint32_t type)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = target;
	attr.attach_bpf_fd = prog;
	attr.attach_type = type;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0) {
		fprintf(stderr, "bpfleak: BPF_PROG_ATTACH type %u: %s\n", type, strerror(errno));
		exit(1);
	}
}

static unsigned ifindex_of(const char *dev)
{
	unsigned ifindex = if_nametoindex(dev);

	if (!ifindex) {
		fprintf(stderr, "bpfleak: no device %s\n", dev);
		exit(1);
	}
	return ifindex;
}

static void tcx_attach(const char *dev, const char *pin_prefix)
{
	unsigned ifindex = ifindex_of(dev);
	/* TCX_NEXT (-1): the program changes nothing on the device. */
	int in = load_trivial(BPF_PROG_TYPE_SCHED_CLS, -1, "tcxingress");
	int out = load_trivial(BPF_PROG_TYPE_SCHED_CLS, -1, "tcxegress");

	prog_attach(in, ifindex, TCX_INGRESS);
	prog_attach(out, ifindex, TCX_EGRESS);
	if (pin_prefix) {
		char path[4096];

		snprintf(path, sizeof(path), "%s-ingress", pin_prefix);
		pin(in, path);
		snprintf(path, sizeof(path), "%s-egress", pin_prefix);
		pin(out, path);
	}
	printf("prog %u tcx_ingress\n", id_of(in, 1));
	printf("prog %u tcx_egress\n", id_of(out, 1));
}

static void tcx_link(const char *dev, const char *path)
{
	union bpf_attr attr;
	int prog = load_trivial(BPF_PROG_TYPE_SCHED_CLS, -1, "tcxlinkprog"), link;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog;
	attr.link_create.target_ifindex = ifindex_of(dev);
	attr.link_create.attach_type = TCX_INGRESS;
	link = (int)sys_bpf(BPF_LINK_CREATE, &attr);
	if (link < 0) {
		perror("bpfleak: BPF_LINK_CREATE tcx");
		exit(1);
	}
	pin(link, path);
	printf("prog %u -\n", id_of(prog, 1));
	printf("link %u %s\n", link_id_of(link), path);
}

static void tcx_query(const char *dev)
{
	/* BPF_PROG_QUERY as of 6.6: link_ids follow prog_attach_flags. */
	struct {
		uint32_t target, attach_type, query_flags, attach_flags;
		uint64_t prog_ids;
		uint32_t count, pad;
		uint64_t prog_attach_flags, link_ids, link_attach_flags, revision;
	} q;
	uint32_t ids[64], links[64];
	unsigned ifindex = ifindex_of(dev);

	for (uint32_t type = TCX_INGRESS; type <= TCX_EGRESS; type++) {
		memset(&q, 0, sizeof(q));
		q.target = ifindex;
		q.attach_type = type;
		q.prog_ids = (uint64_t)(uintptr_t)ids;
		q.link_ids = (uint64_t)(uintptr_t)links;
		q.count = 64;
		if (syscall(__NR_bpf, BPF_PROG_QUERY, &q, sizeof(q)) < 0) {
			if (errno == ENOENT)
				continue; /* nothing on this hook */
			perror("bpfleak: BPF_PROG_QUERY tcx");
			exit(1);
		}
		for (uint32_t i = 0; i < q.count && i < 64; i++)
			printf("%s %u %u\n", type == TCX_INGRESS ? "ingress" : "egress", ids[i], links[i]);
	}
}

static int obj_get(const char *path)
{
	int fd = rawbpf_obj_get(path);

	if (fd < 0) {
		fprintf(stderr, "bpfleak: BPF_OBJ_GET %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void flow_dissector(const char *pinned)
{
	/* BPF_FLOW_DISSECTOR_CONTINUE: the kernel's own dissector runs, so
	 * the host's traffic is dissected as before. */
	int prog = pinned ? obj_get(pinned)
			  : load_trivial(BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR_CONTINUE, "leakdissector");
	prog_attach(prog, 0, BPF_FLOW_DISSECTOR);
	printf("prog %u flow_dissector\n", id_of(prog, 1));
}

static void flow_dissector_query(void)
{
	uint32_t ids[4];
	union bpf_attr attr;
	int ns = open("/proc/thread-self/ns/net", O_RDONLY);

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = ns;
	attr.query.attach_type = BPF_FLOW_DISSECTOR;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = 4;
	if (ns < 0 || sys_bpf(BPF_PROG_QUERY, &attr) < 0) {
		perror("bpfleak: BPF_PROG_QUERY flow_dissector");
		exit(1);
	}
	for (uint32_t i = 0; i < attr.query.prog_cnt && i < 4; i++)
		printf("flow_dissector %u\n", ids[i]);
}

static void flow_dissector_detach(uint32_t id)
{
	union bpf_attr attr;
	int prog;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	prog = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	memset(&attr, 0, sizeof(attr));
	attr.attach_bpf_fd = prog;
	attr.attach_type = BPF_FLOW_DISSECTOR;
	if (prog < 0 || sys_bpf(BPF_PROG_DETACH, &attr) < 0) {
		fprintf(stderr, "bpfleak: detach flow dissector %u: %s\n", id, strerror(errno));
		exit(1);
	}
}

static void sockmap_attach(const char *map_pin, const char *slot)
{
	int msg = strcmp(slot, "msg") == 0;
	int map = obj_get(map_pin);
	/* SK_PASS (1): the program lets everything through. */
	int prog = load_trivial(msg ? BPF_PROG_TYPE_SK_MSG : BPF_PROG_TYPE_SK_SKB, 1, msg ? "leakskmsg" : "leakskskb");

	prog_attach(prog, (uint32_t)map, msg ? BPF_SK_MSG_VERDICT : BPF_SK_SKB_VERDICT);
	printf("prog %u %s\n", id_of(prog, 1), slot);
}

static void sockmap_query(const char *map_pin)
{
	int map = obj_get(map_pin);

	for (int msg = 1; msg >= 0; msg--) {
		union bpf_attr attr;
		uint32_t id = 0;

		memset(&attr, 0, sizeof(attr));
		attr.query.target_fd = map;
		attr.query.attach_type = msg ? BPF_SK_MSG_VERDICT : BPF_SK_SKB_VERDICT;
		attr.query.prog_ids = (uint64_t)(uintptr_t)&id;
		attr.query.prog_cnt = 1;
		if (sys_bpf(BPF_PROG_QUERY, &attr) < 0) {
			perror("bpfleak: BPF_PROG_QUERY sockmap");
			exit(1);
		}
		if (attr.query.prog_cnt)
			printf("%s %u\n", msg ? "msg" : "skb", id);
	}
}

static void send_fd(const char *path, int fd)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char data = 'm', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(cbuf, 0, sizeof(cbuf));
	strncpy(addr.sun_path, path, sizeof(addr.sun_path) - 1);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("bpfleak: connect");
		exit(1);
	}
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(s, &msg, 0) != 1) {
		perror("bpfleak: sendmsg");
		exit(1);
	}
	close(s);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "map") == 0) {
		int fd = map_create("leakmap");

		pin(fd, argv[2]);
		printf("map %u %s\n", id_of(fd, 0), argv[2]);
	} else if (argc == 4 && strcmp(argv[1], "maps") == 0) {
		long n = strtol(argv[3], NULL, 10);

		for (long i = 0; i < n; i++) {
			char path[4096];
			int fd = map_create("leakmany");

			snprintf(path, sizeof(path), "%s/m%ld", argv[2], i);
			pin(fd, path);
			printf("map %u %s\n", id_of(fd, 0), path);
			close(fd);
		}
	} else if (argc == 3 && strcmp(argv[1], "prog") == 0) {
		int map_fd = map_create("progmap");
		int prog_fd = prog_with_map(map_fd);

		pin(prog_fd, argv[2]);
		printf("map %u -\n", id_of(map_fd, 0));
		printf("prog %u %s\n", id_of(prog_fd, 1), argv[2]);
	} else if (argc == 4 && strcmp(argv[1], "mkdirs") == 0) {
		long n = strtol(argv[3], NULL, 10);
		char path[4096];

		for (long i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/d%ld", argv[2], i);
			if (mkdir(path, 0755) < 0) {
				fprintf(stderr, "bpfleak: mkdir %s: %s\n", path, strerror(errno));
				return 1;
			}
		}
		printf("dirs %ld %s\n", n, argv[2]);
	} else if (argc == 4 && strcmp(argv[1], "cglink") == 0) {
		cgroup_link(argv[2], argv[3]);
	} else if (argc == 4 && strcmp(argv[1], "xdplink") == 0) {
		xdp_link(argv[2], argv[3]);
	} else if ((argc == 3 || argc == 4) && strcmp(argv[1], "tcx") == 0) {
		tcx_attach(argv[2], argc == 4 ? argv[3] : NULL);
	} else if (argc == 4 && strcmp(argv[1], "tcxlink") == 0) {
		tcx_link(argv[2], argv[3]);
	} else if (argc == 3 && strcmp(argv[1], "tcxquery") == 0) {
		tcx_query(argv[2]);
	} else if ((argc == 2 || argc == 3) && strcmp(argv[1], "fdattach") == 0) {
		flow_dissector(argc == 3 ? argv[2] : NULL);
	} else if (argc == 3 && strcmp(argv[1], "fdpin") == 0) {
		int fd = load_trivial(BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR_CONTINUE, "hostdissector");

		pin(fd, argv[2]);
		printf("prog %u %s\n", id_of(fd, 1), argv[2]);
	} else if (argc == 2 && strcmp(argv[1], "fdquery") == 0) {
		flow_dissector_query();
	} else if (argc == 3 && strcmp(argv[1], "fddetach") == 0) {
		flow_dissector_detach((uint32_t)strtoul(argv[2], NULL, 10));
	} else if (argc == 4 && strcmp(argv[1], "sockmap") == 0) {
		sockmap_attach(argv[2], argv[3]);
	} else if (argc == 3 && strcmp(argv[1], "sockmapquery") == 0) {
		sockmap_query(argv[2]);
	} else if (argc == 3 && strcmp(argv[1], "send") == 0) {
		int fd = map_create("sentmap");

		printf("map %u -\n", id_of(fd, 0));
		fflush(stdout);
		send_fd(argv[2], fd);
	} else if (argc == 3 && strcmp(argv[1], "churn") == 0) {
		long n = strtol(argv[2], NULL, 10);

		for (long i = 0; i < n; i++)
			close(map_create("churn"));
		printf("churned %ld\n", n);
	} else if (argc == 4 && strcmp(argv[1], "exitchurn") == 0) {
		long n = strtol(argv[2], NULL, 10), per = strtol(argv[3], NULL, 10);

		for (long i = 0; i < n; i++) {
			pid_t pid = fork();
			int status;

			if (pid == 0) {
				for (long j = 0; j < per; j++)
					map_create("exitchurn");
				_exit(0); /* the fds close with the process */
			}
			if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0) {
				fprintf(stderr, "bpfleak: exitchurn child %ld failed\n", i);
				return 1;
			}
		}
		printf("exitchurned %ld\n", n * per);
	} else if (argc == 4 && (strcmp(argv[1], "pinchurn") == 0 || strcmp(argv[1], "dirchurn") == 0)) {
		long n = strtol(argv[3], NULL, 10);
		int dirs = argv[1][0] == 'd';

		for (long i = 0; i < n; i++) {
			int fd = dirs ? -1 : map_create("pinchurn");

			if (dirs ? mkdir(argv[2], 0755) : (pin(fd, argv[2]), 0)) {
				fprintf(stderr, "bpfleak: mkdir %s: %s\n", argv[2], strerror(errno));
				return 1;
			}
			if ((dirs ? rmdir(argv[2]) : unlink(argv[2])) < 0) {
				fprintf(stderr, "bpfleak: remove %s: %s\n", argv[2], strerror(errno));
				return 1;
			}
			if (fd >= 0)
				close(fd);
		}
		printf("%s %ld\n", argv[1], n);
	} else if (argc == 3 && strcmp(argv[1], "progchurn") == 0) {
		long n = strtol(argv[2], NULL, 10);

		for (long i = 0; i < n; i++) {
			int map_fd = map_create("progchurn");
			int prog_fd = prog_with_map(map_fd);

			close(map_fd);
			close(prog_fd);
		}
		printf("progchurned %ld\n", n);
	} else if (argc == 2 && strcmp(argv[1], "nopin") == 0) {
		int fd = map_create("nopin");

		printf("map %u -\n", id_of(fd, 0));
	} else {
		fprintf(stderr, "usage: bpfleak map PATH | maps DIR N | prog PATH | nopin | cglink CGDIR PATH | "
				"xdplink DEV PATH | tcx DEV [PIN] | tcxlink DEV PATH | tcxquery DEV | fdattach [PIN] | "
				"fdpin PATH | fdquery | fddetach ID | sockmap MAP msg|skb | sockmapquery MAP | mkdirs DIR N | "
				"send SOCKET | churn N | exitchurn N PER | pinchurn PATH N | dirchurn PATH N | "
				"progchurn N\n");
		return 2;
	}
	fflush(stdout);
	return 0;
}
