// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench/run's start-up part: runs a prestart hook fed START, then a
 * poststop hook fed STOP, as a runtime does (fork, exec, wait), and prints
 * the pair's wall time in microseconds. A hook that fails fails the run:
 * a pair that did no work must not be timed as a fast one.
 *   pairtime PRESTART START POSTSTOP STOP
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int run_hook(const char *path, const char *input)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Output to /dev/null: a terminal or a pipe would time the
		 * reader as well. */
		int fd = open(input, O_RDONLY | O_CLOEXEC), null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || null < 0 || dup2(fd, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
		    dup2(null, STDERR_FILENO) < 0)
			_exit(126);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	int r;

	if (argc != 5) {
		fprintf(stderr, "usage: pairtime PRESTART START POSTSTOP STOP\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	r = run_hook(argv[1], argv[2]);
	if (r == 0)
		r = run_hook(argv[3], argv[4]);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (r != 0) {
		fprintf(stderr, "pairtime: a hook exited %d\n", r);
		return 1;
	}
	printf("%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000);
	return 0;
}
