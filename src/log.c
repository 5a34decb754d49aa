// SPDX-License-Identifier: LGPL-2.1-or-later
/* One line per message, to the journal or syslog, stderr and the optional
 * log file. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *log_ident = "bpfreaper";
static int log_fd = -1;
static int log_stderr_min = LOG_INFO;
static int journal_fd = -1;

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
	/* Where journald runs, its native protocol carries the fields; syslog
	 * stays open for when a send fails (journald restarting, a full
	 * socket buffer). Both before privileges are dropped. */
	if (access(journal_socket_path(), W_OK) == 0)
		journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* LOG_NDELAY: connect now. */
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

/* The entry to the journal; -errno if it did not go (the caller falls
 * back to syslog). */
static int journal_entry(int priority, const char *line, const char *message_id, const log_field *fields,
			 size_t n_fields)
{
	char buf[8192], prio[4];
	size_t len = 0;
	int r;

	snprintf(prio, sizeof(prio), "%d", priority);
	r = journal_append(buf, sizeof(buf), &len, "MESSAGE", line);
	if (r == 0)
		r = journal_append(buf, sizeof(buf), &len, "PRIORITY", prio);
	if (r == 0)
		r = journal_append(buf, sizeof(buf), &len, "SYSLOG_FACILITY", "3"); /* LOG_DAEMON */
	if (r == 0)
		r = journal_append(buf, sizeof(buf), &len, "SYSLOG_IDENTIFIER", log_ident);
	if (r == 0 && message_id)
		r = journal_append(buf, sizeof(buf), &len, "MESSAGE_ID", message_id);
	if (r < 0)
		return r;
	/* A field that does not fit or is misnamed is left out, not the entry. */
	for (size_t i = 0; i < n_fields; i++)
		if (fields[i].value && *fields[i].value)
			(void)journal_append(buf, sizeof(buf), &len, fields[i].name, fields[i].value);
	return journal_send(journal_fd, buf, len);
}

static void log_vevent(int priority, const char *message_id, const log_field *fields, size_t n_fields,
		       const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	/* One line per event, whatever an object name contains. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';

	if (priority != LOG_DEBUG || log_stderr_min == LOG_DEBUG) {
		if (journal_fd < 0 || journal_entry(priority, line, message_id, fields, n_fields) < 0)
			syslog(priority, "%s", line);
	}
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

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vevent(priority, NULL, NULL, 0, fmt, ap);
	va_end(ap);
}

void log_event(int priority, const char *message_id, const log_field *fields, size_t n_fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vevent(priority, message_id, fields, n_fields, fmt, ap);
	va_end(ap);
}
