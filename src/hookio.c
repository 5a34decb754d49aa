// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hookio.h"
#include "fileio.h"
#include "util.h"

int hook_read_state(int fd, struct oci_state *ret, const char **ret_why)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	r = read_fd_limited(fd, OCI_STATE_MAX_BYTES, &buf, &len);
	if (r == -EFBIG) {
		*ret_why = "state JSON larger than 1 MiB";
		return r;
	}
	if (r < 0) {
		*ret_why = "cannot read stdin";
		return r;
	}
	return oci_state_parse(buf, len, ret, ret_why);
}
