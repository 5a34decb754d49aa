// SPDX-License-Identifier: LGPL-2.1-or-later
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "budgetlog.h"
#include "../log-events.h"
#include "../log.h"
#include "../store-counters.h"

int live_budget_say(const char *who, const struct rundir *rd, const struct tracer *t, struct live_rows *rows)
{
	size_t crossed = 0;
	int r;

	r = live_budget_note(rd, t, rows);
	if (r < 0)
		return r;
	for (size_t i = 0; i < rows->n; i++) {
		const struct live_row *row = &rows->v[i];
		struct event_fields f;
		char pod[POD_TEXT_MAX];

		if (!row->crossed_now)
			continue;
		crossed++;
		event_fields_container(&f, row->id, &row->pod, NULL, row->cgroup_id);
		event_fields_add_number(&f, "LIVE_OBJECTS", live_usage_objects(&row->usage));
		event_fields_add_number(&f, "LIVE_BYTES", live_usage_bytes(&row->usage));
		event_fields_add_number(&f, "BUDGET_OBJECTS", row->budget.objects);
		event_fields_add_number(&f, "BUDGET_BYTES", row->budget.bytes);
		pod_identity_describe(&row->pod, pod, sizeof(pod));
		/* Nothing is removed or killed: the operator decides. */
		log_event(LOG_WARNING, LOG_ID_LIVE_BUDGET, f.v, f.n,
			  "%s: container %s%s crossed its live budget: %" PRIu32 " objects, %" PRIu64
			  " bytes (budget: %" PRIu64 " objects, %" PRIu64 " bytes; 0: no limit); nothing is removed",
			  who, row->id, pod, live_usage_objects(&row->usage), live_usage_bytes(&row->usage),
			  row->budget.objects, row->budget.bytes);
	}
	if (crossed)
		(void)counters_add(COUNTER_LIVE_BUDGET_CROSSED, crossed);
	return 0;
}

int live_budget_check(const char *who)
{
	struct tracer t = TRACER_INIT;
	struct live_rows rows = {};
	struct rundir rd;
	int r;

	r = rundir_open_existing(&rd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = tracer_open(&rd, &t);
	if (r == 0)
		r = live_collect(&rd, &t, &rows);
	if (r == 0)
		r = live_budget_say(who, &rd, &t, &rows);
	live_rows_done(&rows);
	tracer_close(&t);
	rundir_close(&rd);
	return r == -ENOENT ? 0 : r;
}
