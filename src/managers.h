/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the probes (oci-runtimes.c) and configure (runtime-configure*.c)
 * both need of the container managers, below either: the names of
 * bpfreaper's binaries the managers are told to run, finding a manager's
 * binary below a root, and asking containerd for its effective config.
 * Runs only `containerd config dump`; edits nothing, prints nothing.
 */
#ifndef BPFREAPER_MANAGERS_H
#define BPFREAPER_MANAGERS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* What the managers are told to run: the OCI runtime wrapper (docker,
 * containerd) and the hooks (hooks.d readers), by file name, so any
 * install directory counts. */
#define WRAPPER_NAME "bpfreaper-runtime"
#define PRESTART_NAME "bpfreaper-prestart"
#define POSTSTOP_NAME "bpfreaper-poststop"

/* The search path used when none is given: the usual binary dirs. */
#define MANAGER_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* root + path into buf, with a length check ("/" as root adds nothing). */
int path_below(const char *root, const char *path, char *buf, size_t size);
/* A regular file someone may execute. */
bool path_is_executable(const char *path);
/* The first directory of path_list holding an executable name, as a path
 * below root in ret (size PATH_MAX). */
bool manager_find_binary(const char *root, const char *path_list, const char *name, char *ret);

/* Runs `containerd --config config config dump` (config NULL: none, i.e.
 * containerd's defaults). binary NULL: "containerd" from $PATH. root other
 * than NULL or "/": binary and config are paths inside root, run chrooted
 * there. -ENOEXEC: binary could not be run; -EINVAL: containerd refuses
 * the config. */
int containerd_config_dump(const char *root, const char *binary, const char *config, char **ret_text,
			   struct br_error *err);
/* The top-level "version" of a dump (2: containerd 1.6 or 1.7; 3: 2.x,
 * whatever version its files have) or of a config file; -EINVAL for
 * anything else. */
int containerd_dump_version(const char *text);

#endif
