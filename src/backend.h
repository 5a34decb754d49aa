/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which program set records for the tracer: BPF trampolines on the kernel
 * functions behind bpf(), mkdir and symlink (bpf/trampoline.bpf.c), or
 * syscall exit tracepoints (bpf/tracer.bpf.c). "auto" prefers trampolines
 * and falls back to tracepoints where the kernel refuses them.
 */
#ifndef BPFREAPER_BACKEND_H
#define BPFREAPER_BACKEND_H

enum tracer_backend {
	TRACER_BACKEND_AUTO = 0,
	TRACER_BACKEND_TRAMPOLINE,
	TRACER_BACKEND_TRACEPOINT,
};

#define TRACER_BACKEND_NAMES "auto, trampoline, tracepoint"

const char *tracer_backend_name(enum tracer_backend b);
/* -EINVAL for anything but the names above. */
int tracer_backend_parse(const char *s, enum tracer_backend *ret);

#endif
