/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "enumtab.h"
#include "util.h"

static const char private_mnt[] = "load the tracer (this hook runs in a private mount namespace, where the "
				  "tracer's bpffs would vanish with it; run `bpfreaperctl load` on the host first)";

static const char *const step_words[BR_STEP__MAX] = {
	[BR_STEP_NONE] = "",
	[BR_STEP_ARGS] = "read the command line",
	[BR_STEP_CONFIG] = "read the configuration file",
	[BR_STEP_OCI_STATE] = "read the OCI state",
	[BR_STEP_BUNDLE] = "read the bundle's config.json",
	[BR_STEP_ANNOTATION] = "read an annotation",
	[BR_STEP_RUN_DIR] = "open the run directory",
	[BR_STEP_STATE_READ] = "read the state file",
	[BR_STEP_STATE_WRITE] = "write the state file",
	[BR_STEP_STATE_REMOVE] = "remove the state file",
	[BR_STEP_REPORT_WRITE] = "write the report",
	[BR_STEP_CGROUP] = "find the container's cgroup v2",
	[BR_STEP_TRACER_LOAD] = "load the tracer",
	[BR_STEP_TRACER_OPEN] = "open the tracer",
	[BR_STEP_TRACER_PROBE] = "check the kernel",
	[BR_STEP_REGISTER] = "register the cgroup with the tracer",
	[BR_STEP_RECORDS_READ] = "read the records",
	[BR_STEP_RECORDS_DROP] = "drop the records",
	[BR_STEP_REMOVE] = "remove the container's objects",
	[BR_STEP_UNPIN] = "unpin",
	[BR_STEP_RMDIR] = "remove a directory",
	[BR_STEP_DETACH] = "detach",
	[BR_STEP_RUNTIME] = "run the runtime",
	[BR_STEP_CAPS] = "check the capabilities",
	[BR_STEP_STATE_KEEP] = "keep the unfinished state of an earlier run of this id",
	[BR_STEP_CGROUP_FOREIGN] = "check that only the container's processes are in its cgroup",
	[BR_STEP_TRACER_LOAD_TRAMPOLINE] = "load the tracer (trampoline backend, as configured)",
	[BR_STEP_TRACER_LOAD_PRIVATE_MNT] = private_mnt,
	[BR_STEP_REGISTER_TAKEN] = "register the cgroup (another container already uses it)",
	[BR_STEP_LOG_FILE] = "open the log file",
	[BR_STEP_CONFIGURE] = "configure the container manager",
};

const char *br_step_words(enum br_step step)
{
	return ENUM_NAME(step_words, step, "");
}

int br_error_set(struct br_error *err, int code, enum br_step step, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	err->step = step;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return code;
}

int br_error_errno(struct br_error *err, int code, enum br_step step, const char *what)
{
	return br_error_set(err, code, step, "%s: %s", what, strerror(-code));
}

int br_error_step(struct br_error *err, enum br_step step)
{
	if (!err)
		return 0;
	if (err->step == BR_STEP_NONE)
		err->step = step;
	return err->code;
}

int br_error_set_step(struct br_error *err, int code, enum br_step step)
{
	if (err) {
		err->code = code;
		err->step = step;
	}
	return code;
}

void br_error_clear(struct br_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->step = BR_STEP_NONE;
	err->detail[0] = '\0';
}

const char *br_error_text(const struct br_error *err, char *buf, size_t len)
{
	const char *words = br_step_words(err->step);

	if (*words && *err->detail)
		snprintf(buf, len, "%s: %s", words, err->detail);
	else if (*words)
		snprintf(buf, len, "%s: %s", words, strerror(err->code < 0 ? -err->code : err->code));
	else
		snprintf(buf, len, "%s", err->detail);
	return buf;
}
