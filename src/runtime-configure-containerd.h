/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * configure/unconfigure for containerd: a drop-in read through `containerd
 * config dump`, and the imports line where it is missing.
 */
#ifndef BPFREAPER_RUNTIME_CONFIGURE_CONTAINERD_H
#define BPFREAPER_RUNTIME_CONFIGURE_CONTAINERD_H

#include "runtime-configure.h"

#define CONTAINERD_CONFIG_DEFAULT "/etc/containerd/config.toml"
/* Beside config.toml, in the directory containerd 2.x packages import. */
#define CONTAINERD_DROPIN_DIR "conf.d"
#define CONTAINERD_DROPIN_NAME "bpfreaper.toml"
/* The drop-in's first line: unconfigure without a record removes only a
 * file that starts with it. */
#define CONTAINERD_DROPIN_MARK "# bpfreaperctl configure --runtime=containerd"

/* On texts (no files, no processes). dump: `containerd config dump`. */
/* containerd_dump_version(): managers.h. */
/* The runc runtime's BinaryName in the dump into ret ("" none); -ENOENT:
 * the CRI plugin (or its runc runtime) is not in the dump. */
int containerd_dump_binary(const char *dump, char *ret, size_t size);
/* The CRI plugin's default_runtime_name into ret ("runc" if unset). */
int containerd_dump_default_runtime(const char *dump, char *ret, size_t size);
/* The drop-in that sets the runc runtime's BinaryName to wrapper and adds
 * "io.bpfreaper.*" to its pod_annotations. For 1.6 and 1.7 (a version 2
 * dump), the CRI plugin's whole effective section with those changes; for
 * 2.x (version 3), those two keys only, in file_version (2 or 3: that of
 * the config.toml importing it). */
int containerd_dropin_text(const char *dump, int file_version, const char *wrapper, char **ret_text,
			   struct br_error *err);
/* Does the main config's top-level "imports" (patterns, relative to the
 * main config's directory) name the drop-in? */
bool containerd_imports_cover(const char *main_text, const char *main_path, const char *dropin);
/* main_text with dropin added last to "imports" (a new line before the
 * first table if there is none). version: for a file that has none. */
int containerd_import_add(const char *main_text, const char *dropin, int version, char **ret_text);
/* main_text without that entry (the whole line if it was the only one);
 * *ret_text NULL: not there. */
int containerd_import_remove(const char *main_text, const char *dropin, char **ret_text);

/* config_path: config.toml (NULL: the default); the drop-in goes in its
 * directory's conf.d. After writing, config dump must show the wrapper, or
 * everything is put back (-EIO). With a root: -ENOEXEC if the root has no
 * containerd binary to ask. unconfigure takes the root from the record
 * unless req->root is set. */
int containerd_configure(const struct configure_request *req, struct configure_result *ret, struct br_error *err);
int containerd_unconfigure(const struct configure_request *req, struct configure_result *ret, struct br_error *err);
/* containerd applies runtime changes only when it starts again. */
int containerd_restart(enum restart_mode mode, struct br_error *err);

#endif
