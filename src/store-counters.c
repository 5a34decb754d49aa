// SPDX-License-Identifier: LGPL-2.1-or-later
/* The counters file; see store-counters.h. Writes only that file. */
#include "store-counters.h"
#include "store-rundir.h"
#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>

static const char *const keys[COUNTER__MAX] = {
	[COUNTER_REGISTERED] = "registered",
	[COUNTER_PRESTART_SKIPPED] = "prestart_skipped",
	[COUNTER_PRESTART_REFUSED] = "prestart_refused",
	[COUNTER_PRESTART_BAD_INPUT] = "prestart_bad_input",
	[COUNTER_POSTSTOP_FAILED] = "poststop_failed",
	[COUNTER_TEARDOWNS_POSTSTOP] = "teardowns_poststop",
	[COUNTER_TEARDOWNS_GC] = "teardowns_gc",
	[COUNTER_OBJECTS_RECORDED] = "objects_recorded",
	[COUNTER_OBJECTS_FREED] = "objects_freed",
	[COUNTER_OBJECTS_SURVIVED] = "objects_survived",
	[COUNTER_PINS_REMOVED] = "pins_removed",
	[COUNTER_PINS_KEPT] = "pins_kept",
	[COUNTER_PINS_LEFT] = "pins_left",
	[COUNTER_DIRS_REMOVED] = "dirs_removed",
	[COUNTER_DETACHED] = "detached",
	[COUNTER_ATTACHMENTS_LEFT] = "attachments_left",
	[COUNTER_OVERFLOWS] = "overflows",
	[COUNTER_NOT_TRACED] = "not_traced",
	[COUNTER_GC_RUNS] = "gc_runs",
	[COUNTER_GC_FAILED] = "gc_failed",
	[COUNTER_GC_LAST_SUCCESS] = "gc_last_success",
	[COUNTER_LIVE_BUDGET_CROSSED] = "live_budget_crossed",
};

const char *counter_key(enum counter c)
{
	return (size_t)c < ARRAY_SIZE(keys) && keys[c] ? keys[c] : "?";
}

static void parse_line(const char *line, size_t len, uint64_t v[COUNTER__MAX])
{
	const char *sp = memchr(line, ' ', len);
	char num[24];
	char *end = NULL;
	size_t klen, nlen;
	uint64_t value;

	if (!sp)
		return;
	klen = (size_t)(sp - line);
	nlen = len - klen - 1;
	if (nlen == 0 || nlen >= sizeof(num) || sp[1] < '0' || sp[1] > '9')
		return;
	memcpy(num, sp + 1, nlen);
	num[nlen] = '\0';
	errno = 0;
	value = strtoull(num, &end, 10);
	if (errno || *end)
		return;
	for (size_t c = 0; c < COUNTER__MAX; c++)
		if (strlen(keys[c]) == klen && memcmp(keys[c], line, klen) == 0)
			v[c] = value;
}

void counters_parse(const char *text, size_t len, uint64_t ret[COUNTER__MAX])
{
	size_t start = 0;

	memset(ret, 0, COUNTER__MAX * sizeof(*ret));
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\n')
			continue;
		parse_line(text + start, i - start, ret);
		start = i + 1;
	}
}

int counters_format(const uint64_t v[COUNTER__MAX], char *buf, size_t size, size_t *ret_len)
{
	size_t len = 0;

	for (size_t c = 0; c < COUNTER__MAX; c++) {
		int w = snprintf(buf + len, size - len, "%s %" PRIu64 "\n", keys[c], v[c]);

		if (w < 0 || (size_t)w >= size - len)
			return -ENOBUFS;
		len += (size_t)w;
	}
	*ret_len = len;
	return 0;
}

/* The file, open and locked with operation; -ENOENT if it does not exist
 * and create is false. The common case is one open() of the full path:
 * a hook pays for each system call. */
static int open_locked(bool create, int operation)
{
	_cleanup_close_ int fd = -EBADF;
	char path[PATH_MAX];
	int flags = (create ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/" COUNTERS_FILE, rundir_path()) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, flags);
	if (fd < 0 && errno == ENOENT && create) {
		_cleanup_close_ int dirfd = rundir_open_root();

		if (dirfd < 0)
			return dirfd;
		fd = openat(dirfd, COUNTERS_FILE, flags | O_CREAT, 0600);
	}
	if (fd < 0)
		return -errno;
	/* Only ours: another user's file here would let them set the counts. */
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return -EBADFD;
	while (flock(fd, operation) < 0)
		if (errno != EINTR)
			return -errno;
	return TAKE_FD(fd);
}

static int read_locked(int fd, uint64_t v[COUNTER__MAX], size_t *ret_len)
{
	char text[COUNTERS_MAX_BYTES];
	ssize_t n;

	n = pread(fd, text, sizeof(text), 0);
	if (n < 0)
		return -errno;
	counters_parse(text, (size_t)n, v);
	if (ret_len)
		*ret_len = (size_t)n;
	return 0;
}

int counters_apply(const struct counter_op *ops, size_t n)
{
	_cleanup_close_ int fd = -EBADF;
	uint64_t v[COUNTER__MAX];
	char text[COUNTERS_MAX_BYTES];
	size_t len, old_len = 0;
	ssize_t w;
	int r;

	fd = open_locked(true, LOCK_EX);
	if (fd < 0)
		return fd;
	r = read_locked(fd, v, &old_len);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if ((size_t)ops[i].counter >= COUNTER__MAX)
			return -EINVAL;
		v[ops[i].counter] = ops[i].set ? ops[i].value : v[ops[i].counter] + ops[i].value;
	}
	r = counters_format(v, text, sizeof(text), &len);
	if (r < 0)
		return r;
	w = pwrite(fd, text, len, 0);
	if (w != (ssize_t)len)
		return w < 0 ? -errno : -EIO;
	/* Only after a reset (a foreign or garbled file) can the new text be
	 * shorter than the old: its tail must not be read again. A file
	 * larger than what was read is cut too. */
	if (len < old_len || old_len == sizeof(text))
		if (ftruncate(fd, (off_t)len) < 0)
			return -errno;
	return 0;
}

int counters_add(enum counter c, uint64_t n)
{
	struct counter_op op = COUNTER_ADD(c, n);

	return counters_apply(&op, 1);
}

int counters_read(uint64_t ret[COUNTER__MAX])
{
	_cleanup_close_ int fd = -EBADF;

	fd = open_locked(false, LOCK_SH);
	if (fd == -ENOENT) {
		memset(ret, 0, COUNTER__MAX * sizeof(*ret));
		return 0;
	}
	if (fd < 0)
		return fd;
	return read_locked(fd, ret, NULL);
}
