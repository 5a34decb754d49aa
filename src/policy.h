/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-container policy, decided once at prestart and kept in the state:
 * the mode (annotation io.bpfreaper.mode, else the config file's "mode",
 * else the hook's --default-mode, else enforce) and the keep rules (config
 * file "keep" plus annotation io.bpfreaper.keep). The config's
 * annotation_modes caps the annotation: a mode it does not list is not
 * honoured, and mode_source says so.
 */
#ifndef BPFREAPER_POLICY_H
#define BPFREAPER_POLICY_H

#include "config.h"
#include "ocistate.h"

#define ANNOTATION_MODE "io.bpfreaper.mode"
#define ANNOTATION_KEEP "io.bpfreaper.keep"

struct policy {
	enum mode mode;
	/* "annotation", "config", "hook argument" or "default"; the last three
	 * followed by " (annotation capped by annotation_modes)" when the
	 * annotation asked for a mode the config does not allow. */
	const char *mode_source;
	enum mode annotation_mode; /* what the annotation asked for; MODE_UNSET: none */
	bool annotation_capped;
	struct keep_rules keep;
};

/* -EINVAL with *ret_why for an invalid annotation. */
int policy_resolve(const struct oci_state *oci, const struct config *cfg, enum mode hook_default,
		   struct policy *ret, const char **ret_why);
void policy_done(struct policy *p);

#endif
