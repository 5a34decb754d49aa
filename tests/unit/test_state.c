// SPDX-License-Identifier: LGPL-2.1-or-later
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "check.h"
#include "fileio.h"
#include "state.h"

static void round_trip(void)
{
	struct container_state s = { .id = "web-1", .cgroup_id = 18446744073709551000ull,
				     .cgroup_path = "/sys/fs/cgroup/unified/web-1", .pid = 77,
				     .bundle = "/b", .runtime_status = "creating", .created_at = 1700000000,
				     .mode = MODE_REPORT,
				     .mode_source = "config (annotation capped by annotation_modes)",
				     .backend = TRACER_BACKEND_TRAMPOLINE };
	struct container_state back = {};
	char *text = NULL;
	const char *why;

	s.binds.host_mount_ns = true;
	s.registered_ns = 1700000000123456789ull;
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
	/* a state names exactly one container */
	container_state_done(&back);
	CHECK_EQ_INT(state_parse(text, strlen(text), "web-2", &back, &why), -EBADMSG);
	free(text);
}

/* A state from before registered_ns: read, with no time limit. */
static void state_without_registered_ns(void)
{
	static const char text[] = "{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\","
				   "\"mode\":\"enforce\",\"binds\":[{\"destination\":\"/b\",\"source\":\"/b\"}]}";
	struct container_state s = {};
	const char *why;

	CHECK_EQ_INT(state_parse(text, strlen(text), "a", &s, &why), 0);
	CHECK(s.registered_ns == 0);
	CHECK(s.binds.n == 1 && !s.binds.v[0].readonly);
	container_state_done(&s);
}

static void corrupt_states_rejected(void)
{
	static const char *bad[] = {
		"",
		"{",
		"{\"version\":2,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\"}",
		"{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"0\",\"cgroup_path\":\"/x\"}",
		"{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"-1\",\"cgroup_path\":\"/x\"}",
		"{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"12x\",\"cgroup_path\":\"/x\"}",
		"{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"rel\"}",
		"{\"version\":1,\"id\":\"../a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\"}",
		"{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\",\"binds\":[{\"destination\":1}]}",
		"{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\",\"tracer_backend\":\"auto\"}",
		"{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\",\"tracer_backend\":\"kprobe\"}",
		"{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\",\"mode\":\"enforce\",\"registered_ns\":\"-5\"}",
		"{\"version\":1,\"id\":\"a\",\"cgroup_id\":\"1\",\"cgroup_path\":\"/x\",\"mode\":\"enforce\",\"registered_ns\":12}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct container_state s = {};
		const char *why = NULL;

		if (state_parse(bad[i], strlen(bad[i]), NULL, &s, &why) == 0) {
			printf("    accepted: %s\n", bad[i]);
			check_failed = 1;
			container_state_done(&s);
		}
	}
}

static void atomic_write_replaces_and_leaves_no_temp(void)
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

static void proc_cgroup_parsing(void)
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

int main(void)
{
	int total_failed = 0;

	check_file = "unit/state";
	RUN(round_trip);
	RUN(corrupt_states_rejected);
	RUN(state_without_registered_ns);
	RUN(atomic_write_replaces_and_leaves_no_temp);
	RUN(proc_cgroup_parsing);
	return total_failed ? 1 : 0;
}
