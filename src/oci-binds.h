/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a container's paths are on the host. A container names pins and
 * directories in its own mount namespace, which is gone by poststop; the
 * bind mounts of its bundle's config.json say which host directory a
 * container path lands in (e.g. /sys/fs/bpf -> /sys/fs/bpf).
 */
#ifndef BPFREAPER_BINDS_H
#define BPFREAPER_BINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#define BINDS_MAX 256

struct bind {
	char *destination; /* container path, normalised, no trailing '/' */
	char *source;      /* host path, as the bundle wrote it */
	/* source with its symlinks resolved at prestart, before the container
	 * ran and could plant one in it; NULL if unresolved (or an older state) */
	char *real;
	bool readonly; /* "ro" among its options: the container cannot write there */
};

struct binds {
	struct bind *v;
	size_t n;
	bool host_mount_ns; /* no mount namespace: container paths are host paths */
};

void binds_done(struct binds *b);
/* From the text of a config.json. */
int binds_from_config(const char *json, size_t len, struct binds *ret);
/* From <bundle>/config.json. */
int binds_from_bundle(const char *bundle, struct binds *ret);
/* From and to the array kept in the state file. */
int binds_to_json(const struct binds *b, json_object **ret);
int binds_from_json(json_object *o, bool host_mount_ns, struct binds *ret);
/* Resolves each bind's source (realpath) into bind.real; a source that does
 * not resolve keeps real NULL. Called at prestart, before user code runs. */
int binds_resolve(struct binds *b);
/* Host path of an absolute container path: the longest bind whose
 * destination is a whole-component prefix (its real source if known).
 * -ENOENT if none covers it. */
int binds_translate(const struct binds *b, const char *container_path, char *buf, size_t size);
/* Collapses "//", "/./" and a trailing "/"; refuses "..". */
int path_normalize(const char *in, char *buf, size_t size);

#endif
