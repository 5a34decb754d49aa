// SPDX-License-Identifier: LGPL-2.1-or-later
/* One line per message, to syslog, stderr and the optional log file. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_ident = "bpfreaper";
static int log_fd = -1;
static int log_stderr_min = LOG_INFO;

void log_open(const char *ident)
{
	const char *verbose = getenv("BPFREAPER_DEBUG");

	const char *file = getenv("BPFREAPER_LOG_FILE");

	log_ident = ident;
	if (verbose && *verbose)
		log_stderr_min = LOG_DEBUG;
	/* Before the config is read, and where it never is (a rootless
	 * runtime's hooks stop first): a hook's `env` can name a log file. */
	if (file && file[0] == '/')
		(void)log_set_file(file);
	/* LOG_NDELAY: connect now, before privileges are dropped. */
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_stderr_max(int priority)
{
	if (log_stderr_min != LOG_DEBUG)
		log_stderr_min = priority;
}

int log_set_file(const char *path)
{
	int fd;

	if (log_fd >= 0) {
		close(log_fd);
		log_fd = -1;
	}
	if (!path)
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return -errno;
	log_fd = fd;
	return 0;
}

void log_msg(int priority, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* One line per event, whatever an object name contains. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';

	if (priority != LOG_DEBUG || log_stderr_min == LOG_DEBUG)
		syslog(priority, "%s", line);
	if (priority <= log_stderr_min)
		dprintf(STDERR_FILENO, "%s: %s\n", log_ident, line);
	if (log_fd >= 0) {
		char stamp[64];
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		dprintf(log_fd, "%s %s[%d]: %s\n", stamp, log_ident, (int)getpid(), line);
	}
}
