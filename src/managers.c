// SPDX-License-Identifier: LGPL-2.1-or-later
/* The container managers' binaries and containerd's own view of its
 * config; see managers.h. Nothing here prints or edits a file. */
#include "managers.h"
#include "fileio.h"
#include "input-limits.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int path_below(const char *root, const char *path, char *buf, size_t size)
{
	size_t rl = strlen(root);

	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	return path_printf(buf, size, "%.*s%s%s", (int)rl, root, path[0] == '/' ? "" : "/", path);
}

bool path_is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

bool manager_find_binary(const char *root, const char *path_list, const char *name, char *ret)
{
	const char *p = path_list;

	while (*p) {
		size_t n = strcspn(p, ":");
		char rel[PATH_MAX], full[PATH_MAX];

		if (n > 0 && p[0] == '/' &&
		    snprintf(rel, sizeof(rel), "%.*s/%s", (int)n, p, name) < (int)sizeof(rel) &&
		    path_below(root, rel, full, sizeof(full)) == 0 && path_is_executable(full)) {
			(void)copy_str(ret, PATH_MAX, rel);
			return true;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return false;
}

int containerd_config_dump(const char *root, const char *binary, const char *config, char **ret_text,
			   struct br_error *err)
{
	const char *bin = binary ? binary : "containerd";
	bool chrooted = root && !streq(root, "/");
	/* No file: containerd's built-in defaults, what it runs without one. */
	char *const argv[] = { (char *)bin, "--config", (char *)(config ? config : "/dev/null"), "config", "dump", NULL };
	_cleanup_close_ int rd = -EBADF;
	_cleanup_free_ char *text = NULL;
	int pipefd[2], status, r = 0;
	size_t len;
	pid_t child;

	if (chrooted && bin[0] != '/')
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "%s: not an absolute path", bin);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return br_error_errno(err, -errno, BR_STEP_CONFIGURE, "pipe");
	rd = pipefd[0];
	if (!chrooted) {
		posix_spawn_file_actions_t fa;

		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
		r = posix_spawnp(&child, bin, &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	} else {
		/* Another root (a node's, mounted in a pod): its own containerd,
		 * which resolves absolute imports inside that root. */
		/* Opened here: the root may have no /dev. */
		_cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		child = null < 0 ? -1 : fork();
		if (child == 0) {
			if (dup2(pipefd[1], STDOUT_FILENO) < 0 || dup2(null, STDIN_FILENO) < 0 ||
			    dup2(null, STDERR_FILENO) < 0 || chroot(root) < 0 || chdir("/") < 0)
				_exit(127);
			execve(bin, argv, environ);
			_exit(127);
		}
		if (child < 0)
			r = errno;
	}
	close(pipefd[1]);
	if (r != 0)
		return br_error_errno(err, -r, BR_STEP_CONFIGURE, bin);
	r = read_fd_limited(rd, CONTAINERD_DUMP_MAX_BYTES, &text, &len);
	if (waitpid(child, &status, 0) < 0)
		return br_error_errno(err, -errno, BR_STEP_CONFIGURE, bin);
	if (r < 0)
		return br_error_errno(err, r, BR_STEP_CONFIGURE, "containerd config dump");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return br_error_set(err, -ENOEXEC, BR_STEP_CONFIGURE, "%s could not be run", bin);
	/* containerd refuses a file it cannot parse: so does configure. */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE,
				    "`%s --config %s config dump` failed: containerd cannot read its config", bin,
				    config ? config : "/dev/null");
	if (strlen(text) != len)
		return br_error_set(err, -EINVAL, BR_STEP_CONFIGURE, "containerd config dump: a NUL byte");
	*ret_text = TAKE_PTR(text);
	return 0;
}

int containerd_dump_version(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *eol = strchrnul(p, '\n'), *k = p + strspn(p, " \t");

		/* Top-level keys come before the first table. */
		if (*k == '[')
			break;
		if (strncmp(k, "version", strlen("version")) == 0) {
			const char *eq = k + strlen("version");

			eq += strspn(eq, " \t");
			if (*eq == '=') {
				long v = strtol(eq + 1, NULL, 10);

				return v == 2 || v == 3 ? (int)v : -EINVAL;
			}
		}
		p = *eol ? eol + 1 : eol;
	}
	return -EINVAL;
}
