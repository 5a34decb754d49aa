// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpftoken: runs inside a test container and makes a BPF object through a
 * BPF token (kernel 6.9+), the way an unprivileged workload in a user
 * namespace with a delegated bpffs does. Raw syscalls, linked statically.
 *   bpftoken map PATH   a hash map made with a token from a child in its own
 *                       user namespace, pinned at PATH; prints "map <id> <path>"
 * Exit 3: this kernel has no BPF tokens (the caller skips). Exit 1: anything
 * else went wrong, including a map made in the user namespace WITHOUT the
 * token: then the token was not what let the child make it.
 *
 * The steps are those of the kernel selftests (prog_tests/token.c): the child
 * unshares a user and mount namespace and opens a bpffs context there; the
 * parent, privileged in the init user namespace, sets the delegate_* options
 * (only it may) and creates the superblock; the child mounts it (detached)
 * and asks BPF_TOKEN_CREATE for a token on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rawbpf.h"

/* Debian 12's uapi headers are 6.1's: no tokens. Values from 6.18's uapi. */
#define CMD_TOKEN_CREATE 36 /* enum bpf_cmd, after BPF_PROG_BIND_MAP (35) */
#define F_TOKEN_FD (1U << 16) /* map_flags: map_token_fd is set */
#define EXIT_NO_TOKENS 3

/* The BPF_MAP_CREATE part of 6.18's union bpf_attr, up to map_token_fd.
 * A shorter attr is fine: the kernel treats what is not passed as zero. */
struct map_create_attr {
	uint32_t map_type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t inner_map_fd;
	uint32_t numa_node;
	char map_name[16];
	uint32_t map_ifindex;
	uint32_t btf_fd;
	uint32_t btf_key_type_id;
	uint32_t btf_value_type_id;
	uint32_t btf_vmlinux_value_type_id;
	uint64_t map_extra;
	int32_t value_type_btf_obj_fd;
	int32_t map_token_fd;
} __attribute__((aligned(8)));
_Static_assert(offsetof(struct map_create_attr, map_extra) == 64, "map_extra offset");
_Static_assert(offsetof(struct map_create_attr, map_token_fd) == 76, "map_token_fd offset");

struct token_create_attr {
	uint32_t flags;
	uint32_t bpffs_fd;
};

static void die(const char *what)
{
	fprintf(stderr, "bpftoken: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void send_fd(int sock, int fd)
{
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		die("sendmsg SCM_RIGHTS");
}

/* An fd from the other side; -1 if it sent a plain byte instead (it failed). */
static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		die("recvmsg");
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void sync_send(int sock)
{
	if (write(sock, "s", 1) != 1)
		die("write sync");
}

static void sync_wait(int sock)
{
	char byte;

	if (read(sock, &byte, 1) != 1) {
		fprintf(stderr, "bpftoken: the other process exited early\n");
		exit(1);
	}
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "bpftoken: open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		fprintf(stderr, "bpftoken: write %s %s: %s\n", path, text, strerror(errno));
		exit(1);
	}
	close(fd);
}

static int map_create(int token_fd)
{
	struct map_create_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_HASH;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = 16;
	strncpy(attr.map_name, "tokenmap", sizeof(attr.map_name) - 1);
	if (token_fd >= 0) {
		attr.map_flags = F_TOKEN_FD;
		attr.map_token_fd = token_fd;
	}
	return (int)syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}

static uint32_t map_id_of(int fd)
{
	uint32_t id = rawbpf_id(fd);

	if (!id)
		die("BPF_OBJ_GET_INFO_BY_FD");
	return id;
}

static int child(int sock, const char *path)
{
	struct token_create_attr tattr;
	union bpf_attr pattr;
	int fs_fd, mnt_fd, root_fd, token_fd, map_fd;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		die("unshare user and mount namespaces");
	sync_send(sock);
	sync_wait(sock); /* uid_map and gid_map written */

	fs_fd = fsopen("bpf", 0);
	if (fs_fd < 0)
		die("fsopen bpf");
	send_fd(sock, fs_fd);
	close(fs_fd);
	fs_fd = recv_fd(sock); /* the parent set delegate_* and created it */
	if (fs_fd < 0)
		exit(EXIT_NO_TOKENS);
	mnt_fd = fsmount(fs_fd, 0, 0);
	if (mnt_fd < 0)
		die("fsmount delegated bpffs");
	/* fsmount gives an O_PATH fd, which BPF_TOKEN_CREATE does not take. */
	root_fd = openat(mnt_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		die("open the delegated bpffs root");

	memset(&tattr, 0, sizeof(tattr));
	tattr.bpffs_fd = (uint32_t)root_fd;
	token_fd = (int)syscall(__NR_bpf, CMD_TOKEN_CREATE, &tattr, sizeof(tattr));
	/* Not a reason to skip: a kernel without tokens refused delegate_*. */
	if (token_fd < 0)
		die("BPF_TOKEN_CREATE");
	/* Without the token the child may not make a map: what it makes next
	 * was allowed by the token, and nothing else. */
	map_fd = map_create(-1);
	if (map_fd >= 0 || errno != EPERM) {
		fprintf(stderr, "bpftoken: BPF_MAP_CREATE without the token: %s, want EPERM\n",
			map_fd >= 0 ? "succeeded" : strerror(errno));
		exit(1);
	}

	map_fd = map_create(token_fd);
	if (map_fd < 0)
		die("BPF_MAP_CREATE with the token");

	/* The host bpffs bind: its root dir is uid 0, mapped to the child's root. */
	memset(&pattr, 0, sizeof(pattr));
	pattr.bpf_fd = (uint32_t)map_fd;
	pattr.pathname = (uint64_t)(uintptr_t)path;
	if (syscall(__NR_bpf, BPF_OBJ_PIN, &pattr, sizeof(pattr)) < 0) {
		fprintf(stderr, "bpftoken: pin %s: %s\n", path, strerror(errno));
		exit(1);
	}
	printf("map %u %s\n", map_id_of(map_fd), path);
	return 0;
}

static const char *const delegations[] = { "delegate_cmds", "delegate_maps", "delegate_progs",
					   "delegate_attachs" };

static int parent(int sock, pid_t pid)
{
	char file[64];
	int fs_fd, status;
	size_t i;

	sync_wait(sock); /* the child is in its user namespace */
	/* Its root is uid 0 for file permissions, so it may pin in the host bpffs. */
	snprintf(file, sizeof(file), "/proc/%d/uid_map", (int)pid);
	write_file(file, "0 0 1");
	snprintf(file, sizeof(file), "/proc/%d/setgroups", (int)pid);
	write_file(file, "deny");
	snprintf(file, sizeof(file), "/proc/%d/gid_map", (int)pid);
	write_file(file, "0 0 1");
	sync_send(sock);

	fs_fd = recv_fd(sock);
	if (fs_fd < 0) {
		fprintf(stderr, "bpftoken: the child sent no bpffs context\n");
		exit(1);
	}
	for (i = 0; i < sizeof(delegations) / sizeof(delegations[0]); i++) {
		if (fsconfig(fs_fd, FSCONFIG_SET_STRING, delegations[i], "any", 0) < 0) {
			/* Before 6.9 bpffs knows no delegate_* option. */
			fprintf(stderr, "bpftoken: bpffs option %s: %s\n", delegations[i], strerror(errno));
			if (errno != EINVAL)
				exit(1);
			sync_send(sock);
			waitpid(pid, &status, 0);
			exit(EXIT_NO_TOKENS);
		}
	}
	if (fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		die("fsconfig create delegated bpffs");
	send_fd(sock, fs_fd);

	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	int sv[2];
	pid_t pid;

	if (argc != 3 || strcmp(argv[1], "map") != 0) {
		fprintf(stderr, "usage: bpftoken map PATH\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(sv[0]);
		return child(sv[1], argv[2]);
	}
	close(sv[1]);
	return parent(sv[0], pid);
}
