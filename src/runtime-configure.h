/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bpfreaperctl configure/unconfigure: bpfreaper-runtime wired into Docker's
 * daemon.json or containerd's CRI plugin, merged key by key (every other key
 * kept), and bpfreaper's hooks into CRI-O's and podman's hooks.d; and taken
 * out again. What was there before is recorded in a state file first, so
 * that unconfigure (and a package's removal) puts it back. Never prints;
 * only docker_reload() and containerd_restart() signal or run anything,
 * besides containerd_config_dump() (managers.h).
 */
#ifndef BPFREAPER_RUNTIME_CONFIGURE_H
#define BPFREAPER_RUNTIME_CONFIGURE_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "error.h"
#include "input-limits.h"
#include "managers.h"

/* The runtime name Docker knows the wrapper by. */
#define CONFIGURE_RUNTIME_NAME "bpfreaper"
#define DOCKER_CONFIG_DEFAULT "/etc/docker/daemon.json"
#define DOCKER_PID_FILE_DEFAULT "/run/docker.pid"
/* Where configure records what it changed (BPFREAPER_STATE_DIR overrides):
 * it survives reboots, and the package's prerm reads it. */
#define CONFIGURE_STATE_DIR_DEFAULT "/var/lib/bpfreaper"
/* Beside each file configure edits: the file as it was before the first
 * configure. */
#define CONFIGURE_BACKUP_SUFFIX ".bpfreaper-backup"

/* ---- the merge, on texts (no files) ---- */

struct docker_wiring {
	const char *wrapper; /* absolute path of bpfreaper-runtime */
	bool set_as_default; /* also make it "default-runtime" */
};

/* daemon.json text (len 0: no file yet) with runtimes.bpfreaper running
 * the wrapper and, with set_as_default, "default-runtime": "bpfreaper".
 * The runtime Docker used by default before (default-runtime, else runc)
 * is what the wrapper must exec: its path is "chain" in *ret_undo (null
 * for runc) and its runtimeArgs are copied, since Docker passes them to
 * the wrapper, which passes them on. prior_undo: an earlier configure's
 * undo (NULL: none); what was there before the first one is kept.
 * *ret_text NULL: nothing to change. *ret_undo is set on success. -EINVAL
 * (err says why): not a JSON object, a key of the wrong type, a default
 * runtime daemon.json does not define (it cannot be chained). */
int docker_configure_text(const char *text, size_t len, const struct docker_wiring *w, json_object *prior_undo,
			  char **ret_text, json_object **ret_undo, struct br_error *err);
/* The reverse: runtimes.bpfreaper removed (or put back as it was),
 * "runtimes" removed if configure added it and it is empty, and a
 * default-runtime of "bpfreaper" put back (or removed: runc). undo NULL
 * (no record): only the entry and a default naming it go. */
int docker_unconfigure_text(const char *text, size_t len, json_object *undo, char **ret_text,
			    struct br_error *err);

/* bpfreaper.json text with "runtime": chain, the runtime the wrapper execs.
 * chain NULL: nothing to do. -EEXIST: "runtime" names another runtime
 * already (one wrapper config cannot chain two). On failure the ret_*
 * are untouched, here and in docker_configure_text(). */
int chain_configure_text(const char *text, size_t len, const char *chain, json_object *prior_undo,
			 char **ret_text, json_object **ret_undo, struct br_error *err);
/* "runtime" as it was, if it still is the chain configure set. */
int chain_unconfigure_text(const char *text, size_t len, json_object *undo, char **ret_text, struct br_error *err);

/* ---- the files ---- */

struct configure_request {
	const char *config_path;      /* daemon.json (NULL: the default) */
	/* containerd: the node's / as seen here (NULL or "/": this host);
	 * config_path is then a node path, and the node's own containerd,
	 * chrooted there, is asked for the dump. */
	const char *root;
	const char *bpfreaper_config; /* the wrapper's config, where the chain goes */
	const char *state_dir;        /* where the record goes (NULL: the default) */
	const char *wrapper;          /* absolute path of bpfreaper-runtime */
	bool set_as_default;
	bool dry_run; /* compute and return, write nothing */
};

enum configure_action {
	CONFIGURE_UNCHANGED,
	CONFIGURE_WRITTEN,  /* replaced (or created) with text */
	CONFIGURE_RESTORED, /* unconfigure: put back byte for byte from the backup */
	CONFIGURE_REMOVED,  /* unconfigure: configure had created it */
	CONFIGURE_KEPT,     /* unconfigure: changed since configure wrote it */
};

struct configure_file {
	char path[PATH_MAX];
	enum configure_action action;
	char *text; /* the new content (WRITTEN, RESTORED) */
};

#define CONFIGURE_FILES_MAX 3
struct configure_result {
	/* docker: daemon.json, bpfreaper.json; containerd: config.toml, the
	 * drop-in, bpfreaper.json; crio, podman: the two hook files and
	 * (crio) the crio.conf.d drop-in. Unused entries have an empty path. */
	struct configure_file files[CONFIGURE_FILES_MAX];
	size_t n_files;
	char chain[PATH_MAX];           /* the runtime the wrapper execs; "" runc */
	char record[PATH_MAX];          /* the state file */
	bool changed;                   /* some file changed (or would, dry run) */
};

/* Merge, record (state file first, so a crash half-way is still undone
 * later), back up each file the first time, write atomically with owner
 * and mode kept. A second run changes nothing. -EEXIST: configured already
 * for another daemon.json. */
int docker_configure(const struct configure_request *req, struct configure_result *ret, struct br_error *err);
/* Undo what the record says: a file still holding exactly what configure
 * wrote gets its backup back byte for byte (or is removed if configure
 * created it); one edited since gets the key-by-key undo. Without a
 * record: the key-by-key undo of req's files. Then the record goes. */
int docker_unconfigure(const struct configure_request *req, struct configure_result *ret, struct br_error *err);
void configure_result_done(struct configure_result *r);

enum restart_mode {
	RESTART_SIGNAL,  /* SIGHUP to the PID in the pid file: Docker reloads */
	RESTART_SYSTEMD, /* systemctl reload docker.service */
	RESTART_NONE,
};
/* Have dockerd read its daemon.json again. -ESRCH: no dockerd at the PID
 * in pid_file (or no pid file: -ENOENT). */
int docker_reload(enum restart_mode mode, const char *pid_file, struct br_error *err);

/* ---- CRI-O and podman: hooks.d files (runtime-configure-hooksd.c) ---- */

/* Where podman takes hook files from an administrator; /usr/share/... is
 * the packages', and CRI-O's only default one. */
#define HOOKSD_DIR_DEFAULT "/etc/containers/oci/hooks.d"
#define HOOKSD_DIR_SHARE "/usr/share/containers/oci/hooks.d"
#define CRIO_CONFIG "/etc/crio/crio.conf"
#define CRIO_DROPIN_DIR "/etc/crio/crio.conf.d"
/* Last in CRI-O's lexical order: a later file setting hooks_dir would
 * replace the list this one carries. */
#define CRIO_DROPIN_NAME "99-bpfreaper.conf"
/* Paths in a hooks_dir list; more is not a CRI-O config. */
#define CRIO_HOOKS_DIRS_MAX 64
/* --hook-env entries. */
#define HOOKSD_ENV_MAX 16

enum hooksd_manager {
	HOOKSD_PODMAN,
	HOOKSD_CRIO,
};

struct hooksd_request {
	enum hooksd_manager manager;
	const char *root;      /* the node's / as seen here (NULL or "/": this host) */
	const char *hooks_dir; /* node path of the hooks.d dir (NULL: the default) */
	const char *hook_bin;  /* node path of bpfreaper-prestart/-poststop's dir */
	const char *const *hook_env; /* NAME=VALUE: the hooks' whole environment */
	size_t n_hook_env;
	bool opt_in; /* oci-config/hooks.d-opt-in: annotated containers only */
	const char *state_dir; /* where the record goes, as seen here */
	bool dry_run;
};

/* The hooks.d JSON for one stage ("prestart", "poststop") running
 * hook_bin/bpfreaper-<stage>, the same as oci-config/hooks.d's; env (n_env
 * NAME=VALUE strings, 0: none) as the hook's "env"; opt_in: those of
 * oci-config/hooks.d-opt-in instead. -EINVAL: hook_bin is not an absolute
 * path. */
int hooksd_hook_text(const char *hook_bin, const char *stage, const char *const *env, size_t n_env, bool opt_in,
		     char **ret_text);
/* CRI-O's hooks_dir in one config file's TOML text: *ret_dirs a JSON array
 * of strings, or NULL when the file does not set it. Takes the
 * [crio.runtime] table and dotted keys; -EINVAL: a hooks_dir that is not an
 * array of strings. */
int crio_hooks_dirs_of(const char *text, size_t len, json_object **ret_dirs, struct br_error *err);
/* The drop-in that makes CRI-O read hooks_dir too: dirs (the list it reads
 * now) with hooks_dir added, since a drop-in's hooks_dir replaces the list.
 * *ret_text NULL: dirs has it already. */
int crio_dropin_text(json_object *dirs, const char *hooks_dir, char **ret_text, struct br_error *err);

/* Write the hook files (and CRI-O's drop-in where needed), recording each
 * file written, record first. A file there already with other content that
 * configure did not write: -EEXIST. A second run changes nothing. */
int hooksd_configure(const struct hooksd_request *req, struct configure_result *ret, struct br_error *err);
/* Remove what the record lists, each file only if it still holds what
 * configure wrote (else CONFIGURE_KEPT), and the directories it made that
 * are empty then; then the record. The files are
 * under req->root, else the root configure had. No record: nothing. */
int hooksd_unconfigure(const struct hooksd_request *req, struct configure_result *ret, struct br_error *err);

/* ---- shared by the runtimes' files (runtime-configure-*.c) ---- */

struct file_now {
	bool exists;
	struct stat st;
	char *text;
	size_t len;
};
void file_now_done(struct file_now *f);
/* A regular file's content; absent (or its directory absent) is exists false. */
int file_read(const char *path, struct file_now *ret, struct br_error *err);
/* Atomic replace; owner and mode of st (NULL: root's 0644). */
int file_write(const char *path, const char *text, const struct stat *st, struct br_error *err);
int file_remove(const char *path, struct br_error *err);
/* `systemctl verb unit`; -EIO if it fails. */
int configure_systemctl(const char *verb, const char *unit, struct br_error *err);

/* ---- containerd (runtime-configure-containerd.c) ---- */

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
