/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bpfreaper-runtime's decisions: which runtime command it was given and
 * where that command's bundle is (read the way runc and crun read their
 * command lines), the hook pair written into the bundle's config.json, and
 * which binary is the real runtime. It never changes the argument vector.
 */
#ifndef BPFREAPER_RUNTIME_WRAP_H
#define BPFREAPER_RUNTIME_WRAP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Where `make install` puts the hooks (the Makefile passes its HOOKDIR). */
#ifndef BPFREAPER_HOOKDIR
#define BPFREAPER_HOOKDIR "/usr/libexec/oci/hooks.d"
#endif
#define RUNTIME_DEFAULT "runc"

struct runtime_call {
	int command;        /* argv index of the command; 0: none (--help, --version) */
	bool adds_hooks;    /* create or run: the bundle gets the hooks */
	const char *bundle; /* --bundle/-b; NULL: the working directory */
	const char *config; /* crun's --config/-f, relative to the bundle; NULL: config.json */
	const char *id;     /* create or run: the container id (first operand); NULL: none */
};

/* Never fails: an argument vector it does not understand is a call that
 * adds no hooks (the runtime judges it). */
void runtime_call_parse(int argc, char *const argv[], struct runtime_call *ret);

struct runtime_hooks {
	const char *prestart;    /* absolute path of bpfreaper-prestart */
	const char *poststop;    /* absolute path of bpfreaper-poststop */
	const char *config_path; /* passed to both as --config=; NULL: their default */
};

/* config.json text with the hook pair added: createRuntime for specs of
 * 1.0.2 and later, else prestart; poststop. A stage that already runs a
 * bpfreaper hook (the same path or the same file name) gets none.
 * *ret_text is NULL when both were there. Refuses (-EINVAL, err's detail
 * saying why, step BR_STEP_BUNDLE) a config it cannot rewrite exactly: not
 * JSON, hooks of the wrong type, an integer json-c cannot hold. */
int bundle_config_add_hooks(const char *text, size_t len, const struct runtime_hooks *hooks, char **ret_text,
			    struct br_error *err);

/* The same on dirfd/name, replaced atomically (same directory, rename)
 * with its owner and mode kept. *ret_edited false: it had the hooks. err's
 * detail names the step on the file: "cannot open", "not a regular file". */
int bundle_add_hooks(int dirfd, const char *name, const struct runtime_hooks *hooks, bool *ret_edited,
		     struct br_error *err);

/* Whether every integer in the JSON text lies in [INT64_MIN, UINT64_MAX],
 * the range json-c holds exactly (it saturates beyond, silently). */
bool json_integers_exact(const char *text, size_t len);

/* The executable for a runtime name (PATH lookup) or absolute path, never
 * the file self_exe names (a wrapper installed as `runc` earlier in PATH
 * must not find itself). -ELOOP: it named only this wrapper. */
int runtime_resolve(const char *runtime, const char *path_env, const char *self_exe, char **ret_path);

#endif
