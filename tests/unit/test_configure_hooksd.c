// SPDX-License-Identifier: LGPL-2.1-or-later
/* configure/unconfigure for CRI-O and podman: CRI-O's hooks_dir read from
 * the TOML forms its configs use, the drop-in that carries it, the hook
 * files, then the files under a node root (record, idempotence, foreign
 * files never overwritten, edited files kept). */
#include "check.h"
#include "fileio.h"
#include "oci-state.h"
#include "runtime-configure-hooksd.h"
#include "util.h"

#include <fcntl.h>
#include <sys/stat.h>

static json_object *dirs_of(const char *text, int want_r)
{
	struct br_error err = BR_ERROR_INIT;
	json_object *dirs = NULL;

	CHECK_EQ_INT(crio_hooks_dirs_of(text, strlen(text), &dirs, &err), want_r);
	return dirs;
}

static const char *dir_at(json_object *dirs, size_t i)
{
	if (!dirs || i >= json_object_array_length(dirs))
		return NULL;
	return json_object_get_string(json_object_array_get_idx(dirs, i));
}

TEST(hooks_dir_table_form_with_comments)
{
	_cleanup_json_ json_object *dirs = dirs_of("[crio]\nroot = \"/var/lib/containers\"\n"
						   "[crio.runtime]\n"
						   "default_capabilities = [\n  \"CHOWN\",\n  \"hooks_dir = ['/evil']\",\n]\n"
						   "# hooks_dir = [\"/commented\"]\n"
						   "hooks_dir = [\n  \"/usr/share/containers/oci/hooks.d\", # the package's\n"
						   "  '/opt/site hooks',\n]\n"
						   "[crio.image]\nhooks_dir = [\"/other/table\"]\n",
						   0);

	CHECK_EQ_INT((int)json_object_array_length(dirs), 2);
	CHECK_EQ_STR(dir_at(dirs, 0), "/usr/share/containers/oci/hooks.d");
	CHECK_EQ_STR(dir_at(dirs, 1), "/opt/site hooks");
}

TEST(hooks_dir_dotted_keys)
{
	_cleanup_json_ json_object *top = dirs_of("crio.runtime.hooks_dir = [\"/a\"]\n", 0);
	_cleanup_json_ json_object *mid = dirs_of("[crio]\nruntime . \"hooks_dir\" = [ \"/b\" , ]\n", 0);
	_cleanup_json_ json_object *last = dirs_of("[crio.runtime]\nhooks_dir = [\"/1\"]\nhooks_dir = [\"/2\"]\n", 0);

	CHECK_EQ_STR(dir_at(top, 0), "/a");
	CHECK_EQ_STR(dir_at(mid, 0), "/b");
	CHECK_EQ_STR(dir_at(last, 0), "/2");
}

TEST(hooks_dir_absent_or_malformed)
{
	_cleanup_json_ json_object *none = dirs_of("[crio.runtime]\nconmon = \"/usr/bin/conmon\"\n"
						   "[[crio.runtime.workloads]]\nhooks_dir = [\"/not/it\"]\n",
						   0);
	_cleanup_json_ json_object *bad = dirs_of("[crio.runtime]\nhooks_dir = \"/one/string\"\n", -EINVAL);
	_cleanup_json_ json_object *open_ended = dirs_of("[crio.runtime]\nhooks_dir = [\"/a\"\n", -EINVAL);

	CHECK(none == NULL);
	CHECK(bad == NULL);
	CHECK(open_ended == NULL);
}

TEST(dropin_carries_the_list_and_reads_back)
{
	_cleanup_json_ json_object *dirs = dirs_of("[crio.runtime]\nhooks_dir = [\"/usr/share/containers/oci/hooks.d\", "
						   "\"/opt/site\"]\n",
						   0);
	_cleanup_json_ json_object *back = NULL;
	_cleanup_free_ char *text = NULL, *none = NULL;
	struct br_error err = BR_ERROR_INIT;

	CHECK_EQ_INT(crio_dropin_text(dirs, "/etc/containers/oci/hooks.d", &text, &err), 0);
	CHECK(text != NULL);
	if (check_failed)
		return;
	back = dirs_of(text, 0);
	CHECK_EQ_INT((int)json_object_array_length(back), 3);
	CHECK_EQ_STR(dir_at(back, 0), "/usr/share/containers/oci/hooks.d");
	CHECK_EQ_STR(dir_at(back, 1), "/opt/site");
	CHECK_EQ_STR(dir_at(back, 2), "/etc/containers/oci/hooks.d");
	/* listed already (a trailing slash is the same directory): none */
	CHECK_EQ_INT(crio_dropin_text(dirs, "/opt/site/", &none, &err), 0);
	CHECK(none == NULL);
}

TEST(hook_text_is_the_shipped_form)
{
	const char *env[] = { "BPFREAPER_RUN_DIR=/run/x", "A=\"q\"" };
	_cleanup_free_ char *pre = NULL, *post = NULL;
	_cleanup_json_ json_object *p = NULL, *q = NULL;
	json_object *hook, *v;

	CHECK_EQ_INT(hooksd_hook_text("/opt/bpfreaper/bin", "prestart", env, 2, false, &pre), 0);
	CHECK_EQ_INT(hooksd_hook_text("/opt/bpfreaper/bin", "poststop", NULL, 0, false, &post), 0);
	CHECK_EQ_INT(hooksd_hook_text("relative", "poststop", NULL, 0, false, &post), -EINVAL);
	if (check_failed)
		return;
	CHECK_EQ_INT(json_parse_strict(pre, strlen(pre), OCI_JSON_MAX_DEPTH, &p), 0);
	CHECK_EQ_INT(json_parse_strict(post, strlen(post), OCI_JSON_MAX_DEPTH, &q), 0);
	if (check_failed)
		return;
	CHECK(json_object_object_get_ex(p, "hook", &hook));
	CHECK(json_object_object_get_ex(hook, "path", &v));
	CHECK_EQ_STR(json_object_get_string(v), "/opt/bpfreaper/bin/bpfreaper-prestart");
	CHECK(json_object_object_get_ex(hook, "args", &v));
	CHECK_EQ_STR(json_object_get_string(json_object_array_get_idx(v, 1)), "--default-mode=report");
	CHECK(json_object_object_get_ex(hook, "env", &v));
	CHECK_EQ_STR(json_object_get_string(json_object_array_get_idx(v, 1)), "A=\"q\"");
	CHECK(json_object_object_get_ex(q, "stages", &v));
	CHECK_EQ_STR(json_object_get_string(json_object_array_get_idx(v, 0)), "poststop");
	CHECK(json_object_object_get_ex(q, "hook", &hook));
	CHECK(!json_object_object_get_ex(hook, "env", NULL));
}

/* The opt-in form is oci-config/hooks.d-opt-in's, byte for byte but the
 * path. */
TEST(hook_text_opt_in_is_the_shipped_form)
{
	static const char *const stages[] = { "prestart", "poststop" };

	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *text = NULL, *shipped = NULL;
		char path[256];
		size_t len;

		snprintf(path, sizeof(path), "oci-config/hooks.d-opt-in/bpfreaper-%s.json", stages[i]);
		CHECK_EQ_INT(hooksd_hook_text("/usr/libexec/oci/hooks.d", stages[i], NULL, 0, true, &text), 0);
		CHECK_EQ_INT(read_file_limited(AT_FDCWD, path, 4096, &shipped, &len), 0);
		CHECK_EQ_STR(text, shipped);
	}
}

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ_INT((int)write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
}

static bool exists(const char *root, const char *p)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", root, p);
	return access(path, F_OK) == 0;
}

TEST(crio_files_under_a_root)
{
	char root[] = "/tmp/bpfreaper-hooksd-XXXXXX";
	char state[PATH_MAX], conf[PATH_MAX], hook[PATH_MAX], cmd[PATH_MAX + 16];
	struct hooksd_request req = { .manager = HOOKSD_CRIO, .hook_bin = "/opt/bpfreaper/bin" };
	struct configure_result res;
	struct br_error err = BR_ERROR_INIT;
	int fd;

	CHECK(mkdtemp(root) != NULL);
	if (check_failed)
		return;
	snprintf(state, sizeof(state), "%s/var/lib/bpfreaper", root);
	snprintf(conf, sizeof(conf), "%s/etc/crio/crio.conf.d", root);
	snprintf(hook, sizeof(hook), "%s%s/bpfreaper-prestart.json", root, HOOKSD_DIR_DEFAULT);
	fd = open_dir_created(conf, 0755);
	CHECK(fd >= 0);
	close(fd);
	snprintf(conf, sizeof(conf), "%s/etc/crio/crio.conf.d/10-site.conf", root);
	put(conf, "[crio.runtime]\nhooks_dir = [\"/usr/share/containers/oci/hooks.d\"]\n");
	req.root = root;
	req.state_dir = state;

	req.dry_run = true;
	CHECK_EQ_INT(hooksd_configure(&req, &res, &err), 0);
	CHECK_EQ_INT((int)res.n_files, 3);
	CHECK_EQ_INT(res.files[2].action, CONFIGURE_WRITTEN);
	configure_result_done(&res);
	CHECK(!exists(root, HOOKSD_DIR_DEFAULT) && !exists(root, "/var/lib/bpfreaper/configured-crio.json"));

	req.dry_run = false;
	CHECK_EQ_INT(hooksd_configure(&req, &res, &err), 0);
	CHECK(res.changed);
	configure_result_done(&res);
	CHECK(exists(root, "/etc/crio/crio.conf.d/" CRIO_DROPIN_NAME));
	CHECK(exists(root, HOOKSD_DIR_DEFAULT "/bpfreaper-poststop.json"));
	CHECK_EQ_INT(hooksd_configure(&req, &res, &err), 0);
	CHECK(!res.changed);
	configure_result_done(&res);

	/* An operator's edit is theirs: unconfigure keeps that file. */
	put(hook, "{}\n");
	CHECK_EQ_INT(hooksd_unconfigure(&req, &res, &err), 0);
	CHECK_EQ_INT(res.files[0].action, CONFIGURE_KEPT);
	CHECK_EQ_INT(res.files[1].action, CONFIGURE_REMOVED);
	CHECK_EQ_INT(res.files[2].action, CONFIGURE_REMOVED);
	configure_result_done(&res);
	CHECK(exists(root, HOOKSD_DIR_DEFAULT "/bpfreaper-prestart.json"));
	CHECK(!exists(root, "/etc/crio/crio.conf.d/" CRIO_DROPIN_NAME));
	CHECK(!exists(root, "/var/lib/bpfreaper/configured-crio.json"));
	CHECK(exists(root, "/etc/crio/crio.conf.d/10-site.conf"));

	/* ... and a file configure did not write is never overwritten. */
	CHECK_EQ_INT(hooksd_configure(&req, &res, &err), -EEXIST);
	CHECK(!exists(root, "/var/lib/bpfreaper/configured-crio.json"));

	/* hooks_dir lists the directory already: no drop-in. */
	unlink(hook);
	put(conf, "[crio.runtime]\nhooks_dir = [\"" HOOKSD_DIR_DEFAULT "\"]\n");
	CHECK_EQ_INT(hooksd_configure(&req, &res, &err), 0);
	CHECK_EQ_INT(res.files[2].action, CONFIGURE_UNCHANGED);
	configure_result_done(&res);
	CHECK(!exists(root, "/etc/crio/crio.conf.d/" CRIO_DROPIN_NAME));
	/* No root given: the one configure wrote under, from the record. */
	req.root = NULL;
	CHECK_EQ_INT(hooksd_unconfigure(&req, &res, &err), 0);
	CHECK_EQ_INT(res.files[0].action, CONFIGURE_REMOVED);
	configure_result_done(&res);
	CHECK(!exists(root, HOOKSD_DIR_DEFAULT "/bpfreaper-prestart.json"));

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK_EQ_INT(system(cmd), 0);
}

/* No hooks_dir set anywhere: CRI-O reads /usr/share/... alone, so hook
 * files in /etc need the drop-in, which keeps /usr/share. */
TEST(crio_default_reads_usr_share_alone)
{
	char root[] = "/tmp/bpfreaper-hooksd-XXXXXX", state[PATH_MAX], dropin[PATH_MAX], cmd[PATH_MAX + 16];
	struct hooksd_request req = { .manager = HOOKSD_CRIO, .hook_bin = "/opt/bpfreaper/bin" };
	struct configure_result res;
	struct br_error err = BR_ERROR_INIT;
	_cleanup_json_ json_object *dirs = NULL;
	_cleanup_free_ char *text = NULL;
	size_t len;

	CHECK(mkdtemp(root) != NULL);
	if (check_failed)
		return;
	snprintf(state, sizeof(state), "%s/state", root);
	snprintf(dropin, sizeof(dropin), "%s" CRIO_DROPIN_DIR "/" CRIO_DROPIN_NAME, root);
	req.root = root;
	req.state_dir = state;
	CHECK_EQ_INT(hooksd_configure(&req, &res, &err), 0);
	configure_result_done(&res);
	CHECK_EQ_INT(read_file_limited(AT_FDCWD, dropin, 4096, &text, &len), 0);
	if (check_failed)
		return;
	dirs = dirs_of(text, 0);
	CHECK_EQ_INT((int)json_object_array_length(dirs), 2);
	CHECK_EQ_STR(dir_at(dirs, 0), HOOKSD_DIR_SHARE);
	CHECK_EQ_STR(dir_at(dirs, 1), HOOKSD_DIR_DEFAULT);
	/* The directories it made go too (the state directory is not its). */
	CHECK(exists(root, "/etc/crio/crio.conf.d") && exists(root, HOOKSD_DIR_DEFAULT));
	CHECK_EQ_INT(hooksd_unconfigure(&req, &res, &err), 0);
	configure_result_done(&res);
	CHECK(!exists(root, "/etc"));
	CHECK(exists(root, "/state"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK_EQ_INT(system(cmd), 0);
}
