// SPDX-License-Identifier: LGPL-2.1-or-later
/* Native journal protocol; see log-journal.h. */
#include "log-journal.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

bool journal_field_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > JOURNAL_FIELD_NAME_MAX || name[0] == '_' || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

int journal_append(char *buf, size_t size, size_t *len, const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = strlen(value), need;
	bool binary = memchr(value, '\n', vlen) != NULL;
	char *p = buf + *len;

	if (!journal_field_name_valid(name))
		return -EINVAL;
	need = nlen + 1 + (binary ? 8 : 0) + vlen + 1;
	if (need > size - *len)
		return -ENOBUFS;
	for (size_t i = 0; i < nlen; i++) /* no NUL: the protocol has none */
		*p++ = name[i];
	if (binary) {
		uint64_t le = vlen;

		*p++ = '\n';
		for (int i = 0; i < 8; i++, le >>= 8)
			*p++ = (char)(le & 0xff);
	} else {
		*p++ = '=';
	}
	for (size_t i = 0; i < vlen; i++)
		*p++ = value[i];
	*p++ = '\n';
	*len += need;
	return 0;
}

const char *journal_socket_path(void)
{
	const char *env = getenv("BPFREAPER_JOURNAL_SOCKET");

	return env && env[0] == '/' ? env : JOURNAL_SOCKET;
}

int journal_send(int fd, const char *buf, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = journal_socket_path();

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}
