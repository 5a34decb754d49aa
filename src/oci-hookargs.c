// SPDX-License-Identifier: LGPL-2.1-or-later
#include "oci-hookargs.h"
#include "util.h"

#include <getopt.h>

int hook_args_parse(int argc, char **argv, struct hook_args *ret)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "default-mode", required_argument, NULL, 'd' },
		{ "strict", no_argument, NULL, 's' },
		{ "report-only", no_argument, NULL, 'r' },
		{ "wait-ms", required_argument, NULL, 'w' },
		{},
	};
	struct hook_args a = { .config_path = CONFIG_PATH_DEFAULT, .wait_ms = -1 };
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end = NULL;
		long v;

		switch (c) {
		case 'c':
			if (optarg[0] != '/')
				return -EINVAL;
			a.config_path = optarg;
			break;
		case 'd':
			a.default_mode = mode_from_string(optarg);
			if (a.default_mode == MODE_UNSET)
				return -EINVAL;
			break;
		case 's':
			a.strict = true;
			break;
		case 'r':
			a.report_only = true;
			break;
		case 'w':
			v = strtol(optarg, &end, 10);
			if (!end || *end || v < 0 || v > WAIT_MS_MAX)
				return -EINVAL;
			a.wait_ms = (int)v;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc)
		return -EINVAL;
	*ret = a;
	return 0;
}

int hook_load_config(const struct hook_args *args, struct config *ret, struct br_error *err)
{
	struct config c = { .wait_ms = -1 };
	int r;

	r = config_load(args->config_path, &c, err);
	if (r == -ENOENT) {
		br_error_clear(err);
		*ret = (struct config){ .wait_ms = -1 };
		return 0;
	}
	if (r < 0)
		return r;
	*ret = c;
	return 0;
}
