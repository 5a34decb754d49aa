// SPDX-License-Identifier: LGPL-2.1-or-later
/* Metrics collection and the exposition format; see log-metrics.h. */
#include "log-metrics.h"
#include "fileio.h"
#include "live-usage.h"
#include "store-state.h"
#include "tracer-records.h"
#include "util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

/* Counters as Prometheus families: rows of one family are adjacent. */
static const struct counter_metric {
	enum counter counter;
	const char *name;
	const char *labels; /* "" or `key="value"` */
	const char *type;
	const char *help;
} counter_metrics[] = {
	{ COUNTER_REGISTERED, "bpfreaper_containers_registered_total", "", "counter",
	  "Container runs prestart registered with the tracer." },
	{ COUNTER_PRESTART_SKIPPED, "bpfreaper_prestart_skipped_total", "", "counter",
	  "Containers that ran unrecorded because of bpfreaper's own trouble (fail-open), "
	  "in prestart or in bpfreaper-runtime." },
	{ COUNTER_PRESTART_REFUSED, "bpfreaper_prestart_failures_total", "reason=\"refused\"", "counter",
	  "Prestart refusals (own trouble under enforce and on_error fail) and inputs it could not use "
	  "(state, arguments, config, annotation: the container ran unrecorded unless refused)." },
	{ COUNTER_PRESTART_BAD_INPUT, "bpfreaper_prestart_failures_total", "reason=\"bad_input\"", "counter", NULL },
	{ COUNTER_POSTSTOP_FAILED, "bpfreaper_poststop_failures_total", "", "counter",
	  "Poststop teardowns that failed (the state stays for gc)." },
	{ COUNTER_TEARDOWNS_POSTSTOP, "bpfreaper_teardowns_total", "by=\"poststop\"", "counter",
	  "Container runs torn down, by poststop or by gc." },
	{ COUNTER_TEARDOWNS_GC, "bpfreaper_teardowns_total", "by=\"gc\"", "counter", NULL },
	{ COUNTER_OBJECTS_RECORDED, "bpfreaper_objects_recorded_total", "", "counter",
	  "BPF objects recorded for torn down containers." },
	{ COUNTER_OBJECTS_FREED, "bpfreaper_objects_freed_total", "", "counter",
	  "Recorded objects freed by the end of their container's teardown." },
	{ COUNTER_OBJECTS_SURVIVED, "bpfreaper_objects_survived_total", "", "counter",
	  "Recorded objects still alive after their container's teardown (not kept by a rule)." },
	{ COUNTER_PINS_REMOVED, "bpfreaper_pins_removed_total", "", "counter", "Pins removed." },
	{ COUNTER_PINS_KEPT, "bpfreaper_pins_kept_total", "", "counter", "Pins kept by a keep rule." },
	{ COUNTER_PINS_LEFT, "bpfreaper_pins_left_total", "", "counter",
	  "Pins left in place: not removable, or report mode." },
	{ COUNTER_DIRS_REMOVED, "bpfreaper_dirs_removed_total", "", "counter", "bpffs directories removed." },
	{ COUNTER_DETACHED, "bpfreaper_detached_total", "", "counter",
	  "Links and attachments (XDP, tc, cgroup) detached." },
	{ COUNTER_ATTACHMENTS_LEFT, "bpfreaper_attachments_left_total", "", "counter",
	  "Attachments left in place." },
	{ COUNTER_OVERFLOWS, "bpfreaper_records_overflows_total", "", "counter",
	  "Teardowns of containers whose records overflowed their budget (not everything was recorded)." },
	{ COUNTER_NOT_TRACED, "bpfreaper_not_traced_total", "", "counter",
	  "Teardowns of containers that made calls the tracer could not record (32-bit, io_uring)." },
	{ COUNTER_GC_RUNS, "bpfreaper_gc_runs_total", "", "counter", "bpfreaperctl gc runs." },
	{ COUNTER_GC_FAILED, "bpfreaper_gc_failures_total", "", "counter",
	  "gc runs that failed or could not clean a container." },
	{ COUNTER_GC_LAST_SUCCESS, "bpfreaper_gc_last_success_timestamp_seconds", "", "gauge",
	  "Unix time of the last gc run without failure (0: none since boot)." },
	{ COUNTER_LIVE_BUDGET_CROSSED, "bpfreaper_live_budget_crossings_total", "", "counter",
	  "Running containers seen over their live budget (each run once), by top or gc's timer." },
};

static int count_states(const struct rundir *rd, struct metrics *m)
{
	struct state_ids ids = {};
	int r;

	r = state_list(rd, &ids);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ids.n; i++) {
		if (ids.v[i].earlier)
			m->earlier_states++;
		else
			m->states++;
	}
	state_ids_done(&ids);
	return 0;
}

static int read_tracer(const struct tracer *t, struct metrics *m)
{
	_cleanup_free_ uint64_t *ids = NULL;
	size_t n = 0;
	int r;

	r = tracer_list_registered(t, &ids, &n);
	if (r < 0)
		return r;
	m->registered = n;
	for (size_t i = 0; i < n; i++) {
		struct cg_state cg;
		uint32_t nobj = 0, ndir = 0;

		/* Unregistered since the listing: not counted. */
		if (tracer_cgroup_state(t, ids[i], &cg) < 0 || tracer_live_records(t, ids[i], &cg, &nobj, &ndir) < 0)
			continue;
		m->overflowed += cg_overflowed(&cg);
		m->obj_records += nobj;
		m->dir_records += ndir;
		if (nobj > m->obj_records_max)
			m->obj_records_max = nobj;
		if (ndir > m->dir_records_max)
			m->dir_records_max = ndir;
	}
	return 0;
}

/* O(live records): opens each live object the records name. */
static int read_live(const struct rundir *rd, const struct tracer *t, struct metrics *m)
{
	struct live_rows rows = {};
	int r;

	r = live_collect(rd, t, &rows);
	if (r < 0)
		return r;
	for (size_t i = 0; i < rows.n; i++) {
		const struct live_usage *u = &rows.v[i].usage;

		m->live_maps += u->maps;
		m->live_progs += u->progs;
		m->live_links += u->links;
		m->live_pins += u->pins;
		m->live_map_bytes += u->map_bytes;
		m->live_prog_bytes += u->prog_bytes;
		m->over_live_budget += rows.v[i].over_budget;
		/* rows are sorted by bytes: the first are the largest. */
		if (m->n_top < METRICS_TOP_CONTAINERS) {
			struct metrics_container *c = &m->top[m->n_top++];

			snprintf(c->id, sizeof(c->id), "%s", rows.v[i].id);
			c->pod = rows.v[i].pod;
			c->objects = live_usage_objects(u);
			c->bytes = live_usage_bytes(u);
		}
	}
	m->live_unreadable = rows.unreadable;
	m->live_collected = true;
	live_rows_done(&rows);
	return 0;
}

int metrics_collect(struct metrics *ret)
{
	struct metrics m = {};
	struct tracer t = TRACER_INIT;
	struct rundir rd = {};
	int r;

	r = counters_read(m.counters);
	if (r < 0 && r != -ENOENT)
		return r;
	/* Read-only: nothing is made for a run directory, or its parts, that
	 * nothing has made yet. */
	r = rundir_open_existing(&rd);
	if (r == -ENOENT) {
		*ret = m;
		return 0;
	}
	if (r < 0)
		return r;
	r = count_states(&rd, &m);
	if (r == 0) {
		r = tracer_open(&rd, &t);
		if (r == 0) {
			m.tracer_loaded = true;
			m.backend = t.backend;
			r = read_tracer(&t, &m);
			if (r == 0)
				(void)read_live(&rd, &t, &m); /* without it, the rest still */
		} else if (r == -ENOENT) {
			r = 0;
		}
	}
	tracer_close(&t);
	rundir_close(&rd);
	if (r < 0)
		return r;
	*ret = m;
	return 0;
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value in the exposition format: \\, \" and \n escaped. Pod
 * fields are printable ASCII (oci-podid.h), quotes included. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		fputc(*v, f);
	}
}

static void container_labels(FILE *f, const struct metrics_container *c)
{
	fputs("{container_id=\"", f);
	label_value(f, c->id);
	fputs("\",pod=\"", f);
	label_value(f, c->pod.pod);
	fputs("\",namespace=\"", f);
	label_value(f, c->pod.pod_namespace);
	fputs("\"}", f);
}

/* One per-container family over the largest containers: bytes or objects. */
static void container_family(FILE *f, const struct metrics *m, const char *name, const char *help, bool bytes)
{
	family(f, name, "gauge", help);
	for (size_t i = 0; i < m->n_top; i++) {
		fputs(name, f);
		container_labels(f, &m->top[i]);
		fprintf(f, " %" PRIu64 "\n", bytes ? m->top[i].bytes : m->top[i].objects);
	}
}

static void format_live(FILE *f, const struct metrics *m)
{
	family(f, "bpfreaper_live_objects", "gauge",
	       "Live eBPF objects registered containers created (and pins they made and hold), by kind.");
	fprintf(f, "bpfreaper_live_objects{kind=\"map\"} %" PRIu64 "\n", m->live_maps);
	fprintf(f, "bpfreaper_live_objects{kind=\"prog\"} %" PRIu64 "\n", m->live_progs);
	fprintf(f, "bpfreaper_live_objects{kind=\"link\"} %" PRIu64 "\n", m->live_links);
	fprintf(f, "bpfreaper_live_objects{kind=\"pin\"} %" PRIu64 "\n", m->live_pins);
	family(f, "bpfreaper_live_bytes", "gauge",
	       "Kernel memory (memlock, bpftool's bytes_memlock) of the live maps and programs registered "
	       "containers created, by kind.");
	fprintf(f, "bpfreaper_live_bytes{kind=\"map\"} %" PRIu64 "\n", m->live_map_bytes);
	fprintf(f, "bpfreaper_live_bytes{kind=\"prog\"} %" PRIu64 "\n", m->live_prog_bytes);
	family(f, "bpfreaper_containers_over_live_budget", "gauge",
	       "Registered containers whose live objects or bytes exceed their live budget now.");
	fprintf(f, "bpfreaper_containers_over_live_budget %zu\n", m->over_live_budget);
	family(f, "bpfreaper_live_unreadable", "gauge", "Registered containers whose live objects could not be read.");
	fprintf(f, "bpfreaper_live_unreadable %zu\n", m->live_unreadable);
	if (!m->n_top)
		return;
	container_family(f, m, "bpfreaper_container_live_objects",
			 "Live maps, programs and links a container created; only the 10 largest containers by "
			 "bytes (METRICS_TOP_CONTAINERS).",
			 false);
	container_family(f, m, "bpfreaper_container_live_bytes",
			 "Kernel memory of the live maps and programs a container created; only the 10 largest "
			 "containers.",
			 true);
}

int metrics_format(const struct metrics *m, char **ret_text)
{
	static const enum tracer_backend backends[] = { TRACER_BACKEND_TRACEPOINT, TRACER_BACKEND_TRAMPOLINE };
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	FILE *f;

	f = open_memstream(&text, &size);
	if (!f)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(counter_metrics); i++) {
		const struct counter_metric *c = &counter_metrics[i];

		if (c->help)
			family(f, c->name, c->type, c->help);
		fprintf(f, "%s%s%s%s %" PRIu64 "\n", c->name, *c->labels ? "{" : "", c->labels,
			*c->labels ? "}" : "", m->counters[c->counter]);
	}
	family(f, "bpfreaper_tracer_loaded", "gauge", "1 if the tracer is loaded (pinned), else 0.");
	fprintf(f, "bpfreaper_tracer_loaded %d\n", m->tracer_loaded);
	/* Every backend, 1 for the loaded one: an alert on a fallback needs
	 * the series to exist at 0 too. */
	family(f, "bpfreaper_tracer_backend_info", "gauge", "The loaded tracer's backend (1), the others 0.");
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++)
		fprintf(f, "bpfreaper_tracer_backend_info{backend=\"%s\"} %d\n", tracer_backend_name(backends[i]),
			m->tracer_loaded && m->backend == backends[i]);
	family(f, "bpfreaper_containers_registered", "gauge", "Containers (cgroups) the tracer records for now.");
	fprintf(f, "bpfreaper_containers_registered %zu\n", m->registered);
	family(f, "bpfreaper_container_states", "gauge",
	       "State files: current runs, and earlier runs kept unfinished for poststop or gc.");
	fprintf(f, "bpfreaper_container_states{run=\"current\"} %zu\n", m->states);
	fprintf(f, "bpfreaper_container_states{run=\"earlier\"} %zu\n", m->earlier_states);
	family(f, "bpfreaper_containers_overflowed", "gauge",
	       "Registered containers whose records overflowed their budget.");
	fprintf(f, "bpfreaper_containers_overflowed %zu\n", m->overflowed);
	family(f, "bpfreaper_records_live", "gauge", "Live records of all registered containers, by budget.");
	fprintf(f, "bpfreaper_records_live{budget=\"objects\"} %" PRIu64 "\n", m->obj_records);
	fprintf(f, "bpfreaper_records_live{budget=\"dirs\"} %" PRIu64 "\n", m->dir_records);
	family(f, "bpfreaper_records_live_max", "gauge", "Live records of the fullest registered container, by budget.");
	fprintf(f, "bpfreaper_records_live_max{budget=\"objects\"} %" PRIu32 "\n", m->obj_records_max);
	fprintf(f, "bpfreaper_records_live_max{budget=\"dirs\"} %" PRIu32 "\n", m->dir_records_max);
	family(f, "bpfreaper_records_budget", "gauge", "Records one container may hold, by budget.");
	fprintf(f, "bpfreaper_records_budget{budget=\"objects\"} %d\n", MAX_OBJ_RECORDS);
	fprintf(f, "bpfreaper_records_budget{budget=\"dirs\"} %d\n", MAX_DIR_RECORDS);
	family(f, "bpfreaper_registered_budget", "gauge", "Containers the tracer can record for at once.");
	fprintf(f, "bpfreaper_registered_budget %d\n", MAX_REGISTERED_CGROUPS);
	if (m->live_collected)
		format_live(f, m);
	if (fclose(f) != 0)
		return negative_errno();
	*ret_text = TAKE_PTR(text);
	return 0;
}

int metrics_write_textfile(const char *dir, const char *text)
{
	_cleanup_close_ int dirfd = -EBADF;

	if (!dir || dir[0] != '/')
		return -EINVAL;
	/* The collector's directory belongs to its package: never made here. */
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	return write_file_atomic(dirfd, METRICS_TEXTFILE, text, strlen(text), 0644, false);
}
