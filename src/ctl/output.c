// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpfreaperctl's output conventions, shared by every verb: JSON documents,
 * errors (as JSON under --json), usage errors, id prefixes. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "../idprefix.h"
#include "../oci-state.h"
#include "../util.h"

void ctl_print_json(const struct ctl_ctx *ctx, json_object *o)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE | (ctx->pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);

	printf("%s\n", json_object_to_json_string_ext(o, flags));
}

/* err, when not NULL, adds what the library said failed to the JSON form:
 * "step" (its words) and "errno" (its name). */
static int say(const struct ctl_ctx *ctx, int rc, const struct br_error *err, const char *suffix, const char *fmt,
	       va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ctx->json) {
		_cleanup_json_ json_object *o = json_object_new_object();
		char full[1200];

		snprintf(full, sizeof(full), "%s%s%s%s", ctx->verb ? ctx->verb : "", ctx->verb ? ": " : "", msg,
			 suffix);
		json_object_object_add(o, "error", json_object_new_string(full));
		if (err && err->step != BR_STEP_NONE)
			json_object_object_add(o, "step", json_object_new_string(br_step_words(err->step)));
		if (err && err->code < 0 && strerrorname_np(-err->code))
			json_object_object_add(o, "errno", json_object_new_string(strerrorname_np(-err->code)));
		ctl_print_json(ctx, o);
	} else {
		fprintf(stderr, "bpfreaperctl: %s%s%s%s\n", ctx->verb ? ctx->verb : "", ctx->verb ? ": " : "", msg,
			suffix);
	}
	return rc;
}

int ctl_err(const struct ctl_ctx *ctx, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = say(ctx, rc, NULL, "", fmt, ap);
	va_end(ap);
	return rc;
}

int ctl_err_br(const struct ctl_ctx *ctx, int rc, const struct br_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = say(ctx, rc, err, "", fmt, ap);
	va_end(ap);
	return rc;
}

int ctl_config_err(const struct ctl_ctx *ctx, const char *path, const struct br_error *err)
{
	return ctl_err_br(ctx, CTL_USAGE, err, "config %s: %s%s%s", path, err->detail, *err->detail ? ": " : "",
			  strerror(-err->code));
}

int ctl_usage_err(const struct ctl_ctx *ctx, const char *fmt, ...)
{
	char suffix[64];
	va_list ap;
	int rc;

	snprintf(suffix, sizeof(suffix), " (see bpfreaperctl %s%s--help)", ctx->verb ? ctx->verb : "",
		 ctx->verb ? " " : "");
	va_start(ap, fmt);
	rc = say(ctx, CTL_USAGE, NULL, suffix, fmt, ap);
	va_end(ap);
	return rc;
}

int ctl_bad_option(const struct ctl_ctx *ctx, char **verb_argv)
{
	/* getopt_long has stepped past the option it refused. */
	const char *opt = optind > 0 ? verb_argv[optind - 1] : "?";

	if (optopt && optopt != '?' && strncmp(opt, "--", 2) != 0)
		return ctl_usage_err(ctx, "unknown option '-%c'", optopt);
	return ctl_usage_err(ctx, "unknown option '%s', or its value is missing", opt);
}

int ctl_no_options(const struct ctl_ctx *ctx, int argc, char **argv)
{
	static const struct option none[] = { {} };

	if (getopt_long(argc + 1, argv - 1, "", none, NULL) != -1)
		return ctl_bad_option(ctx, argv - 1);
	return CTL_OK;
}

int ctl_resolve_id(const struct ctl_ctx *ctx, const char *want, const char *const *ids, size_t n,
		   const char **ret_id)
{
	const char *shown[5];
	char list[512] = "";
	size_t matches = 0;
	int r = idprefix_resolve(ids, n, want, ret_id, &matches);

	if (r == 0)
		return CTL_OK;
	if (r != -ENOTUNIQ) {
		*ret_id = want;
		return CTL_OK;
	}
	(void)idprefix_candidates(ids, n, want, shown, ARRAY_SIZE(shown));
	for (size_t i = 0; i < matches && i < ARRAY_SIZE(shown); i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", shown[i]);
	return ctl_err(ctx, CTL_FAILED, "id prefix '%s' is ambiguous, %zu containers match: %s%s", want, matches,
		       list, matches > ARRAY_SIZE(shown) ? ", ..." : "");
}

void ctl_format_time(int64_t at, char *buf, size_t size)
{
	time_t t = (time_t)at;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
