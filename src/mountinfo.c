// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/self/mountinfo parsing; see mountinfo.h. */
#include "mountinfo.h"
#include "util.h"

#include <stdint.h>

#include <sys/sysmacros.h>

/* Mount points escape space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* "major:minor" as mountinfo writes it. */
static int parse_devnum(const char *s, unsigned *ret_major, unsigned *ret_minor)
{
	char *end = NULL;
	unsigned long major, minor;

	errno = 0;
	major = strtoul(s, &end, 10);
	if (errno || end == s || *end != ':' || major > UINT32_MAX)
		return -EINVAL;
	s = end + 1;
	minor = strtoul(s, &end, 10);
	if (errno || end == s || *end != '\0' || minor > UINT32_MAX)
		return -EINVAL;
	*ret_major = (unsigned)major;
	*ret_minor = (unsigned)minor;
	return 0;
}

int mountinfo_foreach(int (*visit)(const struct mount_entry *m, void *userdata), void *userdata)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *fields[6] = {};
		char *tok, *fstype = NULL;
		unsigned int major, minor;
		struct mount_entry m;
		int i = 0, r;

		/* id parent major:minor root mountpoint opts [optional...] - fstype ... */
		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			if (i < 6)
				fields[i] = tok;
			if (i >= 6 && streq(tok, "-")) {
				fstype = strtok_r(NULL, " \n", &save);
				break;
			}
			i++;
		}
		if (!fstype || !fields[5] || parse_devnum(fields[2], &major, &minor) < 0)
			continue;
		unescape_octal(fields[3]);
		unescape_octal(fields[4]);
		m = (struct mount_entry){ .root = fields[3], .mountpoint = fields[4],
					  .fstype = fstype, .dev = makedev(major, minor) };
		r = visit(&m, userdata);
		if (r != 0)
			return r;
	}
	return 0;
}

struct find_ctx {
	const char *fstype;
	char *buf;
	size_t size;
};

static int find_visit(const struct mount_entry *m, void *userdata)
{
	struct find_ctx *ctx = userdata;

	if (!streq(m->fstype, ctx->fstype) || !streq(m->root, "/"))
		return 0;
	return copy_str(ctx->buf, ctx->size, m->mountpoint) < 0 ? -ENAMETOOLONG : 1;
}

int mountinfo_find_fstype(const char *fstype, char *buf, size_t size)
{
	struct find_ctx ctx = { .fstype = fstype, .buf = buf, .size = size };
	int r = mountinfo_foreach(find_visit, &ctx);

	if (r < 0)
		return r;
	return r == 1 ? 0 : -ENOENT;
}
