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

#endif
