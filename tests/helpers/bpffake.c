// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpffake: runs inside test containers and tries what a hostile tenant would
 * to make bpfreaper record the host's things as the container's. Raw
 * syscalls, linked statically.
 *
 * Faked calls: a supervisor thread answers the main thread's own syscall
 * through SECCOMP_RET_USER_NOTIF (no privilege needed beyond
 * no_new_privs). The kernel skips the call; its sys_exit tracepoint still
 * fires with the answer.
 *   bpffake map-create PIN    bpf(BPF_MAP_CREATE) "returns" an fd of the map pinned at PIN
 *   bpffake link-create PIN   bpf(BPF_LINK_CREATE) "returns" an fd of the link pinned at PIN
 *   bpffake mkdir PATH        mkdir(PATH) "succeeds" without running
 *   bpffake symlink TARGET PATH  symlink(TARGET, PATH) "succeeds" without running
 * Races between threads sharing the fd table and memory:
 *   bpffake swap PIN N        N real BPF_MAP_CREATE calls while another thread
 *                             keeps putting an fd of the map pinned at PIN at the
 *                             fd number they return (dup2); prints "swapped K",
 *                             how many calls returned the pinned map instead
 *   bpffake hide PREFIX N     up to N BPF_MAP_CREATE calls while another thread
 *                             takes the map at the fd number they return (dup)
 *                             and puts /dev/null there (dup2); the maps it took
 *                             (up to 128) are pinned as PREFIX<K>; prints
 *                             "pinned ID PATH" for each and "kept K"; then a
 *                             map of its own ("own ID") pinned at PREFIX-own
 *                             ("ownpin PATH") through an fd switched to
 *                             /dev/null while the kernel waits for the path
 *                             (userfaultfd: needs CAP_SYS_PTRACE)
 *   bpffake attach-race OWN_CG HOST_CG HOST_PROG_ID N
 *                             N BPF_PROG_ATTACH calls of its own cgroup_skb program to
 *                             the cgroup directory OWN_CG while another thread flips
 *                             the arguments in memory to the host's program on the
 *                             cgroup directory HOST_CG; then detaches what it attached
 * Prints what it did; exits 0 when the trick was played.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/userfaultfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rawbpf.h"


static void die(const char *what)
{
	fprintf(stderr, "bpffake: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int obj_get(const char *path)
{
	int fd = rawbpf_obj_get(path);

	if (fd < 0)
		die(path);
	return fd;
}

static uint32_t map_id_of(int fd)
{
	return rawbpf_id(fd);
}

/* --- faked calls: seccomp user notification answered by our own thread --- */

static int listener = -1;
static int answer_fd = -1; /* -1: answer 0, else install this fd as the result */
static volatile int listener_ready;

static void *supervise(void *arg)
{
	struct seccomp_notif req;

	(void)arg;
	while (!__atomic_load_n(&listener_ready, __ATOMIC_ACQUIRE))
		usleep(1000);
	memset(&req, 0, sizeof(req));
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		die("SECCOMP_IOCTL_NOTIF_RECV");
	if (answer_fd >= 0) {
		struct seccomp_notif_addfd addfd = {
			.id = req.id,
			.flags = SECCOMP_ADDFD_FLAG_SEND,
			.srcfd = (uint32_t)answer_fd,
			.newfd_flags = O_CLOEXEC,
		};

		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) < 0)
			die("SECCOMP_IOCTL_NOTIF_ADDFD");
	} else {
		struct seccomp_notif_resp resp = { .id = req.id, .val = 0, .error = 0 };

		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
			die("SECCOMP_IOCTL_NOTIF_SEND");
	}
	return NULL;
}

/* From now on, this thread's syscall nr (or nr2) goes to the supervisor. */
static pthread_t fake_next(long nr, long nr2)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr2, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	pthread_t t;

	/* The supervisor starts first: the filter applies to this thread only. */
	if (pthread_create(&t, NULL, supervise, NULL))
		die("pthread_create");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("PR_SET_NO_NEW_PRIVS");
	listener = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (listener < 0)
		die("seccomp");
	__atomic_store_n(&listener_ready, 1, __ATOMIC_RELEASE);
	return t;
}

static int fake_create(int cmd, const char *pin)
{
	union bpf_attr attr;
	pthread_t t;
	long fd;

	answer_fd = obj_get(pin);
	t = fake_next(__NR_bpf, __NR_bpf);
	memset(&attr, 0, sizeof(attr));
	if (cmd == BPF_MAP_CREATE) {
		attr.map_type = BPF_MAP_TYPE_HASH;
		attr.key_size = attr.value_size = 4;
		attr.max_entries = 1;
	}
	fd = sys_bpf(cmd, &attr);
	pthread_join(t, NULL);
	if (fd < 0)
		die("faked bpf()");
	printf("faked bpf(%d) returned fd %ld of %s\n", cmd, fd, pin);
	return 0;
}

static int fake_name(const char *target, const char *path)
{
	pthread_t t;
	long r;

	if (target) {
		t = fake_next(__NR_symlink, __NR_symlinkat);
		r = syscall(__NR_symlink, target, path);
	} else {
		t = fake_next(__NR_mkdir, __NR_mkdirat);
		r = syscall(__NR_mkdir, path, 0755);
	}
	pthread_join(t, NULL);
	if (r != 0)
		die("faked call");
	printf("faked %s %s: returned 0\n", target ? "symlink" : "mkdir", path);
	return 0;
}

/* --- races between threads --- */

static volatile int stop;
static int swap_src, swap_at;

static void *swapper(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		close(swap_at);
		dup2(swap_src, swap_at);
	}
	return NULL;
}

static int swap_race(const char *pin, long n)
{
	union bpf_attr attr;
	uint32_t host_id;
	long swapped = 0;
	pthread_t t;

	swap_src = obj_get(pin);
	host_id = map_id_of(swap_src);
	/* The lowest free fd: what the next MAP_CREATE returns once the
	 * swapper has just closed it. */
	swap_at = dup(0);
	if (swap_at < 0)
		die("dup");
	if (pthread_create(&t, NULL, swapper, NULL))
		die("pthread_create");
	for (long i = 0; i < n; i++) {
		long fd;

		memset(&attr, 0, sizeof(attr));
		attr.map_type = BPF_MAP_TYPE_ARRAY;
		attr.key_size = attr.value_size = 4;
		attr.max_entries = 1;
		fd = sys_bpf(BPF_MAP_CREATE, &attr);
		if (fd < 0)
			continue;
		if (fd == swap_at && map_id_of((int)fd) == host_id)
			swapped++;
		if (fd != swap_at)
			close((int)fd);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	printf("swapped %ld\n", swapped);
	return 0;
}

#define HIDE_KEEP 128
static int hide_slot, hide_null;
static int hide_kept[HIDE_KEEP];
static int n_hide_kept;

/* Takes whatever is at hide_slot and puts /dev/null there: a map the main
 * thread just made is then kept here, under another fd number, while the
 * tracer's probe at its sys_exit (if it runs after this) finds /dev/null. */
static void *hider(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		int t = dup(hide_slot);

		if (t < 0)
			continue;
		dup2(hide_null, hide_slot);
		if (n_hide_kept < HIDE_KEEP && rawbpf_id(t))
			hide_kept[n_hide_kept++] = t;
		else
			close(t);
	}
	return NULL;
}

static int uffd_slot;
static const char *arg_path;

/* Answers the kernel's fault on the pin's path: first puts /dev/null at the
 * bpf_fd the kernel has already taken the map from, then gives the page. */
static void *fault_server(void *arg)
{
	int uffd = (int)(intptr_t)arg;
	static char page[4096] __attribute__((aligned(4096)));
	struct uffd_msg msg;
	struct uffdio_copy copy;

	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT)
		die("userfaultfd read");
	if (dup2(hide_null, uffd_slot) < 0)
		die("dup2");
	strncpy(page, (const char *)arg_path, sizeof(page) - 1);
	copy.dst = msg.arg.pagefault.address & ~4095ull;
	copy.src = (uint64_t)(uintptr_t)page;
	copy.len = 4096;
	copy.mode = 0;
	copy.copy = 0;
	if (ioctl(uffd, UFFDIO_COPY, &copy) < 0)
		die("UFFDIO_COPY");
	return NULL;
}

/* A map of its own, recorded, pinned as PREFIX-own through a bpf_fd that
 * is /dev/null by the time the call returns: the kernel takes the map
 * from the fd first, then reads the path, which sits in a page that
 * userfaultfd holds back until the fd is switched. Deterministic: the
 * probe at the call's exit (either backend) cannot resolve the fd. */
static void pin_unseen(const char *prefix)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	static char path[4096];
	union bpf_attr attr;
	pthread_t t;
	char *page;
	int uffd, map;

	snprintf(path, sizeof(path), "%s-own", prefix);
	arg_path = path;
	map = rawbpf_hash_map("own", 8, 4);
	uffd_slot = dup(map);
	if (map < 0 || uffd_slot < 0)
		die("own map");
	uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) < 0)
		die("userfaultfd");
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		die("mmap");
	reg.range.start = (uint64_t)(uintptr_t)page;
	reg.range.len = 4096;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
		die("UFFDIO_REGISTER");
	if (pthread_create(&t, NULL, fault_server, (void *)(intptr_t)uffd))
		die("pthread_create");
	memset(&attr, 0, sizeof(attr));
	attr.bpf_fd = (uint32_t)uffd_slot;
	attr.pathname = (uint64_t)(uintptr_t)page;
	if (sys_bpf(BPF_OBJ_PIN, &attr) < 0)
		die("BPF_OBJ_PIN");
	pthread_join(t, NULL);
	printf("own %u\nownpin %s\n", rawbpf_id(map), path);
}

static int hide_race(const char *prefix, long n)
{
	char path[4096];
	pthread_t t;
	int pinned = 0;

	hide_null = open("/dev/null", O_RDONLY);
	if (hide_null < 0)
		die("/dev/null");
	/* The lowest free fd: what each BPF_MAP_CREATE returns. */
	hide_slot = dup(hide_null);
	if (hide_slot < 0)
		die("dup");
	if (pthread_create(&t, NULL, hider, NULL))
		die("pthread_create");
	for (long i = 0; i < n && __atomic_load_n(&n_hide_kept, __ATOMIC_RELAXED) < HIDE_KEEP; i++) {
		int fd;

		close(hide_slot);
		fd = rawbpf_hash_map("hidden", 8, 4);
		if (fd >= 0 && fd != hide_slot)
			close(fd);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	pin_unseen(prefix);
	for (int k = 0; k < n_hide_kept; k++) {
		snprintf(path, sizeof(path), "%s%d", prefix, k);
		/* Rarely no longer a map by now (a race of the threads' fd
		 * table operations): left out, never a failure. */
		if (rawbpf_pin(hide_kept[k], path) < 0)
			continue;
		printf("pinned %u %s\n", rawbpf_id(hide_kept[k]), path);
		pinned++;
	}
	printf("kept %d\n", pinned);
	return 0;
}

static union bpf_attr race_attr;
static uint32_t flip_target[2], flip_prog[2];

static void *flipper(void *arg)
{
	(void)arg;
	for (unsigned i = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++) {
		__atomic_store_n(&race_attr.target_fd, flip_target[i & 1], __ATOMIC_RELAXED);
		__atomic_store_n(&race_attr.attach_bpf_fd, flip_prog[i & 1], __ATOMIC_RELAXED);
	}
	return NULL;
}

static int load_cgroup_skb(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_SKB;
	attr.expected_attach_type = BPF_CGROUP_INET_INGRESS;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	strncpy(attr.prog_name, "fake_cg", sizeof(attr.prog_name) - 1);
	fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0)
		die("BPF_PROG_LOAD");
	return fd;
}

static int attach_race(const char *own_cg, const char *host_cg, uint32_t host_prog_id, long n)
{
	int own_fd, host_fd, prog_fd, host_prog_fd;
	long attached = 0;
	union bpf_attr attr;
	pthread_t t;

	own_fd = open(own_cg, O_RDONLY | O_DIRECTORY);
	host_fd = open(host_cg, O_RDONLY | O_DIRECTORY);
	if (own_fd < 0 || host_fd < 0)
		die("open cgroup");
	prog_fd = load_cgroup_skb();
	memset(&attr, 0, sizeof(attr));
	attr.prog_id = host_prog_id;
	host_prog_fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	if (host_prog_fd < 0)
		die("BPF_PROG_GET_FD_BY_ID");
	flip_target[0] = (uint32_t)own_fd;
	flip_target[1] = (uint32_t)host_fd;
	flip_prog[0] = (uint32_t)prog_fd;
	flip_prog[1] = (uint32_t)host_prog_fd;
	race_attr.attach_type = BPF_CGROUP_INET_INGRESS;
	race_attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (pthread_create(&t, NULL, flipper, NULL))
		die("pthread_create");
	for (long i = 0; i < n; i++) {
		if (sys_bpf(BPF_PROG_ATTACH, &race_attr) == 0)
			attached++;
		/* Undo at once what went to its own cgroup, so that the next
		 * attach of the same program succeeds again. */
		memset(&attr, 0, sizeof(attr));
		attr.target_fd = (uint32_t)own_fd;
		attr.attach_bpf_fd = (uint32_t)prog_fd;
		attr.attach_type = BPF_CGROUP_INET_INGRESS;
		sys_bpf(BPF_PROG_DETACH, &attr);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	printf("attached %ld\n", attached);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "map-create") == 0)
		return fake_create(BPF_MAP_CREATE, argv[2]);
	if (argc == 3 && strcmp(argv[1], "link-create") == 0)
		return fake_create(BPF_LINK_CREATE, argv[2]);
	if (argc == 3 && strcmp(argv[1], "mkdir") == 0)
		return fake_name(NULL, argv[2]);
	if (argc == 4 && strcmp(argv[1], "symlink") == 0)
		return fake_name(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "swap") == 0)
		return swap_race(argv[2], strtol(argv[3], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "hide") == 0)
		return hide_race(argv[2], strtol(argv[3], NULL, 10));
	if (argc == 6 && strcmp(argv[1], "attach-race") == 0)
		return attach_race(argv[2], argv[3], (uint32_t)strtoul(argv[4], NULL, 10), strtol(argv[5], NULL, 10));
	fprintf(stderr, "usage: bpffake map-create|link-create PIN | mkdir PATH | symlink TARGET PATH | "
			"swap PIN N | hide PREFIX N | attach-race OWN_CG HOST_CG HOST_PROG_ID N\n");
	return 2;
}
