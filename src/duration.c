// SPDX-License-Identifier: LGPL-2.1-or-later
/* Duration parsing and formatting; see duration.h. No I/O. */
#include "duration.h"
#include "util.h"

#include <inttypes.h>

static const struct {
	char unit;
	int64_t s;
} units[] = { { 'w', 7 * 86400 }, { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };

int duration_parse(const char *s, int64_t *ret_s)
{
	int64_t mult = 1;
	char *end = NULL;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL; /* no sign, no space, no empty string */
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(units) && units[i].unit != *end; i++)
			;
		if (i == ARRAY_SIZE(units) || end[1])
			return -EINVAL;
		mult = units[i].s;
	}
	if (v > DURATION_MAX_S / mult)
		return -EINVAL;
	*ret_s = v * mult;
	return 0;
}

void duration_format(int64_t s, char *buf, size_t size)
{
	size_t i;

	if (s < 0)
		s = 0;
	/* Weeks are left to days: "20d" reads faster than "2w". */
	for (i = 1; i < ARRAY_SIZE(units) - 1 && s < units[i].s; i++)
		;
	snprintf(buf, size, "%" PRId64 "%c", s / units[i].s, units[i].unit);
}
