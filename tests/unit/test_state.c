// SPDX-License-Identifier: LGPL-2.1-or-later
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "check.h"
#include "fileio.h"
#include "oci-state.h"
#include "store-state.h"
#include "tmp_rundir.h"

TEST(round_trip)
{
	struct container_state s = { .id = "web-1", .cgroup_id = 18446744073709551000ull,
				     .cgroup_path = "/sys/fs/cgroup/unified/web-1", .pid = 77,
				     .bundle = "/b", .runtime_status = "creating", .created_at = 1700000000,
				     .mode = MODE_REPORT,
				     .mode_source = "config (annotation capped by annotation_modes)",
				     .backend = TRACER_BACKEND_TRAMPOLINE };
	struct container_state back = {};
	char *text = NULL;
	struct br_error why = BR_ERROR_INIT;

	s.binds.host_mount_ns = true;
	s.registered_ns = 1700000000123456789ull;
	s.live_budget = (struct live_budget){ .objects = 500, .bytes = 0 };
	CHECK_EQ_INT(state_serialize(&s, &text), 0);
	CHECK_EQ_INT(state_parse(text, strlen(text), "web-1", &back, &why), 0);
	CHECK_EQ_STR(back.id, "web-1");
	CHECK(back.cgroup_id == s.cgroup_id);
	CHECK_EQ_STR(back.cgroup_path, s.cgroup_path);
	CHECK_EQ_INT(back.pid, 77);
	CHECK_EQ_STR(back.bundle, "/b");
	CHECK(back.binds.host_mount_ns);
	CHECK_EQ_INT(back.mode, MODE_REPORT);
	CHECK_EQ_STR(back.mode_source, "config (annotation capped by annotation_modes)");
	CHECK_EQ_INT(back.backend, TRACER_BACKEND_TRAMPOLINE);
	CHECK(back.registered_ns == s.registered_ns);
	CHECK_EQ_INT(back.live_budget.objects, 500);
	CHECK_EQ_INT(back.live_budget.bytes, 0);
	/* a state names exactly one container */
	container_state_done(&back);
	CHECK_EQ_INT(state_parse(text, strlen(text), "web-2", &back, &why), -EBADMSG);
	free(text);
}

/* A state from before registered_ns: read, with no time limit. */
TEST(state_without_registered_ns)
{
	static const char text[] = "{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\","
				   "\"mode\":\"enforce\",\"binds\":[{\"destination\":\"/b\",\"source\":\"/b\"}]}";
	struct container_state s = {};
	struct br_error why = BR_ERROR_INIT;

	CHECK_EQ_INT(state_parse(text, strlen(text), "a", &s, &why), 0);
	CHECK(s.registered_ns == 0);
	CHECK(s.binds.n == 1 && !s.binds.v[0].readonly);
	container_state_done(&s);
}

/* A valid state but for one field: each is refused for its own cause. */
#define STATE_HEAD "{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"mode\":\"enforce\","
TEST(corrupt_states_rejected)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "not valid JSON" },
		{ "{", "not valid JSON" },
		{ "{\"version\":2,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\",\"mode\":\"enforce\"}",
		  "unknown state version" },
		{ "{\"version\":1,\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\",\"mode\":\"enforce\"}", "\"id\" is missing" },
		{ "{\"version\":1,\"id\":\"a\",\"cgroup_path\":\"/x\",\"mode\":\"enforce\"}", "\"cgroup_id\" is missing" },
		{ "{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\"}", "\"mode\" is missing" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"cgroup_id\":\"0\"}",
		  "\"cgroup_id\" is not a decimal string from 1 to 18446744073709551615" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"cgroup_id\":\"-1\"}",
		  "\"cgroup_id\" is not a decimal string from 1 to 18446744073709551615" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"cgroup_id\":\"12x\"}",
		  "\"cgroup_id\" is not a decimal string from 1 to 18446744073709551615" },
		{ STATE_HEAD "\"cgroup_path\":\"rel\"}", "\"cgroup_path\" is not an absolute path" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"bundle\":\"b\"}", "\"bundle\" is not an absolute path" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"cgroup\":\"c\"}", "\"cgroup\" is not an absolute path" },
		{ "{\"version\":1,\"id\":\"..\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\",\"mode\":\"enforce\"}",
		  "container id is a relative path" },
		{ "{\"version\":1,\"id\":\"../a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\",\"mode\":\"enforce\"}",
		  "container id has a character other than [A-Za-z0-9_+.-]" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"binds\":[{\"destination\":1}]}", "\"binds\" is not an array of binds" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"mode\":\"off\"}", "\"mode\" is not one of enforce, report" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"tracer_backend\":\"auto\"}",
		  "\"tracer_backend\" is not one of trampoline, tracepoint" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"tracer_backend\":\"kprobe\"}",
		  "\"tracer_backend\" is not one of trampoline, tracepoint" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"registered_ns\":\"-5\"}",
		  "\"registered_ns\" is not a decimal string from 0 to 18446744073709551615" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"registered_ns\":12}",
		  "\"registered_ns\" is not a decimal string from 0 to 18446744073709551615" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"live_budget\":{\"objects\":-1,\"bytes\":0}}",
		  "\"live_budget.objects\" is not an integer from 0 to 1125899906842624" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"live_budget\":{\"objects\":1}}", "\"live_budget.bytes\" is missing" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"keep\":[\"rel\"]}", "a keep rule is not an absolute path glob" },
		{ STATE_HEAD "\"cgroup_path\":\"/x\",\"pid\":-1}", "\"pid\" is not an integer from 0 to 2147483647" },
	};
	static const char good[] = STATE_HEAD "\"cgroup_path\":\"/x\"}";
	char long_path[PATH_MAX + 128];
	struct container_state s = {};
	struct br_error why = BR_ERROR_INIT;

	/* What the cases change is all that is wrong in them. */
	CHECK_EQ_INT(state_parse(good, strlen(good), NULL, &s, &why), 0);
	container_state_done(&s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		br_error_clear(&why);
		if (state_parse(bad[i].text, strlen(bad[i].text), NULL, &s, &why) == 0) {
			printf("    accepted: %s\n", bad[i].text);
			check_failed = 1;
			container_state_done(&s);
			continue;
		}
		CHECK_EQ_INT(why.code, -EBADMSG);
		CHECK_EQ_INT(why.step, BR_STEP_STATE_READ);
		CHECK_EQ_STR(why.detail, bad[i].why);
	}
	/* A path is at most PATH_MAX - 1 bytes. */
	snprintf(long_path, sizeof(long_path), STATE_HEAD "\"cgroup_path\":\"/%0*d\"}", PATH_MAX - 1, 0);
	br_error_clear(&why);
	CHECK_EQ_INT(state_parse(long_path, strlen(long_path), NULL, &s, &why), -EBADMSG);
	CHECK_EQ_STR(why.detail, "\"cgroup_path\" is longer than 4095 bytes");
	snprintf(long_path, sizeof(long_path), STATE_HEAD "\"cgroup_path\":\"/%0*d\"}", PATH_MAX - 2, 0);
	CHECK_EQ_INT(state_parse(long_path, strlen(long_path), NULL, &s, &why), 0);
	container_state_done(&s);
}

TEST(atomic_write_replaces_and_leaves_no_temp)
{
	char dir[] = "/tmp/bpfreaper-unit.XXXXXX";
	char *buf = NULL;
	size_t len = 0;
	int dfd;

	CHECK(mkdtemp(dir) != NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_EQ_INT(write_file_atomic(dfd, "s.json", "one", 3, 0600, true), 0);
	CHECK_EQ_INT(write_file_atomic(dfd, "s.json", "two!", 4, 0600, false), 0);
	CHECK_EQ_INT(read_file_limited(dfd, "s.json", 100, &buf, &len), 0);
	CHECK_EQ_STR(buf, "two!");
	free(buf);
	/* a symlink planted at the name is never followed for reading */
	CHECK_EQ_INT(symlinkat("/etc/passwd", dfd, "evil.json"), 0);
	CHECK(read_file_limited(dfd, "evil.json", 100, &buf, &len) < 0);
	CHECK_EQ_INT(read_file_limited(dfd, "s.json", 2, &buf, &len), -EFBIG);
	unlinkat(dfd, "evil.json", 0);
	unlinkat(dfd, "s.json", 0);
	/* nothing else was left in the directory */
	CHECK_EQ_INT(unlinkat(dfd, "s.json.tmp", 0), -1);
	close(dfd);
	CHECK_EQ_INT(rmdir(dir), 0);
}

TEST(earlier_run_names)
{
	char name[NAME_MAX + 1], long_id[CONTAINER_ID_MAX + 1];
	char *id = NULL;
	uint64_t earlier = 7;

	CHECK_EQ_INT(state_file_name("web-1", 0, name, sizeof(name)), 0);
	CHECK_EQ_STR(name, "web-1.json");
	CHECK_EQ_INT(state_file_name("web-1", 18446744073709551000ull, name, sizeof(name)), 0);
	CHECK_EQ_STR(name, "web-1@18446744073709551000.json");
	CHECK_EQ_INT(state_file_name_parse(name, &id, &earlier), 0);
	CHECK_EQ_STR(id, "web-1");
	CHECK(earlier == 18446744073709551000ull);
	free(id);
	CHECK_EQ_INT(state_file_name_parse("web-1.json", &id, &earlier), 0);
	CHECK(earlier == 0);
	free(id);
	/* only the names state_file_name() writes */
	CHECK_EQ_INT(state_file_name_parse("web-1@0.json", &id, &earlier), -EINVAL);
	CHECK_EQ_INT(state_file_name_parse("web-1@012.json", &id, &earlier), -EINVAL);
	CHECK_EQ_INT(state_file_name_parse("web-1@12.json.99.tmp", &id, &earlier), -EINVAL);
	CHECK_EQ_INT(state_file_name_parse("a@b@12.json", &id, &earlier), -EINVAL);
	CHECK_EQ_INT(state_file_name_parse("@12.json", &id, &earlier), -EINVAL);
	/* the longest id still fits, cut, with room for a temp suffix */
	memset(long_id, 'x', CONTAINER_ID_MAX);
	long_id[CONTAINER_ID_MAX] = '\0';
	CHECK_EQ_INT(state_file_name(long_id, 18446744073709551000ull, name, sizeof(name)), 0);
	CHECK(strlen(name) + strlen(".4194304.tmp") <= NAME_MAX);
	CHECK_EQ_INT(state_file_name_parse(name, &id, &earlier), 0);
	CHECK(strlen(id) == STATE_EARLIER_ID_MAX);
	{
		struct state_file f = { .id = id, .earlier = earlier };

		CHECK(state_file_of(&f, long_id));
		CHECK(!state_file_of(&f, "x"));
	}
	free(id);
}

/* A later run's prestart keeps the earlier run's state: both are listed,
 * each reads back as its own run, and a wrong run is refused. */
TEST(earlier_run_kept)
{
	char dir[] = "/tmp/bpfreaper-unit.XXXXXX";
	struct container_state s = { .id = "web-1", .cgroup_id = 41, .cgroup_path = "/sys/fs/cgroup/web-1",
				     .runtime_status = "creating", .mode = MODE_ENFORCE };
	struct container_state back = {};
	struct state_ids ids = {};
	struct rundir rd;
	struct br_error why = BR_ERROR_INIT;
	int lock, kept = 0, current = 0;

	tmp_rundir_open(dir, &rd);
	CHECK_EQ_INT(state_write(&rd, &s), 0);
	lock = state_lock(&rd, "web-1", 0);
	CHECK(lock >= 0);
	CHECK_EQ_INT(state_keep_earlier(&rd, "web-1", 41), 0);
	s.cgroup_id = 42;
	CHECK_EQ_INT(state_write(&rd, &s), 0);
	close(lock);
	CHECK_EQ_INT(state_list(&rd, &ids), 0);
	CHECK_EQ_INT((int)ids.n, 2);
	for (size_t i = 0; i < ids.n; i++) {
		CHECK_EQ_STR(ids.v[i].id, "web-1");
		kept += ids.v[i].earlier == 41;
		current += ids.v[i].earlier == 0;
	}
	CHECK_EQ_INT(kept, 1);
	CHECK_EQ_INT(current, 1);
	CHECK_EQ_INT(state_read(&rd, "web-1", 41, &back, &why), 0);
	CHECK(back.cgroup_id == 41);
	container_state_done(&back);
	CHECK_EQ_INT(state_read(&rd, "web-1", 0, &back, &why), 0);
	CHECK(back.cgroup_id == 42);
	container_state_done(&back);
	/* a kept state renamed to another run's name is not that run */
	CHECK_EQ_INT(renameat(rd.state_fd, "web-1@41.json", rd.state_fd, "web-1@43.json"), 0);
	CHECK_EQ_INT(state_read(&rd, "web-1", 43, &back, &why), -EBADMSG);
	CHECK_EQ_STR(why.detail, "state names another run");
	CHECK_EQ_INT(state_remove(&rd, "web-1", 43), 0);
	CHECK_EQ_INT(state_remove(&rd, "web-1", 0), 0);
	CHECK_EQ_INT(state_lock(&rd, "web-1", 0), -ENOENT);
	state_ids_done(&ids);
	tmp_rundir_remove(dir, &rd);
}

/* A teardown waiting for the lock while a prestart moves the state aside
 * and writes a new run's: once it has the lock, the name it locked holds
 * the new run's state, never the file it first opened. */
TEST(lock_follows_the_name)
{
	char dir[] = "/tmp/bpfreaper-unit.XXXXXX";
	struct container_state s = { .id = "web-1", .cgroup_id = 41, .cgroup_path = "/sys/fs/cgroup/web-1",
				     .runtime_status = "creating", .mode = MODE_ENFORCE };
	struct rundir rd;
	int lock, status = -1, ready[2];
	pid_t child;
	char c;

	tmp_rundir_open(dir, &rd);
	CHECK_EQ_INT(state_write(&rd, &s), 0);
	lock = state_lock(&rd, "web-1", 0);
	CHECK(lock >= 0);
	CHECK_EQ_INT(pipe(ready), 0);
	child = fork();
	if (child == 0) {
		struct container_state got = {};
		struct stat locked, named;
		struct br_error why = BR_ERROR_INIT;
		int fd;

		close(ready[0]);
		close(lock); /* the parent's lock, shared by the fork: only the parent holds it */
		CHECK_EQ_INT((int)write(ready[1], "r", 1), 1);
		fd = state_lock(&rd, "web-1", 0); /* waits for the parent */
		_exit(fd >= 0 && fstat(fd, &locked) == 0 && fstatat(rd.state_fd, "web-1.json", &named, 0) == 0 &&
				      locked.st_ino == named.st_ino && state_read(&rd, "web-1", 0, &got, &why) == 0 &&
				      got.cgroup_id == 42
			      ? 0
			      : 1);
	}
	close(ready[1]);
	CHECK_EQ_INT((int)read(ready[0], &c, 1), 1);
	close(ready[0]);
	usleep(100 * 1000); /* the child is in flock() by now */
	CHECK_EQ_INT(state_keep_earlier(&rd, "web-1", 41), 0);
	s.cgroup_id = 42;
	CHECK_EQ_INT(state_write(&rd, &s), 0);
	close(lock);
	CHECK_EQ_INT((int)waitpid(child, &status, 0), (int)child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ_INT(state_remove(&rd, "web-1", 41), 0);
	CHECK_EQ_INT(state_remove(&rd, "web-1", 0), 0);
	tmp_rundir_remove(dir, &rd);
}

TEST(proc_cgroup_parsing)
{
	char rel[256];

	CHECK_EQ_INT(cgroup_parse_proc("12:pids:/x\n0::/ctr-1\n", rel, sizeof(rel)), 0);
	CHECK_EQ_STR(rel, "/ctr-1");
	CHECK_EQ_INT(cgroup_parse_proc("0::/a/b/c", rel, sizeof(rel)), 0);
	CHECK_EQ_STR(rel, "/a/b/c");
	CHECK_EQ_INT(cgroup_parse_proc("3:memory:/x\n", rel, sizeof(rel)), -ENOENT);
	CHECK(cgroup_parse_proc("0::/a/../b\n", rel, sizeof(rel)) < 0);
	CHECK(cgroup_parse_proc("0::relative\n", rel, sizeof(rel)) < 0);
}
