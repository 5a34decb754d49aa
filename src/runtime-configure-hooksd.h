/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * configure/unconfigure for CRI-O and podman: the hooks.d files, and CRI-O's
 * crio.conf.d drop-in where its hooks_dir needs one.
 */
#ifndef BPFREAPER_RUNTIME_CONFIGURE_HOOKSD_H
#define BPFREAPER_RUNTIME_CONFIGURE_HOOKSD_H

#include "runtime-configure.h"

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

#endif
