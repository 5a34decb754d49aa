// SPDX-License-Identifier: LGPL-2.1-or-later
/* Capability checks and dropping; see caps.h. */
#include "caps.h"
#include "fileio.h"
#include "input-limits.h"
#include "util.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

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

/* The process's capability sets, read with one capget: libcap's
 * cap_get_proc and cap_get_bound per capability cost prestart 53 system
 * calls on every container start. */
struct capsets {
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
};

static int capsets_get(struct capsets *c)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	/* Zeroed first: valgrind takes capget to write only the first of the
	 * two data structs, and would see the second's bits as uninitialised. */
	*c = (struct capsets){ 0 };
	if (syscall(SYS_capget, &h, c->d) < 0)
		return -errno;
	return 0;
}

static bool capsets_has(const struct capsets *c, int cap)
{
	return c->d[cap / 32].effective & (1u << (cap % 32));
}

static bool kernel_knows(int cap)
{
	/* The bounding set answers for every capability the kernel has.
	 * Each asked at most once: every one here is below CAP_BPF, so the
	 * answer for it only matters for CAP_BPF and CAP_PERFMON (5.8). */
	static int known[CAP_LAST_CAP + 1];

	if (cap < 0 || cap > CAP_LAST_CAP)
		return false;
	if (cap < CAP_PERFMON)
		return true;
	if (!known[cap])
		known[cap] = prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) >= 0 ? 1 : -1;
	return known[cap] > 0;
}

int caps_have(int cap)
{
	struct capsets c;
	int r;

	if (!kernel_knows(cap))
		return -EINVAL;
	r = capsets_get(&c);
	if (r < 0)
		return r;
	return capsets_has(&c, cap);
}

int caps_require_and_restrict(struct br_error *err)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct capsets cur, next = { 0 };
	char missing[128] = "";
	size_t used = 0, size = sizeof(missing);
	int r;

	r = capsets_get(&cur);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CAPS, "capget");
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		/* Kernels before 5.8 have no CAP_BPF/CAP_PERFMON: SYS_ADMIN covers them. */
		if (kernel_knows(required[i]) && !capsets_has(&cur, required[i])) {
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
		if (kernel_knows(kept[i]) && capsets_has(&cur, kept[i])) {
			next.d[kept[i] / 32].effective |= 1u << (kept[i] % 32);
			next.d[kept[i] / 32].permitted |= 1u << (kept[i] % 32);
		}
	if (used)
		br_error_set(err, -EPERM, BR_STEP_CAPS, "%s", missing);
	if (syscall(SYS_capset, &h, next.d) < 0)
		return used ? -EPERM : br_error_errno(err, -errno, BR_STEP_CAPS, "capset");
	return used ? -EPERM : 0;
}

int userns_is_initial(void)
{
	_cleanup_free_ char *text = NULL;
	unsigned long long field[3];
	const char *p;
	size_t len;
	int r;

	r = read_file_limited(AT_FDCWD, "/proc/self/uid_map", UID_MAP_MAX_BYTES, &text, &len);
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
