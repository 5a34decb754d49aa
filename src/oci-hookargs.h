/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Command-line options shared by both hooks, and the config they name. */
#ifndef BPFREAPER_HOOKARGS_H
#define BPFREAPER_HOOKARGS_H

#include <stdbool.h>

#include "policy-config.h"

struct hook_args {
	const char *config_path; /* --config, default /etc/bpfreaper/bpfreaper.json */
	enum mode default_mode;  /* --default-mode, MODE_UNSET if not given */
	bool strict;             /* --strict */
	bool report_only;        /* --report-only */
	int wait_ms;             /* --wait-ms, -1 if not given */
};

#define HOOK_USAGE "[--config PATH] [--default-mode enforce|report|off] [--strict] [--report-only] [--wait-ms N]"

int hook_args_parse(int argc, char **argv, struct hook_args *ret);
/* Loads the config (a missing file is the defaults); the hook then opens
 * its log_file (edge/hookio.h). */
int hook_load_config(const struct hook_args *args, struct config *ret, struct br_error *err);

#endif
