/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * systemd's native journal protocol, without libsystemd: one datagram to
 * /run/systemd/journal/socket holding FIELD=value lines; a value with a
 * newline goes as FIELD\n<64-bit little-endian length><value>\n. Field
 * names are A-Z, 0-9 and '_', at most 64, not starting with '_' (those are
 * journald's own) or a digit. Encoding is pure (unit tested); sending is
 * one sendto(). Used by log.c only.
 */
#ifndef BPFREAPER_JOURNAL_H
#define BPFREAPER_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define JOURNAL_FIELD_NAME_MAX 64

struct journal_field {
	const char *name;
	const char *value;
};

bool journal_field_name_valid(const char *name);
/* Appends one field to buf (len bytes used of size). -EINVAL: bad name;
 * -ENOBUFS: no room (buf and *len unchanged). */
int journal_append(char *buf, size_t size, size_t *len, const char *name, const char *value);
/* The socket path: BPFREAPER_JOURNAL_SOCKET (tests) or JOURNAL_SOCKET. */
const char *journal_socket_path(void);
/* One entry, already encoded, on fd (an AF_UNIX SOCK_DGRAM socket). */
int journal_send(int fd, const char *buf, size_t len);

#endif
