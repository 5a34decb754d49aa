/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An enum's names, one table indexed by value, read both ways: value to
 * name for reports and logs, name to value for config files and options.
 * Every enum that has words (modes, backends, object kinds, gc actions,
 * container managers, error steps) keeps them in one such table, so a
 * new value is named in one place.
 */
#ifndef BPFREAPER_ENUMTAB_H
#define BPFREAPER_ENUMTAB_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* names[v], or fallback for a value the table does not name. */
static inline const char *enum_name(const char *const *names, size_t n, unsigned v, const char *fallback)
{
	return v < n && names[v] ? names[v] : fallback;
}

/* The value whose name is s, or -EINVAL. */
static inline int enum_parse(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

#define ENUM_NAME(table, v, fallback) enum_name((table), sizeof(table) / sizeof((table)[0]), (unsigned)(v), (fallback))
#define ENUM_PARSE(table, s) enum_parse((table), sizeof(table) / sizeof((table)[0]), (s))

#endif
