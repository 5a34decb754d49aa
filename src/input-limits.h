/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The size limit of every input the hooks, the runtime wrapper and
 * bpfreaperctl read, one name per input, used by every reader of it. They
 * protect memory only: each is far above what a real host writes.
 * docs/limits.md is this list, generated from it: each limit is an
 * "input:" comment line and its #define (tests/lint/limits checks the table,
 * and that every bounded read, read_fd_limited or read_file_limited, names
 * one of these).
 */
#ifndef BPFREAPER_INPUT_LIMITS_H
#define BPFREAPER_INPUT_LIMITS_H

#include "../bpf/record.h"

/* Kubernetes allows 256 KiB of annotations per object and CRI-O repeats
 * them all in one JSON string (io.kubernetes.cri-o.Annotations), so a state
 * carries well under 1 MiB and a bundle's config.json a few; past these the
 * container runs unrecorded (README, the rule). Annotations have no limit
 * of their own: they count in both. */
/* input: OCI state on a hook's stdin, annotations included */
#define OCI_STATE_MAX_BYTES (16 * 1024 * 1024)
#define OCI_STATE_MAX_TEXT "16 MiB"
/* input: a bundle's config.json */
#define BUNDLE_CONFIG_MAX_BYTES (16 * 1024 * 1024)
#define BUNDLE_CONFIG_MAX_TEXT "16 MiB"
/* input: bpfreaper.json */
#define CONFIG_MAX_BYTES (256 * 1024)
#define CONFIG_MAX_TEXT "256 KiB"
/* A container manager's config (daemon.json, containerd's config.toml and
 * imports, crio.conf): a few KiB; past this it is not one. */
/* input: container manager config files */
#define CONFIGURE_FILE_MAX (4u << 20)
/* A dump is some 10 KiB, the node's merged files. */
/* input: `containerd config dump` output */
#define CONTAINERD_DUMP_MAX_BYTES (1u << 20)
/* input: state/ID.json */
#define STATE_MAX_BYTES (1024 * 1024)
/* A report is written once and read rarely; a larger one is not ours. */
/* input: reports/ID.json */
#define REPORT_MAX_BYTES (64 * 1024 * 1024)
/* Rotated to skipped.1 past this size; read up to twice it, since writers
 * append after checking the size. */
/* input: skipped and skipped.1 (rotated past the limit, read up to twice it) */
#define SKIPPED_MAX_BYTES (64 * 1024)
/* input: counters */
#define COUNTERS_MAX_BYTES 4096
/* At most one entry per registration the tracer can hold, ~80 bytes each. */
/* input: live-sample.json */
#define LIVE_SAMPLE_MAX_BYTES (MAX_REGISTERED_CGROUPS * 128)
/* Hosts running thousands of containers have tens of thousands of mounts. */
/* input: /proc/self/mountinfo */
#define MOUNTINFO_MAX_BYTES (64u << 20)
/* input: a cgroup's cgroup.procs */
#define CGROUP_PROCS_MAX_BYTES (1024 * 1024)
/* input: /proc/PID/cgroup */
#define PROC_CGROUP_MAX_BYTES (64 * 1024)
/* input: /proc/PID/comm (16 bytes in the kernel) */
#define PROC_COMM_MAX_BYTES 64
/* input: /proc/self/uid_map */
#define UID_MAP_MAX_BYTES 4096
/* input: a daemon's pid file */
#define PID_FILE_MAX_BYTES 64
/* One holder_rec per (process, object) fd: far below this on any host; a
 * bound keeps a runaway read finite. */
/* input: the holders iterator's output (bpf/holders.bpf.c) */
#define HOLDERS_OUTPUT_MAX (256u << 20)

#endif
