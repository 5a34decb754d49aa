// SPDX-License-Identifier: LGPL-2.1-or-later
/* The pool of empty records maps; see run-pool.h. */
#include "run-pool.h"
#include "tracer-records.h"
#include "util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

int pool_tend(const struct rundir *rd, const struct tracer *t, size_t *ret_filled, size_t *ret_freed)
{
	_cleanup_close_ int slots = rundir_lock_slots(rd);

	*ret_filled = *ret_freed = 0;
	if (slots < 0)
		return slots;
	return tracer_pool_tend(t, POOL_SPARE, ret_filled, ret_freed);
}

/* The lock one tending process at a time holds: its fd, or -EWOULDBLOCK
 * while another holds it. */
static int pool_lock_try(const struct rundir *rd)
{
	_cleanup_close_ int fd = openat(rd->root_fd, "pool.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return -errno;
	return TAKE_FD(fd);
}

int pool_tend_main(void)
{
	struct tracer t = TRACER_INIT;
	struct rundir rd = {};
	_cleanup_close_ int one = -EBADF;
	size_t filled, freed;
	int r;

	r = rundir_open_existing(&rd);
	if (r == 0) {
		/* Another one is tending: it sees what we would. */
		one = pool_lock_try(&rd);
		r = one < 0 ? one : 0;
	}
	if (r == 0)
		r = tracer_open(&rd, &t);
	if (r == 0)
		r = pool_tend(&rd, &t, &filled, &freed);
	tracer_close(&t);
	rundir_close(&rd);
	return r < 0 && r != -EWOULDBLOCK ? 1 : 0;
}

int pool_tend_detached(const struct rundir *rd, const struct tracer *t)
{
	_cleanup_close_ int one = -EBADF;
	size_t spare;
	pid_t pid;
	int r, status;

	r = tracer_pool_spare(t, &spare);
	if (r < 0)
		return r;
	if (spare == POOL_SPARE)
		return 0;
	/* One is tending already: it sees the pool as it is now. */
	one = pool_lock_try(rd);
	if (one < 0)
		return one == -EWOULDBLOCK ? 0 : one;
	closep(&one); /* for the process started next */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null;

		/* A second fork: the hook never has a child to reap, and the
		 * tending process belongs to whoever reaps orphans. */
		if (fork() != 0)
			_exit(0);
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
		    dup2(null, STDERR_FILENO) < 0)
			_exit(1);
		/* Locks the hook holds (its container id's, the run
		 * directory's) are the hook's: they go with it. */
		(void)close_range(STDERR_FILENO + 1, ~0u, 0);
		(void)setsid();
		execl("/proc/self/exe", "bpfreaper-pool", POOL_TEND_ARG, (char *)NULL);
		_exit(1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 1;
}
