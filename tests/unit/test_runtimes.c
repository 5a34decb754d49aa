// SPDX-License-Identifier: LGPL-2.1-or-later
/* Container manager probes against fake host trees: which managers are
 * there, and whether docker's daemon.json, containerd's config (and what it
 * imports) or a hooks.d file wires bpfreaper in. */
#include "check.h"
#include "oci-runtimes.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char root[64];

static void mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

/* Writes text at root + rel (directories made), with mode. */
static void put(const char *rel, const char *text, int mode)
{
	char path[PATH_MAX], dir[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void rm_file(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	CHECK_EQ_INT(unlink(path), 0);
}

static void new_root(void)
{
	snprintf(root, sizeof(root), "/tmp/bpfreaper-unit-runtimes.XXXXXX");
	CHECK(mkdtemp(root) != NULL);
}

static void drop_root(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK_EQ_INT(system(cmd), 0);
}

static struct manager_status probe(enum manager m)
{
	struct manager_status st;

	memset(&st, 0xaa, sizeof(st));
	CHECK_EQ_INT(manager_probe(root, NULL, m, &st), 0);
	return st;
}

TEST(toml_scan_reads_v2_and_v3_shapes)
{
	static const char v2[] =
		"version = 2\n"
		"# a comment with BinaryName = \"/x/bpfreaper-runtime\"\n"
		"imports = [\n"
		"  \"/etc/containerd/conf.d/*.toml\", # the drop-ins\n"
		"  # commented = 'out'\n"
		"  'rel/other.toml',\n"
		"]\n"
		"[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
		"  default_runtime_name = \"bpfreaper\"\n"
		"[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.\"bpfreaper\"]\n"
		"  runtime_type = \"io.containerd.runc.v2\"\n"
		"  pod_annotations = [\"io.bpfreaper.*\"]\n"
		"  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.\"bpfreaper\".options]\n"
		"    BinaryName = \"/opt/bpfreaper/bin/bpfreaper-runtime\" # the wrapper\n"
		"    SystemdCgroup = true\n";
	static const char v3[] =
		"version = 3\n"
		"[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]\n"
		"  pod_annotations = ['*']\n"
		"[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n"
		"  BinaryName = '/usr/libexec/oci/hooks.d/bpfreaper-runtime'\n";
	static const char other[] =
		"imports = ['/a.toml']\n" /* top level only: this one counts */
		"[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
		"  BinaryName = \"/usr/bin/nvidia-container-runtime\"\n"
		"  imports = ['/not-top-level.toml']\n";
	struct containerd_toml t = {};
	const struct containerd_runtime *rt;

	containerd_toml_scan(v2, &t);
	CHECK_EQ_INT(t.n_imports, 2);
	CHECK_EQ_STR(t.imports[0], "/etc/containerd/conf.d/*.toml");
	CHECK_EQ_STR(t.imports[1], "rel/other.toml");
	CHECK_EQ_INT(t.n_runtimes, 1);
	rt = containerd_runtime_find(&t, "bpfreaper");
	CHECK(rt != NULL);
	if (rt) {
		CHECK_EQ_STR(rt->binary, "/opt/bpfreaper/bin/bpfreaper-runtime");
		CHECK(rt->annotations_set && rt->annotated);
	}
	CHECK_EQ_STR(t.default_runtime, "bpfreaper");

	memset(&t, 0, sizeof(t));
	containerd_toml_scan(v3, &t);
	rt = containerd_runtime_find(&t, "runc");
	CHECK(rt != NULL);
	if (rt) {
		CHECK_EQ_STR(rt->binary, "/usr/libexec/oci/hooks.d/bpfreaper-runtime");
		CHECK(rt->annotated);
	}

	memset(&t, 0, sizeof(t));
	containerd_toml_scan(other, &t);
	CHECK_EQ_INT(t.n_imports, 1);
	rt = containerd_runtime_find(&t, "runc");
	CHECK(rt != NULL);
	if (rt) {
		CHECK_EQ_STR(rt->binary, "/usr/bin/nvidia-container-runtime");
		CHECK(!rt->annotations_set);
	}
}

TEST(empty_host_has_nothing)
{
	new_root();
	for (enum manager m = 0; m < _MANAGER_MAX; m++) {
		struct manager_status st = probe(m);

		CHECK(!st.present);
		CHECK(!st.wired);
		CHECK_EQ_STR(st.detail, "");
	}
	drop_root();
}

TEST(docker_daemon_json)
{
	struct manager_status st;

	new_root();
	put("/usr/bin/dockerd", "#!/bin/sh\n", 0755);
	st = probe(MANAGER_DOCKER);
	CHECK(st.present);
	CHECK_EQ_STR(st.found, "/usr/bin/dockerd");
	CHECK(!st.wired);

	/* Another tool's runtime does not count. */
	put("/etc/docker/daemon.json", "{\"runtimes\": {\"nvidia\": {\"path\": \"/usr/bin/nvidia-container-runtime\"}}}", 0644);
	CHECK(!probe(MANAGER_DOCKER).wired);

	put("/etc/docker/daemon.json",
	    "{\"default-runtime\": \"bpfreaper\", \"runtimes\": {\"nvidia\": {\"path\": \"nvidia-container-runtime\"},"
	    " \"bpfreaper\": {\"path\": \"/opt/bpfreaper/bin/bpfreaper-runtime\"}}}",
	    0644);
	st = probe(MANAGER_DOCKER);
	CHECK(st.wired);
	CHECK(!st.incomplete);
	CHECK_EQ_STR(st.wired_by, "/etc/docker/daemon.json");
	CHECK_EQ_STR(st.detail, "runtime bpfreaper, the default");

	put("/etc/docker/daemon.json", "{\"runtimes\": {\"reaper\": {\"path\": \"/usr/libexec/oci/hooks.d/bpfreaper-runtime\"}}}", 0644);
	st = probe(MANAGER_DOCKER);
	CHECK(st.wired);
	CHECK_EQ_STR(st.detail, "runtime reaper (containers ask for it: --runtime=reaper)");

	put("/etc/docker/daemon.json", "{\"runtimes\": ", 0644);
	st = probe(MANAGER_DOCKER);
	CHECK(!st.wired);
	CHECK_EQ_STR(st.detail, "/etc/docker/daemon.json: not a JSON object");
	drop_root();
}

TEST(containerd_main_config_and_imports)
{
	static const char dropin[] =
		"version = 2\n"
		"[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
		"  pod_annotations = [\"io.bpfreaper.*\"]\n"
		"[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
		"  BinaryName = \"/opt/bpfreaper/bin/bpfreaper-runtime\"\n";
	struct manager_status st;

	new_root();
	put("/usr/local/bin/containerd", "", 0755);
	put("/etc/containerd/config.toml", "version = 2\n", 0644);
	put("/etc/containerd/conf.d/50-bpfreaper.toml", dropin, 0644);
	/* The drop-in is not imported: containerd does not read it. */
	st = probe(MANAGER_CONTAINERD);
	CHECK(st.present);
	CHECK_EQ_STR(st.found, "/usr/local/bin/containerd");
	CHECK(!st.wired);

	put("/etc/containerd/config.toml", "version = 2\nimports = [\"/etc/containerd/conf.d/*.toml\"]\n", 0644);
	st = probe(MANAGER_CONTAINERD);
	CHECK(st.wired);
	CHECK(!st.incomplete);
	CHECK_EQ_STR(st.wired_by, "/etc/containerd/conf.d/50-bpfreaper.toml");
	CHECK_EQ_STR(st.detail, "runtime runc (the CRI default), BinaryName /opt/bpfreaper/bin/bpfreaper-runtime");

	/* A relative import, relative to the importing file. */
	put("/etc/containerd/config.toml", "version = 2\nimports = ['conf.d/50-bpfreaper.toml']\n", 0644);
	CHECK(probe(MANAGER_CONTAINERD).wired);

	/* Without pod_annotations the hooks run, but pods cannot choose. */
	put("/etc/containerd/conf.d/50-bpfreaper.toml",
	    "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
	    "  BinaryName = \"/opt/bpfreaper/bin/bpfreaper-runtime\"\n",
	    0644);
	st = probe(MANAGER_CONTAINERD);
	CHECK(st.wired);
	CHECK(st.incomplete);
	CHECK(strstr(st.detail, "pod_annotations lack") != NULL);

	/* A later drop-in's BinaryName overrides: the wrapper is not run. */
	put("/etc/containerd/config.toml", "version = 2\nimports = [\"/etc/containerd/conf.d/*.toml\"]\n", 0644);
	put("/etc/containerd/conf.d/50-bpfreaper.toml", dropin, 0644);
	CHECK(probe(MANAGER_CONTAINERD).wired);
	put("/etc/containerd/conf.d/99-gpu.toml",
	    "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
	    "  BinaryName = \"/usr/bin/nvidia-container-runtime\"\n",
	    0644);
	CHECK(!probe(MANAGER_CONTAINERD).wired);
	rm_file("/etc/containerd/conf.d/99-gpu.toml");
	/* The wrapper for another runtime: pods ask for it. */
	put("/etc/containerd/conf.d/50-bpfreaper.toml",
	    "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.reaper]\n"
	    "  pod_annotations = [\"io.bpfreaper.mode\"]\n"
	    "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.reaper.options]\n"
	    "  BinaryName = \"/opt/bpfreaper/bin/bpfreaper-runtime\"\n",
	    0644);
	st = probe(MANAGER_CONTAINERD);
	CHECK(st.wired);
	CHECK(!st.incomplete);
	CHECK(strstr(st.detail, "runtime reaper (pods ask for it with a RuntimeClass)") != NULL);
	/* Both: the default runtime is the one that counts. */
	rename(strcat(strcpy((char[PATH_MAX]){ 0 }, root), "/etc/containerd/conf.d/50-bpfreaper.toml"),
	       strcat(strcpy((char[PATH_MAX]){ 0 }, root), "/etc/containerd/conf.d/40-reaper.toml"));
	put("/etc/containerd/conf.d/50-bpfreaper.toml", dropin, 0644);
	st = probe(MANAGER_CONTAINERD);
	CHECK(strstr(st.detail, "runtime runc (the CRI default)") != NULL);
	rm_file("/etc/containerd/conf.d/40-reaper.toml");

	/* No main config: containerd >= 2.2 imports conf.d by default. */
	put("/etc/containerd/conf.d/50-bpfreaper.toml", dropin, 0644);
	rm_file("/etc/containerd/config.toml");
	CHECK(probe(MANAGER_CONTAINERD).wired);

	/* An import loop ends. */
	put("/etc/containerd/config.toml", "imports = ['/etc/containerd/config.toml']\n", 0644);
	CHECK(!probe(MANAGER_CONTAINERD).wired);
	drop_root();
}

TEST(daemons_found_by_socket_or_process)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct manager_status st;
	int fd;

	new_root();
	put("/run/containerd/.keep", "", 0644);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/containerd/containerd.sock", root);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	CHECK_EQ_INT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	st = probe(MANAGER_CONTAINERD);
	CHECK(st.present);
	CHECK_EQ_STR(st.found, "/run/containerd/containerd.sock");
	/* A regular file is not a socket. */
	put("/run/docker.sock", "", 0644);
	CHECK(!probe(MANAGER_DOCKER).present);

	put("/proc/4242/comm", "crio\n", 0644);
	put("/proc/self/comm", "crio\n", 0644);
	put("/proc/77/comm", "crio-helper\n", 0644);
	st = probe(MANAGER_CRIO);
	CHECK(st.present);
	CHECK_EQ_STR(st.found, "process 4242");
	/* podman has no daemon: only its binary shows it. */
	put("/proc/4243/comm", "podman\n", 0644);
	CHECK(!probe(MANAGER_PODMAN).present);
	drop_root();
}

TEST(hooksd_files_and_masking)
{
	static const char pre[] = "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/opt/bpfreaper/bin/bpfreaper-prestart\"},"
				  " \"when\": {\"always\": true}, \"stages\": [\"prestart\"]}";
	static const char post[] = "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/opt/bpfreaper/bin/bpfreaper-poststop\"},"
				   " \"when\": {\"always\": true}, \"stages\": [\"poststop\"]}";
	struct manager_status st;

	new_root();
	put("/usr/bin/podman", "", 0755);
	put("/usr/share/containers/oci/hooks.d/bpfreaper-prestart.json", pre, 0644);
	put("/usr/share/containers/oci/hooks.d/bpfreaper-poststop.json", post, 0644);
	put("/usr/share/containers/oci/hooks.d/other-tool.json",
	    "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/usr/libexec/oci/hooks.d/oci-seccomp-bpf-hook\"},"
	    " \"when\": {\"always\": true}, \"stages\": [\"prestart\"]}",
	    0644);
	/* The hooks the files name are not there: every container would fail. */
	st = probe(MANAGER_PODMAN);
	CHECK(st.present);
	CHECK(!st.wired);
	CHECK(strstr(st.detail, "is not an executable file") != NULL);

	put("/opt/bpfreaper/bin/bpfreaper-prestart", "", 0755);
	put("/opt/bpfreaper/bin/bpfreaper-poststop", "", 0755);
	st = probe(MANAGER_PODMAN);
	CHECK(st.wired);
	CHECK(!st.incomplete);
	CHECK_EQ_STR(st.wired_by, "/usr/share/containers/oci/hooks.d/bpfreaper-prestart.json");
	CHECK_EQ_STR(st.detail, "poststop in /usr/share/containers/oci/hooks.d/bpfreaper-poststop.json");
	/* CRI-O reads /usr/share too; it is not installed here. */
	st = probe(MANAGER_CRIO);
	CHECK(!st.present);
	CHECK(st.wired);

	/* A file of the same name in /etc masks the one in /usr/share. */
	put("/etc/containers/oci/hooks.d/bpfreaper-poststop.json", "{}", 0644);
	st = probe(MANAGER_PODMAN);
	CHECK(st.wired);
	CHECK(st.incomplete);
	CHECK(strstr(st.detail, "no hooks.d file runs bpfreaper-poststop") != NULL);
	put("/etc/containers/oci/hooks.d/bpfreaper-prestart.json", "not json", 0644);
	CHECK(!probe(MANAGER_PODMAN).wired);
	/* createRuntime is the same moment as prestart. */
	put("/etc/containers/oci/hooks.d/zz-bpfreaper.json",
	    "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/opt/bpfreaper/bin/bpfreaper-prestart\"},"
	    " \"when\": {\"always\": true}, \"stages\": [\"createRuntime\"]}",
	    0644);
	st = probe(MANAGER_PODMAN);
	CHECK(st.wired);
	CHECK_EQ_STR(st.wired_by, "/etc/containers/oci/hooks.d/zz-bpfreaper.json");
	drop_root();
}

/* CRI-O reads /usr/share/containers/oci/hooks.d alone unless its
 * hooks_dir says otherwise; podman reads /etc too. */
TEST(crio_reads_its_hooks_dir)
{
	static const char pre[] = "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/opt/b/bpfreaper-prestart\"},"
				  " \"when\": {\"always\": true}, \"stages\": [\"prestart\"]}";
	static const char post[] = "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/opt/b/bpfreaper-poststop\"},"
				   " \"when\": {\"always\": true}, \"stages\": [\"poststop\"]}";
	struct manager_status st;

	new_root();
	put("/usr/bin/crio", "", 0755);
	put("/opt/b/bpfreaper-prestart", "", 0755);
	put("/opt/b/bpfreaper-poststop", "", 0755);
	put("/etc/containers/oci/hooks.d/bpfreaper-prestart.json", pre, 0644);
	put("/etc/containers/oci/hooks.d/bpfreaper-poststop.json", post, 0644);
	CHECK(probe(MANAGER_PODMAN).wired);
	st = probe(MANAGER_CRIO);
	CHECK(st.present);
	CHECK(!st.wired);

	put("/etc/crio/crio.conf", "[crio.runtime]\nhooks_dir = [\"/nowhere\"]\n", 0644);
	put("/etc/crio/crio.conf.d/10-hooks.conf",
	    "[crio.runtime]\nhooks_dir = [\n  \"/usr/share/containers/oci/hooks.d\",\n  \"/etc/containers/oci/hooks.d\",\n]\n", 0644);
	st = probe(MANAGER_CRIO);
	CHECK(st.wired);
	CHECK_EQ_STR(st.wired_by, "/etc/containers/oci/hooks.d/bpfreaper-prestart.json");
	/* The later directory is the preferred one: it masks the earlier. */
	put("/usr/share/containers/oci/hooks.d/bpfreaper-poststop.json", "{}", 0644);
	CHECK(!probe(MANAGER_CRIO).incomplete);
	put("/etc/crio/crio.conf.d/20-hooks.conf",
	    "[crio.runtime]\nhooks_dir = [\"/etc/containers/oci/hooks.d\", \"/usr/share/containers/oci/hooks.d\"]\n", 0644);
	CHECK(probe(MANAGER_CRIO).incomplete);
	drop_root();
}

TEST(root_too_long_is_refused)
{
	char longroot[PATH_MAX + 8];
	struct manager_status st;

	memset(longroot, 'a', sizeof(longroot) - 1);
	longroot[0] = '/';
	longroot[sizeof(longroot) - 1] = '\0';
	CHECK_EQ_INT(manager_probe(longroot, NULL, MANAGER_DOCKER, &st), -ENAMETOOLONG);
	CHECK_EQ_INT(manager_probe("/", NULL, _MANAGER_MAX, &st), -EINVAL);
}

/* Dotted keys and an inline table, as containerd reads them: the probe asks
 * the node's own containerd (config dump, chrooted into the node's root),
 * not the scan, which reads only [table] headers and key = value. */
TEST(containerd_dump_reads_dotted_keys_and_inline_tables)
{
	static const char cfg[] =
		"version = 2\n"
		"[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
		"  runtimes.runc.runtime_type = \"io.containerd.runc.v2\"\n"
		"  runtimes.runc.pod_annotations = [\"io.bpfreaper.*\"]\n"
		"  runtimes.runc.options = { BinaryName = \"/opt/bpfreaper/bin/bpfreaper-runtime\", SystemdCgroup = true }\n";
	char cmd[PATH_MAX + 512];
	struct manager_status st;

	if (access("/usr/bin/containerd", X_OK) != 0) {
		(void)CHECK_SKIP("no containerd here");
		return;
	}
	if (geteuid() != 0) {
		(void)CHECK_SKIP("needs root to chroot into the node's root");
		return;
	}
	new_root();
	/* The node's containerd and the libraries it loads, in the node. */
	snprintf(cmd, sizeof(cmd),
		 "set -e; r='%s'; mkdir -p \"$r/usr/bin\"; ln /usr/bin/containerd \"$r/usr/bin/\" 2>/dev/null ||"
		 " cp /usr/bin/containerd \"$r/usr/bin/\"; for l in $(ldd /usr/bin/containerd | grep -o '/[^ ]*');"
		 " do mkdir -p \"$r${l%%/*}\"; cp -L \"$l\" \"$r$l\"; done",
		 root);
	CHECK_EQ_INT(system(cmd), 0);
	put("/etc/containerd/config.toml", cfg, 0644);
	st = probe(MANAGER_CONTAINERD);
	CHECK(st.present);
	CHECK(st.wired);
	CHECK(!st.incomplete);
	CHECK_EQ_STR(st.wired_by, "/etc/containerd/config.toml");
	CHECK_EQ_STR(st.detail, "runtime runc (the CRI default), BinaryName /opt/bpfreaper/bin/bpfreaper-runtime");

	/* A config containerd refuses: it would not start, whatever it names. */
	put("/etc/containerd/config.toml", "version = 2\n[plugins\n", 0644);
	st = probe(MANAGER_CONTAINERD);
	CHECK(!st.wired);
	CHECK(strstr(st.detail, "containerd would not start with it") != NULL);

	/* Without containerd the scan stands in, and misses both forms. */
	put("/etc/containerd/config.toml", cfg, 0644);
	rm_file("/usr/bin/containerd");
	st = probe(MANAGER_CONTAINERD);
	CHECK(!st.wired);
	drop_root();
}
