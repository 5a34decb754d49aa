/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container ids given by a unique prefix, as podman and docker take them.
 * Pure: the caller lists the candidates (states, reports). */
#ifndef BPFREAPER_IDPREFIX_H
#define BPFREAPER_IDPREFIX_H

#include <stddef.h>

/* The id among ids[0..n) that want names: an exact match always wins,
 * else the only id that starts with want. -EINVAL: want is empty.
 * -ENOENT: none. -ENOTUNIQ: more than one; *ret_n says how many distinct
 * ids matched (the same id twice counts once). */
int idprefix_resolve(const char *const *ids, size_t n, const char *want, const char **ret_id, size_t *ret_n);
/* The distinct ids that start with want, in their order: the first max of
 * them in ret; returns how many there are in all. */
size_t idprefix_candidates(const char *const *ids, size_t n, const char *want, const char **ret, size_t max);

#endif
