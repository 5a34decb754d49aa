// SPDX-License-Identifier: LGPL-2.1-or-later
/* The pool of empty records maps; see run-pool.h. */
#include "run-pool.h"
#include "tracer-records.h"
#include "util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int pool_tend(const struct rundir *rd, const struct tracer *t, size_t *ret_filled, size_t *ret_freed)
{
	_cleanup_close_ int slots = rundir_lock_slots(rd);

	*ret_filled = *ret_freed = 0;
	if (slots < 0)
		return slots;
	return tracer_pool_tend(t, POOL_SPARE, 0, ret_filled, ret_freed);
}

/* How often the detached process looks at the pool (one lookup of two
 * counts), how long it goes on after the last change (agents often make
 * their maps seconds after their start), and at most. It ends at once when
 * no container is registered. */
#define TEND_POLL_MS 20
#define TEND_QUIET_MS 30000
#define TEND_MAX_MS 300000

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* When a prestart last asked for the pool to be watched (ms on the
 * monotonic clock's scale: the stamp's mtime is wall clock, so the age is
 * taken from it), or 0. */
static uint64_t wanted_ms(const struct rundir *rd)
{
	struct timespec now;
	struct stat st;
	int64_t age;

	if (fstatat(rd->root_fd, "pool.wanted", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	age = (int64_t)(now.tv_sec - st.st_mtim.tv_sec) * 1000 + (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000;
	return age < 0 ? now_ms() : now_ms() - (uint64_t)age;
}

int pool_tend_main(void)
{
	struct tracer t = TRACER_INIT;
	struct rundir rd = {};
	_cleanup_close_ int one = -EBADF;
	uint64_t start = now_ms(), changed = start;
	size_t filled, freed;
	int r;

	r = rundir_open_existing(&rd);
	if (r == 0) {
		/* Another one is tending: it goes on for us too. */
		one = openat(rd.root_fd, "pool.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		r = one < 0 ? -errno : flock(one, LOCK_EX | LOCK_NB) < 0 ? -errno : 0;
	}
	if (r == 0)
		r = tracer_open(&rd, &t);
	while (r == 0 && now_ms() - changed < TEND_QUIET_MS && now_ms() - start < TEND_MAX_MS) {
		r = pool_tend(&rd, &t, &filled, &freed);
		if (filled || freed)
			changed = now_ms();
		uint64_t w = wanted_ms(&rd);

		if (w > changed)
			changed = w;
		/* Unloaded meanwhile: nothing to tend. */
		if (r == 0 && tracer_count_registered(&t, &filled) == 0 && !filled)
			break;
		(void)usleep(TEND_POLL_MS * 1000);
	}
	tracer_close(&t);
	rundir_close(&rd);
	return r < 0 && r != -EWOULDBLOCK ? 1 : 0;
}

int pool_tend_detached(const struct rundir *rd, const struct tracer *t, bool watch)
{
	_cleanup_close_ int stamp = -EBADF, one = -EBADF;
	pid_t pid;
	int status;

	if (watch) {
		stamp = openat(rd->root_fd, "pool.wanted", O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (stamp < 0 || futimens(stamp, NULL) < 0)
			return -errno;
	} else {
		size_t spare;
		int r = tracer_pool_spare(t, &spare);

		if (r < 0)
			return r;
		if (spare == POOL_SPARE)
			return 0;
	}
	/* One is tending already: it reads the stamp, and sees the pool. */
	one = openat(rd->root_fd, "pool.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (one < 0)
		return -errno;
	if (flock(one, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? 0 : -errno;
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
