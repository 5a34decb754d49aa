/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one error type of the library (crun's libcrun_error_t, systemd's
 * -errno): a function that can fail returns -errno and, when it does and
 * its caller passed a struct br_error, says which step failed and names the
 * object and the cause in `detail`. Callers branch on the return value and
 * on `step`, never on text. Library code does not log: hooks/ and src/ctl/
 * print or log br_error_text() at the edge.
 */
#ifndef BPFREAPER_ERROR_H
#define BPFREAPER_ERROR_H

#include <stddef.h>

/* What was being done. One table in error.c gives each its words, so a
 * message reads "<step>: <detail>". Append new steps; the names are stable
 * only in the table (reports and logs print the words, not the number). */
enum br_step {
	BR_STEP_NONE = 0,
	/* input */
	BR_STEP_ARGS,          /* the command line */
	BR_STEP_CONFIG,        /* the configuration file */
	BR_STEP_OCI_STATE,     /* the OCI state on stdin */
	BR_STEP_BUNDLE,        /* the bundle's config.json */
	BR_STEP_ANNOTATION,    /* a container annotation */
	/* the run directory and what is stored there */
	BR_STEP_RUN_DIR,       /* open or make the run directory */
	BR_STEP_STATE_READ,    /* read a container's state file */
	BR_STEP_STATE_WRITE,   /* write a container's state file */
	BR_STEP_STATE_REMOVE,  /* remove a container's state file */
	BR_STEP_REPORT_WRITE,  /* write a report */
	/* the cgroup */
	BR_STEP_CGROUP,        /* find the container's cgroup */
	/* the tracer */
	BR_STEP_TRACER_LOAD,   /* load and attach the tracer's programs */
	BR_STEP_TRACER_OPEN,   /* open the loaded tracer's maps */
	BR_STEP_TRACER_PROBE,  /* check the kernel (BTF prototypes, program types) */
	BR_STEP_REGISTER,      /* register a cgroup with the tracer */
	BR_STEP_RECORDS_READ,  /* read a container's records */
	BR_STEP_RECORDS_DROP,  /* drop a container's records */
	/* removal */
	BR_STEP_REMOVE,        /* remove the container's objects */
	BR_STEP_UNPIN,         /* unlink one pin */
	BR_STEP_RMDIR,         /* remove one bpffs directory */
	BR_STEP_DETACH,        /* detach one program */
	/* the runtime wrapper */
	BR_STEP_RUNTIME,       /* find or run the real runtime */
	/* appended */
	BR_STEP_CAPS,          /* the hooks' capabilities */
	BR_STEP_STATE_KEEP,    /* move an earlier run's state aside */
	BR_STEP_CGROUP_FOREIGN,/* make sure only the container is in its cgroup */
	BR_STEP_TRACER_LOAD_TRAMPOLINE, /* load the trampoline backend, as configured */
	BR_STEP_TRACER_LOAD_PRIVATE_MNT, /* load from a private mount namespace: refused */
	BR_STEP_REGISTER_TAKEN,/* the cgroup is another container's */
	BR_STEP_LOG_FILE,      /* open the configured log file */
	BR_STEP_CONFIGURE,     /* wire bpfreaper-runtime into a container manager's config */
	BR_STEP__MAX
};

struct br_error {
	int code;              /* -errno, 0 when nothing failed */
	enum br_step step;
	char detail[512];      /* names the object and the cause; may be "" */
};

#define BR_ERROR_INIT { 0, BR_STEP_NONE, "" }

/* Fill *err (when err is not NULL) and return code, so that a failing path
 * reads `return br_error_set(err, -ENOENT, BR_STEP_CONFIG, "%s: ...", path);`.
 * code must be negative. The detail is cut at 511 bytes. */
int br_error_set(struct br_error *err, int code, enum br_step step, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Same, with the detail "<what>: <strerror(-code)>". */
int br_error_errno(struct br_error *err, int code, enum br_step step, const char *what);

/* Put "<words>: " of a caller's step in front of an error a callee filled,
 * when the callee's step is BR_STEP_NONE; keeps code. Returns err->code. */
int br_error_step(struct br_error *err, enum br_step step);

/* Set code and step of an error a callee filled, keeping its detail (the
 * caller knows better which step it was). Returns code. */
int br_error_set_step(struct br_error *err, int code, enum br_step step);

void br_error_clear(struct br_error *err);

/* "read the configuration file" for BR_STEP_CONFIG; "" for BR_STEP_NONE. */
const char *br_step_words(enum br_step step);

/* "<step words>: <detail>" (or the part that is set) into buf; returns buf. */
const char *br_error_text(const struct br_error *err, char *buf, size_t len);

#endif
