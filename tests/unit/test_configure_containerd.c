// SPDX-License-Identifier: LGPL-2.1-or-later
/* configure --runtime=containerd, the TOML it writes by hand: the drop-in
 * cut from a config dump, and one "imports" entry added and taken out of
 * files people wrote. The files and containerd itself: the e2e test
 * test_runtime_wrap/containerd_configure. */
#include "check.h"
#include "fileio.h"
#include "runtime-configure-containerd.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define WRAPPER "/usr/bin/bpfreaper-runtime"
#define DROPIN "/etc/containerd/conf.d/bpfreaper.toml"

/* As containerd 1.6's config dump prints it (cut down): another plugin,
 * the CRI plugin with runc (BinaryName, SystemdCgroup) and another runtime. */
static const char dump_v2[] =
	"imports = [\"/etc/containerd/config.toml\"]\n"
	"root = \"/var/lib/containerd\"\n"
	"version = 2\n"
	"\n"
	"[plugins]\n"
	"\n"
	"  [plugins.\"io.containerd.gc.v1.scheduler\"]\n"
	"    pause_threshold = 0.03\n"
	"\n"
	"  [plugins.\"io.containerd.grpc.v1.cri\"]\n"
	"    sandbox_image = \"example.com/pause:9\"\n"
	"\n"
	"    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.gvisor]\n"
	"      runtime_type = \"io.containerd.runsc.v1\"\n"
	"\n"
	"      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.gvisor.options]\n"
	"        BinaryName = \"/usr/bin/runsc\"\n"
	"\n"
	"    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
	"      pod_annotations = [\"io.kubernetes.cri.*\"]\n"
	"      runtime_type = \"io.containerd.runc.v2\"\n"
	"\n"
	"      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
	"        BinaryName = \"/usr/bin/nvidia-container-runtime\"\n"
	"        SystemdCgroup = true\n"
	"\n"
	"  [plugins.\"io.containerd.internal.v1.opt\"]\n"
	"    path = \"/opt/containerd\"\n";

static const char dump_v3_no_options[] =
	"version = 3\n"
	"[plugins]\n"
	"  [plugins.'io.containerd.cri.v1.images']\n"
	"    snapshotter = 'overlayfs'\n"
	"  [plugins.\"io.containerd.cri.v1.runtime\"]\n"
	"    [plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.runc]\n"
	"      runtime_type = \"io.containerd.runc.v2\"\n";

/* As containerd 2.1.9's config dump prints it (cut down): literal
 * strings, plugin names in single quotes. */
static const char dump_v3[] =
	"version = 3\n"
	"root = '/var/lib/containerd'\n"
	"imports = ['/etc/containerd/conf.d/x.toml']\n"
	"\n"
	"[plugins]\n"
	"  [plugins.'io.containerd.cri.v1.runtime']\n"
	"    enable_selinux = false\n"
	"\n"
	"    [plugins.'io.containerd.cri.v1.runtime'.containerd]\n"
	"      default_runtime_name = 'runc'\n"
	"\n"
	"      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes]\n"
	"        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]\n"
	"          runtime_type = 'io.containerd.runc.v2'\n"
	"          pod_annotations = ['io.kubernetes.cri.*']\n"
	"\n"
	"          [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n"
	"            BinaryName = '/usr/bin/nvidia-container-runtime'\n"
	"            SystemdCgroup = true\n";

TEST(dump_version_and_binary)
{
	char binary[PATH_MAX];

	CHECK_EQ_INT(containerd_dump_version(dump_v2), 2);
	CHECK_EQ_INT(containerd_dump_version(dump_v3_no_options), 3);
	CHECK_EQ_INT(containerd_dump_version("root = \"/x\"\n[version]\nversion = 2\n"), -EINVAL);
	CHECK_EQ_INT(containerd_dump_version("version = 1\n"), -EINVAL);
	CHECK_EQ_INT(containerd_dump_binary(dump_v2, binary, sizeof(binary)), 0);
	/* runc's, not gvisor's, which comes first. */
	CHECK_EQ_STR(binary, "/usr/bin/nvidia-container-runtime");
	CHECK_EQ_INT(containerd_dump_binary(dump_v3_no_options, binary, sizeof(binary)), 0);
	CHECK_EQ_STR(binary, "");
	/* 2.x's spelling: 'quoted' names and literal strings. */
	CHECK_EQ_INT(containerd_dump_binary(dump_v3, binary, sizeof(binary)), 0);
	CHECK_EQ_STR(binary, "/usr/bin/nvidia-container-runtime");
	CHECK_EQ_INT(containerd_dump_default_runtime(dump_v2, binary, sizeof(binary)), 0);
	CHECK_EQ_STR(binary, "runc");
	CHECK_EQ_INT(containerd_dump_default_runtime("version = 3\n[plugins.\"io.containerd.cri.v1.runtime\".containerd]\n"
						     "  default_runtime_name = \"nvidia\"\n",
						     binary, sizeof(binary)),
		     0);
	CHECK_EQ_STR(binary, "nvidia");
	/* The CRI plugin disabled: not in the dump. */
	CHECK_EQ_INT(containerd_dump_binary("version = 2\n[plugins]\n  [plugins.\"io.containerd.internal.v1.opt\"]\n",
					    binary, sizeof(binary)),
		     -ENOENT);
}

TEST(dropin_is_the_cri_section_with_binary_name)
{
	_cleanup_free_ char *text = NULL;
	struct br_error err = BR_ERROR_INIT;
	char binary[PATH_MAX];

	CHECK_EQ_INT(containerd_dropin_text(dump_v2, 2, WRAPPER, &text, &err), 0);
	if (check_failed)
		return;
	CHECK(strncmp(text, CONTAINERD_DROPIN_MARK "\n", strlen(CONTAINERD_DROPIN_MARK) + 1) == 0);
	CHECK(strstr(text, "\nversion = 2\n") != NULL);
	/* The whole CRI plugin: containerd 1.x replaces it with this. */
	CHECK(strstr(text, "sandbox_image = \"example.com/pause:9\"") != NULL);
	CHECK(strstr(text, "BinaryName = \"/usr/bin/runsc\"") != NULL);
	CHECK(strstr(text, "SystemdCgroup = true") != NULL);
	CHECK(strstr(text, "runtime_type = \"io.containerd.runc.v2\"") != NULL);
	/* Only the CRI plugin: another plugin's section would replace it. */
	CHECK(strstr(text, "pause_threshold") == NULL);
	CHECK(strstr(text, "/opt/containerd") == NULL);
	CHECK(strstr(text, "imports") == NULL);
	CHECK(strstr(text, "nvidia-container-runtime") == NULL);
	/* Pod annotations reach the hooks; the node's still do. */
	CHECK(strstr(text, "\n      pod_annotations = [\"io.kubernetes.cri.*\", \"io.bpfreaper.*\"]\n") != NULL);
	/* Read back as a dump: runc runs the wrapper. */
	CHECK_EQ_INT(containerd_dump_binary(text, binary, sizeof(binary)), 0);
	CHECK_EQ_STR(binary, WRAPPER);

	CHECK_EQ_INT(containerd_dropin_text("version = 2\n[plugins]\n", 2, WRAPPER, &text, &err), -ENOENT);
}

/* 2.x merges an import key by key: the drop-in holds runc's two keys only,
 * in the version of the config.toml that imports it. */
TEST(dropin_for_2x_sets_two_keys_in_the_file_version)
{
	_cleanup_free_ char *v3 = NULL, *v2 = NULL, *bare = NULL;
	struct br_error err = BR_ERROR_INIT;
	char binary[PATH_MAX];

	CHECK_EQ_INT(containerd_dropin_text(dump_v3, 3, WRAPPER, &v3, &err), 0);
	if (check_failed)
		return;
	CHECK_EQ_STR(v3, CONTAINERD_DROPIN_MARK "\n"
			 "# containerd 2.x merges this file key by key: runc's BinaryName and\n"
			 "# pod_annotations (as containerd config dump showed them, ours added) are\n"
			 "# the only settings here; the node's stay in its own files.\n"
			 "version = 3\n\n"
			 "[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.runc]\n"
			 "  pod_annotations = [\"io.kubernetes.cri.*\", \"io.bpfreaper.*\"]\n\n"
			 "[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.runc.options]\n"
			 "  BinaryName = \"" WRAPPER "\"\n");
	CHECK_EQ_INT(containerd_dump_binary(v3, binary, sizeof(binary)), 0);
	CHECK_EQ_STR(binary, WRAPPER);
	/* The dump once it reads the drop-in, 'quoted': the same drop-in again. */
	{
		_cleanup_free_ char *wired = NULL, *again = NULL;
		const char *line = "pod_annotations = ['io.kubernetes.cri.*']";

		wired = strdup(dump_v3);
		if (!wired || !strstr(wired, line))
			CHECK(false);
		else {
			char *at = strstr(wired, line);
			_cleanup_free_ char *joined = NULL;

			CHECK(asprintf(&joined, "%.*spod_annotations = ['io.kubernetes.cri.*', 'io.bpfreaper.*']%s",
				       (int)(at - wired), wired, at + strlen(line)) > 0);
			CHECK_EQ_INT(containerd_dropin_text(joined, 3, WRAPPER, &again, &err), 0);
			if (!check_failed)
				CHECK_EQ_STR(again, v3);
		}
	}
	/* Imported by a version 2 config.toml: version 2's plugin name. */
	CHECK_EQ_INT(containerd_dropin_text(dump_v3, 2, WRAPPER, &v2, &err), 0);
	if (check_failed)
		return;
	CHECK(strstr(v2, "\nversion = 2\n") != NULL);
	CHECK(strstr(v2, "cri.v1") == NULL);
	CHECK_EQ_INT(containerd_dump_binary(v2, binary, sizeof(binary)), 0);
	CHECK_EQ_STR(binary, WRAPPER);
	/* No pod_annotations and no options in the dump: both written. */
	CHECK_EQ_INT(containerd_dropin_text(dump_v3_no_options, 3, "/opt/a \"b\"/bpfreaper-runtime", &bare, &err), 0);
	if (check_failed)
		return;
	CHECK(strstr(bare, "snapshotter") == NULL);
	CHECK(strstr(bare, "runtimes.runc]\n  pod_annotations = [\"io.bpfreaper.*\"]\n") != NULL);
	CHECK_EQ_INT(containerd_dump_binary(bare, binary, sizeof(binary)), 0);
	CHECK_EQ_STR(binary, "/opt/a \"b\"/bpfreaper-runtime");
}

/* main, with the entry added, gives want, and taking it out gives main
 * back byte for byte. */
static void round_trip(const char *main_text, const char *want)
{
	_cleanup_free_ char *added = NULL, *removed = NULL;

	CHECK(!containerd_imports_cover(main_text, "/etc/containerd/config.toml", DROPIN));
	CHECK_EQ_INT(containerd_import_add(main_text, DROPIN, 2, &added), 0);
	if (check_failed)
		return;
	CHECK_EQ_STR(added, want);
	CHECK(containerd_imports_cover(added, "/etc/containerd/config.toml", DROPIN));
	CHECK_EQ_INT(containerd_import_remove(added, DROPIN, &removed), 0);
	CHECK(removed != NULL);
	if (removed)
		CHECK_EQ_STR(removed, main_text);
}

TEST(imports_entry_added_last_and_removed)
{
	_cleanup_free_ char *none = NULL;

	/* No imports: a top-level key, before the first table. */
	round_trip("version = 2\n[plugins.\"x\"]\n  imports = 1\n",
		   "version = 2\nimports = [\"" DROPIN "\"]\n[plugins.\"x\"]\n  imports = 1\n");
	/* An empty array gets the entry; taking out the only entry takes the
	 * key, as configure adds it far more often than it finds it empty. */
	{
		_cleanup_free_ char *added = NULL, *removed = NULL;

		CHECK_EQ_INT(containerd_import_add("version = 2\nimports = []\n", DROPIN, 2, &added), 0);
		CHECK_EQ_STR(added, "version = 2\nimports = [\"" DROPIN "\"]\n");
		CHECK_EQ_INT(containerd_import_remove(added, DROPIN, &removed), 0);
		CHECK_EQ_STR(removed, "version = 2\n");
	}
	round_trip("version = 2\nimports = [\"/a.toml\"]\n", "version = 2\nimports = [\"/a.toml\", \"" DROPIN "\"]\n");
	/* Over lines, a trailing comma, a comment after the last entry. */
	round_trip("imports = [\n  '/a.toml' # mine, with a ]\n]\n[b]\n",
		   "imports = [\n  '/a.toml', \"" DROPIN "\" # mine, with a ]\n]\n[b]\n");
	/* A trailing comma looks the same once the entry follows it: the
	 * undo keeps the array valid, the backup has the bytes. */
	{
		_cleanup_free_ char *added = NULL, *removed = NULL;

		CHECK_EQ_INT(containerd_import_add("imports = [\n  \"/a.toml\",\n]\n", DROPIN, 2, &added), 0);
		CHECK_EQ_STR(added, "imports = [\n  \"/a.toml\", \"" DROPIN "\"\n]\n");
		CHECK_EQ_INT(containerd_import_remove(added, DROPIN, &removed), 0);
		CHECK_EQ_STR(removed, "imports = [\n  \"/a.toml\"\n]\n");
	}
	round_trip("imports = [ # the drop-ins\n  \"/a.toml\",\n  \"/b.toml\"\n]\n",
		   "imports = [ # the drop-ins\n  \"/a.toml\",\n  \"/b.toml\", \"" DROPIN "\"\n]\n");
	/* No file: containerd's defaults, and the version of the dump. */
	/* No file: it gets the dump's version (unconfigure removes it). */
	{
		_cleanup_free_ char *added = NULL;

		CHECK_EQ_INT(containerd_import_add(NULL, DROPIN, 3, &added), 0);
		CHECK_EQ_STR(added, "version = 3\nimports = [\"" DROPIN "\"]\n");
	}
	CHECK_EQ_INT(containerd_import_remove("imports = [\"/a.toml\"]\n", DROPIN, &none), 0);
	CHECK(none == NULL);
}

TEST(imports_cover_globs_and_relative_paths)
{
	const char *main_path = "/etc/containerd/config.toml";

	CHECK(containerd_imports_cover("imports = [\"/etc/containerd/conf.d/*.toml\"]\n", main_path, DROPIN));
	CHECK(containerd_imports_cover("imports = ['conf.d/*.toml']\n", main_path, DROPIN));
	CHECK(containerd_imports_cover("imports = [\"conf.d/bpfreaper.toml\"]\n", main_path, DROPIN));
	CHECK(!containerd_imports_cover("imports = [\"/etc/containerd/*.toml\"]\n", main_path, DROPIN));
	/* An imports key in a table is not containerd's. */
	CHECK(!containerd_imports_cover("[x]\nimports = [\"conf.d/*.toml\"]\n", main_path, DROPIN));
	CHECK(!containerd_imports_cover(NULL, main_path, DROPIN));
}

/* ---- the files, with the real containerd's config dump ---- */

static char dir[] = "/tmp/bpfreaper-unit-ctrd.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[PATH_MAX], cmd[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	CHECK_EQ_INT(system(cmd), 0);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The file's content, "" if absent. */
static char *got(const char *name)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file_limited(AT_FDCWD, path, 1 << 20, &text, &len) < 0)
		return strdup("");
	return text;
}

static int run(bool configure, struct configure_result *res, struct br_error *err)
{
	char config[PATH_MAX], wcfg[PATH_MAX], state[PATH_MAX];
	struct configure_request req = { .config_path = config, .bpfreaper_config = wcfg, .state_dir = state,
					 .wrapper = WRAPPER };

	snprintf(config, sizeof(config), "%s/config.toml", dir);
	snprintf(wcfg, sizeof(wcfg), "%s/bpfreaper.json", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	return configure ? containerd_configure(&req, res, err) : containerd_unconfigure(&req, res, err);
}

/* A directory of the case's own; false (skipped) without containerd. */
static bool setup(void)
{
	if (access("/usr/bin/containerd", X_OK) != 0)
		return !CHECK_SKIP("no containerd here");
	CHECK(mkdtemp(dir) != NULL);
	return true;
}

static void teardown(void)
{
	char cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ_INT(system(cmd), 0);
	strcpy(strrchr(dir, '.'), ".XXXXXX");
}

/* containerd merges imports in order: configure's goes last, so an earlier
 * import that sets runc's BinaryName is chained, not left to win. */
TEST(an_earlier_import_is_chained)
{
	_cleanup_free_ char *wcfg = NULL, *main_text = NULL;
	struct configure_result res;
	struct br_error err = BR_ERROR_INIT;

	if (!setup())
		return;
	put("config.toml", "version = 2\nimports = [\"gpu.toml\"]\n");
	put("gpu.toml", "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
			"  BinaryName = \"/usr/bin/nvidia-container-runtime\"\n");
	CHECK_EQ_INT(run(true, &res, &err), 0);
	CHECK_EQ_STR(err.detail, "");
	CHECK_EQ_STR(res.chain, "/usr/bin/nvidia-container-runtime");
	configure_result_done(&res);
	wcfg = got("bpfreaper.json");
	CHECK(strstr(wcfg, "\"runtime\": \"/usr/bin/nvidia-container-runtime\"") != NULL);
	main_text = got("config.toml");
	CHECK(strstr(main_text, "imports = [\"gpu.toml\", \"") != NULL);
	CHECK_EQ_INT(run(false, &res, &err), 0);
	configure_result_done(&res);
	free(main_text);
	main_text = got("config.toml");
	CHECK_EQ_STR(main_text, "version = 2\nimports = [\"gpu.toml\"]\n");
	teardown();
}

/* A later import that sets BinaryName again wins over the drop-in:
 * configure sees it in the dump and puts every file back. */
TEST(a_later_import_that_wins_undoes_everything)
{
	static const char main_text[] = "version = 2\nimports = [\"conf.d/*.toml\"]\n";
	_cleanup_free_ char *m = NULL, *w = NULL, *d = NULL, *rec = NULL;
	struct configure_result res;
	struct br_error err = BR_ERROR_INIT;

	if (!setup())
		return;
	put("config.toml", main_text);
	put("conf.d/zz-gpu.toml", "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
				  "  BinaryName = \"/usr/bin/nvidia-container-runtime\"\n");
	put("bpfreaper.json", "{\"mode\":\"enforce\"}\n");
	CHECK_EQ_INT(run(true, &res, &err), -EIO);
	CHECK(strstr(err.detail, "a later import") != NULL);
	m = got("config.toml");
	w = got("bpfreaper.json");
	d = got("conf.d/bpfreaper.toml");
	rec = got("state/configured-containerd.json");
	CHECK_EQ_STR(m, main_text);
	CHECK_EQ_STR(w, "{\"mode\":\"enforce\"}\n");
	CHECK_EQ_STR(d, "");
	CHECK_EQ_STR(rec, "");
	teardown();
}

/* A BinaryName that is a bpfreaper-runtime already (another install's) is
 * replaced, never chained: the wrapper would exec itself. */
TEST(a_wrapper_is_never_chained)
{
	_cleanup_free_ char *w = NULL;
	struct configure_result res;
	struct br_error err = BR_ERROR_INIT;

	if (!setup())
		return;
	put("config.toml", "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
			   "  BinaryName = \"/opt/old/bin/bpfreaper-runtime\"\n");
	CHECK_EQ_INT(run(true, &res, &err), 0);
	CHECK_EQ_STR(res.chain, "");
	configure_result_done(&res);
	w = got("bpfreaper.json");
	CHECK(strstr(w, "runtime") == NULL);
	teardown();
}

/* Pods run the CRI default runtime: another than runc is refused. */
TEST(another_default_runtime_is_refused)
{
	_cleanup_free_ char *d = NULL;
	struct configure_result res;
	struct br_error err = BR_ERROR_INIT;

	if (!setup())
		return;
	put("config.toml", "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
			   "  default_runtime_name = \"nvidia\"\n");
	CHECK_EQ_INT(run(true, &res, &err), -EOPNOTSUPP);
	d = got("conf.d/bpfreaper.toml");
	CHECK_EQ_STR(d, "");
	teardown();
}
