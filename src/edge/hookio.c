// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hookio.h"
#include "../caps.h"
#include "../fileio.h"
#include "../log.h"
#include "../util.h"

int hook_read_state(int fd, struct oci_state *ret, struct br_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	r = read_fd_limited(fd, OCI_STATE_MAX_BYTES, &buf, &len);
	if (r == -EFBIG)
		return br_error_set(err, r, BR_STEP_OCI_STATE, "state JSON larger than " OCI_STATE_MAX_TEXT);
	if (r < 0)
		return br_error_set(err, r, BR_STEP_OCI_STATE, "cannot read stdin");
	return oci_state_parse(buf, len, ret, err);
}

int hook_restrict_caps(const char *who, const char *id, struct br_error *err)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = caps_require_and_restrict(err);
	if (r == -EPERM)
		return r;
	if (r < 0) /* still correct, only less hardened */
		log_warn("%s: container %s: dropping capabilities: %s", who, id, strerror(-r));
	br_error_clear(err);
	if (caps_text(&text) == 0)
		log_debug("%s: container %s: capabilities now %s", who, id, text);
	return 0;
}

int hook_config(const struct hook_args *args, struct config *ret, struct br_error *err)
{
	struct config c;
	int r;

	r = hook_load_config(args, &c, err);
	if (r < 0)
		return r;
	*ret = c;
	if (c.log_file) {
		r = log_set_file(c.log_file);
		if (r < 0)
			return br_error_set(err, r, BR_STEP_LOG_FILE, "cannot open log_file %s", c.log_file);
	}
	return 0;
}

void hook_start_done(struct hook_start *h)
{
	config_done(&h->cfg);
	oci_state_done(&h->oci);
}

const char *hook_container_id(const struct hook_start *h)
{
	return h->oci.id ? h->oci.id : "-";
}

int hook_start(const char *who, int argc, char **argv, struct hook_start *ret)
{
	struct hook_start h = { .cfg = { .wait_ms = -1 } };
	struct br_error state_err = BR_ERROR_INIT;
	int r, state_r, caps;

	state_r = hook_read_state(STDIN_FILENO, &h.oci, &state_err);
	if (hook_args_parse(argc, argv, &h.args) < 0) {
		br_error_set(&h.trouble, -EINVAL, BR_STEP_ARGS, "usage: bpfreaper-%s " HOOK_USAGE, who);
		*ret = h;
		return HOOK_TROUBLE;
	}
	/* A rootless runtime runs its hooks in its user namespace: neither
	 * /run/bpfreaper nor the BPF the tracer needs is reachable from there,
	 * and trying would only fail the container. */
	if (userns_is_initial() == 0) {
		log_info("%s: container %s: this hook runs in a user namespace (a rootless runtime): "
			 "not recorded, bpfreaper needs the host's root", who, hook_container_id(&h));
		oci_state_done(&h.oci);
		return HOOK_ROOTLESS;
	}
	caps = hook_restrict_caps(who, hook_container_id(&h), &h.caps);
	/* Loaded with capabilities missing or the state unusable too: the
	 * config decides whether that refuses the container. */
	r = hook_config(&h.args, &h.cfg, &h.trouble);
	h.cfg_known = r == 0 || h.trouble.step == BR_STEP_LOG_FILE;
	if (r < 0 && !h.cfg_known) {
		char detail[sizeof(h.trouble.detail)];

		/* The path belongs in the one line the hook logs. */
		snprintf(detail, sizeof(detail), "%s", h.trouble.detail);
		br_error_set(&h.trouble, r, BR_STEP_CONFIG, "config %s: %s%s%s", h.args.config_path, detail,
			     *detail && r != -EINVAL ? ": " : "", *detail && r == -EINVAL ? "" : strerror(-r));
	}
	if (r == 0 && state_r < 0)
		h.trouble = state_err;
	*ret = h;
	/* A log file alone is the hook's to judge, with the policy known. */
	if ((r < 0 && !h.cfg_known) || state_r < 0)
		return HOOK_TROUBLE;
	return caps;
}
