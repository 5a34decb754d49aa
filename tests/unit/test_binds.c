// SPDX-License-Identifier: LGPL-2.1-or-later
#include <limits.h>

#include "oci-binds.h"
#include "check.h"

TEST(normalize)
{
	char buf[PATH_MAX];

	CHECK_EQ_INT(path_normalize("/sys//fs/./bpf/", buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "/sys/fs/bpf");
	CHECK_EQ_INT(path_normalize("/", buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "/");
	CHECK(path_normalize("/a/../b", buf, sizeof(buf)) < 0);
	CHECK(path_normalize("rel", buf, sizeof(buf)) < 0);
	CHECK(path_normalize("/abcdef", buf, 4) < 0);
}

static const char *config =
	"{\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/sys/fs/bpf\",\"type\":\"bind\",\"source\":\"/sys/fs/bpf\",\"options\":[\"rbind\",\"rw\"]},"
	"{\"destination\":\"/sys/fs/bpf/app\",\"type\":\"none\",\"source\":\"/sys/fs/bpf/tenants/t1\",\"options\":[\"bind\"]},"
	"{\"destination\":\"/data\",\"source\":\"/srv/data\",\"options\":[\"rbind\",\"ro\"]}"
	"],\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]}}";

TEST(translate)
{
	struct binds b = {};
	char buf[PATH_MAX];

	CHECK_EQ_INT(binds_from_config(config, strlen(config), &b), 0);
	CHECK_EQ_INT(b.n, 3);
	CHECK(!b.host_mount_ns);
	CHECK_EQ_INT(binds_translate(&b, "/sys/fs/bpf/x/y", buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "/sys/fs/bpf/x/y");
	/* the longer destination wins */
	CHECK_EQ_INT(binds_translate(&b, "/sys/fs/bpf/app/m", buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "/sys/fs/bpf/tenants/t1/m");
	CHECK_EQ_INT(binds_translate(&b, "/sys/fs/bpf/app", buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "/sys/fs/bpf/tenants/t1");
	/* a prefix that is not a whole component does not match */
	CHECK_EQ_INT(binds_translate(&b, "/sys/fs/bpfx/m", buf, sizeof(buf)), -ENOENT);
	CHECK_EQ_INT(binds_translate(&b, "/tmp/x", buf, sizeof(buf)), -ENOENT);
	CHECK(binds_translate(&b, "/sys/fs/bpf/../../etc", buf, sizeof(buf)) < 0);
	binds_done(&b);
}

TEST(host_mount_namespace_is_identity)
{
	const char *cfg = "{\"mounts\":[],\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}}";
	struct binds b = {};
	char buf[PATH_MAX];

	CHECK_EQ_INT(binds_from_config(cfg, strlen(cfg), &b), 0);
	CHECK(b.host_mount_ns);
	CHECK_EQ_INT(binds_translate(&b, "/sys/fs/bpf/x", buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "/sys/fs/bpf/x");
	binds_done(&b);
}

TEST(json_round_trip)
{
	struct binds b = {}, back = {};
	json_object *o = NULL;

	CHECK_EQ_INT(binds_from_config(config, strlen(config), &b), 0);
	CHECK_EQ_INT(binds_to_json(&b, &o), 0);
	CHECK_EQ_INT(binds_from_json(o, false, &back), 0);
	CHECK_EQ_INT(back.n, b.n);
	for (size_t i = 0; i < b.n && i < back.n; i++) {
		CHECK_EQ_STR(back.v[i].destination, b.v[i].destination);
		CHECK_EQ_STR(back.v[i].source, b.v[i].source);
		CHECK_EQ_INT(back.v[i].readonly, b.v[i].readonly);
	}
	/* only the "ro" bind is read-only */
	CHECK_EQ_INT(b.v[0].readonly + b.v[1].readonly + b.v[2].readonly, 1);
	CHECK(b.v[2].readonly);
	json_object_put(o);
	binds_done(&b);
	binds_done(&back);
}

/* "rro" (recursive read-only, Kubernetes' recursiveReadOnly) is read-only
 * like "ro": its source is not a view the container could write. */
TEST(rro_is_read_only)
{
	static const char cfg[] =
		"{\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]},\"mounts\":["
		"{\"destination\":\"/a\",\"source\":\"/sys/fs/bpf/a\",\"type\":\"bind\",\"options\":[\"rbind\",\"rro\"]},"
		"{\"destination\":\"/b\",\"source\":\"/sys/fs/bpf/b\",\"type\":\"bind\",\"options\":[\"rbind\",\"rw\"]}]}";
	struct binds b = {};

	CHECK_EQ_INT(binds_from_config(cfg, strlen(cfg), &b), 0);
	CHECK_EQ_INT(b.n, 2);
	CHECK(b.n == 2 && b.v[0].readonly && !b.v[1].readonly);
	binds_done(&b);
}

/* A state written before "readonly" and "real" existed still reads, as a
 * writable bind translated through its source. */
TEST(json_without_readonly_or_real)
{
	json_object *o = json_tokener_parse("[{\"destination\":\"/sys/fs/bpf\",\"source\":\"/sys/fs/bpf\"}]");
	struct binds b = {};
	char buf[PATH_MAX];

	CHECK_EQ_INT(binds_from_json(o, false, &b), 0);
	CHECK_EQ_INT(b.n, 1);
	CHECK(b.n == 1 && !b.v[0].readonly && !b.v[0].real);
	json_object_put(o);
	binds_done(&b);
	o = json_tokener_parse("[{\"destination\":\"/sys/fs/bpf\",\"source\":\"/l\",\"real\":\"/sys/fs/bpf\",\"readonly\":true}]");
	CHECK_EQ_INT(binds_from_json(o, false, &b), 0);
	CHECK(b.n == 1 && b.v[0].readonly);
	/* the resolved source wins over what the bundle wrote */
	CHECK_EQ_INT(binds_translate(&b, "/sys/fs/bpf/m", buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "/sys/fs/bpf/m");
	json_object_put(o);
	binds_done(&b);
	o = json_tokener_parse("[{\"destination\":\"/x\",\"source\":\"/y\",\"readonly\":\"yes\"}]");
	CHECK_EQ_INT(binds_from_json(o, false, &b), -EINVAL);
	json_object_put(o);
}
