/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What this kernel lets bpfreaper use, found by trying (doctor, and the
 * backend choice at load time). */
#ifndef BPFREAPER_PROBE_H
#define BPFREAPER_PROBE_H

/* 0 if an fentry program on bpf_map_new_fd loads (BPF trampolines work),
 * else the kernel's -errno (-EPERM where trampolines are refused). */
int probe_fentry(void);

#endif
