/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging for the entry points only: syslog (journald picks it up, runtimes
 * discard hook stderr), stderr, and an optional log file. Library code in
 * src/ returns -errno and never calls these.
 */
#ifndef BPFREAPER_LOG_H
#define BPFREAPER_LOG_H

#include <syslog.h>

/* BPFREAPER_DEBUG=1 copies debug messages to stderr; BPFREAPER_LOG_FILE=PATH
 * appends every line to PATH (the config's log_file replaces it). */
void log_open(const char *ident);
/* Also append every message to this file (NULL to stop). */
int log_set_file(const char *path);
/* Least urgent priority still copied to stderr (a CLI that prints its own
 * results wants warnings only). BPFREAPER_DEBUG=1 keeps everything. */
void log_set_stderr_max(int priority);
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
