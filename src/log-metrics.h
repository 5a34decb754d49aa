/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Prometheus view of bpfreaper: the counters file (store-counters.h) plus
 * gauges read now from the tracer and the state directory, in the text
 * exposition format (version 0.0.4), to stdout or to a node_exporter
 * textfile collector directory. Reads only; writes only DIR/bpfreaper.prom.
 */
#ifndef BPFREAPER_METRICS_H
#define BPFREAPER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci-podid.h"
#include "oci-state.h"
#include "tracer-load.h"
#include "store-counters.h"

#define METRICS_TEXTFILE "bpfreaper.prom"
/* Debian's node_exporter textfile collector directory. */
#define METRICS_TEXTFILE_DIR_DEBIAN "/var/lib/prometheus/node-exporter"

/* Per-container series are for the largest containers only, so that the
 * number of series stays bounded whatever runs on the node. */
#define METRICS_TOP_CONTAINERS 10
struct metrics_container {
	char id[CONTAINER_ID_MAX + 1];
	struct pod_identity pod;
	uint32_t objects;
	uint64_t bytes;
};

struct metrics {
	uint64_t counters[COUNTER__MAX];
	bool tracer_loaded;
	enum tracer_backend backend; /* of the loaded tracer */
	size_t registered;           /* cgroups the tracer records for */
	size_t states, earlier_states; /* state files: current runs, kept earlier runs */
	size_t overflowed;           /* registered cgroups whose records overflowed */
	/* Live records (what the budgets limit): sum and largest per container. */
	uint64_t obj_records, dir_records;
	uint32_t obj_records_max, dir_records_max;
	/* What registered containers created and is still alive, by kind, and
	 * the kernel memory of it (live-usage.h); live_collected false: the
	 * collection failed (the series are left out, not shown as 0). */
	bool live_collected;
	uint64_t live_maps, live_progs, live_links, live_pins, live_map_bytes, live_prog_bytes;
	size_t live_unreadable;
	size_t over_live_budget; /* registered containers over their live budget now */
	/* The METRICS_TOP_CONTAINERS largest, by bytes. */
	struct metrics_container top[METRICS_TOP_CONTAINERS];
	size_t n_top;
};

/* Everything at once; a missing run directory or tracer is all zeros. */
int metrics_collect(struct metrics *ret);
int metrics_format(const struct metrics *m, char **ret_text);
/* dir/bpfreaper.prom, replaced atomically (the collector never reads a
 * half-written file: it reads only *.prom, the temp file is not one). */
int metrics_write_textfile(const char *dir, const char *text);

#endif
