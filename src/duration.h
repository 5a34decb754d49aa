/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Durations as people write them ("45s", "30m", "12h", "7d", "2w", or bare
 * seconds) and ages as `list` shows them. Pure. */
#ifndef BPFREAPER_DURATION_H
#define BPFREAPER_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Bounded so that now - duration never overflows. */
#define DURATION_MAX_S (100LL * 365 * 24 * 3600)

/* -EINVAL for anything else, negative or beyond DURATION_MAX_S. */
int duration_parse(const char *s, int64_t *ret_s);
/* The largest whole unit, podman-like: "45s", "3m", "2h", "5d"; a negative
 * age (a clock set back) is "0s". */
void duration_format(int64_t s, char *buf, size_t size);

#endif
