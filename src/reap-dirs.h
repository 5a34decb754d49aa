/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The symlinks and empty directories a container made in the bpffs views
 * it could write, removed deepest first, never through a symlink, never one
 * older than its registration, never one the plan keeps.
 */
#ifndef BPFREAPER_REAP_DIRS_H
#define BPFREAPER_REAP_DIRS_H

#include "reap-plan.h"

int reap_remove_symlinks(const struct reap_plan *plan, struct reap_result *res);
int reap_remove_dirs(const struct reap_plan *plan, struct reap_result *res);

#endif
