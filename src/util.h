/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cleanup helpers (systemd/crun style) so that early returns cannot leak an
 * fd, a buffer or a json object. Nothing here may print or exit.
 */
#ifndef BPFREAPER_UTIL_H
#define BPFREAPER_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <stdint.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p)                          \
	({                                   \
		__typeof__(p) _taken = (p);  \
		(p) = NULL;                  \
		_taken;                      \
	})
#define TAKE_FD(fd)                  \
	({                           \
		int _taken = (fd);   \
		(fd) = -EBADF;       \
		_taken;              \
	})

/* snprintf for paths and file names: -ENAMETOOLONG instead of a name cut
 * short, which would name another file. */
__attribute__((format(printf, 3, 4))) static inline int path_printf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* dir + "/" + name into buf ("/" as dir adds no second slash). */
static inline int path_join(char *buf, size_t size, const char *dir, const char *name)
{
	return path_printf(buf, size, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name);
}

/* CLOCK_MONOTONIC in microseconds: for the phases' timings. */
static inline uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* strcpy into a buffer of size bytes; -ENAMETOOLONG instead of truncating. */
static inline int copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

#endif
