// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The tracer's record code on its own, in the manner of selftests/bpf: a
 * private instance of each backend in turn (its own bpffs in a private
 * mount namespace, never /run/bpfreaper's), a cgroup of its own registered
 * with it, and an agent process in that cgroup that makes, pins, attaches,
 * names and drops things one call at a time while this process checks the
 * records map after each call. Needs root; everything it makes is named
 * with E2E_PREFIX and goes with it (the mounts go with the namespace even
 * if it is killed). Every case runs against the trampoline backend (in a
 * child forked before any set-up, "bpf/record/trampoline/CASE", a skip with
 * the kernel's reason where it refuses fentry, as on a host without BPF
 * trampolines), then against the tracepoint backend ("bpf/record/tracepoint/
 * CASE"): each defence is tested in the backend that holds it.
 */
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../helpers/rawbpf.h"
#include "assert.h"
#include "reap-bpfobj.h"
#include "cgroup.h"
#include "store-rundir.h"
#include "tracer-load.h"
#include "tracer-records.h"
#include "util.h"

/* ---- The only code that knows struct record's layout (bpf/record.h) ---- */

static uint32_t rec_kind(const struct record *r)
{
	return r->kind;
}

static uint32_t rec_flags(const struct record *r)
{
	return r->flags;
}

static uint32_t rec_cmd(const struct record *r)
{
	return r->cmd;
}

/* Who made it: thread group id, registered owner, the cgroup it ran in. */
static void rec_caller(const struct record *r, uint32_t *pid, uint64_t *owner, uint64_t *cgroup)
{
	*pid = r->pid;
	*owner = r->owner_id;
	*cgroup = r->cgroup_id;
}

/* REC_CREATE, REC_PIN, REC_ATTACH: the object (kind, id, type, name). */
static void rec_obj(const struct record *r, uint32_t *kind, uint32_t *id, uint32_t *type, const char **name)
{
	const struct record_obj *o = record_obj_of(r);
	static const struct record_obj none;

	if (!o)
		o = &none;
	*kind = o->kind;
	*id = o->id;
	*type = o->type;
	*name = o->name;
}

/* REC_PIN, REC_MKDIR, REC_SYMLINK: the name as the caller spelled it. */
static const char *rec_path(const struct record *r)
{
	const struct record_name *n = record_name_of(r);

	return n ? n->path : "";
}

/* A relative name's directory (REC_F_RELATIVE). */
static void rec_parent(const struct record *r, uint32_t *dev, uint64_t *ino)
{
	const struct record_name *n = record_name_of(r);

	*dev = n ? n->dir_dev : 0;
	*ino = n ? n->dir_ino : 0;
}

/* REC_MKDIR, REC_SYMLINK with REC_F_IDENTIFIED: the entry the call made. */
static void rec_entry(const struct record *r, uint32_t *dev, uint64_t *ino)
{
	const struct record_name *n = record_name_of(r);

	*dev = n ? n->dev : 0;
	*ino = n ? n->ino : 0;
}

/* REC_ATTACH: the target file (a cgroup id with REC_F_TARGET_CGROUP). */
static void rec_target(const struct record *r, uint32_t *dev, uint64_t *ino, uint32_t *attach_type)
{
	*dev = r->attach.target_dev;
	*ino = r->attach.target_ino;
	*attach_type = r->attach.attach_type;
}

/* REC_SYMLINK: the start of the target and its full length. */
static void rec_symlink(const struct record *r, const char **target, uint32_t *len)
{
	*target = r->symlink.target;
	*len = r->symlink.target_len;
}

static uint32_t rec_obj_id(const struct record *r)
{
	const struct record_obj *o = record_obj_of(r);

	return o ? o->id : 0;
}

/* ---- end of the layout-dependent code ---- */

#define MAX_ARG 1024

static struct {
	enum tracer_backend backend; /* the one this process tests */
	/* The trampoline child's exit status was not 0: so is this one's. */
	bool variant_failed;
	struct rundir rd;
	struct tracer t;
	char tmp[PATH_MAX / 4];  /* everything on disk, under /tmp */
	char fs[PATH_MAX / 4];   /* the "container's" bpffs: its one view */
	char plain[PATH_MAX / 4]; /* not a bpffs, not a view */
	char dir[PATH_MAX / 4];  /* the running test's directory on fs */
	char cg[PATH_MAX / 2];   /* the registered cgroup */
	char nested[PATH_MAX / 2]; /* a cgroup below it */
	char build[PATH_MAX / 2]; /* build/, for the bpfunseen helpers */
	uint64_t cg_id, nested_id;
	uint32_t cg_kdev, fs_kdev; /* kernel dev_t (major << 20 | minor) */
} E;

/* A path (or any string) that must fit: a test that would act on a
 * truncated one stops here instead. */
__attribute__((format(printf, 3, 4))) static void pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "test_record: %s: does not fit in %zu bytes\n", fmt, size);
		abort();
	}
}

/* The kernel's dev_t of a file, as the tracer records it. */
static uint32_t kdev_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return major(st.st_dev) << 20 | minor(st.st_dev);
}

/* The inode of path itself, a symlink's own. */
static uint64_t lino_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? 0 : st.st_ino;
}

/* mkdir -p: path and every missing parent. */
static int mkdir_p(const char *path)
{
	char buf[PATH_MAX * 2];

	pathf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? 0 : st.st_ino;
}

/* ---- The agent: a process that acts, one request at a time ---- */

enum agent_op {
	OP_MAP_CREATE,   /* s1: name */
	OP_PROG_LOAD,    /* n: prog type, s1: name */
	OP_BTF_LOAD,
	OP_LINK_CREATE,  /* fd: prog, fd2: target, n: attach type */
	OP_RAW_TP_OPEN,  /* fd: prog, s1: tracepoint */
	OP_PIN,          /* fd, s1: path */
	OP_PIN_PATH_FD,  /* fd, fd2: directory, s1: path relative to it */
	OP_PIN_MANY,     /* fd, n, s1: directory (names 0..n-1); returns how many */
	OP_MKDIR,        /* s1 */
	OP_MKDIRAT,      /* fd2: directory, s1 */
	OP_MKDIR_MANY,   /* n, s1: directory (names 0..n-1); returns how many */
	OP_SYMLINK,      /* s1: target, s2: path */
	OP_RMDIR,        /* s1 */
	OP_UNLINK,       /* s1 */
	OP_UNLINKAT,     /* fd2: directory, s1, n: flags */
	OP_RENAME,       /* s1 to s2 */
	OP_CLOSE,        /* fd */
	OP_OPEN_DIR,     /* s1 */
	OP_CHDIR,        /* s1 */
	OP_CHROOT,       /* s1 */
	OP_PROG_ATTACH,  /* fd: prog, fd2: target, n: attach type */
	OP_PROG_DETACH,  /* fd: prog, fd2: target, n: attach type */
	OP_EXEC,         /* s1 s2 s3: argv; returns the exit status */
	OP_EXIT,
};

struct agent_req {
	enum agent_op op;
	int fd, fd2, n;
	char s1[MAX_ARG], s2[MAX_ARG], s3[MAX_ARG];
};

struct agent_resp {
	int ret;
	int err;
	uint32_t id; /* of the object a returned fd names */
};

struct agent {
	pid_t pid;
	int to, from;
};

/* Return 1: r0 = 1, exit. Passes every packet as a cgroup_skb program. */
static const struct bpf_insn ret_one[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int agent_prog_load(int type, const char *name)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = (uint32_t)type;
	attr.insns = (uint64_t)(uintptr_t)ret_one;
	attr.insn_cnt = ARRAY_SIZE(ret_one);
	attr.license = (uint64_t)(uintptr_t) "GPL";
	memcpy(attr.prog_name, name, strnlen(name, sizeof(attr.prog_name) - 1));
	return (int)sys_bpf(BPF_PROG_LOAD, &attr);
}

/* The smallest BTF: one 4-byte int. */
static int agent_btf_load(void)
{
	static const struct {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len, type_off, type_len, str_off, str_len;
		uint32_t name_off, info, size, encoding;
		char strings[5];
	} btf = { 0xeB9F, 1, 0, 24, 0, 16, 16, 5, 1, 1u << 24, 4, 32, "\0int" };
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.btf = (uint64_t)(uintptr_t)&btf;
	/* The sections end the blob: no padding after them. */
	attr.btf_size = offsetof(typeof(btf), strings) + sizeof(btf.strings);
	return (int)sys_bpf(BPF_BTF_LOAD, &attr);
}

static int agent_link_create(int prog, int target, int type)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = (uint32_t)prog;
	attr.link_create.target_fd = (uint32_t)target;
	attr.link_create.attach_type = (uint32_t)type;
	return (int)sys_bpf(BPF_LINK_CREATE, &attr);
}

static int agent_raw_tp(int prog, const char *tp)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.name = (uint64_t)(uintptr_t)tp;
	attr.raw_tracepoint.prog_fd = (uint32_t)prog;
	return (int)sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &attr);
}

/* BPF_F_PATH_FD (6.5): the path is relative to path_fd, the field after
 * file_flags (not in this system's uapi header yet). */
static int agent_pin_path_fd(int fd, int dirfd, const char *path)
{
	union bpf_attr attr;
	int32_t path_fd = dirfd;

	memset(&attr, 0, sizeof(attr));
	attr.bpf_fd = (uint32_t)fd;
	attr.pathname = (uint64_t)(uintptr_t)path;
	attr.file_flags = 1u << 14;
	memcpy((char *)&attr + 16, &path_fd, sizeof(path_fd));
	return (int)sys_bpf(BPF_OBJ_PIN, &attr);
}

static int agent_attach(bool attach, int prog, int target, int type)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)target;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = (uint32_t)type;
	return (int)sys_bpf(attach ? BPF_PROG_ATTACH : BPF_PROG_DETACH, &attr);
}

static int agent_many(const struct agent_req *q)
{
	char path[MAX_ARG + 16];
	int i;

	for (i = 0; i < q->n; i++) {
		pathf(path, sizeof(path), "%s/%d", q->s1, i);
		if ((q->op == OP_PIN_MANY ? rawbpf_pin(q->fd, path) : mkdir(path, 0700)) < 0)
			break;
	}
	return i;
}

static int agent_exec(const struct agent_req *q)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		execl(q->s1, q->s1, q->s2, q->s3, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int agent_act(const struct agent_req *q)
{
	switch (q->op) {
	case OP_MAP_CREATE:
		return rawbpf_hash_map(q->s1, 4, 1);
	case OP_PROG_LOAD:
		return agent_prog_load(q->n, q->s1);
	case OP_BTF_LOAD:
		return agent_btf_load();
	case OP_LINK_CREATE:
		return agent_link_create(q->fd, q->fd2, q->n);
	case OP_RAW_TP_OPEN:
		return agent_raw_tp(q->fd, q->s1);
	case OP_PIN:
		return rawbpf_pin(q->fd, q->s1);
	case OP_PIN_PATH_FD:
		return agent_pin_path_fd(q->fd, q->fd2, q->s1);
	case OP_PIN_MANY:
	case OP_MKDIR_MANY:
		return agent_many(q);
	case OP_MKDIR:
		return mkdir(q->s1, 0700);
	case OP_MKDIRAT:
		return mkdirat(q->fd2, q->s1, 0700);
	case OP_SYMLINK:
		return symlink(q->s1, q->s2);
	case OP_RMDIR:
		return rmdir(q->s1);
	case OP_UNLINK:
		return unlink(q->s1);
	case OP_UNLINKAT:
		return unlinkat(q->fd2, q->s1, q->n);
	case OP_RENAME:
		return rename(q->s1, q->s2);
	case OP_CLOSE:
		return close(q->fd);
	case OP_OPEN_DIR:
		return open(q->s1, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	case OP_CHDIR:
		return chdir(q->s1);
	case OP_CHROOT:
		return chroot(q->s1) < 0 ? -1 : chdir("/");
	case OP_PROG_ATTACH:
	case OP_PROG_DETACH:
		return agent_attach(q->op == OP_PROG_ATTACH, q->fd, q->fd2, q->n);
	case OP_EXEC:
		return agent_exec(q);
	case OP_EXIT:
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static bool returns_object(enum agent_op op)
{
	return op == OP_MAP_CREATE || op == OP_PROG_LOAD || op == OP_LINK_CREATE || op == OP_RAW_TP_OPEN;
}

static void agent_serve(int in, int out, const char *cgroup)
{
	struct agent_req q;
	struct agent_resp p;

	/* Joins the cgroup before its first call: from here on it is the
	 * container. */
	if (cgroup) {
		char procs[PATH_MAX];
		int fd;

		pathf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(2);
		close(fd);
	}
	while (read(in, &q, sizeof(q)) == (ssize_t)sizeof(q)) {
		memset(&p, 0, sizeof(p));
		errno = 0;
		p.ret = agent_act(&q);
		p.err = p.ret < 0 ? errno : 0;
		if (p.ret >= 0 && returns_object(q.op))
			p.id = rawbpf_id(p.ret);
		if (write(out, &p, sizeof(p)) != (ssize_t)sizeof(p))
			_exit(3);
		if (q.op == OP_EXIT)
			_exit(0);
	}
	_exit(0);
}

/* An agent in cgroup (NULL: in this process's cgroup, not registered). */
static bool agent_start(struct agent *a, const char *cgroup)
{
	int to[2], from[2];

	if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0)
		return false;
	fflush(stdout);
	a->pid = fork();
	if (a->pid < 0)
		return false;
	if (a->pid == 0) {
		close(to[1]);
		close(from[0]);
		agent_serve(to[0], from[1], cgroup);
	}
	close(to[0]);
	close(from[1]);
	a->to = to[1];
	a->from = from[0];
	return true;
}

/* One call in the agent: its return value, with errno set on failure. */
static int act(struct agent *a, enum agent_op op, int fd, int fd2, int n, const char *s1, const char *s2,
	       uint32_t *ret_id)
{
	struct agent_req q = { .op = op, .fd = fd, .fd2 = fd2, .n = n };
	struct agent_resp p;

	pathf(q.s1, sizeof(q.s1), "%s", s1 ? s1 : "");
	pathf(q.s2, sizeof(q.s2), "%s", s2 ? s2 : "");
	if (op == OP_EXEC) /* s2 is "verb path" */
		sscanf(s2, "%1023s %1023s", q.s2, q.s3);
	if (write(a->to, &q, sizeof(q)) != (ssize_t)sizeof(q) ||
	    read(a->from, &p, sizeof(p)) != (ssize_t)sizeof(p)) {
		errno = EPIPE;
		return -1;
	}
	if (ret_id)
		*ret_id = p.id;
	errno = p.err;
	return p.ret < 0 ? -1 : p.ret;
}

/* Ends the agent and waits until it is gone: its exit has run. */
static void agent_stop(struct agent *a)
{
	int status;

	if (a->pid <= 0)
		return;
	(void)act(a, OP_EXIT, 0, 0, 0, NULL, NULL, NULL);
	close(a->to);
	close(a->from);
	waitpid(a->pid, &status, 0);
	a->pid = 0;
}

#define CLEANUP_AGENT _cleanup_(agent_stop) struct agent

static int a_map(struct agent *a, const char *name, uint32_t *id)
{
	return act(a, OP_MAP_CREATE, 0, 0, 0, name, NULL, id);
}

static int a_prog(struct agent *a, int type, const char *name, uint32_t *id)
{
	return act(a, OP_PROG_LOAD, 0, 0, type, name, NULL, id);
}

static int a_pin(struct agent *a, int fd, const char *path)
{
	return act(a, OP_PIN, fd, 0, 0, path, NULL, NULL);
}

static int a_path(struct agent *a, enum agent_op op, const char *path)
{
	return act(a, op, 0, 0, 0, path, NULL, NULL);
}

static int a_close(struct agent *a, int fd)
{
	return act(a, OP_CLOSE, fd, 0, 0, NULL, NULL, NULL);
}

/* ---- Records ---- */

#define RECORDS _cleanup_(record_list_done) struct record_list

/* The registered cgroup's records and state, as poststop reads them. */
static bool read_records(struct record_list *l)
{
	record_list_done(l);
	return ASSERT_OK(tracer_read_records(&E.t, E.cg_id, l), "tracer_read_records");
}

static const struct record *find_obj(const struct record_list *l, uint32_t kind, uint32_t obj_kind, uint32_t id)
{
	for (size_t i = 0; i < l->n; i++) {
		uint32_t k, oid, type;
		const char *name;

		rec_obj(&l->v[i], &k, &oid, &type, &name);
		if (rec_kind(&l->v[i]) == kind && k == obj_kind && oid == id)
			return &l->v[i];
	}
	return NULL;
}

static const struct record *find_name(const struct record_list *l, uint32_t kind, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (rec_kind(&l->v[i]) == kind && strncmp(rec_path(&l->v[i]), path, RECORD_PATH_MAX - 1) == 0)
			return &l->v[i];
	return NULL;
}

static size_t count_kind(const struct record_list *l, uint32_t kind)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += rec_kind(&l->v[i]) == kind;
	return n;
}

/* A record of what the agent made: its caller is the agent, in cgroup. */
static void check_caller(const struct record *r, const struct agent *a, uint64_t cgroup)
{
	uint32_t pid;
	uint64_t owner, cg;

	rec_caller(r, &pid, &owner, &cg);
	ASSERT_EQ(pid, a->pid, "record's pid");
	ASSERT_EQ(owner, E.cg_id, "record's owner");
	ASSERT_EQ(cg, cgroup, "record's cgroup");
}

static void check_object(const struct record *r, uint32_t kind, uint32_t id, uint32_t type, const char *name)
{
	uint32_t k, oid, t;
	const char *n;

	rec_obj(r, &k, &oid, &t, &n);
	ASSERT_EQ(k, kind, "record's object kind");
	ASSERT_EQ(oid, id, "record's object id");
	ASSERT_EQ(t, type, "record's object type");
	if (name)
		ASSERT_STREQ(n, name, "record's object name");
}

/* ---- Fixture: the test's registration and directory ---- */

/* Registers the cgroup afresh (an empty records map, zeroed counters),
 * makes the test's directory and starts an agent in the cgroup. */
static bool setup(const char *name, bool views_all, struct agent *a)
{
	char *view = E.fs;
	struct tracer_views views = { .v = { view }, .n = 1, .all = views_all };
	_cleanup_close_ int lock = -EBADF;
	size_t filled, freed;

	pathf(E.dir, sizeof(E.dir), "%s/%s", E.fs, name);
	/* Made by this process, outside the cgroup: no record. */
	if (!ASSERT_OK(mkdir(E.dir, 0700), E.dir))
		return false;
	lock = rundir_lock_slots(&E.rd);
	if (!ASSERT_OK(lock, "rundir_lock_slots") || !ASSERT_OK(tracer_pool_tend(&E.t, POOL_SPARE, &filled, &freed), "fill the pool") ||
	    !ASSERT_OK(tracer_register(&E.t, E.cg_id, &views), "tracer_register"))
		return false;
	if (ASSERT_TRUE(agent_start(a, E.cg), "agent in the cgroup"))
		return true;
	(void)tracer_unregister(&E.t, E.cg_id);
	return false;
}

static void teardown(void)
{
	ASSERT_OK(tracer_unregister(&E.t, E.cg_id), "tracer_unregister");
}

/* A path under the test's directory. */
static const char *at(const char *name)
{
	static char buf[4][PATH_MAX];
	static int next;
	char *p = buf[next++ % 4];

	pathf(p, PATH_MAX, "%s/%s", E.dir, name);
	return p;
}

/* ---- The tests ---- */

TEST(test_map_create)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	const struct record *r;
	uint32_t id;
	int fd;

	if (!setup("map_create", false, &a))
		return;
	fd = a_map(&a, "brb_map", &id);
	if (ASSERT_OK(fd, "map create") && read_records(&l)) {
		r = find_obj(&l, REC_CREATE, OBJ_MAP, id);
		if (ASSERT_TRUE(r, "a creation record of the map")) {
			check_caller(r, &a, E.cg_id);
			check_object(r, OBJ_MAP, id, BPF_MAP_TYPE_HASH, "brb_map");
			ASSERT_EQ(rec_cmd(r), BPF_MAP_CREATE, "record's command");
			ASSERT_FLAGS(rec_flags(r), 0, REC_F_UNPROVEN | REC_F_PATH_TRUNCATED, "record's flags");
		}
		ASSERT_EQ(l.n, 1, "records");
		ASSERT_EQ(l.cg.obj_records, 1, "obj_records");
		ASSERT_EQ(l.cg.dir_records, 0, "dir_records");
	}
	teardown();
}

TEST(test_prog_load)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	const struct record *r;
	uint32_t id;

	if (!setup("prog_load", false, &a))
		return;
	if (ASSERT_OK(a_prog(&a, BPF_PROG_TYPE_CGROUP_SKB, "brb_prog", &id), "prog load") && read_records(&l)) {
		r = find_obj(&l, REC_CREATE, OBJ_PROG, id);
		if (ASSERT_TRUE(r, "a creation record of the program")) {
			check_caller(r, &a, E.cg_id);
			check_object(r, OBJ_PROG, id, BPF_PROG_TYPE_CGROUP_SKB, "brb_prog");
			ASSERT_EQ(rec_cmd(r), BPF_PROG_LOAD, "record's command");
		}
		ASSERT_EQ(l.n, 1, "records");
		ASSERT_EQ(l.cg.obj_records, 1, "obj_records");
	}
	teardown();
}

/* BTF is neither pinned nor removed by bpfreaper: it lives as long as the
 * programs and maps that use it, so it is not recorded. */
TEST(test_btf_load)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};

	if (!setup("btf_load", false, &a))
		return;
	if (ASSERT_OK(act(&a, OP_BTF_LOAD, 0, 0, 0, NULL, NULL, NULL), "BTF load") && read_records(&l)) {
		ASSERT_EQ(l.n, 0, "records");
		ASSERT_EQ(l.cg.obj_records, 0, "obj_records");
	}
	teardown();
}

TEST(test_link_create)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	const struct record *r;
	uint32_t prog_id, link_id, tp_prog_id, tp_link_id;
	int prog, target, tp_prog;

	if (!setup("link_create", false, &a))
		return;
	prog = a_prog(&a, BPF_PROG_TYPE_CGROUP_SKB, "brb_link_prog", &prog_id);
	target = a_path(&a, OP_OPEN_DIR, E.nested);
	tp_prog = a_prog(&a, BPF_PROG_TYPE_RAW_TRACEPOINT, "brb_tp_prog", &tp_prog_id);
	if (!ASSERT_OK(prog, "prog load") || !ASSERT_OK(target, "open the cgroup") || !ASSERT_OK(tp_prog, "prog load"))
		goto out;
	if (!ASSERT_OK(act(&a, OP_LINK_CREATE, prog, target, BPF_CGROUP_INET_INGRESS, NULL, NULL, &link_id),
		       "link create") ||
	    !ASSERT_OK(act(&a, OP_RAW_TP_OPEN, tp_prog, 0, 0, "task_rename", NULL, &tp_link_id), "raw tracepoint open"))
		goto out;
	if (!read_records(&l))
		goto out;
	r = find_obj(&l, REC_CREATE, OBJ_LINK, link_id);
	if (ASSERT_TRUE(r, "a creation record of the cgroup link")) {
		check_caller(r, &a, E.cg_id);
		check_object(r, OBJ_LINK, link_id, BPF_LINK_TYPE_CGROUP, "brb_link_prog");
		ASSERT_EQ(rec_cmd(r), BPF_LINK_CREATE, "record's command");
	}
	r = find_obj(&l, REC_CREATE, OBJ_LINK, tp_link_id);
	if (ASSERT_TRUE(r, "a creation record of the raw tracepoint link")) {
		check_object(r, OBJ_LINK, tp_link_id, BPF_LINK_TYPE_RAW_TRACEPOINT, "brb_tp_prog");
		ASSERT_EQ(rec_cmd(r), BPF_RAW_TRACEPOINT_OPEN, "record's command");
	}
	ASSERT_EQ(count_kind(&l, REC_CREATE), 4, "creation records (2 programs, 2 links)");
	ASSERT_EQ(l.cg.obj_records, 4, "obj_records");
out:
	teardown();
}

/* The fingerprint the tracer reads from the kernel's structs is the one
 * bpf_obj_get_info_by_fd gives user space: a record of a live object
 * matches it (else poststop would call every object of the container
 * reused and remove nothing), and a record that differs in any part the
 * fingerprint holds names another object (an id reused). */
static void check_fingerprint(const struct record *r, const char *what)
{
	struct record_obj o = *record_obj_of(r), other;
	char why[128];

	snprintf(why, sizeof(why), "%s: the live object matches its record", what);
	ASSERT_EQ(obj_recorded_alive(&o), 1, why);
	for (int part = 0; part < 4; part++) {
		other = o;
		switch (part) {
		case 0:
			other.type++;
			break;
		case 1:
			if (o.kind == OBJ_LINK)
				other.fp.link.prog_id++;
			else
				other.name[0] ^= 1;
			break;
		case 2:
			if (o.kind == OBJ_MAP)
				other.fp.map.key_size++;
			else if (o.kind == OBJ_PROG)
				other.fp.prog.load_time++;
			else
				other.fp.link.prog_id = 0;
			break;
		default:
			if (o.kind == OBJ_MAP)
				other.fp.map.max_entries++;
			else if (o.kind == OBJ_PROG)
				other.fp.prog.tag[0] ^= 1;
			else
				other.type = 0;
			break;
		}
		snprintf(why, sizeof(why), "%s: a record differing in part %d names another object", what, part);
		ASSERT_EQ(obj_recorded_alive(&other), 0, why);
	}
}

TEST(test_fingerprint)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	const struct record *r;
	uint32_t map_id, prog_id, link_id;
	int map, prog;

	if (!setup("fingerprint", false, &a))
		return;
	map = a_map(&a, "brb_fp_map", &map_id);
	prog = a_prog(&a, BPF_PROG_TYPE_RAW_TRACEPOINT, "brb_fp_prog", &prog_id);
	if (!ASSERT_OK(map, "map create") || !ASSERT_OK(prog, "prog load") ||
	    !ASSERT_OK(act(&a, OP_RAW_TP_OPEN, prog, 0, 0, "task_rename", NULL, &link_id), "raw tracepoint open") ||
	    !ASSERT_OK(a_pin(&a, map, at("fp_map")), "pin") || !read_records(&l))
		goto out;
	r = find_obj(&l, REC_CREATE, OBJ_MAP, map_id);
	if (ASSERT_TRUE(r, "a creation record of the map"))
		check_fingerprint(r, "map");
	r = find_obj(&l, REC_CREATE, OBJ_PROG, prog_id);
	if (ASSERT_TRUE(r, "a creation record of the program"))
		check_fingerprint(r, "program");
	r = find_obj(&l, REC_CREATE, OBJ_LINK, link_id);
	if (ASSERT_TRUE(r, "a creation record of the link")) {
		check_fingerprint(r, "link");
		ASSERT_EQ(record_obj_of(r)->fp.link.prog_id, prog_id, "the link's program");
	}
	r = find_obj(&l, REC_PIN, OBJ_MAP, map_id);
	if (ASSERT_TRUE(r, "a pin record of the map"))
		check_fingerprint(r, "pinned map");
out:
	teardown();
}

/* A pin of each object kind, by absolute and by relative name. */
TEST(test_pin)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	const struct record *r;
	uint32_t ids[3], kinds[3] = { OBJ_MAP, OBJ_PROG, OBJ_LINK }, dev;
	uint64_t ino;
	const char *names[3] = { "pinned_map", "pinned_prog", "pinned_link" };
	int fds[3], target;

	if (!setup("pin", false, &a))
		return;
	fds[0] = a_map(&a, "brb_pin_map", &ids[0]);
	fds[1] = a_prog(&a, BPF_PROG_TYPE_CGROUP_SKB, "brb_pin_prog", &ids[1]);
	target = a_path(&a, OP_OPEN_DIR, E.nested);
	fds[2] = act(&a, OP_LINK_CREATE, fds[1], target, BPF_CGROUP_INET_EGRESS, NULL, NULL, &ids[2]);
	if (!ASSERT_OK(fds[0], "map") || !ASSERT_OK(fds[1], "prog") || !ASSERT_OK(fds[2], "link"))
		goto out;
	for (int i = 0; i < 3; i++)
		ASSERT_OK(a_pin(&a, fds[i], at(names[i])), names[i]);
	/* Relative to the working directory, then (6.5+) to a path_fd. */
	ASSERT_OK(a_path(&a, OP_CHDIR, E.dir), "chdir");
	ASSERT_OK(a_pin(&a, fds[0], "relative_map"), "relative pin");
	if (!read_records(&l))
		goto out;
	for (int i = 0; i < 3; i++) {
		r = find_name(&l, REC_PIN, at(names[i]));
		if (!ASSERT_TRUE(r, names[i]))
			continue;
		check_caller(r, &a, E.cg_id);
		check_object(r, kinds[i], ids[i], i == 0 ? BPF_MAP_TYPE_HASH : i == 1 ? BPF_PROG_TYPE_CGROUP_SKB
										: BPF_LINK_TYPE_CGROUP,
			     NULL);
		ASSERT_EQ(rec_cmd(r), BPF_OBJ_PIN, "record's command");
		ASSERT_FLAGS(rec_flags(r), 0, REC_F_RELATIVE | REC_F_PATH_TRUNCATED, "absolute pin's flags");
	}
	r = find_name(&l, REC_PIN, "relative_map");
	if (ASSERT_TRUE(r, "the relative pin's record")) {
		check_object(r, OBJ_MAP, ids[0], BPF_MAP_TYPE_HASH, NULL);
		ASSERT_FLAGS(rec_flags(r), REC_F_RELATIVE, 0, "relative pin's flags");
		rec_parent(r, &dev, &ino);
		ASSERT_EQ(dev, E.fs_kdev, "relative pin's directory device");
		ASSERT_EQ(ino, ino_of(E.dir), "relative pin's directory inode");
	}
	/* 3 creations, 4 pins. */
	ASSERT_EQ(count_kind(&l, REC_PIN), 4, "pin records");
	ASSERT_EQ(l.cg.obj_records, 7, "obj_records");
	ASSERT_EQ(l.cg.dir_records, 0, "dir_records");

	errno = 0;
	if (act(&a, OP_PIN_PATH_FD, fds[1], target, 0, "via_path_fd", NULL, NULL) < 0 && errno == EINVAL) {
		printf("    # BPF_F_PATH_FD: not on this kernel\n");
		goto out;
	}
	/* target is a cgroup directory, not a bpffs one: the kernel refuses. */
	ASSERT_EQ(errno, EPERM, "pin through a cgroup path_fd");
	target = a_path(&a, OP_OPEN_DIR, E.dir);
	ASSERT_OK(act(&a, OP_PIN_PATH_FD, fds[1], target, 0, "via_path_fd", NULL, NULL), "pin with BPF_F_PATH_FD");
	if (read_records(&l)) {
		r = find_name(&l, REC_PIN, "via_path_fd");
		if (ASSERT_TRUE(r, "the path_fd pin's record")) {
			check_object(r, OBJ_PROG, ids[1], BPF_PROG_TYPE_CGROUP_SKB, NULL);
			ASSERT_FLAGS(rec_flags(r), REC_F_RELATIVE, 0, "path_fd pin's flags");
			rec_parent(r, &dev, &ino);
			ASSERT_EQ(ino, ino_of(E.dir), "path_fd pin's directory inode");
		}
	}
out:
	teardown();
}

/* A name longer than the record holds is kept truncated and flagged, and
 * never matched by a removal (a prefix could name something else). */
TEST(test_pin_truncated)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	char longdir[PATH_MAX], path[PATH_MAX];
	const struct record *r;
	uint32_t id;
	int fd;

	if (!setup("pin_truncated", false, &a))
		return;
	pathf(longdir, sizeof(longdir), "%s/%0200d", E.dir, 0);
	pathf(path, sizeof(path), "%s/%0100d", longdir, 1);
	fd = a_map(&a, "brb_long", &id);
	if (!ASSERT_OK(fd, "map") || !ASSERT_OK(mkdir(longdir, 0700), "mkdir outside the cgroup") ||
	    !ASSERT_OK(a_pin(&a, fd, path), "pin at a long path") || !read_records(&l))
		goto out;
	r = find_name(&l, REC_PIN, path);
	if (ASSERT_TRUE(r, "the long pin's record (its first 255 bytes)")) {
		ASSERT_FLAGS(rec_flags(r), REC_F_PATH_TRUNCATED, 0, "long pin's flags");
		ASSERT_EQ(strlen(rec_path(r)), RECORD_PATH_MAX - 1, "recorded length");
	}
	ASSERT_OK(a_path(&a, OP_UNLINK, path), "unlink the long pin");
	if (read_records(&l)) {
		ASSERT_TRUE(find_name(&l, REC_PIN, path), "the truncated record stays after the unlink");
		ASSERT_EQ(l.cg.removed_names, 0, "removed_names");
	}
out:
	teardown();
}

TEST(test_mkdir)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	char outside[PATH_MAX];
	const struct record *r;
	uint32_t dev;
	uint64_t ino;
	int dirfd;

	if (!setup("mkdir", false, &a))
		return;
	pathf(outside, sizeof(outside), "%s/mkdir", E.plain);
	ASSERT_OK(a_path(&a, OP_MKDIR, at("abs")), "mkdir in the view");
	dirfd = a_path(&a, OP_OPEN_DIR, E.dir);
	ASSERT_OK(act(&a, OP_MKDIRAT, 0, dirfd, 0, "rel", NULL, NULL), "mkdirat in the view");
	/* Neither on a bpffs view: no record, no budget used. */
	ASSERT_OK(a_path(&a, OP_MKDIR, outside), "mkdir elsewhere");
	ASSERT_OK(a_path(&a, OP_CHDIR, E.plain), "chdir elsewhere");
	ASSERT_OK(a_path(&a, OP_MKDIR, "rel_elsewhere"), "relative mkdir elsewhere");
	if (!read_records(&l))
		goto out;
	r = find_name(&l, REC_MKDIR, at("abs"));
	if (ASSERT_TRUE(r, "the absolute mkdir's record")) {
		check_caller(r, &a, E.cg_id);
		ASSERT_EQ(rec_cmd(r), TRACE_CMD_MKDIR, "record's command");
		ASSERT_FLAGS(rec_flags(r), 0, REC_F_RELATIVE, "absolute mkdir's flags");
	}
	r = find_name(&l, REC_MKDIR, "rel");
	if (ASSERT_TRUE(r, "the relative mkdirat's record")) {
		ASSERT_FLAGS(rec_flags(r), REC_F_RELATIVE, 0, "relative mkdir's flags");
		rec_parent(r, &dev, &ino);
		ASSERT_EQ(dev, E.fs_kdev, "relative mkdir's directory device");
		ASSERT_EQ(ino, ino_of(E.dir), "relative mkdir's directory inode");
	}
	ASSERT_EQ(l.n, 2, "records");
	ASSERT_EQ(l.cg.dir_records, 2, "dir_records");
	ASSERT_EQ(l.cg.obj_records, 0, "obj_records");
out:
	rmdir(outside);
	pathf(outside, sizeof(outside), "%s/rel_elsewhere", E.plain);
	rmdir(outside);
	teardown();
}

/* CG_VIEWS_ALL (more views than the state holds): every absolute name on
 * a bpffs, but still none elsewhere. */
TEST(test_views_all)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	char outside[PATH_MAX], other[PATH_MAX];

	if (!setup("views_all", true, &a))
		return;
	pathf(outside, sizeof(outside), "%s/views_all", E.plain);
	pathf(other, sizeof(other), "%s/run/bpffs/views_all", E.tmp);
	ASSERT_OK(a_path(&a, OP_MKDIR, outside), "mkdir outside the views, off any bpffs");
	if (ASSERT_OK(a_path(&a, OP_MKDIR, other), "mkdir outside the views, on a bpffs") && read_records(&l)) {
		ASSERT_FLAGS(l.cg.flags, CG_VIEWS_ALL, 0, "cgroup flags");
		ASSERT_TRUE(find_name(&l, REC_MKDIR, other), "a record of the one on a bpffs");
		ASSERT_TRUE(!find_name(&l, REC_MKDIR, outside), "no record of the one off any bpffs");
		ASSERT_EQ(l.cg.dir_records, 1, "dir_records");
	}
	rmdir(outside);
	rmdir(other);
	teardown();
}

/* A name's record holds the entry the kernel made there (device, inode),
 * on both backends; renaming the entry away does not change which one it
 * is, and an entry made at the vacated name later is another. */
TEST(test_name_identity)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	const struct record *r;
	uint64_t dir_ino, rel_ino, link_ino, ino;
	uint32_t dev;
	int dirfd;

	if (!setup("identity", false, &a))
		return;
	ASSERT_OK(a_path(&a, OP_MKDIR, at("d")), "mkdir");
	dirfd = a_path(&a, OP_OPEN_DIR, E.dir);
	ASSERT_OK(act(&a, OP_MKDIRAT, 0, dirfd, 0, "rel//", NULL, NULL), "mkdirat, trailing slashes");
	ASSERT_OK(act(&a, OP_SYMLINK, 0, 0, 0, "tc", at("./s"), NULL), "symlink through '.'");
	dir_ino = ino_of(at("d"));
	rel_ino = ino_of(at("rel"));
	link_ino = lino_of(at("s"));
	ASSERT_OK(act(&a, OP_RENAME, 0, 0, 0, at("d"), at("moved"), NULL), "rename the directory away");
	/* The host makes a directory at the vacated name. */
	ASSERT_OK(mkdir(at("d"), 0700), "host's mkdir at the vacated name");
	if (!read_records(&l))
		goto out;
	r = find_name(&l, REC_MKDIR, at("d"));
	if (ASSERT_TRUE(r, "the mkdir's record")) {
		ASSERT_FLAGS(rec_flags(r), REC_F_IDENTIFIED, 0, "mkdir's flags");
		rec_entry(r, &dev, &ino);
		ASSERT_EQ(dev, E.fs_kdev, "mkdir's entry device");
		ASSERT_EQ(ino, dir_ino, "mkdir's entry: the one it made");
		ASSERT_TRUE(ino != ino_of(at("d")), "not the host's made at the name since");
	}
	r = find_name(&l, REC_MKDIR, "rel//");
	if (ASSERT_TRUE(r, "the mkdirat's record")) {
		ASSERT_FLAGS(rec_flags(r), REC_F_IDENTIFIED | REC_F_RELATIVE, 0, "mkdirat's flags");
		rec_entry(r, &dev, &ino);
		ASSERT_EQ(ino, rel_ino, "mkdirat's entry");
	}
	r = find_name(&l, REC_SYMLINK, at("./s"));
	if (ASSERT_TRUE(r, "the symlink's record")) {
		ASSERT_FLAGS(rec_flags(r), REC_F_IDENTIFIED, 0, "symlink's flags");
		rec_entry(r, &dev, &ino);
		ASSERT_EQ(ino, link_ino, "symlink's entry: the link, not its target");
	}
out:
	rmdir(at("d"));
	rmdir(at("moved"));
	teardown();
}

/* Where the kernel made an entry decides, not the path string: a name that
 * reads like a view's, made in a chroot or on a private mount inside the
 * view, is not on a bpffs and has no record; one reached through a symlink
 * is not proven and has a record without its identity. */
TEST(test_name_not_on_bpffs)
{
	CLEANUP_AGENT a = {};
	CLEANUP_AGENT jail = {};
	RECORDS l = {};
	char root[PATH_MAX], inside[PATH_MAX * 2];
	const struct record *r;
	bool mounted;

	if (!setup("not_bpffs", false, &a))
		return;
	/* A private mount over a directory of the view. */
	ASSERT_OK(mkdir(at("mnt"), 0700), "mount point");
	mounted = ASSERT_OK(mount("tmpfs", at("mnt"), "tmpfs", 0, "size=64k"), "tmpfs over it");
	ASSERT_OK(a_path(&a, OP_MKDIR, at("mnt/x")), "mkdir on the private mount");
	ASSERT_OK(act(&a, OP_SYMLINK, 0, 0, 0, "tc", at("mnt/l"), NULL), "symlink on the private mount");
	/* A symlink on the way. */
	ASSERT_OK(act(&a, OP_SYMLINK, 0, 0, 0, E.dir, at("via"), NULL), "a symlink to the view");
	ASSERT_OK(a_path(&a, OP_MKDIR, at("via/y")), "mkdir through it");
	/* A chroot whose tree spells the view's path. */
	pathf(root, sizeof(root), "%s/jail", E.plain);
	pathf(inside, sizeof(inside), "%s%s", root, E.dir);
	ASSERT_OK(mkdir_p(inside), "the chroot's tree");
	if (ASSERT_TRUE(agent_start(&jail, E.cg), "a second agent in the cgroup") &&
	    ASSERT_OK(a_path(&jail, OP_CHROOT, root), "chroot")) {
		ASSERT_OK(a_path(&jail, OP_MKDIR, at("jailed")), "mkdir at the view's path in the chroot");
		ASSERT_OK(act(&jail, OP_SYMLINK, 0, 0, 0, "tc", at("jailed_link"), NULL), "symlink there");
	}
	if (read_records(&l)) {
		ASSERT_TRUE(!find_name(&l, REC_MKDIR, at("mnt/x")), "no record of the mkdir on tmpfs");
		ASSERT_TRUE(!find_name(&l, REC_SYMLINK, at("mnt/l")), "no record of the symlink on tmpfs");
		ASSERT_TRUE(!find_name(&l, REC_MKDIR, at("jailed")), "no record of the chroot's mkdir");
		ASSERT_TRUE(!find_name(&l, REC_SYMLINK, at("jailed_link")), "no record of the chroot's symlink");
		r = find_name(&l, REC_MKDIR, at("via/y"));
		if (ASSERT_TRUE(r, "a record of the mkdir through a symlink"))
			ASSERT_FLAGS(rec_flags(r), 0, REC_F_IDENTIFIED, "through a symlink: not identified");
		ASSERT_TRUE(find_name(&l, REC_SYMLINK, at("via")), "the symlink's own record");
	}
	if (mounted)
		umount2(at("mnt"), MNT_DETACH);
	rmdir(at("mnt"));
	pathf(inside, sizeof(inside), "%s%s/jailed_link", root, E.dir);
	unlink(inside);
	pathf(inside, sizeof(inside), "%s%s/jailed", root, E.dir);
	/* The chroot's tree, up to and with its root. */
	for (char *slash; strlen(inside) >= strlen(root); *slash = '\0') {
		rmdir(inside);
		slash = strrchr(inside, '/');
		if (!slash)
			break;
	}
	rmdir(at("y"));
	unlink(at("via"));
	teardown();
}

TEST(test_symlink)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	const char *target = "/a/target/longer/than/the/name/field";
	const struct record *r, *rel;
	const char *start;
	uint32_t len;

	if (!setup("symlink", false, &a))
		return;
	ASSERT_OK(act(&a, OP_SYMLINK, 0, 0, 0, target, at("link"), NULL), "symlink");
	ASSERT_OK(a_path(&a, OP_CHDIR, E.dir), "chdir");
	ASSERT_OK(act(&a, OP_SYMLINK, 0, 0, 0, "t", "rel_link", NULL), "relative symlink");
	if (!read_records(&l))
		goto out;
	r = find_name(&l, REC_SYMLINK, at("link"));
	if (ASSERT_TRUE(r, "the symlink's record")) {
		check_caller(r, &a, E.cg_id);
		ASSERT_EQ(rec_cmd(r), TRACE_CMD_SYMLINK, "record's command");
		rec_symlink(r, &start, &len);
		ASSERT_EQ(strncmp(start, target, RECORD_NAME_MAX - 1), 0, "target's start");
		ASSERT_EQ(strlen(start), RECORD_NAME_MAX - 1, "target's start, truncated");
		ASSERT_EQ(len, strlen(target), "target's length");
	}
	rel = find_name(&l, REC_SYMLINK, "rel_link");
	if (ASSERT_TRUE(rel, "the relative symlink's record")) {
		ASSERT_FLAGS(rec_flags(rel), REC_F_RELATIVE, 0, "relative symlink's flags");
		rec_symlink(rel, &start, &len);
		ASSERT_STREQ(start, "t", "target");
		ASSERT_EQ(len, 1, "target's length");
	}
	ASSERT_EQ(l.cg.dir_records, 2, "dir_records");
	ASSERT_EQ(l.cg.obj_records, 0, "obj_records");
out:
	teardown();
}

/* A legacy attachment (BPF_PROG_ATTACH) outlives its process: recorded by
 * program and target; a cgroup target by its id. */
TEST(test_attach_cgroup)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	const struct record *r;
	uint32_t prog_id, dev, type;
	uint64_t ino;
	int prog, target;

	if (!setup("attach", false, &a))
		return;
	prog = a_prog(&a, BPF_PROG_TYPE_CGROUP_SKB, "brb_attach", &prog_id);
	/* Its own cgroup: the nested one holds links of other tests, beside
	 * which an exclusive attachment is refused. */
	target = a_path(&a, OP_OPEN_DIR, E.cg);
	if (!ASSERT_OK(prog, "prog") || !ASSERT_OK(target, "open the cgroup") ||
	    !ASSERT_OK(act(&a, OP_PROG_ATTACH, prog, target, BPF_CGROUP_INET_EGRESS, NULL, NULL, NULL), "attach") ||
	    !read_records(&l))
		goto out;
	r = find_obj(&l, REC_ATTACH, OBJ_PROG, prog_id);
	if (ASSERT_TRUE(r, "the attachment's record")) {
		check_caller(r, &a, E.cg_id);
		ASSERT_EQ(rec_cmd(r), BPF_PROG_ATTACH, "record's command");
		ASSERT_FLAGS(rec_flags(r), REC_F_TARGET_CGROUP, 0, "attachment's flags");
		rec_target(r, &dev, &ino, &type);
		ASSERT_EQ(ino, E.cg_id, "target cgroup id");
		ASSERT_EQ(dev, E.cg_kdev, "target's device");
		ASSERT_EQ(type, BPF_CGROUP_INET_EGRESS, "attach type");
	}
	/* The program's creation and the attachment. */
	ASSERT_EQ(l.n, 2, "records");
	ASSERT_EQ(l.cg.obj_records, 2, "obj_records");
	ASSERT_OK(act(&a, OP_PROG_DETACH, prog, target, BPF_CGROUP_INET_EGRESS, NULL, NULL, NULL), "detach");
out:
	teardown();
}

/* The close that frees an object drops its creation record; a close that
 * leaves it alive (a pin holds it) does not. */
TEST(test_close_drops_creation)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	uint32_t freed_id, kept_id;
	int freed, kept;

	if (!setup("close", false, &a))
		return;
	freed = a_map(&a, "brb_freed", &freed_id);
	kept = a_map(&a, "brb_kept", &kept_id);
	if (!ASSERT_OK(freed, "map") || !ASSERT_OK(kept, "map") || !ASSERT_OK(a_pin(&a, kept, at("kept")), "pin") ||
	    !read_records(&l))
		goto out;
	ASSERT_EQ(l.cg.obj_records, 3, "obj_records before the closes");
	ASSERT_OK(a_close(&a, freed), "close");
	ASSERT_OK(a_close(&a, kept), "close");
	if (!read_records(&l))
		goto out;
	ASSERT_TRUE(!find_obj(&l, REC_CREATE, OBJ_MAP, freed_id), "no creation record of the freed map");
	ASSERT_TRUE(find_obj(&l, REC_CREATE, OBJ_MAP, kept_id), "the pinned map's creation record");
	ASSERT_TRUE(find_name(&l, REC_PIN, at("kept")), "its pin's record");
	ASSERT_EQ(l.cg.obj_records, 2, "obj_records");
	ASSERT_EQ(l.cg.freed_objs, 1, "freed_objs");
	ASSERT_EQ(l.cg.removed_names, 0, "removed_names");
out:
	teardown();
}

/* rmdir drops a directory's record, unlink a pin's or a symlink's. */
TEST(test_removal_drops_name)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	uint32_t id;
	int fd, dirfd;

	if (!setup("removal", false, &a))
		return;
	fd = a_map(&a, "brb_unpinned", &id);
	dirfd = a_path(&a, OP_OPEN_DIR, E.dir);
	if (!ASSERT_OK(fd, "map") || !ASSERT_OK(dirfd, "open") || !ASSERT_OK(a_path(&a, OP_MKDIR, at("d")), "mkdir") ||
	    !ASSERT_OK(act(&a, OP_MKDIRAT, 0, dirfd, 0, "reldir", NULL, NULL), "mkdirat") ||
	    !ASSERT_OK(act(&a, OP_SYMLINK, 0, 0, 0, "x", at("s"), NULL), "symlink") ||
	    !ASSERT_OK(a_pin(&a, fd, at("p")), "pin") || !read_records(&l))
		goto out;
	ASSERT_EQ(l.cg.dir_records, 3, "dir_records before");
	ASSERT_EQ(l.cg.obj_records, 2, "obj_records before");
	ASSERT_FLAGS(l.cg.flags, 0, CG_PINS_FORGOTTEN, "cgroup flags before");
	ASSERT_OK(a_path(&a, OP_RMDIR, at("d")), "rmdir");
	ASSERT_OK(act(&a, OP_UNLINKAT, 0, dirfd, AT_REMOVEDIR, "reldir", NULL, NULL), "unlinkat AT_REMOVEDIR");
	ASSERT_OK(a_path(&a, OP_UNLINK, at("s")), "unlink the symlink");
	ASSERT_OK(a_path(&a, OP_UNLINK, at("p")), "unlink the pin");
	if (!read_records(&l))
		goto out;
	ASSERT_TRUE(!find_name(&l, REC_MKDIR, at("d")), "no record of the removed directory");
	ASSERT_TRUE(!find_name(&l, REC_MKDIR, "reldir"), "no record of the removed relative directory");
	ASSERT_TRUE(!find_name(&l, REC_SYMLINK, at("s")), "no record of the removed symlink");
	ASSERT_TRUE(!find_name(&l, REC_PIN, at("p")), "no record of the removed pin");
	ASSERT_TRUE(find_obj(&l, REC_CREATE, OBJ_MAP, id), "the map's creation record (the fd holds it)");
	ASSERT_EQ(l.n, 1, "records");
	ASSERT_EQ(l.cg.dir_records, 0, "dir_records");
	ASSERT_EQ(l.cg.obj_records, 1, "obj_records");
	ASSERT_EQ(l.cg.removed_names, 4, "removed_names");
	ASSERT_EQ(l.cg.freed_objs, 0, "freed_objs");
	/* The pin may have moved before its unlink (a rename, a link). */
	ASSERT_FLAGS(l.cg.flags, CG_PINS_FORGOTTEN, 0, "cgroup flags");
out:
	teardown();
}

/* A name pinned again (its pin renamed away unseen): one record, the newer
 * object's, and the older pin may be anywhere now. */
TEST(test_pin_replaced)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	const struct record *r;
	uint32_t id1, id2;
	int fd1, fd2;

	if (!setup("pin_replaced", false, &a))
		return;
	fd1 = a_map(&a, "brb_first", &id1);
	fd2 = a_map(&a, "brb_second", &id2);
	if (!ASSERT_OK(fd1, "map") || !ASSERT_OK(fd2, "map") || !ASSERT_OK(a_pin(&a, fd1, at("p")), "pin") ||
	    !ASSERT_OK(act(&a, OP_RENAME, 0, 0, 0, at("p"), at("moved"), NULL), "rename") ||
	    !ASSERT_OK(a_pin(&a, fd2, at("p")), "pin again") || !read_records(&l))
		goto out;
	r = find_name(&l, REC_PIN, at("p"));
	if (ASSERT_TRUE(r, "the pin's record"))
		ASSERT_EQ(rec_obj_id(r), id2, "the pinned object, the newer");
	ASSERT_EQ(count_kind(&l, REC_PIN), 1, "pin records");
	ASSERT_EQ(l.cg.obj_records, 3, "obj_records");
	ASSERT_FLAGS(l.cg.flags, CG_PINS_FORGOTTEN, 0, "cgroup flags");
out:
	teardown();
}

/* A process exit closes its fds unseen by close(): the objects only it
 * held go, and their creation records with them; a pinned one stays. */
TEST(test_exit_drops_creation)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	uint32_t map_id, prog_id;
	int map, prog;

	if (!setup("exit", false, &a))
		return;
	map = a_map(&a, "brb_exit", &map_id);
	prog = a_prog(&a, BPF_PROG_TYPE_CGROUP_SKB, "brb_exit_pinned", &prog_id);
	if (!ASSERT_OK(map, "map") || !ASSERT_OK(prog, "prog") || !ASSERT_OK(a_pin(&a, prog, at("prog")), "pin"))
		goto out;
	agent_stop(&a);
	if (!read_records(&l))
		goto out;
	ASSERT_TRUE(!find_obj(&l, REC_CREATE, OBJ_MAP, map_id), "no creation record of the map");
	ASSERT_TRUE(find_obj(&l, REC_CREATE, OBJ_PROG, prog_id), "the pinned program's creation record");
	ASSERT_EQ(l.cg.freed_objs, 1, "freed_objs");
	ASSERT_EQ(l.cg.obj_records, 2, "obj_records");
out:
	teardown();
}

/* Objects freed where the tracer cannot see it (here: the last pin
 * unlinked from outside the cgroup): gc compacts their records, and the
 * tracer counts the compaction against the budget. */
TEST(test_compact)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	uint32_t id, obj, dir;
	struct compacted dropped;
	int fd;

	if (!setup("compact", false, &a))
		return;
	fd = a_map(&a, "brb_compact", &id);
	if (!ASSERT_OK(fd, "map") || !ASSERT_OK(a_pin(&a, fd, at("p")), "pin") || !ASSERT_OK(a_close(&a, fd), "close"))
		goto out;
	ASSERT_OK(unlink(at("p")), "unlink from outside");
	if (!read_records(&l))
		goto out;
	ASSERT_EQ(l.n, 2, "records before the compaction (the creation and the pin)");
	ASSERT_OK(tracer_compact(&E.t, E.cg_id, &dropped), "tracer_compact");
	ASSERT_EQ(dropped.obj, 2, "records compacted");
	ASSERT_EQ(dropped.first, 2, "of them in the first records");
	ASSERT_OK(tracer_count_compacted(&E.t, E.cg_id, &dropped), "tracer_count_compacted");
	if (!read_records(&l))
		goto out;
	ASSERT_EQ(l.n, 0, "records");
	ASSERT_EQ(l.compacted, 2, "compacted");
	ASSERT_EQ(l.cg.obj_records, 2, "obj_records (the tracer's count)");
	ASSERT_OK(tracer_live_records(&E.t, E.cg_id, &l.cg, &obj, &dir), "tracer_live_records");
	ASSERT_EQ(obj, 0, "live object records");
out:
	teardown();
}

/* Past a budget the record is dropped and the overflow flag set; the other
 * budget is untouched, and a removal makes room again. */
TEST(test_dir_budget)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	char many[PATH_MAX], last[PATH_MAX + 16];

	if (!setup("dir_budget", false, &a))
		return;
	pathf(many, sizeof(many), "%s", at("many"));
	if (!ASSERT_OK(mkdir(many, 0700), "mkdir outside") ||
	    !ASSERT_EQ(act(&a, OP_MKDIR_MANY, 0, 0, MAX_DIR_RECORDS, many, NULL, NULL), MAX_DIR_RECORDS, "mkdirs") ||
	    !read_records(&l))
		goto out;
	ASSERT_EQ(l.cg.dir_records, MAX_DIR_RECORDS, "dir_records at the budget");
	ASSERT_FLAGS(l.cg.flags, 0, CG_OVERFLOW_DIR | CG_OVERFLOW_OBJ, "cgroup flags at the budget");
	ASSERT_OK(a_path(&a, OP_MKDIR, at("one_more")), "mkdir past the budget");
	if (!read_records(&l))
		goto out;
	ASSERT_TRUE(!find_name(&l, REC_MKDIR, at("one_more")), "no record past the budget");
	ASSERT_EQ(count_kind(&l, REC_MKDIR), MAX_DIR_RECORDS, "mkdir records");
	ASSERT_EQ(l.cg.dir_records, MAX_DIR_RECORDS, "dir_records");
	ASSERT_FLAGS(l.cg.flags, CG_OVERFLOW_DIR, CG_OVERFLOW_OBJ, "cgroup flags past the budget");
	/* The object budget is another: a map is still recorded. */
	ASSERT_OK(a_map(&a, "brb_budget", NULL), "map");
	pathf(last, sizeof(last), "%s/0", many);
	ASSERT_OK(a_path(&a, OP_RMDIR, last), "rmdir");
	ASSERT_OK(a_path(&a, OP_MKDIR, at("room_again")), "mkdir");
	if (!read_records(&l))
		goto out;
	ASSERT_EQ(count_kind(&l, REC_CREATE), 1, "creation records");
	ASSERT_TRUE(find_name(&l, REC_MKDIR, at("room_again")), "a record once there is room");
	ASSERT_EQ(l.cg.dir_records, MAX_DIR_RECORDS, "dir_records");
	ASSERT_FLAGS(l.cg.flags, 0, CG_OVERFLOW_OBJ, "cgroup flags");
out:
	teardown();
}

/* The container's entries in the shared `first` map. */
static size_t first_entries(void)
{
	struct first_key k, next;
	size_t n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(E.t.first_fd, prev, &next) == 0) {
		n += next.owner == E.cg_id;
		k = next;
		prev = &k;
	}
	return n;
}

/* Makes n pins of one map under at(dir): n + 1 object records. */
static bool pins(struct agent *a, const char *dir, int n)
{
	int fd = a_map(a, "brb_pins", NULL);

	return ASSERT_OK(fd, "map") && ASSERT_OK(mkdir(at(dir), 0700), "mkdir outside") &&
	       ASSERT_EQ(act(a, OP_PIN_MANY, fd, 0, n, at(dir), NULL, NULL), n, "pins");
}

/* A registration takes no records map: the first FIRST_RECORDS records go
 * to the shared map, under the container's quota there, and the next one
 * takes a map from the pool, which goes back at the unregistration. */
TEST(test_first_records_then_a_map)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	size_t before = 0, after = 0;

	if (!setup("first", false, &a))
		return;
	ASSERT_OK(tracer_pool_spare(&E.t, &before), "pool");
	ASSERT_EQ(before, POOL_SPARE, "pool filled");
	if (!pins(&a, "few", FIRST_RECORDS - 1) || !read_records(&l))
		goto out;
	ASSERT_EQ(l.n, FIRST_RECORDS, "records");
	ASSERT_EQ(l.cg.slot, NO_SLOT, "no records map of its own yet");
	ASSERT_EQ(first_entries(), FIRST_RECORDS, "in the shared map");
	if (!pins(&a, "more", 4) || !read_records(&l))
		goto out;
	ASSERT_EQ(l.n, FIRST_RECORDS + 5, "records in both maps");
	ASSERT_TRUE(l.cg.slot != NO_SLOT, "a records map of its own");
	ASSERT_EQ(first_entries(), FIRST_RECORDS, "the shared map holds its quota, no more");
	ASSERT_EQ(l.cg.first_records, FIRST_RECORDS, "first_records");
	ASSERT_EQ(l.cg.obj_records, FIRST_RECORDS + 5, "obj_records");
	ASSERT_FLAGS(l.cg.flags, 0, CG_OVERFLOW_OBJ | CG_POOL_DRY, "cgroup flags");
	ASSERT_OK(tracer_pool_spare(&E.t, &after), "pool");
	ASSERT_EQ(after, before - 1, "one map taken from the pool");
out:
	teardown();
	ASSERT_OK(tracer_pool_spare(&E.t, &after), "pool");
	ASSERT_EQ(after, before, "the map back in the pool");
	ASSERT_EQ(first_entries(), 0, "nothing left in the shared map");
}

/* With the pool empty (other containers took its maps), the records past
 * the first ones go to the shared spill map instead of being dropped; once
 * the pool has a map again, the next record takes it. */
TEST(test_pool_empty_spills)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	size_t filled, freed, spare = 1;

	/* No slots lock: the agent holds it (it was forked under it), and
	 * nothing else here tends the pool. */
	if (!setup("dry", false, &a))
		return;
	if (!ASSERT_OK(tracer_pool_tend(&E.t, 0, &filled, &freed), "empty the pool") ||
	    !ASSERT_OK(tracer_pool_spare(&E.t, &spare), "pool") || !ASSERT_EQ(spare, 0, "pool empty"))
		goto out;
	if (!pins(&a, "many", FIRST_RECORDS + 3) || !read_records(&l))
		goto out;
	ASSERT_EQ(l.n, FIRST_RECORDS + 4, "every record kept");
	ASSERT_EQ(count_kind(&l, REC_CREATE), 1, "the creation among them");
	ASSERT_EQ(l.cg.slot, NO_SLOT, "no records map");
	ASSERT_FLAGS(l.cg.flags, CG_SPILLED, CG_OVERFLOW_OBJ | CG_POOL_DRY, "cgroup flags");
	/* Filled again, the next record takes a map. */
	if (!ASSERT_OK(tracer_pool_tend(&E.t, POOL_SPARE, &filled, &freed), "fill the pool"))
		goto out;
	ASSERT_EQ(filled, POOL_SPARE, "maps put in the pool");
	if (!ASSERT_OK(a_map(&a, "brb_after", NULL), "map") || !read_records(&l))
		goto out;
	ASSERT_EQ(l.n, FIRST_RECORDS + 5, "recorded once the pool has a map");
	ASSERT_TRUE(l.cg.slot != NO_SLOT, "a records map of its own");
out:
	teardown();
}

TEST(test_obj_budget)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	char many[PATH_MAX], pin[PATH_MAX + 16];
	uint32_t id;
	struct compacted dropped;
	int fd;

	if (!setup("obj_budget", false, &a))
		return;
	pathf(many, sizeof(many), "%s", at("many"));
	fd = a_map(&a, "brb_budget", &id);
	/* The creation and MAX_OBJ_RECORDS - 1 pins fill the budget. */
	if (!ASSERT_OK(fd, "map") || !ASSERT_OK(mkdir(many, 0700), "mkdir outside") ||
	    !ASSERT_EQ(act(&a, OP_PIN_MANY, fd, 0, MAX_OBJ_RECORDS - 1, many, NULL, NULL), MAX_OBJ_RECORDS - 1,
		       "pins") ||
	    !read_records(&l))
		goto out;
	ASSERT_EQ(l.cg.obj_records, MAX_OBJ_RECORDS, "obj_records at the budget");
	ASSERT_FLAGS(l.cg.flags, 0, CG_OVERFLOW_DIR | CG_OVERFLOW_OBJ, "cgroup flags at the budget");
	ASSERT_OK(a_pin(&a, fd, at("one_more")), "pin past the budget");
	ASSERT_OK(a_path(&a, OP_MKDIR, at("dir")), "mkdir");
	if (!read_records(&l))
		goto out;
	ASSERT_TRUE(!find_name(&l, REC_PIN, at("one_more")), "no record past the budget");
	ASSERT_EQ(l.cg.obj_records, MAX_OBJ_RECORDS, "obj_records");
	ASSERT_TRUE(find_name(&l, REC_MKDIR, at("dir")), "the directory budget is another");
	ASSERT_FLAGS(l.cg.flags, CG_OVERFLOW_OBJ, CG_OVERFLOW_DIR, "cgroup flags past the budget");

	/* All freed unseen (unpinned from outside after the agent's close),
	 * compacted by gc: the budget is free again. */
	ASSERT_OK(a_close(&a, fd), "close");
	for (int i = 0; i < MAX_OBJ_RECORDS - 1; i++) {
		pathf(pin, sizeof(pin), "%s/%d", many, i);
		unlink(pin);
	}
	unlink(at("one_more"));
	ASSERT_OK(tracer_compact(&E.t, E.cg_id, &dropped), "tracer_compact");
	ASSERT_EQ(dropped.obj, MAX_OBJ_RECORDS, "records compacted");
	ASSERT_OK(tracer_count_compacted(&E.t, E.cg_id, &dropped), "tracer_count_compacted");
	ASSERT_OK(a_map(&a, "brb_after", &id), "map");
	if (read_records(&l))
		ASSERT_TRUE(find_obj(&l, REC_CREATE, OBJ_MAP, id), "a record once gc made room");
out:
	teardown();
}

/* Calls a process outside the cgroup makes are not the container's; a
 * descendant cgroup's are, with the cgroup they ran in. */
TEST(test_outside_not_recorded)
{
	CLEANUP_AGENT out = {};
	CLEANUP_AGENT in = {};
	RECORDS l = {};
	const struct record *r;
	uint32_t out_id = 0, in_id = 0;
	int fd;

	if (!setup("outside", false, &out))
		return;
	/* setup's agent joined the cgroup; these two did not. */
	agent_stop(&out);
	if (!ASSERT_TRUE(agent_start(&out, NULL), "agent outside") ||
	    !ASSERT_TRUE(agent_start(&in, E.nested), "agent in the nested cgroup"))
		goto done;
	fd = a_map(&out, "brb_outside", &out_id);
	ASSERT_OK(fd, "map outside");
	ASSERT_OK(a_pin(&out, fd, at("outside_pin")), "pin outside");
	ASSERT_OK(a_path(&out, OP_MKDIR, at("outside_dir")), "mkdir outside");
	ASSERT_OK(act(&out, OP_SYMLINK, 0, 0, 0, "x", at("outside_link"), NULL), "symlink outside");
	if (read_records(&l)) {
		ASSERT_EQ(l.n, 0, "records of a process outside");
		ASSERT_EQ(l.cg.obj_records, 0, "obj_records");
		ASSERT_EQ(l.cg.dir_records, 0, "dir_records");
	}
	ASSERT_OK(a_map(&in, "brb_nested", &in_id), "map in the nested cgroup");
	if (read_records(&l)) {
		r = find_obj(&l, REC_CREATE, OBJ_MAP, in_id);
		if (ASSERT_TRUE(r, "the nested cgroup's map's record"))
			check_caller(r, &in, E.nested_id);
		ASSERT_EQ(l.n, 1, "records");
	}
done:
	teardown();
}

/* Calls that did not happen or failed leave no record, on either backend:
 * a bpf(BPF_MAP_CREATE) and a mkdir "answered" by the caller's own seccomp
 * supervisor with an fd of the host's map and a success (bpffake: the
 * kernel skips the call, so the trampolines never run and the tracepoint
 * backend sees a sys_exit without its sys_enter), and a real mkdir that
 * fails on the host's directory (each backend keeps only a successful
 * call's record). */
TEST(test_faked_and_failed_calls)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	char helper[PATH_MAX], args[PATH_MAX + 16];
	_cleanup_close_ int host = -EBADF;

	if (!setup("faked", false, &a))
		return;
	/* The host's things: made by this process, outside the cgroup. */
	host = rawbpf_hash_map("brb_host", 4, 4);
	if (!ASSERT_OK(host, "the host's map") || !ASSERT_OK(rawbpf_pin(host, at("hostmap")), "pin the host's map") ||
	    !ASSERT_OK(mkdir(at("hostdir"), 0700), "the host's directory"))
		goto out;
	pathf(helper, sizeof(helper), "%s/bpffake", E.build);
	pathf(args, sizeof(args), "map-create %s", at("hostmap"));
	ASSERT_EQ(act(&a, OP_EXEC, 0, 0, 0, helper, args, NULL), 0, "bpffake map-create");
	pathf(args, sizeof(args), "mkdir %s", at("hostdir"));
	ASSERT_EQ(act(&a, OP_EXEC, 0, 0, 0, helper, args, NULL), 0, "bpffake mkdir");
	ASSERT_TRUE(a_path(&a, OP_MKDIR, at("hostdir")) < 0 && errno == EEXIST, "a real mkdir of it fails");
	if (read_records(&l)) {
		ASSERT_EQ(l.n, 0, "records");
		ASSERT_EQ(l.cg.obj_records, 0, "obj_records");
		ASSERT_EQ(l.cg.dir_records, 0, "dir_records");
	}
out:
	teardown();
}

/* Whether this host runs what the helper at path needs, found by running
 * it on a plain directory, outside the agent's cgroup: a kernel without
 * IA32 emulation (or ia32_emulation=0) refuses an -m32 binary with
 * ENOEXEC, and io_uring may be compiled out or disabled
 * (kernel.io_uring_disabled, a seccomp filter) whatever the version says.
 * TRY_RAN, or TRY_NO_EXEC / TRY_FAILED with why: the exec's error, or the
 * helper's own message. */
enum try_result { TRY_RAN, TRY_NO_EXEC, TRY_FAILED };

static enum try_result try_exec(const char *path, const char *const *argv, char *why, size_t size)
{
	int status, err = 0, errpipe[2], said[2];
	ssize_t n;
	pid_t pid;

	if (pipe2(errpipe, O_CLOEXEC) < 0 || pipe2(said, 0) < 0) {
		pathf(why, size, "pipe: %s", strerror(errno));
		return TRY_FAILED;
	}
	pid = fork();
	if (pid < 0) {
		pathf(why, size, "fork: %s", strerror(errno));
		return TRY_FAILED;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(said[1], STDERR_FILENO);
		execv(path, (char *const *)argv);
		err = errno;
		(void)!write(errpipe[1], &err, sizeof(err));
		_exit(127);
	}
	close(errpipe[1]);
	close(said[1]);
	if (read(errpipe[0], &err, sizeof(err)) != sizeof(err))
		err = 0;
	close(errpipe[0]);
	n = read(said[0], why, size - 1);
	close(said[0]);
	why[n > 0 ? n : 0] = '\0';
	why[strcspn(why, "\n")] = '\0';
	if (waitpid(pid, &status, 0) < 0) {
		pathf(why, size, "waitpid: %s", strerror(errno));
		return TRY_FAILED;
	}
	if (err) {
		pathf(why, size, "exec %s: %s", path, strerror(err));
		return TRY_NO_EXEC;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return TRY_RAN;
	if (!*why)
		pathf(why, size, "%s: exit status %d", path, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	return TRY_FAILED;
}

/* What the tracepoint backend sees happen but cannot record (a flag on
 * the cgroup, no record); the trampoline backend records it (the calls
 * reach do_mkdirat like any other) and flags nothing. */
static void check_unseen(const struct record_list *l, uint32_t flag, const char *path, size_t before)
{
	if (E.backend == TRACER_BACKEND_TRAMPOLINE) {
		ASSERT_FLAGS(l->cg.flags, 0, CG_UNSEEN_COMPAT | CG_UNSEEN_IO_URING, "cgroup flags");
		ASSERT_TRUE(find_name(l, REC_MKDIR, path), "a record of the mkdir");
		ASSERT_EQ(l->n, before + 1, "records");
	} else {
		ASSERT_FLAGS(l->cg.flags, flag, flag == CG_UNSEEN_COMPAT ? CG_UNSEEN_IO_URING : 0, "cgroup flags");
		ASSERT_EQ(l->n, 0, "records (the call is not seen)");
	}
}

TEST(test_unseen)
{
	CLEANUP_AGENT a = {};
	RECORDS l = {};
	char helper[PATH_MAX], args[PATH_MAX + 16], probe[PATH_MAX], why[PATH_MAX + 64];
	enum try_result tried;
	size_t before;

	if (!setup("unseen", false, &a))
		return;
	if (!read_records(&l))
		goto out;
	ASSERT_FLAGS(l.cg.flags, 0, CG_UNSEEN_COMPAT | CG_UNSEEN_IO_URING, "cgroup flags before");
	pathf(helper, sizeof(helper), "%s/bpfunseen32", E.build);
	pathf(args, sizeof(args), "mkdir %s", at("compat"));
	/* Each part skipped, with the reason, where the host cannot run it.
	 * Only an exec the kernel refuses is the host's: a 32-bit helper that
	 * runs and fails is this test's failure. */
	pathf(probe, sizeof(probe), "%s/compat-probe", E.plain);
	tried = try_exec(helper, (const char *const[]){ helper, "mkdir", probe, NULL }, why, sizeof(why));
	if (tried == TRY_NO_EXEC) {
		printf("    # skip 32-bit programs: this kernel does not run them: %s\n", why);
	} else {
		ASSERT_EQ(tried, TRY_RAN, "bpfunseen32 mkdir outside the container");
		rmdir(probe);
		ASSERT_EQ(act(&a, OP_EXEC, 0, 0, 0, helper, args, NULL), 0, "bpfunseen32 mkdir");
		if (read_records(&l))
			check_unseen(&l, CG_UNSEEN_COMPAT, at("compat"), 0);
	}
	pathf(helper, sizeof(helper), "%s/bpfunseen", E.build);
	pathf(args, sizeof(args), "uring-mkdir %s", at("uring"));
	pathf(probe, sizeof(probe), "%s/uring-probe", E.plain);
	if (try_exec(helper, (const char *const[]){ helper, "uring-mkdir", probe, NULL }, why, sizeof(why)) !=
	    TRY_RAN) {
		printf("    # skip io_uring: %s\n", why);
		goto out;
	}
	rmdir(probe);
	/* The compat part's record, where it ran on the trampoline. */
	before = l.n;
	ASSERT_EQ(act(&a, OP_EXEC, 0, 0, 0, helper, args, NULL), 0, "bpfunseen uring-mkdir");
	if (read_records(&l))
		check_unseen(&l, CG_UNSEEN_IO_URING, at("uring"), before);
out:
	teardown();
}

/* ---- The private tracer and cgroup ---- */

static const char *prefix(void)
{
	const char *p = getenv("E2E_PREFIX");

	return p && *p ? p : "brt"; /* tests/e2e/lib.sh's default */
}

/* Mounts only this process sees: they and the tracer pinned in them go
 * when it exits, however it exits. */
static int private_mounts(void)
{
	char run[PATH_MAX], bpffs[PATH_MAX];

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	pathf(E.tmp, sizeof(E.tmp), "/tmp/%s-bpftest.XXXXXX", prefix());
	if (!mkdtemp(E.tmp))
		return -errno;
	pathf(run, sizeof(run), "%s/run", E.tmp);
	pathf(bpffs, sizeof(bpffs), "%s/run/bpffs", E.tmp);
	pathf(E.fs, sizeof(E.fs), "%s/fs", E.tmp);
	pathf(E.plain, sizeof(E.plain), "%s/plain", E.tmp);
	if (mkdir(run, 0700) < 0 || mkdir(bpffs, 0700) < 0 || mkdir(E.fs, 0700) < 0 || mkdir(E.plain, 0700) < 0)
		return -errno;
	if (mount("bpf", bpffs, "bpf", 0, "mode=0700") < 0 || mount("bpf", E.fs, "bpf", 0, "mode=0700") < 0)
		return -errno;
	E.fs_kdev = kdev_of(E.fs);
	return setenv("BPFREAPER_RUN_DIR", run, 1) < 0 ? -errno : 0;
}

static int private_tracer(struct br_error *err)
{
	_cleanup_close_ int lock = -EBADF;
	int r;

	r = rundir_open(&E.rd);
	if (r < 0)
		return r;
	lock = rundir_lock(&E.rd, LOCK_EX);
	if (lock < 0)
		return lock;
	return tracer_load(&E.rd, E.backend, &E.t, err);
}

static int make_cgroups(void)
{
	char root[PATH_MAX];
	_cleanup_close_ int fd = cgroup2_open("/", root, sizeof(root));

	if (fd < 0)
		return fd;
	pathf(E.cg, sizeof(E.cg), "%s/%s-bpftest-%d", root, prefix(), (int)getpid());
	pathf(E.nested, sizeof(E.nested), "%s/nested", E.cg);
	if (mkdir(E.cg, 0755) < 0 || mkdir(E.nested, 0755) < 0)
		return -errno;
	/* A cgroup's id is its directory's inode number (cgroup.h). */
	E.cg_id = ino_of(E.cg);
	E.nested_id = ino_of(E.nested);
	E.cg_kdev = kdev_of(E.cg);
	return 0;
}

static void remove_cgroups(void)
{
	if (*E.nested)
		rmdir(E.nested);
	if (*E.cg)
		rmdir(E.cg);
}

/* The tracer goes with the mounts, which go with this process's mount
 * namespace anyway; what is left on disk is removed. */
static void cleanup(void)
{
	static const char *const run_files[] = { "lock", "slots.lock" };
	static const char *const run_dirs[] = { "state", "reports", "bpffs" };
	char p[PATH_MAX];

	tracer_close(&E.t);
	rundir_close(&E.rd);
	remove_cgroups();
	if (!*E.tmp)
		return;
	(void)umount2(E.fs, MNT_DETACH);
	pathf(p, sizeof(p), "%s/run/bpffs", E.tmp);
	(void)umount2(p, MNT_DETACH);
	for (size_t i = 0; i < ARRAY_SIZE(run_files); i++) {
		pathf(p, sizeof(p), "%s/run/%s", E.tmp, run_files[i]);
		(void)unlink(p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(run_dirs); i++) {
		pathf(p, sizeof(p), "%s/run/%s", E.tmp, run_dirs[i]);
		(void)rmdir(p);
	}
	pathf(p, sizeof(p), "%s/run", E.tmp);
	(void)rmdir(p);
	(void)rmdir(E.fs);
	(void)rmdir(E.plain);
	if (rmdir(E.tmp) < 0)
		printf("    # left behind: %s (%s)\n", E.tmp, strerror(errno));
	/* The binary fails when either backend's run failed. */
	if (E.variant_failed) {
		fflush(stdout);
		_exit(1);
	}
}

/* The bpfunseen helpers sit in build/, two levels above this binary. */
static void find_build_dir(void)
{
	ssize_t n = readlink("/proc/self/exe", E.build, sizeof(E.build) - 1);

	E.build[n > 0 ? n : 0] = '\0';
	for (int i = 0; i < 3; i++) {
		char *slash = strrchr(E.build, '/');

		if (slash)
			*slash = '\0';
	}
}

/* How a kernel without BPF trampolines (or without a function the backend
 * hooks) refuses it; anything else (a verifier rejection) is a failure. */
static bool no_trampolines(int r)
{
	return r == -EPERM || r == -524 /* ENOTSUPP */ || r == -EOPNOTSUPP || r == -ESRCH || r == -ENOENT;
}

static int file_setup(void)
{
	int r;

	static char why[sizeof(((struct br_error *)0)->detail) + 64];
	struct br_error err = BR_ERROR_INIT;
	int status;
	pid_t child;

	E.rd = (struct rundir){ .root_fd = -EBADF, .state_fd = -EBADF, .reports_fd = -EBADF };
	E.t = (struct tracer)TRACER_INIT;
	if (geteuid() != 0)
		return CHECK_SKIP("needs root");
	setvbuf(stdout, NULL, _IOLBF, 0);
	find_build_dir();
	/* The trampoline backend's run first, whole, in a child that returns
	 * from here to run every case; then this process's, tracepoints. */
	fflush(stdout);
	child = fork();
	if (child < 0)
		return -errno;
	E.backend = child == 0 ? TRACER_BACKEND_TRAMPOLINE : TRACER_BACKEND_TRACEPOINT;
	check_file = child == 0 ? "bpf/record/trampoline" : "bpf/record/tracepoint";
	if (child > 0) {
		if (waitpid(child, &status, 0) < 0)
			return -errno;
		E.variant_failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
		/* A crash took its "ok"/"not ok" lines with it: say so. */
		if (!WIFEXITED(status))
			printf("not ok bpf/record/trampoline: killed by signal %d\n", WTERMSIG(status));
	}
	r = private_mounts();
	if (r == 0) {
		r = private_tracer(&err);
		/* No trampolines on this kernel (EPERM here, ENOTSUPP, ESRCH, ENOENT
		 * for a missing function elsewhere): the guests run this backend. */
		if (r < 0 && E.backend == TRACER_BACKEND_TRAMPOLINE && no_trampolines(r)) {
			snprintf(why, sizeof(why), "the kernel does not load it: %s", err.detail);
			cleanup();
			return CHECK_SKIP(why);
		}
	}
	if (r == 0)
		r = make_cgroups();
	if (r < 0)
		cleanup();
	return r;
}

TEST_FIXTURE(file_setup, cleanup);
