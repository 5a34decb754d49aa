/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host configuration, /etc/bpfreaper/bpfreaper.json. Every key is
 * optional; a missing file is the defaults. An invalid file is an error,
 * never silently ignored: the hooks let containers run unrecorded and say
 * so (README.md, "The rule"); `bpfreaperctl config check` finds it first.
 */
#ifndef BPFREAPER_CONFIG_H
#define BPFREAPER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "input-limits.h"
#include "tracer-load.h"

#define CONFIG_PATH_DEFAULT "/etc/bpfreaper/bpfreaper.json"
#define KEEP_RULES_MAX 64
#define KEEP_RULE_MAX_LEN 1024
#define WAIT_MS_MAX 60000

enum mode {
	MODE_UNSET = 0,
	MODE_ENFORCE,
	MODE_REPORT,
	MODE_OFF,
};

/* What prestart does about bpfreaper's own trouble (run directory, tracer,
 * cgroup, capabilities, log file, an OCI state or io.bpfreaper.* annotation
 * it cannot use). An invalid config file is never covered: its on_error is
 * not known, so the container runs unrecorded. */
enum on_error {
	ON_ERROR_IGNORE = 0, /* log, count, let the container run unrecorded */
	ON_ERROR_FAIL,       /* refuse the container, but only in mode enforce */
};

struct keep_rules {
	char *v[KEEP_RULES_MAX];
	size_t n;
};

/* How many reports gc keeps and for how long; 0: no limit. */
struct report_retention {
	size_t count;       /* the newest count reports */
	int64_t max_age_s;  /* none older than this */
};
/* Without "report_retention", reports under the run directory are kept
 * this long and this many (they would pile up in /run otherwise); a
 * report_dir of the operator's choosing only ever by the config. */
#define REPORT_RETENTION_DEFAULT_COUNT 1000
#define REPORT_RETENTION_DEFAULT_AGE_S (7 * 24 * 3600)

/* What a running container's live objects may hold before it is said
 * ("live_budget", live-usage.h); 0: no limit. Never acted on: crossing it
 * is logged once and counted, nothing is removed or killed. */
struct live_budget {
	uint64_t objects; /* live maps, programs and links it created */
	uint64_t bytes;   /* their kernel memory (memlock) */
};
#define LIVE_BUDGET_MAX (UINT64_C(1) << 50)

static inline bool live_budget_set(const struct live_budget *b)
{
	return b->objects || b->bytes;
}

struct config {
	enum mode mode;          /* MODE_UNSET: not in the file */
	struct keep_rules keep;  /* host path globs never removed */
	char *log_file;          /* NULL: none */
	char *report_dir;        /* NULL: <run dir>/reports */
	/* gc writes <dir>/bpfreaper.prom for node_exporter's textfile
	 * collector ("metrics_textfile"); NULL: it does not. */
	char *metrics_textfile;
	int wait_ms;             /* -1: not in the file */
	enum tracer_backend backend; /* for the tracer the next prestart loads */
	enum on_error on_error;
	/* Modes an io.bpfreaper.mode annotation may ask for, as bits
	 * (1u << enum mode); only meaningful with annotation_modes_set, else
	 * every mode is allowed. */
	unsigned annotation_modes;
	bool annotation_modes_set;
	/* gc unloads the tracer once no container is registered ("tracer_idle":
	 * "unload"); by default it stays loaded, so that no container start
	 * pays a cold load (see docs/how-it-works.md, Design notes). */
	bool unload_idle_tracer;
	/* Reports list every object the container made, freed ones too
	 * ("report_freed": "list"); by default freed objects are a count, so
	 * that an agent that churned 40 000 maps does not write megabytes. */
	bool list_freed;
	struct report_retention retention; /* "report_retention" */
	/* The default budget of every container and the most an
	 * io.bpfreaper.live-budget annotation may ask for ("live_budget"). */
	struct live_budget live_budget;
	bool retention_set;
	/* bpfreaper-runtime only: the OCI runtime it execs ("runtime": a name
	 * looked up in PATH, or an absolute path; NULL: runc) and where the
	 * hooks it writes into bundles live ("hooks_dir"; NULL: installed). */
	char *runtime;
	char *hooks_dir;
};

void config_done(struct config *c);
/* -ENOENT is not an error for callers that accept defaults. err (step
 * BR_STEP_CONFIG) says what is wrong: "not valid JSON", "\"mode\" is not
 * one of ...", "" when the errno says it all. */
int config_load(const char *path, struct config *ret, struct br_error *err);
int config_parse(const char *text, size_t len, struct config *ret, struct br_error *err);
/* Where in the text the error is, for `bpfreaperctl config check`: 1-based
 * line and column in bytes; 0 when it is not one place (a value's type). */
struct config_where {
	unsigned line, column;
};
/* The same, saying where: JSON syntax, and an unknown key. */
int config_parse_at(const char *text, size_t len, struct config *ret, struct br_error *err,
		    struct config_where *ret_where);
int config_load_at(const char *path, struct config *ret, struct br_error *err, struct config_where *ret_where);

/* The retention gc applies (see REPORT_RETENTION_DEFAULT_COUNT). */
struct report_retention config_report_retention(const struct config *c);

/* Indexed by enum mode; MODE_UNSET has no name. */
extern const char *const mode_names[MODE_OFF + 1];
const char *mode_name(enum mode m);
/* "enforce", "report" or "off"; MODE_UNSET for anything else. */
enum mode mode_from_string(const char *s);
/* Whether an annotation may ask for mode m under this config. */
bool config_annotation_mode_allowed(const struct config *c, enum mode m);
const char *on_error_name(enum on_error e);
/* "objects=N,bytes=N", either part optional (the annotation's form). */
int live_budget_parse(const char *s, struct live_budget *ret);
/* What a container gets: the annotation's budget (NULL: none) capped by
 * the config's, each part alone: a pod can lower its budget, never raise
 * it past the operator's. *ret_capped: the annotation asked for more. */
struct live_budget live_budget_resolve(const struct config *c, const struct live_budget *annotation,
				       bool *ret_capped);

/* Keep rules: absolute glob(7) patterns, matched against host paths with
 * fnmatch(3) without FNM_PATHNAME, so '*' also matches '/'. */
int keep_rules_add(struct keep_rules *k, const char *pattern, struct br_error *err);
/* From an annotation value: patterns separated by commas. */
int keep_rules_add_list(struct keep_rules *k, const char *list, struct br_error *err);
/* The first rule matching path, or NULL. */
const char *keep_rules_match(const struct keep_rules *k, const char *path);
void keep_rules_done(struct keep_rules *k);
/* Keep rules as a JF_STRINGS member of a field table (jsonfield.h). */
int keep_rules_add_member(void *keep, const char *pattern, struct br_error *err);
const char *keep_rules_item(const void *keep, size_t i);

#endif
