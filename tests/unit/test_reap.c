// SPDX-License-Identifier: LGPL-2.1-or-later
/* reap() against a bpffs of its own, mounted in a private mount namespace
 * (root only; skipped otherwise): a creation the tracer could not prove is
 * never removed, and a directory older than the registration stays. */
#include <bpf/bpf.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "reap-bpfobj.h"
#include "check.h"
#include "reap.h"
#include "store-report.h"
#include "util.h"

static char bpffs[PATH_MAX];

static uint64_t coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static char *at(const char *rel, char *buf)
{
	int n = snprintf(buf, PATH_MAX, "%.200s/%s", bpffs, rel);

	return n > 0 && n < PATH_MAX ? buf : NULL;
}

/* A map pinned at rel; its id. */
static uint32_t pinned_map(const char *rel)
{
	char p[PATH_MAX];
	uint32_t kind = 0, id = 0;
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "reaptest", 4, 4, 1, NULL);

	if (fd < 0 || bpf_obj_pin(fd, at(rel, p)) < 0 || obj_identify(fd, &kind, &id) < 0)
		id = 0;
	if (fd >= 0)
		close(fd);
	return id;
}

static struct record rec(uint32_t kind, uint32_t obj_kind, uint32_t id, uint32_t flags, const char *path)
{
	struct record r = { .kind = kind, .flags = flags };
	struct record_obj obj = { .kind = obj_kind, .id = id };

	/* A live object's record carries its fingerprint, as the tracer's. */
	(void)obj_fingerprint(obj_kind, id, &obj);

	if (kind == REC_CREATE)
		r.create.obj = obj;
	if (kind == REC_PIN) {
		r.pin.obj = obj;
		snprintf(r.pin.at.path, sizeof(r.pin.at.path), "%s", path);
	}
	if (kind == REC_MKDIR)
		snprintf(r.mkdir.at.path, sizeof(r.mkdir.at.path), "%s", path);
	return r;
}

/* A mkdir record that names the entry at rel by identity, as the tracer
 * makes it (the kernel's dev_t: major << 20 | minor). */
static struct record made_dir(const char *path, const char *rel)
{
	struct record r = rec(REC_MKDIR, OBJ_NONE, 0, REC_F_IDENTIFIED, path);
	char p[PATH_MAX];
	struct stat st;

	if (stat(at(rel, p), &st) == 0) {
		r.mkdir.at.dev = major(st.st_dev) << 20 | minor(st.st_dev);
		r.mkdir.at.ino = st.st_ino;
	}
	return r;
}

static bool listed(const struct path_list *l, const char *path, const char *why)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].path, path) && (!why || (l->v[i].why && streq(l->v[i].why, why))))
			return true;
	return false;
}

TEST(unproven_kept_and_old_dir_stays)
{
	char p[PATH_MAX], q[PATH_MAX];
	struct bind bind = { .destination = "/sys/fs/bpf", .source = bpffs };
	struct binds binds = { .v = &bind, .n = 1 };
	struct reap_opts opts = { .remove = true, .binds = &binds };
	struct reap_result res = {};
	uint32_t ours, unproven;
	struct record v[7];
	struct record_list records = { .v = v, .n = ARRAY_SIZE(v) };

	CHECK_EQ_INT(mkdir(at("old", p), 0755), 0);
	usleep(30000);
	opts.registered_ns = coarse_now_ns();
	usleep(30000);
	CHECK_EQ_INT(mkdir(at("new", p), 0755), 0);
	ours = pinned_map("ours");
	unproven = pinned_map("unproven");
	CHECK(ours && unproven);
	v[0] = rec(REC_CREATE, OBJ_MAP, ours, 0, "");
	v[1] = rec(REC_CREATE, OBJ_MAP, unproven, REC_F_UNPROVEN, "");
	v[2] = rec(REC_PIN, OBJ_MAP, ours, 0, "/sys/fs/bpf/ours");
	v[3] = rec(REC_PIN, OBJ_MAP, unproven, 0, "/sys/fs/bpf/unproven");
	/* a faked or raced mkdir record naming a directory that was there */
	v[4] = made_dir("/sys/fs/bpf/old", "old");
	v[5] = made_dir("/sys/fs/bpf/new", "new");
	/* one the tracer could not identify: named, never removed */
	CHECK_EQ_INT(mkdir(at("unidentified", p), 0755), 0);
	v[6] = rec(REC_MKDIR, OBJ_NONE, 0, 0, "/sys/fs/bpf/unidentified");

	CHECK_EQ_INT(reap(&records, &opts, &res), 0);
	CHECK(access(at("ours", p), F_OK) < 0);
	CHECK(access(at("unproven", p), F_OK) == 0);
	CHECK_EQ_INT(obj_alive(OBJ_MAP, unproven), 1);
	CHECK_EQ_INT(res.n_objects, 1);
	CHECK_EQ_INT(res.n_unproven, 1);
	CHECK(res.n_unproven == 1 && res.unproven[0].id == unproven);
	CHECK_EQ_INT(res.pins_removed.n, 1);
	CHECK(access(at("old", p), F_OK) == 0);
	CHECK(access(at("new", p), F_OK) < 0);
	CHECK(listed(&res.dirs_left, at("old", q), "existed before the container"));
	CHECK(listed(&res.dirs_removed, at("new", q), NULL));
	CHECK(access(at("unidentified", p), F_OK) == 0);
	CHECK(listed(&res.dirs_left, at("unidentified", q),
		     "not proven: the tracer could not tell which entry the call made"));
	{
		struct container_state st = { .id = "u", .cgroup_path = "/x", .cgroup_id = 1 };
		struct report_meta meta = { .state = &st, .mode = "enforce" };
		char *json = NULL, want[64], line[512];

		CHECK_EQ_INT(report_build(&meta, &res, &json), 0);
		snprintf(want, sizeof(want), "\"id\":%u", unproven);
		CHECK(json && strstr(json, "\"unproven\"") && strstr(strstr(json, "\"unproven\""), want));
		free(json);
		report_summary(&meta, &res, line, sizeof(line));
		CHECK(strstr(line, "; 1 unproven") != NULL);
	}
	reap_result_done(&res);
	unlink(at("unproven", p));
	rmdir(at("old", p));
	rmdir(at("unidentified", p));
}

static int setup(void)
{
	int r;

	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return CHECK_SKIP("needs root for a private bpffs");
	memcpy(bpffs, "/tmp/bpfreaper-reap.XXXXXX", sizeof("/tmp/bpfreaper-reap.XXXXXX"));
	if (!mkdtemp(bpffs))
		return -errno;
	if (mount("bpf", bpffs, "bpf", 0, NULL) < 0) {
		r = -errno;
		rmdir(bpffs);
		return r;
	}
	return 0;
}

static void teardown(void)
{
	umount(bpffs);
	rmdir(bpffs);
}
TEST_FIXTURE(setup, teardown);
