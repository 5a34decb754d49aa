/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What gc did, logged: by poststop's opportunistic run and by
 * bpfreaperctl gc alike. */
#ifndef BPFREAPER_EDGE_GCLOG_H
#define BPFREAPER_EDGE_GCLOG_H

#include "../run-gc.h"

/* One log line per entry that gc acted on or could not handle, each
 * starting "<who>: ". */
void gc_log(const char *who, const struct gc_result *res);

#endif
