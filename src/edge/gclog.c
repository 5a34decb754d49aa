// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdio.h>
#include <string.h>

#include "gclog.h"
#include "../log-events.h"
#include "../log.h"

void gc_log(const char *who, const struct gc_result *res)
{
	for (size_t i = 0; i < res->n; i++) {
		const struct gc_entry *e = &res->v[i];
		const char *name = e->id ? e->id : "(no state)";
		char run[64] = "", why[sizeof(e->err.detail) + 128];

		if (e->earlier)
			snprintf(run, sizeof(run), " (earlier run, cgroup id %llu)", (unsigned long long)e->cgroup_id);
		struct event_fields f;

		event_fields_container(&f, e->id, &e->pod, e->mode, e->cgroup_id);
		switch (e->action) {
		case GC_CLEANED:
			event_fields_counts(&f, &e->counts);
			log_event(LOG_INFO, LOG_ID_GC_CLEANED, f.v, f.n,
				  "%s: container %s%s: cgroup gone, poststop never ran: %s", who, name, run, e->summary);
			break;
		case GC_CORRUPT:
			log_warn("%s: state %s%s: %s, left in place", who, name, run,
				 gc_entry_why(e, why, sizeof(why)));
			break;
		case GC_FAILED:
			log_event(LOG_ERR, LOG_ID_ERROR, f.v, f.n, "%s: container %s%s: %s: %s", who, name, run,
				  gc_entry_why(e, why, sizeof(why)), strerror(-e->err.code));
			break;
		case GC_ORPHAN_DROPPED:
			log_warn("%s: cgroup id %llu: registered without a state and gone: %zu records dropped, "
				 "nothing removed", who, (unsigned long long)e->cgroup_id, e->records);
			break;
		default:
			break;
		}
	}
	if (res->records_compacted)
		log_info("%s: %zu records of freed objects dropped", who, res->records_compacted);
	if (res->slots_freed)
		log_info("%s: %zu unused records maps freed", who, res->slots_freed);
	if (res->tracer_unloaded)
		log_info("%s: no container registered: tracer unloaded", who);
	if (res->reports_pruned)
		log_info("%s: %zu reports past the retention removed", who, res->reports_pruned);
	if (res->reports_error)
		log_err("%s: prune reports past the retention: %s", who, strerror(-res->reports_error));
}
