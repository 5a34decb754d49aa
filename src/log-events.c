// SPDX-License-Identifier: LGPL-2.1-or-later
/* Journal fields of events; see log-events.h. */
#include "log-events.h"

#include <inttypes.h>
#include <stdio.h>

void event_fields_add(struct event_fields *f, const char *name, const char *value)
{
	if (f->n < EVENT_FIELDS_MAX && value)
		f->v[f->n++] = (log_field){ .name = name, .value = value };
}

void event_fields_add_number(struct event_fields *f, const char *name, uint64_t value)
{
	if (f->n >= EVENT_FIELDS_MAX)
		return;
	snprintf(f->numbers[f->n], sizeof(f->numbers[f->n]), "%" PRIu64, value);
	event_fields_add(f, name, f->numbers[f->n]);
}

void event_fields_container(struct event_fields *f, const char *id, const struct pod_identity *pod,
			    const char *mode, uint64_t cgroup_id)
{
	f->n = 0;
	event_fields_add(f, "CONTAINER_ID", id);
	if (pod) {
		event_fields_add(f, "POD_NAME", pod->pod);
		event_fields_add(f, "POD_NAMESPACE", pod->pod_namespace);
		event_fields_add(f, "CONTAINER_NAME", pod->container);
	}
	event_fields_add(f, "MODE", mode);
	if (cgroup_id)
		event_fields_add_number(f, "CGROUP_ID", cgroup_id);
}

void event_fields_counts(struct event_fields *f, const struct report_counts *c)
{
	event_fields_add_number(f, "OBJECTS", c->objects);
	event_fields_add_number(f, "FREED", c->freed);
	event_fields_add_number(f, "SURVIVORS", c->survived);
	event_fields_add_number(f, "PINS_REMOVED", c->pins_removed);
	event_fields_add_number(f, "PINS_KEPT", c->pins_kept);
	event_fields_add_number(f, "PINS_LEFT", c->pins_left);
	event_fields_add_number(f, "DIRS_REMOVED", c->dirs_removed);
	event_fields_add_number(f, "DETACHED", c->links_detached + c->attachments_detached);
	event_fields_add_number(f, "ATTACHMENTS_LEFT", c->attachments_left);
	event_fields_add_number(f, "OVERFLOW", c->overflow);
	event_fields_add_number(f, "NOT_TRACED", c->not_traced);
}
