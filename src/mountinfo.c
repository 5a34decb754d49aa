// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/self/mountinfo parsing; see mountinfo.h. */
#include "mountinfo.h"
#include "fileio.h"
#include "input-limits.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
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

static int parse_mount_id(const char *s, int *ret)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < 0 || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* One line, split in place: 0 and *ret, or -EINVAL. */
static int parse_line(char *line, struct mount_entry *ret)
{
	char *save = NULL, *fields[6] = {};
	char *tok, *fstype = NULL;
	unsigned int major, minor;
	int i = 0, id, parent_id;

	/* id parent major:minor root mountpoint opts [optional...] - fstype ... */
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (i < 6)
			fields[i] = tok;
		if (i >= 6 && streq(tok, "-")) {
			fstype = strtok_r(NULL, " ", &save);
			break;
		}
		i++;
	}
	if (!fstype || !fields[5] || parse_devnum(fields[2], &major, &minor) < 0 ||
	    parse_mount_id(fields[0], &id) < 0 || parse_mount_id(fields[1], &parent_id) < 0)
		return -EINVAL;
	unescape_octal(fields[3]);
	unescape_octal(fields[4]);
	*ret = (struct mount_entry){ .id = id, .parent_id = parent_id, .root = fields[3],
				     .mountpoint = fields[4], .fstype = fstype, .dev = makedev(major, minor) };
	return 0;
}

void mount_table_done(struct mount_table *t)
{
	free(t->v);
	free(t->text);
	*t = (struct mount_table){};
}

int mount_table_parse(char *text, struct mount_table *ret)
{
	struct mount_table t = { .text = text };
	size_t lines = 1;
	char *line, *next;

	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	t.v = calloc(lines, sizeof(*t.v));
	if (!t.v) {
		mount_table_done(&t);
		return -ENOMEM;
	}
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (parse_line(line, &t.v[t.n]) == 0)
			t.n++;
	}
	*ret = t;
	return 0;
}

int mount_table_read(struct mount_table *ret)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	r = read_file_limited(AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_MAX_BYTES, &text, &len);
	if (r < 0)
		return r;
	return mount_table_parse(text, ret);
}

/* Whether a mount other than on_top (the one a walk came up from) sits on
 * m's root at m's mount point, hiding m. The kernel stacks a mount on the
 * topmost one at a path, so the cover is a child of m; a mount moved
 * beneath (MOVE_MOUNT_BENEATH) becomes the parent of the one it went under. */
static bool covered(const struct mount_table *t, const struct mount_entry *m, int on_top)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].parent_id == m->id && t->v[i].id != m->id && t->v[i].id != on_top &&
		    streq(t->v[i].mountpoint, m->mountpoint))
			return true;
	return false;
}

static bool find_mount(const struct mount_table *t, int id, size_t *ret_index)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].id == id) {
			*ret_index = i;
			return true;
		}
	return false;
}

bool mount_table_visible(const struct mount_table *t, size_t i)
{
	int on_top = -1;

	/* Each hop goes one mount up: more hops than mounts is a loop. */
	for (size_t hops = 0; i < t->n && hops <= t->n; hops++) {
		const struct mount_entry *m = &t->v[i];

		/* A mount over "/" does not move a process's root: paths
		 * still start from the mount below it. */
		if (streq(m->mountpoint, "/"))
			return true;
		if (covered(t, m, on_top))
			return false;
		/* The parent of the first listed mount lies outside this
		 * process's root: nothing above it can cover anything. */
		on_top = m->id;
		if (!find_mount(t, m->parent_id, &i) || t->v[i].id == m->id)
			return true;
	}
	return false;
}

int mountinfo_foreach(int (*visit)(const struct mount_entry *m, void *userdata), void *userdata)
{
	_cleanup_(mount_table_done) struct mount_table t = {};
	int r;

	r = mount_table_read(&t);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t.n; i++) {
		r = visit(&t.v[i], userdata);
		if (r != 0)
			return r;
	}
	return 0;
}
