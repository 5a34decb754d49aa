/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which container managers a host has (docker, containerd, CRI-O, podman)
 * and whether each is wired to run bpfreaper: read-only probes of files
 * beneath a root directory ("/" for the host, a fake tree in tests). Never
 * starts, signals or edits anything; runs only `containerd config dump`,
 * which reads.
 */
#ifndef BPFREAPER_RUNTIMES_H
#define BPFREAPER_RUNTIMES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "managers.h"


enum manager {
	MANAGER_DOCKER,
	MANAGER_CONTAINERD,
	MANAGER_CRIO,
	MANAGER_PODMAN,
	_MANAGER_MAX,
};

struct manager_status {
	/* Found: a binary on the search path, a socket, or a process. */
	bool present;
	char found[PATH_MAX + 64];
	/* The file that wires bpfreaper in (path below the root), and what
	 * it says: "runtime bpfreaper, the default", "runtime runc". */
	bool wired;
	char wired_by[PATH_MAX];
	char detail[512];
	/* Wired, but something is missing: detail says what. */
	bool incomplete;
};

const char *manager_name(enum manager m);
/* Probes manager m beneath root (no trailing slash needed; "/" is the
 * host) with path_list as $PATH. Files that cannot be parsed count as not
 * wiring bpfreaper in, with detail saying why; only a too long root is an
 * error (-ENAMETOOLONG). */
int manager_probe(const char *root, const char *path_list, enum manager m, struct manager_status *ret);

/* containerd's TOML, as far as the probe reads it: imports, the CRI
 * default runtime, and per CRI runtime (runtimes.NAME) its BinaryName and
 * whether its pod_annotations pass io.bpfreaper.* on. */
#define CONTAINERD_IMPORTS_MAX 16
#define CONTAINERD_RUNTIMES_MAX 16
struct containerd_runtime {
	char name[128];
	char binary[PATH_MAX];  /* BinaryName, "" if no file set it */
	char from[PATH_MAX];    /* the file that set it (the probe fills it) */
	bool annotations_set;   /* a pod_annotations key was seen */
	bool annotated;         /* the last one passes io.bpfreaper.* */
};
struct containerd_toml {
	size_t n_imports;
	char imports[CONTAINERD_IMPORTS_MAX][PATH_MAX];
	size_t n_runtimes;
	struct containerd_runtime runtimes[CONTAINERD_RUNTIMES_MAX];
	char default_runtime[128]; /* default_runtime_name, "" if unset */
};
/* The runtime called name, NULL if none was seen. */
const struct containerd_runtime *containerd_runtime_find(const struct containerd_toml *t, const char *name);
/* Adds what text says to acc: a later key overrides an earlier one, as
 * containerd merges its files (call once per file, main config first). */
void containerd_toml_scan(const char *text, struct containerd_toml *acc);

#endif
