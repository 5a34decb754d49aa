// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * syscost: nanoseconds per call of a few syscalls, to measure what the
 * tracer's syscall tracepoints cost. Prints "<name> <ns/call>" lines.
 *   syscost getppid|lookup|create|mkdir [N]
 * lookup: bpf(BPF_MAP_LOOKUP_ELEM) on an array map; create:
 * bpf(BPF_MAP_CREATE) of a small array map, closed at once; mkdir: mkdir(2)
 * and rmdir(2) of a directory in the working directory (a pair per call).
 */
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int array_map(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "getppid";
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
	uint32_t key = 0;
	uint64_t value;
	union bpf_attr a;
	double t0, t1;
	int fd = array_map();

	if (fd < 0) {
		perror("syscost: BPF_MAP_CREATE");
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&value;
	t0 = now_ns();
	if (strcmp(what, "getppid") == 0) {
		for (long i = 0; i < n; i++)
			syscall(__NR_getppid);
	} else if (strcmp(what, "lookup") == 0) {
		for (long i = 0; i < n; i++)
			sys_bpf(BPF_MAP_LOOKUP_ELEM, &a);
	} else if (strcmp(what, "create") == 0) {
		for (long i = 0; i < n; i++)
			close(array_map());
	} else if (strcmp(what, "mkdir") == 0) {
		for (long i = 0; i < n; i++) {
			if (mkdir("syscost_d", 0700) < 0 || rmdir("syscost_d") < 0) {
				perror("syscost: mkdir");
				return 1;
			}
		}
	} else {
		fprintf(stderr, "usage: syscost getppid|lookup|create|mkdir [N]\n");
		return 2;
	}
	t1 = now_ns();
	printf("%s %.1f\n", what, (t1 - t0) / (double)n);
	return 0;
}
