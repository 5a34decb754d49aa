// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bpfids: the leak check's view of the kernel's BPF objects (tests/e2e/lib/
 * harness.sh). Reads only; never frees, unpins or detaches anything.
 *   bpfids list [PIN]
 *	every map, program and link alive now, one "KIND ID" a line, sorted by
 *	kind then id: BPF_*_GET_NEXT_ID, no per-object call, so thousands of
 *	objects cost milliseconds where `bpftool -j KIND show` costs seconds.
 *	With PIN, a pinned map with 8-byte keys (the tracer's cgroups), also
 *	its keys in decimal, "key N" a line (none if PIN is not there): one
 *	process for both, as the leak check runs twice per test.
 *   bpfids new BEFORE PREFIX OURS...
 *	the objects alive now that are not in BEFORE (a `list` output), less
 *	those this run cannot own (below), one "KIND id ID (NAME)" a line. A link's
 *	release is deferred: while any candidate is alive, ask again for up to a
 *	second before blaming it. Not this run's, and so left out:
 *	- a bpfreaper tracer's: pinned in a run directory's private bpffs
 *	  (/run/bpfreaper*\/bpffs/tracer_v*), the records maps its slot_maps
 *	  names, any map named bpfreaper_rec (a records map a trim let go is
 *	  freed only after an RCU grace period), and what its links and
 *	  programs hold;
 *	- held by an open fd of a process that is not this run's (a process is
 *	  the run's when its cgroup2 path or command line contains one of OURS),
 *	  or pinned in a bpffs mounted in such a process's own mount namespace
 *	  (the BPF record tests' private tracer);
 *	- pinned in /sys/fs/bpf under a top-level name "OTHER-..." where OTHER
 *	  is not PREFIX (another run's test pins);
 *	- attached to a cgroup (cgroup2) whose path names none of OURS;
 *	- what such an object holds (a program's maps, a link's program).
 *   bpfids alive KIND ID...
 *	the IDs of KIND (map, prog, link) the kernel still hands an fd for
 *	(BPF_*_GET_FD_BY_ID, as `bpftool KIND show id` asks), one a line:
 *	assert_freed asks for a thousand ids in one process, not a thousand
 *	bpftool runs (seconds on a host, a minute in a TCG guest). Exits 2 on
 *	any answer but "no such object" (ENOENT).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "rawbpf.h"

enum kind { K_MAP, K_PROG, K_LINK, NKINDS };
static const char *const kind_names[NKINDS] = { "map", "prog", "link" };
static const int next_cmd[NKINDS] = { BPF_MAP_GET_NEXT_ID, BPF_PROG_GET_NEXT_ID, BPF_LINK_GET_NEXT_ID };
static const int by_id_cmd[NKINDS] = { BPF_MAP_GET_FD_BY_ID, BPF_PROG_GET_FD_BY_ID, BPF_LINK_GET_FD_BY_ID };

/* A set of ids per kind: sorted arrays, small in practice. */
struct idset {
	uint32_t *ids;
	size_t n, cap;
};

static void add(struct idset *s, uint32_t id)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->ids = realloc(s->ids, s->cap * sizeof(*s->ids));
		if (!s->ids) {
			perror("bpfids");
			exit(2);
		}
	}
	s->ids[s->n++] = id;
}

static bool has(const struct idset *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

static void list_kind(enum kind k, struct idset *out)
{
	union bpf_attr attr;
	uint32_t id = 0;

	for (;;) {
		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (sys_bpf(next_cmd[k], &attr) < 0)
			break; /* ENOENT: the last one */
		id = attr.next_id;
		add(out, id);
	}
}

static int fd_by_id(enum kind k, uint32_t id)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	if (k == K_MAP)
		attr.map_id = id;
	else if (k == K_PROG)
		attr.prog_id = id;
	else
		attr.link_id = id;
	return (int)sys_bpf(by_id_cmd[k], &attr);
}

/* Objects not this run's, and their names for the report. */
static struct idset foreign[NKINDS];

static int get_info(int fd, void *info, uint32_t len)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	memset(info, 0, len);
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = len;
	attr.info.info = (uint64_t)(uintptr_t)info;
	return (int)sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
}

static void mark_id(enum kind k, uint32_t id);

/* A program's maps are held by it. */
static void mark_prog_maps(int fd)
{
	uint32_t map_ids[64];
	struct bpf_prog_info info;
	union bpf_attr attr;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 64;
	info.map_ids = (uint64_t)(uintptr_t)map_ids;
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0)
		return;
	for (uint32_t i = 0; i < info.nr_map_ids && i < 64; i++)
		mark_id(K_MAP, map_ids[i]);
}

/* Marks an object (by an fd of it) and what it holds as not this run's. */
static void mark_fd(enum kind k, int fd)
{
	if (k == K_MAP) {
		struct bpf_map_info info;

		if (get_info(fd, &info, sizeof(info)) == 0 && !has(&foreign[K_MAP], info.id))
			add(&foreign[K_MAP], info.id);
	} else if (k == K_PROG) {
		struct bpf_prog_info info;

		if (get_info(fd, &info, sizeof(info)) < 0 || has(&foreign[K_PROG], info.id))
			return;
		add(&foreign[K_PROG], info.id);
		mark_prog_maps(fd);
	} else {
		struct bpf_link_info info;

		if (get_info(fd, &info, sizeof(info)) < 0 || has(&foreign[K_LINK], info.id))
			return;
		add(&foreign[K_LINK], info.id);
		mark_id(K_PROG, info.prog_id);
	}
}

static void mark_id(enum kind k, uint32_t id)
{
	int fd;

	if (id == 0 || has(&foreign[k], id))
		return;
	fd = fd_by_id(k, id);
	if (fd < 0)
		return;
	mark_fd(k, fd);
	close(fd);
}

/* The kind of a pinned object: its anon inode's name. */
static int kind_of_pin(int fd)
{
	char path[64], what[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, what, sizeof(what) - 1);
	if (n <= 0)
		return -1;
	what[n] = '\0';
	if (strstr(what, "bpf-map"))
		return K_MAP;
	if (strstr(what, "bpf-prog"))
		return K_PROG;
	if (strstr(what, "bpf_link") || strstr(what, "bpf-link"))
		return K_LINK;
	return -1;
}

/* Every pin under dir (depth-limited: bpffs trees here are shallow). */
static void mark_pins(const char *dir, int depth)
{
	struct dirent *de;
	DIR *d;

	if (depth > 8 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char p[4096];
		int fd, k;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p))
			continue;
		if (de->d_type == DT_DIR) {
			mark_pins(p, depth + 1);
			continue;
		}
		if (de->d_type != DT_REG)
			continue; /* symlinks: their target is walked as itself */
		fd = rawbpf_obj_get(p);
		if (fd < 0)
			continue;
		k = kind_of_pin(fd);
		if (k >= 0)
			mark_fd(k, fd);
		/* A tracer's slot_maps: the ids of its records maps. */
		if (k == K_MAP && strcmp(de->d_name, "slot_maps") == 0) {
			struct bpf_map_info info;

			if (get_info(fd, &info, sizeof(info)) == 0)
				for (uint32_t key = 0; key < info.max_entries; key++) {
					union bpf_attr attr;
					uint32_t id = 0;

					memset(&attr, 0, sizeof(attr));
					attr.map_fd = (uint32_t)fd;
					attr.key = (uint64_t)(uintptr_t)&key;
					attr.value = (uint64_t)(uintptr_t)&id;
					if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr) == 0 && id)
						mark_id(K_MAP, id);
				}
		}
		close(fd);
	}
	closedir(d);
}

static bool contains_any(const char *s, char **ours, int n)
{
	for (int i = 0; i < n; i++)
		if (*ours[i] && strstr(s, ours[i]))
			return true;
	return false;
}

/* A process is this run's when its cgroup2 path or command line names one
 * of ours. */
static bool process_ours(const char *pid, char **ours, int n)
{
	char p[320], buf[8192];
	size_t len;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%s/cgroup", pid);
	if ((f = fopen(p, "re"))) {
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		if (contains_any(buf, ours, n))
			return true;
	}
	snprintf(p, sizeof(p), "/proc/%s/cmdline", pid);
	if ((f = fopen(p, "re"))) {
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		for (size_t i = 0; i < len; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[len] = '\0';
		if (contains_any(buf, ours, n))
			return true;
	}
	return false;
}

/* Mount namespaces already walked (ours first: /sys/fs/bpf is judged by
 * name, not walked whole). */
static char seen_ns[256][64];
static int n_seen_ns;

static bool ns_seen(const char *ns)
{
	for (int i = 0; i < n_seen_ns; i++)
		if (strcmp(seen_ns[i], ns) == 0)
			return true;
	if (n_seen_ns < 256)
		snprintf(seen_ns[n_seen_ns++], sizeof(seen_ns[0]), "%s", ns);
	return false;
}

/* A process in another mount namespace (the BPF record tests' private
 * tracer, a runtime's): the pins in its own bpffs mounts, which this
 * namespace cannot reach by path. Bind mounts of the host's /sys/fs/bpf are
 * left to the rules for it. */
static void mark_ns_pins(const char *pid)
{
	char p[320], ns[64], line[4096];
	struct stat host, st;
	ssize_t n;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%s/ns/mnt", pid);
	n = readlink(p, ns, sizeof(ns) - 1);
	if (n <= 0)
		return;
	ns[n] = '\0';
	if (ns_seen(ns))
		return;
	if (stat("/sys/fs/bpf", &host) < 0)
		host.st_dev = 0;
	snprintf(p, sizeof(p), "/proc/%s/mountinfo", pid);
	if (!(f = fopen(p, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char mnt[2048], root[4096 + 32];
		const char *sep = strstr(line, " - bpf ");

		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ..." (octal escapes aside:
		 * test mounts have none). */
		if (!sep || sscanf(line, "%*s %*s %*s %*s %2047s", mnt) != 1)
			continue;
		snprintf(root, sizeof(root), "/proc/%s/root%s", pid, mnt);
		if (stat(root, &st) < 0 || st.st_dev == host.st_dev)
			continue;
		mark_pins(root, 1);
	}
	fclose(f);
}

/* Objects held by fds of processes not this run's: their fdinfo names the
 * id ("map_id:", "prog_id:", "link_id:"). */
static void mark_held(char **ours, int n)
{
	static const char *const keys[NKINDS] = { "map_id:", "prog_id:", "link_id:" };
	struct dirent *pe, *fe;
	DIR *proc = opendir("/proc");

	if (!proc)
		return;
	while ((pe = readdir(proc))) {
		char p[320], line[256];
		DIR *fds;

		if (!isdigit((unsigned char)pe->d_name[0]) || process_ours(pe->d_name, ours, n))
			continue;
		mark_ns_pins(pe->d_name);
		snprintf(p, sizeof(p), "/proc/%s/fdinfo", pe->d_name);
		if (!(fds = opendir(p)))
			continue;
		while ((fe = readdir(fds))) {
			char fp[640], lp[640], target[64];
			ssize_t tl;
			FILE *f;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(lp, sizeof(lp), "/proc/%s/fd/%s", pe->d_name, fe->d_name);
			tl = readlink(lp, target, sizeof(target) - 1);
			if (tl <= 0)
				continue;
			target[tl] = '\0';
			if (!strstr(target, "bpf"))
				continue;
			snprintf(fp, sizeof(fp), "/proc/%s/fdinfo/%s", pe->d_name, fe->d_name);
			if (!(f = fopen(fp, "re")))
				continue;
			while (fgets(line, sizeof(line), f)) {
				/* A link's fdinfo names its program too: the link is the object. */
				for (int k = NKINDS - 1; k >= 0; k--) {
					size_t kl = strlen(keys[k]);

					if (strncmp(line, keys[k], kl) == 0) {
						mark_id((enum kind)k, (uint32_t)strtoul(line + kl, NULL, 10));
						goto next_fd;
					}
				}
			}
		next_fd:
			fclose(f);
		}
		closedir(fds);
	}
	closedir(proc);
}

/* Programs attached to a cgroup that is not this run's (legacy attach: no
 * link, no pin, no process), such as the BPF record tests' own cgroup. */
static void mark_cgroup_progs(const char *dir, char **ours, int n, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if (depth > 16 || contains_any(dir, ours, n) || !(d = opendir(dir)))
		return;
	fd = dirfd(d);
	for (int type = 0; type < __MAX_BPF_ATTACH_TYPE; type++) {
		uint32_t ids[64], count = 64;
		union bpf_attr attr;

		memset(&attr, 0, sizeof(attr));
		attr.query.target_fd = (uint32_t)fd;
		attr.query.attach_type = (uint32_t)type;
		attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
		attr.query.prog_cnt = count;
		if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
			continue; /* not a cgroup attach type */
		for (uint32_t i = 0; i < attr.query.prog_cnt && i < count; i++)
			mark_id(K_PROG, ids[i]);
	}
	while ((de = readdir(d))) {
		char p[4096];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) < (int)sizeof(p))
			mark_cgroup_progs(p, ours, n, depth + 1);
	}
	closedir(d);
}

/* Top-level entries of /sys/fs/bpf named by another run's prefix. */
static void mark_other_runs(const char *prefix)
{
	size_t pl = strlen(prefix);
	struct dirent *de;
	DIR *d = opendir("/sys/fs/bpf");

	if (!d)
		return;
	while ((de = readdir(d))) {
		char p[512];
		const char *dash = strchr(de->d_name, '-');

		if (!dash || ((size_t)(dash - de->d_name) == pl && strncmp(de->d_name, prefix, pl) == 0))
			continue;
		snprintf(p, sizeof(p), "/sys/fs/bpf/%s", de->d_name);
		if (de->d_type == DT_DIR) {
			mark_pins(p, 1);
		} else if (de->d_type == DT_REG) {
			int fd = rawbpf_obj_get(p), k;

			if (fd < 0)
				continue;
			k = kind_of_pin(fd);
			if (k >= 0)
				mark_fd(k, fd);
			close(fd);
		}
	}
	closedir(d);
}

static void read_before(const char *path, struct idset before[NKINDS])
{
	char line[64];
	FILE *f = fopen(path, "re");

	if (!f) {
		fprintf(stderr, "bpfids: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			continue;
		*sp = '\0';
		for (int k = 0; k < NKINDS; k++)
			if (strcmp(line, kind_names[k]) == 0)
				add(&before[k], (uint32_t)strtoul(sp + 1, NULL, 10));
	}
	fclose(f);
}

/* A tracer's records map: in a slot of its `records`, or on its way out
 * after tracer_trim_slots (an inner map is freed after an RCU grace period,
 * seconds on a busy host), where no slot_maps names it any more. */
static bool records_map(uint32_t id)
{
	struct bpf_map_info info;
	int fd = fd_by_id(K_MAP, id);
	bool is;

	if (fd < 0)
		return false;
	is = get_info(fd, &info, sizeof(info)) == 0 && strcmp(info.name, "bpfreaper_rec") == 0;
	close(fd);
	return is;
}

/* Candidates: alive now, not before, not another's; after the first call,
 * only those of the first that are still alive (an object made after the
 * test ended is not the test's, and churn elsewhere never stops). */
static size_t candidates(const struct idset before[NKINDS], struct idset cand[NKINDS], bool first)
{
	size_t total = 0;

	for (int k = 0; k < NKINDS; k++) {
		struct idset now = { 0 }, keep = { 0 };

		list_kind((enum kind)k, &now);
		for (size_t i = 0; i < now.n; i++) {
			uint32_t id = now.ids[i];

			if ((first ? !has(&before[k], id) : has(&cand[k], id)) && !has(&foreign[k], id) &&
			    !(k == K_MAP && records_map(id)))
				add(&keep, id);
		}
		free(cand[k].ids);
		cand[k] = keep;
		total += keep.n;
		free(now.ids);
	}
	return total;
}

static void print_name(enum kind k, uint32_t id)
{
	int fd = fd_by_id(k, id);
	char name[BPF_OBJ_NAME_LEN + 1] = "";

	if (fd >= 0) {
		if (k == K_MAP) {
			struct bpf_map_info info;

			if (get_info(fd, &info, sizeof(info)) == 0)
				memcpy(name, info.name, BPF_OBJ_NAME_LEN);
		} else if (k == K_PROG) {
			struct bpf_prog_info info;

			if (get_info(fd, &info, sizeof(info)) == 0)
				memcpy(name, info.name, BPF_OBJ_NAME_LEN);
		} else {
			struct bpf_link_info info;

			if (get_info(fd, &info, sizeof(info)) == 0)
				snprintf(name, sizeof(name), "of prog %u", info.prog_id);
		}
		close(fd);
	}
	printf("%s id %u (%s)\n", kind_names[k], id, *name ? name : "-");
}

static int cmd_new(const char *before_path, const char *prefix, char **ours, int n)
{
	struct idset before[NKINDS] = { 0 }, cand[NKINDS] = { 0 };
	const struct timespec pause = { .tv_nsec = 100 * 1000 * 1000 };
	glob_t g;

	read_before(before_path, before);
	/* Most tests leave nothing new: no attribution, no wait. Otherwise
	 * attribute, and give what is left a second to go (links). */
	for (int round = 0; candidates(before, cand, round == 0) > 0 && round < 10; round++) {
		if (round > 0)
			nanosleep(&pause, NULL);
		if (glob("/run/bpfreaper*/bpffs/tracer_v*", GLOB_ONLYDIR, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++)
				mark_pins(g.gl_pathv[i], 1);
			globfree(&g);
		}
		char self_ns[64] = "";
		ssize_t len = readlink("/proc/self/ns/mnt", self_ns, sizeof(self_ns) - 1);

		n_seen_ns = 0;
		if (len > 0) {
			self_ns[len] = '\0';
			ns_seen(self_ns); /* this namespace: by the rules above */
		}
		mark_held(ours, n);
		mark_other_runs(prefix);
		if (round == 0)
			mark_cgroup_progs(access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0 ?
					  "/sys/fs/cgroup/unified" : "/sys/fs/cgroup", ours, n, 0);
	}
	for (int k = 0; k < NKINDS; k++)
		for (size_t i = 0; i < cand[k].n; i++)
			print_name((enum kind)k, cand[k].ids[i]);
	return 0;
}

static int print_keys(const char *pin)
{
	union bpf_attr attr;
	uint64_t key, next;
	int fd = rawbpf_obj_get(pin);
	void *prev = NULL;

	if (fd < 0)
		return errno == ENOENT ? 0 : 1;
	for (;;) {
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)fd;
		attr.key = (uint64_t)(uintptr_t)prev;
		attr.next_key = (uint64_t)(uintptr_t)&next;
		if (sys_bpf(BPF_MAP_GET_NEXT_KEY, &attr) < 0)
			break;
		printf("key %llu\n", (unsigned long long)next);
		key = next;
		prev = &key;
	}
	close(fd);
	return errno == ENOENT ? 0 : 1;
}

static int cmd_alive(const char *kind_name, char **ids, int n)
{
	int k;

	for (k = 0; k < NKINDS && strcmp(kind_name, kind_names[k]) != 0; k++)
		;
	if (k == NKINDS) {
		fprintf(stderr, "bpfids: unknown kind %s\n", kind_name);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		char *end;
		unsigned long id = strtoul(ids[i], &end, 10);
		int fd;

		if (!*ids[i] || *end || id == 0 || id > UINT32_MAX) {
			fprintf(stderr, "bpfids: not an id: '%s'\n", ids[i]);
			return 2;
		}
		fd = fd_by_id((enum kind)k, (uint32_t)id);
		if (fd >= 0) {
			printf("%lu\n", id);
			close(fd);
		} else if (errno != ENOENT) {
			fprintf(stderr, "bpfids: %s id %lu: %s\n", kind_name, id, strerror(errno));
			return 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "list") == 0) {
		for (int k = 0; k < NKINDS; k++) {
			struct idset s = { 0 };

			list_kind((enum kind)k, &s);
			for (size_t i = 0; i < s.n; i++)
				printf("%s %u\n", kind_names[k], s.ids[i]);
			free(s.ids);
		}
		return argc == 3 ? print_keys(argv[2]) : 0;
	}
	if (argc >= 4 && strcmp(argv[1], "new") == 0)
		return cmd_new(argv[2], argv[3], argv + 4, argc - 4);
	if (argc >= 3 && strcmp(argv[1], "alive") == 0)
		return cmd_alive(argv[2], argv + 3, argc - 3);
	fprintf(stderr, "usage: bpfids list [PIN] | bpfids new BEFORE PREFIX OURS... | bpfids alive KIND ID...\n");
	return 2;
}
