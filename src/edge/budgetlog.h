/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Live budgets crossed, said once per run of a container: by bpfreaperctl
 * top and by gc's timer alike (live-usage.h decides, this logs and counts). */
#ifndef BPFREAPER_EDGE_BUDGETLOG_H
#define BPFREAPER_EDGE_BUDGETLOG_H

#include "../live-usage.h"

/* Notes the crossings among rows (live_budget_note) and logs each new one
 * (MESSAGE_ID LOG_ID_LIVE_BUDGET, "<who>: ...") and counts it. The first
 * error, if noting failed (nothing is logged then). */
int live_budget_say(const char *who, const struct rundir *rd, const struct tracer *t, struct live_rows *rows);
/* The same after collecting rows itself (gc's timer): 0 without a tracer. */
int live_budget_check(const char *who);

#endif
