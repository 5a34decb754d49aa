// SPDX-License-Identifier: LGPL-2.1-or-later
/* Version strings; see version.h. */
#include "version.h"
#include "../bpf/record.h"

#include <bpf/libbpf.h>
#include <stdio.h>

void version_libbpf(char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u", libbpf_major_version(), libbpf_minor_version());
}

void version_line(const char *prog, char *buf, size_t size)
{
	char libbpf[32];

	version_libbpf(libbpf, sizeof(libbpf));
	snprintf(buf, size, "%s %s (libbpf %s, tracer layout %d)", prog, BPFREAPER_VERSION, libbpf,
		 TRACER_LAYOUT_VERSION);
}

int version_tracer_layout(void)
{
	return TRACER_LAYOUT_VERSION;
}
