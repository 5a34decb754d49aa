// SPDX-License-Identifier: LGPL-2.1-or-later
/* configure/unconfigure for Docker: the daemon.json merge and its undo on
 * fixtures, then the files (backup, record, byte-identical restore). */
#include "check.h"
#include "fileio.h"
#include "oci-state.h"
#include "runtime-configure.h"
#include "util.h"

#include <fcntl.h>
#include <sys/stat.h>

#define WRAPPER "/usr/bin/bpfreaper-runtime"

/* A node's daemon.json: other keys, another runtime as the default (with
 * its own arguments), an integer only json-c's uint64 holds. */
static const char node_json[] =
	"{\"log-driver\": \"json-file\", \"registry-mirrors\": [\"https://m.example/\"],\n"
	" \"runtimes\": {\"nvidia\": {\"path\": \"/usr/bin/nvidia-container-runtime\", \"runtimeArgs\": [\"--x\"]}},\n"
	" \"default-runtime\": \"nvidia\",\n"
	" \"default-ulimits\": {\"core\": {\"Name\": \"core\", \"Hard\": 18446744073709551615, \"Soft\": -1}}}\n";

static json_object *parse(const char *text)
{
	json_object *o = NULL;

	CHECK_EQ_INT(json_parse_strict(text, strlen(text), OCI_JSON_MAX_DEPTH, &o), 0);
	return o;
}

static const char *path_of(json_object *root, const char *a, const char *b, const char *c)
{
	json_object *v = root;

	if (a && !json_object_object_get_ex(v, a, &v))
		return NULL;
	if (b && !json_object_object_get_ex(v, b, &v))
		return NULL;
	if (c && !json_object_object_get_ex(v, c, &v))
		return NULL;
	return json_object_get_string(v);
}

TEST(merge_keeps_other_keys_and_chains_the_default)
{
	const struct docker_wiring w = { .wrapper = WRAPPER, .set_as_default = true };
	_cleanup_json_ json_object *undo = NULL, *undo2 = NULL, *got = NULL, *orig = parse(node_json), *back = NULL;
	_cleanup_free_ char *text = NULL, *again = NULL, *undone = NULL;
	struct br_error err = BR_ERROR_INIT;

	CHECK_EQ_INT(docker_configure_text(node_json, strlen(node_json), &w, NULL, &text, &undo, &err), 0);
	CHECK(text != NULL);
	if (check_failed)
		return;
	got = parse(text);
	CHECK_EQ_STR(path_of(got, "runtimes", "bpfreaper", "path"), WRAPPER);
	CHECK_EQ_STR(path_of(got, "default-runtime", NULL, NULL), "bpfreaper");
	CHECK_EQ_STR(path_of(got, "runtimes", "nvidia", "path"), "/usr/bin/nvidia-container-runtime");
	CHECK_EQ_STR(path_of(got, "log-driver", NULL, NULL), "json-file");
	/* Docker hands runtimeArgs to the wrapper, which passes them on. */
	CHECK_EQ_STR(path_of(got, "runtimes", "bpfreaper", "runtimeArgs"), "[ \"--x\" ]");
	CHECK(strstr(text, "18446744073709551615") != NULL);
	CHECK(strstr(text, "\\/") == NULL);
	CHECK_EQ_STR(path_of(undo, "chain", NULL, NULL), "/usr/bin/nvidia-container-runtime");
	CHECK_EQ_STR(path_of(undo, "default_runtime", NULL, NULL), "nvidia");

	/* A second run changes nothing, and still knows the chain. */
	CHECK_EQ_INT(docker_configure_text(text, strlen(text), &w, undo, &again, &undo2, &err), 0);
	CHECK(again == NULL);
	CHECK_EQ_STR(path_of(undo2, "chain", NULL, NULL), "/usr/bin/nvidia-container-runtime");

	/* The undo gives the original back, key for key. */
	CHECK_EQ_INT(docker_unconfigure_text(text, strlen(text), undo, &undone, &err), 0);
	CHECK(undone != NULL);
	back = parse(undone);
	CHECK(json_object_equal(back, orig));
}

TEST(no_file_and_runc)
{
	const struct docker_wiring w = { .wrapper = WRAPPER };
	_cleanup_json_ json_object *undo = NULL, *got = NULL, *back = NULL;
	_cleanup_free_ char *text = NULL, *undone = NULL;
	struct br_error err = BR_ERROR_INIT;
	json_object *v;

	CHECK_EQ_INT(docker_configure_text(NULL, 0, &w, NULL, &text, &undo, &err), 0);
	if (check_failed)
		return;
	got = parse(text);
	CHECK_EQ_STR(path_of(got, "runtimes", "bpfreaper", "path"), WRAPPER);
	CHECK(!json_object_object_get_ex(got, "default-runtime", NULL));
	/* runc: nothing to chain, the wrapper's own default */
	CHECK(json_object_object_get_ex(undo, "chain", &v) && v == NULL);
	CHECK_EQ_INT(docker_unconfigure_text(text, strlen(text), undo, &undone, &err), 0);
	back = parse(undone);
	CHECK_EQ_INT((int)json_object_object_length(back), 0); /* "runtimes" was added: it goes */
}

TEST(runc_by_its_shim_name_is_runc)
{
	static const char shim[] = "{\"default-runtime\": \"io.containerd.runc.v2\"}";
	const struct docker_wiring w = { .wrapper = WRAPPER, .set_as_default = true };
	_cleanup_json_ json_object *undo = NULL, *back = NULL, *orig = parse(shim);
	_cleanup_free_ char *text = NULL, *undone = NULL;
	struct br_error err = BR_ERROR_INIT;
	json_object *v;

	CHECK_EQ_INT(docker_configure_text(shim, strlen(shim), &w, NULL, &text, &undo, &err), 0);
	if (check_failed)
		return; /* no text to go on with */
	CHECK(json_object_object_get_ex(undo, "chain", &v) && v == NULL);
	CHECK_EQ_INT(docker_unconfigure_text(text, strlen(text), undo, &undone, &err), 0);
	back = parse(undone);
	CHECK(json_object_equal(back, orig));
}

TEST(an_entry_of_that_name_is_put_back)
{
	static const char mine[] = "{\"runtimes\": {\"bpfreaper\": {\"path\": \"/opt/old\"}, \"x\": {\"path\": \"/x\"}}}";
	const struct docker_wiring w = { .wrapper = WRAPPER };
	_cleanup_json_ json_object *undo = NULL, *back = NULL, *orig = parse(mine);
	_cleanup_free_ char *text = NULL, *undone = NULL;
	struct br_error err = BR_ERROR_INIT;

	CHECK_EQ_INT(docker_configure_text(mine, strlen(mine), &w, NULL, &text, &undo, &err), 0);
	if (check_failed)
		return;
	CHECK(strstr(text, WRAPPER) != NULL);
	CHECK_EQ_INT(docker_unconfigure_text(text, strlen(text), undo, &undone, &err), 0);
	back = parse(undone);
	CHECK(json_object_equal(back, orig));
}

TEST(refuses_what_it_cannot_merge)
{
	static const char *const bad[] = {
		"[1]",
		"{\"runtimes\": []}",
		"{\"runtimes\": {\"bpfreaper\": \"x\"}}",
		"{\"default-runtime\": 7}",
		/* a default runtime from dockerd's command line: no path to chain */
		"{\"default-runtime\": \"elsewhere\"}",
		"{\"default-runtime\": \"n\", \"runtimes\": {\"n\": {\"runtimeArgs\": []}}}",
		"{\"a\": 18446744073709551616}",
		"{\"a\": ",
	};
	const struct docker_wiring w = { .wrapper = WRAPPER, .set_as_default = true };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_json_ json_object *undo = NULL;
		_cleanup_free_ char *text = NULL;
		struct br_error err = BR_ERROR_INIT;
		int r = docker_configure_text(bad[i], strlen(bad[i]), &w, NULL, &text, &undo, &err);

		CHECK(r == -EINVAL || r == -ERANGE);
		CHECK_EQ_INT(err.step, BR_STEP_CONFIGURE);
		CHECK(text == NULL && undo == NULL);
	}
}

TEST(chain_in_the_wrappers_config)
{
	static const char cfg[] = "{\"mode\": \"report\"}";
	static const char other[] = "{\"runtime\": \"crun\"}";
	_cleanup_json_ json_object *undo = NULL, *undo2 = NULL, *got = NULL, *back = NULL, *orig = parse(cfg);
	_cleanup_free_ char *text = NULL, *none = NULL, *undone = NULL, *edited = NULL;
	struct br_error err = BR_ERROR_INIT;

	CHECK_EQ_INT(chain_configure_text(cfg, strlen(cfg), "/opt/nv", NULL, &text, &undo, &err), 0);
	if (check_failed)
		return;
	got = parse(text);
	CHECK_EQ_STR(path_of(got, "runtime", NULL, NULL), "/opt/nv");
	CHECK_EQ_STR(path_of(got, "mode", NULL, NULL), "report");
	CHECK_EQ_INT(chain_configure_text(text, strlen(text), "/opt/nv", undo, &none, &undo2, &err), 0);
	CHECK(none == NULL);
	/* One wrapper config cannot chain two runtimes. */
	CHECK_EQ_INT(chain_configure_text(other, strlen(other), "/opt/nv", NULL, &none, &undo2, &err), -EEXIST);
	CHECK_EQ_INT(chain_unconfigure_text(text, strlen(text), undo, &undone, &err), 0);
	back = parse(undone);
	CHECK(json_object_equal(back, orig));
	/* Someone set another runtime since: theirs stays. */
	CHECK_EQ_INT(chain_unconfigure_text(other, strlen(other), undo, &edited, &err), 0);
	CHECK(edited == NULL);
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len;

	if (read_file_limited(AT_FDCWD, path, 1 << 20, &buf, &len) < 0)
		return NULL;
	return buf;
}

static void put(const char *path, const char *text, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	CHECK(fd >= 0);
	CHECK_EQ_INT((int)write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	CHECK_EQ_INT(chmod(path, mode), 0);
}

TEST(files_backup_record_and_exact_restore)
{
	char dir[] = "/tmp/bpfreaper-configure-XXXXXX";
	char daemon[128], wcfg[128], record[128], backup[160];
	struct configure_request req = { .wrapper = WRAPPER, .set_as_default = true };
	struct configure_result res;
	struct br_error err = BR_ERROR_INIT;
	_cleanup_free_ char *after = NULL, *restored = NULL;
	char *s;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(daemon, sizeof(daemon), "%s/daemon.json", dir);
	snprintf(wcfg, sizeof(wcfg), "%s/etc/bpfreaper.json", dir);
	snprintf(record, sizeof(record), "%s/configured-docker.json", dir);
	snprintf(backup, sizeof(backup), "%s%s", daemon, CONFIGURE_BACKUP_SUFFIX);
	req.config_path = daemon;
	req.bpfreaper_config = wcfg;
	req.state_dir = dir;
	put(daemon, node_json, 0640);

	/* dry run: nothing written */
	req.dry_run = true;
	CHECK_EQ_INT(docker_configure(&req, &res, &err), 0);
	CHECK(res.changed);
	CHECK_EQ_INT(res.files[0].action, CONFIGURE_WRITTEN);
	CHECK_EQ_INT(res.files[1].action, CONFIGURE_WRITTEN);
	configure_result_done(&res);
	s = slurp(daemon);
	CHECK_EQ_STR(s, node_json);
	free(s);
	CHECK(access(wcfg, F_OK) < 0 && access(record, F_OK) < 0 && access(backup, F_OK) < 0);

	req.dry_run = false;
	CHECK_EQ_INT(docker_configure(&req, &res, &err), 0);
	CHECK_EQ_STR(res.chain, "/usr/bin/nvidia-container-runtime");
	configure_result_done(&res);
	CHECK(access(record, F_OK) == 0);
	s = slurp(backup);
	CHECK_EQ_STR(s, node_json);
	free(s);
	CHECK_EQ_INT(stat(daemon, &st), 0);
	CHECK_EQ_INT((int)(st.st_mode & 07777), 0640);
	after = slurp(daemon);

	/* twice: no change, not even the record's */
	CHECK_EQ_INT(docker_configure(&req, &res, &err), 0);
	CHECK(!res.changed);
	configure_result_done(&res);
	s = slurp(daemon);
	CHECK_EQ_STR(s, after);
	free(s);

	/* another daemon.json while configured: refused */
	req.config_path = wcfg;
	CHECK_EQ_INT(docker_configure(&req, &res, &err), -EEXIST);
	req.config_path = daemon;

	/* unconfigure: the bytes back, the file configure made gone */
	CHECK_EQ_INT(docker_unconfigure(&req, &res, &err), 0);
	CHECK_EQ_INT(res.files[0].action, CONFIGURE_RESTORED);
	CHECK_EQ_INT(res.files[1].action, CONFIGURE_REMOVED);
	configure_result_done(&res);
	restored = slurp(daemon);
	CHECK_EQ_STR(restored, node_json);
	CHECK(access(wcfg, F_OK) < 0 && access(record, F_OK) < 0);

	/* edited after configure: only bpfreaper's part is taken out */
	CHECK_EQ_INT(docker_configure(&req, &res, &err), 0);
	configure_result_done(&res);
	s = slurp(daemon);
	put(daemon, "{\"debug\": true, \"runtimes\": {\"bpfreaper\": {\"path\": \"" WRAPPER "\"}}, "
		    "\"default-runtime\": \"bpfreaper\"}", 0640);
	free(s);
	CHECK_EQ_INT(docker_unconfigure(&req, &res, &err), 0);
	CHECK_EQ_INT(res.files[0].action, CONFIGURE_WRITTEN);
	configure_result_done(&res);
	{
		_cleanup_json_ json_object *got = NULL;

		s = slurp(daemon);
		got = parse(s);
		free(s);
		CHECK(json_object_object_get_ex(got, "debug", NULL));
		CHECK_EQ_STR(path_of(got, "default-runtime", NULL, NULL), "nvidia");
		CHECK(path_of(got, "runtimes", "bpfreaper", NULL) == NULL);
	}
	unlink(daemon);
	unlink(backup);
	*strrchr(wcfg, '/') = '\0';
	CHECK_EQ_INT(rmdir(wcfg), 0); /* the etc directory configure made */
	CHECK_EQ_INT(rmdir(dir), 0);
}
