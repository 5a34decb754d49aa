// SPDX-License-Identifier: LGPL-2.1-or-later
/* The native journal protocol: field encoding (plain and binary-safe), name
 * rules, and log_event() end to end into a socket standing in for
 * journald's. */
#include "check.h"
#include "log-journal.h"
#include "log.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

TEST(plain_and_binary_fields)
{
	char buf[256];
	size_t len = 0;
	static const char want[] = "MESSAGE=hello\nPOD_NAME\n\x05\0\0\0\0\0\0\0a\nb c\nEMPTY=\n";

	CHECK_EQ_INT(journal_append(buf, sizeof(buf), &len, "MESSAGE", "hello"), 0);
	CHECK_EQ_INT(journal_append(buf, sizeof(buf), &len, "POD_NAME", "a\nb c"), 0);
	CHECK_EQ_INT(journal_append(buf, sizeof(buf), &len, "EMPTY", ""), 0);
	CHECK_EQ_INT(len, sizeof(want) - 1);
	CHECK(memcmp(buf, want, sizeof(want) - 1) == 0);
}

TEST(names_checked_and_room_respected)
{
	char buf[16];
	size_t len = 0;

	CHECK(journal_field_name_valid("CONTAINER_ID"));
	CHECK(journal_field_name_valid("X2"));
	CHECK(journal_field_name_valid("A234567890123456789012345678901234567890123456789012345678901234")); /* 64 */
	CHECK(!journal_field_name_valid("_PID"));          /* journald's trusted fields */
	CHECK(!journal_field_name_valid("2X"));
	CHECK(!journal_field_name_valid("pod_name"));
	CHECK(!journal_field_name_valid("A=B"));
	CHECK(!journal_field_name_valid(""));
	CHECK(!journal_field_name_valid("A2345678901234567890123456789012345678901234567890123456789012345"));
	CHECK_EQ_INT(journal_append(buf, sizeof(buf), &len, "_PID", "1"), -EINVAL);
	CHECK_EQ_INT(journal_append(buf, sizeof(buf), &len, "A", "0123456789"), 0);
	CHECK_EQ_INT(len, 13);
	/* No room: nothing written, length unchanged. */
	CHECK_EQ_INT(journal_append(buf, sizeof(buf), &len, "B", "xy"), -ENOBUFS);
	CHECK_EQ_INT(len, 13);
}

/* The value of field name in a received entry (plain form only), or NULL. */
static const char *field(const char *entry, size_t len, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);

	for (const char *p = entry; p < entry + len;) {
		const char *nl = memchr(p, '\n', (size_t)(entry + len - p));

		if (!nl)
			break;
		if ((size_t)(nl - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
			snprintf(out, size, "%.*s", (int)(nl - p - (ptrdiff_t)nlen - 1), p + nlen + 1);
			return out;
		}
		p = nl + 1;
	}
	return NULL;
}

TEST(log_event_reaches_the_journal_socket)
{
	char dir[] = "/tmp/bpfreaper-unit-journal.XXXXXX", path[96], entry[8192], v[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	log_field fields[] = { { "CONTAINER_ID", "ctr-1" }, { "POD_NAME", "web" }, { "POD_NAMESPACE", "" },
			       { "bad name", "dropped" } };
	ssize_t n;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/socket", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	CHECK_EQ_INT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("BPFREAPER_JOURNAL_SOCKET", path, 1);
	log_open("bpfreaper-unit");
	log_set_stderr_max(LOG_CRIT);
	log_event(LOG_WARNING, LOG_ID_SURVIVORS, fields, 4, "poststop: container %s: %d survived", "ctr-1", 2);
	n = recv(fd, entry, sizeof(entry), MSG_DONTWAIT);
	CHECK(n > 0);
	if (n > 0) {
		CHECK_EQ_STR(field(entry, (size_t)n, "MESSAGE", v, sizeof(v)), "poststop: container ctr-1: 2 survived");
		CHECK_EQ_STR(field(entry, (size_t)n, "MESSAGE_ID", v, sizeof(v)), LOG_ID_SURVIVORS);
		CHECK_EQ_STR(field(entry, (size_t)n, "PRIORITY", v, sizeof(v)), "4");
		CHECK_EQ_STR(field(entry, (size_t)n, "SYSLOG_IDENTIFIER", v, sizeof(v)), "bpfreaper-unit");
		CHECK_EQ_STR(field(entry, (size_t)n, "CONTAINER_ID", v, sizeof(v)), "ctr-1");
		CHECK_EQ_STR(field(entry, (size_t)n, "POD_NAME", v, sizeof(v)), "web");
		/* Empty and misnamed fields are left out, the entry is not. */
		CHECK(field(entry, (size_t)n, "POD_NAMESPACE", v, sizeof(v)) == NULL);
		CHECK(memmem(entry, (size_t)n, "dropped", 7) == NULL);
	}
	/* A plain message: no MESSAGE_ID. */
	log_msg(LOG_INFO, "plain");
	n = recv(fd, entry, sizeof(entry), MSG_DONTWAIT);
	CHECK(n > 0);
	if (n > 0) {
		CHECK_EQ_STR(field(entry, (size_t)n, "MESSAGE", v, sizeof(v)), "plain");
		CHECK(field(entry, (size_t)n, "MESSAGE_ID", v, sizeof(v)) == NULL);
	}
	close(fd);
	unlink(path);
	rmdir(dir);
	unsetenv("BPFREAPER_JOURNAL_SOCKET");
}
