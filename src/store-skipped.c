// SPDX-License-Identifier: LGPL-2.1-or-later
/* The skipped-containers log; see store-skipped.h. Writes only its two files. */
#include "store-skipped.h"
#include "fileio.h"
#include "store-rundir.h"
#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>

static int open_current(int dirfd)
{
	int fd = openat(dirfd, SKIPPED_FILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
			0600);

	return fd < 0 ? -errno : fd;
}

int skipped_record(const char *id, const char *reason)
{
	_cleanup_close_ int dirfd = -EBADF, fd = -EBADF;
	char line[64 + 256 + SKIPPED_REASON_MAX + 2];
	struct stat st;
	size_t n;
	int w;

	dirfd = rundir_open_root();
	if (dirfd < 0)
		return dirfd;
	fd = open_current(dirfd);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	/* Two prestarts rotating at once lose one file's worth of old
	 * events, never a line of the current one. */
	if (st.st_size >= SKIPPED_MAX_BYTES) {
		if (renameat(dirfd, SKIPPED_FILE, dirfd, SKIPPED_OLD_FILE) < 0 && errno != ENOENT)
			return -errno;
		closep(&fd);
		fd = open_current(dirfd);
		if (fd < 0)
			return fd;
	}
	w = snprintf(line, sizeof(line), "%" PRId64 " %.255s ", (int64_t)time(NULL), id);
	if (w < 0)
		return -EINVAL;
	n = (size_t)w;
	/* One event, one line, whatever the reason quotes. */
	for (const char *p = reason; *p && n < sizeof(line) - 2 && p - reason < SKIPPED_REASON_MAX; p++)
		line[n++] = ((unsigned char)*p < 0x20 || *p == 0x7f) ? ' ' : *p;
	line[n++] = '\n';
	/* A single write with O_APPEND: concurrent writers never interleave. */
	if (write(fd, line, n) != (ssize_t)n)
		return negative_errno();
	return 0;
}

static bool parse_line(const char *line, size_t len, struct skipped_summary *acc)
{
	char buf[sizeof(acc->last_id) + sizeof(acc->last_reason) + 32];
	char *end = NULL, *id, *sp;
	long long at;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	errno = 0;
	at = strtoll(buf, &end, 10);
	if (errno || end == buf || *end != ' ' || at < 0)
		return false;
	id = end + 1;
	sp = strchr(id, ' ');
	if (!sp || sp == id || (size_t)(sp - id) >= sizeof(acc->last_id))
		return false;
	*sp = '\0';
	acc->count++;
	acc->last_at = at;
	snprintf(acc->last_id, sizeof(acc->last_id), "%s", id);
	snprintf(acc->last_reason, sizeof(acc->last_reason), "%s", sp + 1);
	return true;
}

void skipped_parse(const char *text, size_t len, struct skipped_summary *acc)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\n')
			continue;
		(void)parse_line(text + start, i - start, acc);
		start = i + 1;
	}
	/* A last line without its newline is a write still under way. */
}

int skipped_summary_read(struct skipped_summary *ret)
{
	static const char *const files[] = { SKIPPED_OLD_FILE, SKIPPED_FILE }; /* oldest first */
	struct skipped_summary acc = {};
	_cleanup_close_ int dirfd = -EBADF;

	dirfd = open(rundir_path(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && errno != ENOENT)
		return -errno;
	for (size_t i = 0; dirfd >= 0 && i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		int r;

		/* Room for a rotation racing with this read. */
		r = read_file_limited(dirfd, files[i], 2 * SKIPPED_MAX_BYTES, &text, &len);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		skipped_parse(text, len, &acc);
	}
	*ret = acc;
	return 0;
}
