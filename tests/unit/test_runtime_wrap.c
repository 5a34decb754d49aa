// SPDX-License-Identifier: LGPL-2.1-or-later
#include "check.h"
#include "oci-runtime-wrap.h"
#include "oci-state.h"
#include "util.h"

#include <fcntl.h>
#include <sys/stat.h>

static const struct runtime_hooks hooks = {
	.prestart = "/opt/br/bpfreaper-prestart",
	.poststop = "/opt/br/bpfreaper-poststop",
};

static struct runtime_call parse(int argc, char **argv)
{
	struct runtime_call c;

	runtime_call_parse(argc, argv, &c);
	return c;
}

#define PARSE(...)                                                      \
	({                                                              \
		char *v_[] = { "bpfreaper-runtime", __VA_ARGS__, NULL }; \
		parse((int)ARRAY_SIZE(v_) - 1, v_);                     \
	})

TEST(command_lines)
{
	struct runtime_call c;

	/* containerd's shim */
	c = PARSE("--root", "/run/containerd/runc/k8s.io", "--log", "/x/log.json", "--log-format", "json", "create",
		  "--bundle", "/run/b", "--pid-file", "/run/b/init.pid", "abc");
	CHECK_EQ_INT(c.command, 7);
	CHECK(c.adds_hooks);
	CHECK_EQ_STR(c.bundle, "/run/b");
	CHECK(!c.config);
	/* podman, crun style, value attached */
	c = PARSE("--systemd-cgroup", "--root=/r", "create", "--bundle=/b2", "--pid-file=/p", "id");
	CHECK_EQ_INT(c.command, 3);
	CHECK_EQ_STR(c.bundle, "/b2");
	/* options after the id, Go's single dash, the short form */
	c = PARSE("-debug", "-log-level", "debug", "run", "-d", "id", "-b", "/b3");
	CHECK_EQ_INT(c.command, 4);
	CHECK_EQ_STR(c.bundle, "/b3");
	c = PARSE("run", "-b/b4", "-fother.json", "id");
	CHECK_EQ_STR(c.bundle, "/b4");
	CHECK_EQ_STR(c.config, "other.json");
	c = PARSE("create", "--config", "c.json", "--console-socket", "-b", "id");
	CHECK(!c.bundle); /* "-b" was the socket's value */
	CHECK_EQ_STR(c.config, "c.json");
	/* no --bundle: the working directory */
	c = PARSE("--criu", "create", "run", "id");
	CHECK_EQ_INT(c.command, 3); /* "create" was --criu's value */
	CHECK(c.adds_hooks);
	CHECK(!c.bundle);
	/* everything else passes */
	c = PARSE("--root", "/r", "delete", "--force", "-b", "/x", "id");
	CHECK_EQ_INT(c.command, 3);
	CHECK(!c.adds_hooks);
	CHECK(!c.bundle);
	c = PARSE("--version");
	CHECK_EQ_INT(c.command, 0);
	CHECK(!c.adds_hooks);
	c = PARSE("--", "create", "id", "--", "-b", "/y");
	CHECK_EQ_INT(c.command, 2);
	CHECK(c.adds_hooks);
	CHECK(!c.bundle);
	c = PARSE("state", "create");
	CHECK(!c.adds_hooks);
}

/* The id names the container in the skipped list when it gets no hooks. */
TEST(container_id)
{
	struct runtime_call c;

	c = PARSE("--root", "/r", "--log", "/l", "create", "--bundle", "/b", "--pid-file", "/p", "abc");
	CHECK_EQ_STR(c.id, "abc");
	c = PARSE("run", "-d", "id1", "-b", "/b3");
	CHECK_EQ_STR(c.id, "id1");
	c = PARSE("create", "--console-socket", "/s", "--bundle=/b", "id2");
	CHECK_EQ_STR(c.id, "id2");
	c = PARSE("run", "-b", "/b", "--", "-odd");
	CHECK_EQ_STR(c.id, "-odd");
	c = PARSE("create", "--bundle", "/b");
	CHECK(!c.id);
}

TEST(integers)
{
	const char *ok[] = {
		"[18446744073709551615,-9223372036854775808,0,-0,1.5e300,123456789012345678901234567890.5]",
		"{\"a\":\"99999999999999999999999\",\"b\":\"\\\"1e99999999999999999999999\"}",
		"[1E400,-1e-400]",
	};
	const char *bad[] = { "[18446744073709551616]", "{\"a\":-9223372036854775809}", "[100000000000000000000000]" };

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		CHECK(json_integers_exact(ok[i], strlen(ok[i])));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(!json_integers_exact(bad[i], strlen(bad[i])));
}

static int add(const char *text, const struct runtime_hooks *h, char **out, struct br_error *why)
{
	return bundle_config_add_hooks(text, strlen(text), h, out, why);
}

TEST(adds_pair_once)
{
	_cleanup_free_ char *out = NULL, *again = NULL;
	_cleanup_json_ json_object *root = NULL;
	struct br_error why = BR_ERROR_INIT;
	const char *in = "{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_CORE\","
			 "\"hard\":18446744073709551615,\"soft\":18446744073709551615}]},\"w\":0.10,"
			 "\"hooks\":{\"poststop\":[{\"path\":\"/usr/bin/other\"}]}}";
	json_object *h, *v;

	CHECK_EQ_INT(add(in, &hooks, &out, &why), 0);
	CHECK(out != NULL);
	if (!out)
		return;
	/* big numbers and doubles are written back as they were */
	CHECK(strstr(out, "\"hard\":18446744073709551615,\"soft\":18446744073709551615") != NULL);
	CHECK(strstr(out, "\"w\":0.10") != NULL);
	CHECK_EQ_INT(json_parse_strict(out, strlen(out), 64, &root), 0);
	CHECK(json_object_object_get_ex(root, "hooks", &h));
	CHECK(!json_object_object_get_ex(h, "prestart", &v));
	CHECK(json_object_object_get_ex(h, "createRuntime", &v) && json_object_array_length(v) == 1);
	CHECK_EQ_STR(json_object_get_string(json_object_object_get(json_object_array_get_idx(v, 0), "path")),
		     "/opt/br/bpfreaper-prestart");
	CHECK(json_object_object_get_ex(h, "poststop", &v) && json_object_array_length(v) == 2);
	CHECK_EQ_STR(json_object_get_string(json_object_object_get(json_object_array_get_idx(v, 1), "path")),
		     "/opt/br/bpfreaper-poststop");
	/* a second pass finds both */
	CHECK_EQ_INT(add(out, &hooks, &again, &why), 0);
	CHECK(again == NULL);
}

TEST(stage_and_config)
{
	_cleanup_free_ char *old = NULL, *none = NULL, *half = NULL;
	struct runtime_hooks with_config = hooks;
	struct br_error why = BR_ERROR_INIT;

	with_config.config_path = "/etc/x.json";
	CHECK_EQ_INT(add("{\"ociVersion\":\"1.0.1\"}", &with_config, &old, &why), 0);
	CHECK(old && strstr(old, "\"prestart\":[{\"path\":\"/opt/br/bpfreaper-prestart\",\"args\":["
				 "\"bpfreaper-prestart\",\"--default-mode=report\",\"--config=/etc/x.json\"]}]"));
	CHECK(old && strstr(old, "\"args\":[\"bpfreaper-poststop\",\"--config=/etc/x.json\"]"));
	/* no ociVersion: prestart, which every runtime knows */
	CHECK_EQ_INT(add("{}", &hooks, &none, &why), 0);
	CHECK(none && strstr(none, "\"prestart\"") && !strstr(none, "createRuntime"));
	/* podman's hooks.d put the prestart hook there from another directory:
	 * only poststop is added */
	CHECK_EQ_INT(add("{\"ociVersion\":\"1.0.2\",\"hooks\":{\"prestart\":[{\"path\":"
			 "\"/usr/libexec/oci/hooks.d/bpfreaper-prestart\"}]}}",
			 &hooks, &half, &why), 0);
	CHECK(half && !strstr(half, "createRuntime") && strstr(half, "/opt/br/bpfreaper-poststop"));
}

TEST(refuses_what_it_cannot_rewrite)
{
	const char *bad[] = {
		"", "{", "[]", "{\"hooks\":[]}", "{\"hooks\":{\"poststop\":{}}}", "{\"hooks\":{\"prestart\":\"x\"}}",
		"{\"process\":{\"rlimits\":[{\"hard\":18446744073709551616}]}}", "{} {}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *out = NULL;
		struct br_error why = BR_ERROR_INIT;

		CHECK(add(bad[i], &hooks, &out, &why) < 0);
		CHECK(out == NULL);
		CHECK(why.detail[0] != '\0');
	}
}

/* Owner, mode and atomic replacement of a real file. */
TEST(rewrites_file_in_place)
{
	char dir[] = "/tmp/bpfreaper-unit-rw.XXXXXX";
	_cleanup_close_ int dirfd = -EBADF;
	_cleanup_free_ char *text = NULL;
	struct br_error why = BR_ERROR_INIT;
	struct stat before, after;
	bool edited = true;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dirfd >= 0);
	f = fdopen(openat(dirfd, "config.json", O_WRONLY | O_CREAT | O_CLOEXEC, 0600), "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("{\"ociVersion\":\"1.0.2\"}", f);
	fclose(f);
	CHECK(fchmodat(dirfd, "config.json", 0640, 0) == 0);
	/* root runs the tests; a non-root run keeps its own uid */
	if (fchownat(dirfd, "config.json", 65534, 65534, 0) < 0)
		CHECK(geteuid() != 0);
	CHECK(fstatat(dirfd, "config.json", &before, 0) == 0);
	CHECK_EQ_INT(bundle_add_hooks(dirfd, "config.json", &hooks, &edited, &why), 0);
	CHECK(edited);
	CHECK(fstatat(dirfd, "config.json", &after, 0) == 0);
	CHECK(after.st_ino != before.st_ino); /* replaced by rename, not rewritten */
	CHECK_EQ_INT(after.st_mode & 07777, 0640);
	CHECK_EQ_INT(after.st_uid, before.st_uid);
	CHECK_EQ_INT(after.st_gid, before.st_gid);
	CHECK_EQ_INT(bundle_add_hooks(dirfd, "config.json", &hooks, &edited, &why), 0);
	CHECK(!edited);
	CHECK(fstatat(dirfd, "config.json", &before, 0) == 0);
	CHECK(after.st_ino == before.st_ino);
	/* a symlink is not followed, a missing file is an error */
	CHECK(symlinkat("config.json", dirfd, "link.json") == 0);
	CHECK(bundle_add_hooks(dirfd, "link.json", &hooks, &edited, &why) < 0);
	CHECK(bundle_add_hooks(dirfd, "missing.json", &hooks, &edited, &why) == -ENOENT);
	unlinkat(dirfd, "link.json", 0);
	unlinkat(dirfd, "config.json", 0);
	rmdir(dir);
}

TEST(resolve)
{
	_cleanup_free_ char *sh = NULL, *p = NULL;

	CHECK_EQ_INT(runtime_resolve("sh", "relative:/nonexistent:/bin", NULL, &sh), 0);
	CHECK_EQ_STR(sh, "/bin/sh");
	/* itself, by path or in PATH, is never the runtime */
	CHECK_EQ_INT(runtime_resolve("/bin/sh", NULL, "/bin/sh", &p), -ELOOP);
	CHECK_EQ_INT(runtime_resolve("sh", "/bin", "/bin/sh", &p), -ELOOP);
	CHECK_EQ_INT(runtime_resolve("no-such-runtime-here", "/bin", NULL, &p), -ENOENT);
	CHECK_EQ_INT(runtime_resolve("bin/sh", "/", NULL, &p), -EINVAL);
}
