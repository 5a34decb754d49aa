/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container ids given by a unique prefix, as podman and docker take them.
 * Pure: the caller lists the candidates (states, reports). */
#ifndef BPFREAPER_IDPREFIX_H
#define BPFREAPER_IDPREFIX_H

#include <stddef.h>

/* The id among ids[0..n) that want names: an exact match always wins,
 * else the only id that starts with want. -ENOENT: none. -ENOTUNIQ: more
 * than one; *ret_n says how many distinct ids matched (duplicates in ids
 * count once), so the caller can list them with idprefix_matches(). */
int idprefix_resolve(const char *const *ids, size_t n, const char *want, const char **ret_id, size_t *ret_n);
/* Whether id starts with want (the test idprefix_resolve applies). */
int idprefix_matches(const char *id, const char *want);

#endif
