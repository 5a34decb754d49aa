/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The journal fields of bpfreaper's events (log.h has their MESSAGE_IDs):
 * CONTAINER_ID, POD_NAME, POD_NAMESPACE, CONTAINER_NAME, MODE, and for a
 * teardown its counts. Built in one place so that prestart, poststop and
 * gc name them alike. The fields point into the struct: keep it alive
 * until logged.
 */
#ifndef BPFREAPER_EVENTS_H
#define BPFREAPER_EVENTS_H

#include <stdint.h>

#include "log.h"
#include "oci-podid.h"
#include "store-report.h"

#define EVENT_FIELDS_MAX 20

struct event_fields {
	log_field v[EVENT_FIELDS_MAX];
	size_t n;
	char numbers[EVENT_FIELDS_MAX][24];
};

/* Container id, pod identity (pod may be NULL), mode (may be NULL) and,
 * when not 0, the cgroup id. */
void event_fields_container(struct event_fields *f, const char *id, const struct pod_identity *pod,
			    const char *mode, uint64_t cgroup_id);
/* One more field (dropped when full). */
void event_fields_add(struct event_fields *f, const char *name, const char *value);
void event_fields_add_number(struct event_fields *f, const char *name, uint64_t value);
/* OBJECTS, FREED, SURVIVORS, PINS_REMOVED, PINS_KEPT, PINS_LEFT,
 * DIRS_REMOVED, DETACHED, ATTACHMENTS_LEFT, OVERFLOW, NOT_TRACED. */
void event_fields_counts(struct event_fields *f, const struct report_counts *c);

#endif
