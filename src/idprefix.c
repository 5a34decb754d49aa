// SPDX-License-Identifier: LGPL-2.1-or-later
/* Id prefix resolution; see idprefix.h. No I/O. */
#include "idprefix.h"
#include "util.h"

size_t idprefix_candidates(const char *const *ids, size_t n, const char *want, const char **ret, size_t max)
{
	size_t matches = 0;

	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		if (strncmp(ids[i], want, strlen(want)) != 0)
			continue;
		/* The same id twice (a current and an earlier run) is one. */
		for (size_t j = 0; j < i && !seen; j++)
			seen = streq(ids[j], ids[i]);
		if (seen)
			continue;
		if (matches < max)
			ret[matches] = ids[i];
		matches++;
	}
	return matches;
}

int idprefix_resolve(const char *const *ids, size_t n, const char *want, const char **ret_id, size_t *ret_n)
{
	const char *found = NULL;
	size_t matches;

	if (!*want)
		return -EINVAL; /* "" would match every id */
	for (size_t i = 0; i < n; i++) {
		if (streq(ids[i], want)) {
			*ret_id = ids[i];
			*ret_n = 1;
			return 0;
		}
	}
	matches = idprefix_candidates(ids, n, want, &found, 1);
	*ret_n = matches;
	if (matches == 0)
		return -ENOENT;
	if (matches > 1)
		return -ENOTUNIQ;
	*ret_id = found;
	return 0;
}
