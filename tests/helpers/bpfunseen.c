// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpfunseen: makes names and objects in ways syscall tracepoints do not
 * report, to test that the report says so. Linked statically; built twice:
 * bpfunseen32 (gcc -m32: every call is a compat syscall) and bpfunseen.
 *   bpfunseen32 map PATH        a hash map (32-bit bpf()) pinned at PATH
 *   bpfunseen32 mkdir PATH      mkdir(2), 32-bit
 *   bpfunseen uring-mkdir PATH  io_uring IORING_OP_MKDIRAT
 *   bpfunseen uring-unlink PATH io_uring IORING_OP_UNLINKAT (not a directory)
 *   bpfunseen syscall-prog      a BPF_PROG_TYPE_SYSCALL program, run once
 *                               (BPF_PROG_TEST_RUN): such a program's own
 *                               bpf() calls reach no syscall tracepoint
 * Prints "<kind> <id> <path>" for a map, like bpfleak.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rawbpf.h"

static void die(const char *what)
{
	fprintf(stderr, "bpfunseen: %s: %s\n", what, strerror(errno));
	exit(1);
}


static void map_pinned(const char *path)
{
	int fd = rawbpf_hash_map("unseen", 4, 1);
	uint32_t id;

	if (fd < 0)
		die("BPF_MAP_CREATE");
	if (rawbpf_pin(fd, path) < 0)
		die("BPF_OBJ_PIN");
	id = rawbpf_id(fd);
	if (!id)
		die("BPF_OBJ_GET_INFO_BY_FD");
	printf("map %u %s\n", id, path);
}

/* One IORING_OP_MKDIRAT or IORING_OP_UNLINKAT (of a name that is no
 * directory) through a ring of one entry. */
static void uring_op(unsigned char op, const char *path)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	unsigned *sq_tail, *sq_array, *cq_head;
	char *sq, *cq;
	int fd;

	memset(&p, 0, sizeof(p));
	fd = (int)syscall(__NR_io_uring_setup, 1, &p);
	if (fd < 0)
		die("io_uring_setup");
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE, MAP_SHARED,
		  fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe), PROT_READ | PROT_WRITE,
		  MAP_SHARED, fd, IORING_OFF_CQ_RING);
	sqe = mmap(NULL, p.sq_entries * sizeof(*sqe), PROT_READ | PROT_WRITE, MAP_SHARED, fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqe == MAP_FAILED)
		die("mmap io_uring");
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = AT_FDCWD;
	sqe->addr = (uint64_t)(uintptr_t)path;
	if (op == IORING_OP_MKDIRAT)
		sqe->len = 0755;
	sq_array = (unsigned *)(sq + p.sq_off.array);
	sq_tail = (unsigned *)(sq + p.sq_off.tail);
	sq_array[0] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		die("io_uring_enter");
	cq_head = (unsigned *)(cq + p.cq_off.head);
	cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes) + (*cq_head & *(unsigned *)(cq + p.cq_off.ring_mask));
	if (cqe->res < 0) {
		errno = -cqe->res;
		die(op == IORING_OP_MKDIRAT ? "IORING_OP_MKDIRAT" : "IORING_OP_UNLINKAT");
	}
	if (op == IORING_OP_MKDIRAT)
		printf("dir - %s\n", path);
}

/* BPF_PROG_TYPE_SYSCALL programs must be sleepable; this one returns 0. */
static void syscall_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char ctx[8] = {};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SYSCALL;
	attr.prog_flags = BPF_F_SLEEPABLE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	strncpy(attr.prog_name, "unseen_sys", sizeof(attr.prog_name) - 1);
	fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0)
		die("BPF_PROG_LOAD syscall");
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)fd;
	attr.test.ctx_in = (uint64_t)(uintptr_t)ctx;
	attr.test.ctx_size_in = sizeof(ctx);
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr) < 0)
		die("BPF_PROG_TEST_RUN");
	printf("prog %u -\n", rawbpf_id(fd));
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "map") == 0) {
		map_pinned(argv[2]);
	} else if (argc == 3 && strcmp(argv[1], "mkdir") == 0) {
		if (mkdir(argv[2], 0755) < 0)
			die("mkdir");
		printf("dir - %s\n", argv[2]);
	} else if (argc == 3 && strcmp(argv[1], "uring-mkdir") == 0) {
		uring_op(IORING_OP_MKDIRAT, argv[2]);
	} else if (argc == 3 && strcmp(argv[1], "uring-unlink") == 0) {
		uring_op(IORING_OP_UNLINKAT, argv[2]);
	} else if (argc == 2 && strcmp(argv[1], "syscall-prog") == 0) {
		syscall_prog();
	} else {
		fprintf(stderr, "usage: bpfunseen map PATH | mkdir PATH | uring-mkdir PATH | uring-unlink PATH | syscall-prog\n");
		return 2;
	}
	return 0;
}
