// SPDX-License-Identifier: LGPL-2.1-or-later
/* Capability checks and dropping; see caps.h. */
#include "caps.h"
#include "fileio.h"
#include "util.h"

#include <fcntl.h>

#include <sys/capability.h>

/* Required: mounting the tracer's bpffs and tracefs (SYS_ADMIN), loading
 * and attaching the tracepoint programs (BPF, PERFMON). */
static const cap_value_t required[] = { CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON };
/* Kept besides: opening pins and unlinking them in a sticky bpffs whatever
 * uid the container pinned them as (DAC_OVERRIDE, FOWNER), open_by_handle_at
 * for cgroup ids (DAC_READ_SEARCH), detaching XDP/tc (NET_ADMIN), telling
 * the container's processes from others in its cgroup by /proc/<pid>/ns/pid
 * (SYS_PTRACE: runc's init is not dumpable, and a host process's permitted
 * set is larger than this reduced one, so the ptrace check refuses without it). */
static const cap_value_t kept[] = { CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON, CAP_DAC_OVERRIDE,
				    CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_NET_ADMIN, CAP_SYS_PTRACE };

static void cap_freep(cap_t *c)
{
	if (*c)
		cap_free(*c);
}

static void cap_textp(char **t)
{
	if (*t)
		cap_free(*t);
}

static bool kernel_knows(cap_value_t cap)
{
	/* The bounding set answers for every capability the kernel has. */
	return cap_get_bound(cap) >= 0;
}

int caps_have(int cap)
{
	_cleanup_(cap_freep) cap_t cur = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (!cur)
		return -errno;
	if (!kernel_knows(cap))
		return -EINVAL;
	if (cap_get_flag(cur, cap, CAP_EFFECTIVE, &v) < 0)
		return -errno;
	return v == CAP_SET;
}

int caps_require_and_restrict(char *missing, size_t size)
{
	_cleanup_(cap_freep) cap_t next = cap_init();
	size_t used = 0;
	cap_value_t have[ARRAY_SIZE(kept)];
	int n = 0;

	if (!next)
		return -errno;
	missing[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		/* Kernels before 5.8 have no CAP_BPF/CAP_PERFMON: SYS_ADMIN covers them. */
		if (kernel_knows(required[i]) && caps_have(required[i]) != 1) {
			_cleanup_(cap_textp) char *name = cap_to_name(required[i]);
			int w = snprintf(missing + used, size - used, "%s%s", used ? " " : "",
					 name ? name : "?");

			if (w > 0 && (size_t)w < size - used)
				used += (size_t)w;
		}
	}
	/* Dropped even when some are missing: prestart still reads its config
	 * then, to decide whether to refuse the container. */
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		if (kernel_knows(kept[i]) && caps_have(kept[i]) == 1)
			have[n++] = kept[i];
	if (cap_set_flag(next, CAP_EFFECTIVE, n, have, CAP_SET) < 0 ||
	    cap_set_flag(next, CAP_PERMITTED, n, have, CAP_SET) < 0 || cap_set_proc(next) < 0)
		return used ? -EPERM : -errno;
	return used ? -EPERM : 0;
}

int userns_is_initial(void)
{
	_cleanup_free_ char *text = NULL;
	unsigned long long field[3];
	const char *p;
	size_t len;
	int r;

	r = read_file_limited(AT_FDCWD, "/proc/self/uid_map", 4096, &text, &len);
	if (r < 0)
		return r;
	/* The initial namespace maps every uid onto itself, in one line; a
	 * user namespace can never map more than the 2^32-1 ids of its parent,
	 * so "0 0 4294967295" cannot appear anywhere else. */
	p = text;
	for (size_t i = 0; i < ARRAY_SIZE(field); i++) {
		char *end = NULL;

		errno = 0;
		field[i] = strtoull(p, &end, 10);
		if (errno || !end || end == p)
			return -EBADMSG;
		p = end;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	return field[0] == 0 && field[1] == 0 && field[2] == 4294967295ULL && *p == '\0';
}

int caps_text(char **ret)
{
	_cleanup_(cap_freep) cap_t cur = cap_get_proc();
	char *t;

	if (!cur)
		return -errno;
	t = cap_to_text(cur, NULL);
	if (!t)
		return -errno;
	*ret = strdup(t);
	cap_free(t);
	return *ret ? 0 : -ENOMEM;
}
