/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one version of bpfreaper (VERSION in the Makefile, also in packaging/)
 * and what a bug report needs beside it. */
#ifndef BPFREAPER_VERSION_H
#define BPFREAPER_VERSION_H

#include <stddef.h>

#ifndef BPFREAPER_VERSION
#error "BPFREAPER_VERSION comes from the Makefile (-DBPFREAPER_VERSION)"
#endif

/* "PROG 0.1.0 (libbpf 1.1, tracer layout 4)": the libbpf this binary runs
 * with (linked statically in the hooks) and the record layout it reads. */
void version_line(const char *prog, char *buf, size_t size);
/* The libbpf this binary runs with, "1.1". */
void version_libbpf(char *buf, size_t size);
/* The tracer record layout (bpf/record.h) this build reads. */
int version_tracer_layout(void);

#endif
