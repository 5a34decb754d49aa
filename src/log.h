/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging for the entry points only: the journal's native protocol when its
 * socket is there (structured fields: MESSAGE_ID, CONTAINER_ID, POD_NAME...),
 * else syslog (runtimes discard hook stderr); stderr; an optional log file.
 * Library code in src/ returns -errno (and struct br_error, error.h) and
 * never calls these; hooks/, src/ctl/ and src/edge/ do.
 */
#ifndef BPFREAPER_LOG_H
#define BPFREAPER_LOG_H

#include <stddef.h>
#include <syslog.h>

#include "log-journal.h"

/* BPFREAPER_DEBUG=1 copies debug messages to stderr; BPFREAPER_LOG_FILE=PATH
 * appends every line to PATH (the config's log_file replaces it). */
void log_open(const char *ident);
/* Also append every message to this file (NULL to stop). */
int log_set_file(const char *path);
/* Least urgent priority still copied to stderr (a CLI that prints its own
 * results wants warnings only). BPFREAPER_DEBUG=1 keeps everything. */
void log_set_stderr_max(int priority);
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Stable MESSAGE_IDs, one per kind of event (`journalctl MESSAGE_ID=...`);
 * never change one: operators filter and alert on them. */
#define LOG_ID_REGISTERED "5e241c7aad0c44886925a62d59fd1101" /* prestart registered a container */
#define LOG_ID_SKIPPED "bd239843e83d6b113128342e9f677b84"    /* it runs unrecorded (own trouble) */
#define LOG_ID_CLEANED "164fecf22d6443df43b0beee92f8c40d"    /* poststop's summary, nothing survived */
#define LOG_ID_SURVIVORS "485673ab3237c808abaf822a23187e42"  /* poststop's summary, something survived */
#define LOG_ID_GC_CLEANED "16147e42677b4f3cb8a6912b80976262" /* gc finished a container's teardown */
#define LOG_ID_ERROR "9d07b244203204944a582625920bf663"      /* a hook or gc step failed */
#define LOG_ID_LIVE_BUDGET "a3c1e07f5b2d4e6c9a81f04d27b6c3e5" /* a running container crossed its live budget */

/* A structured event: the message as log_msg() writes it everywhere, plus
 * MESSAGE_ID and the fields in the journal (fields with an empty value are
 * left out). */
typedef struct journal_field log_field;
void log_event(int priority, const char *message_id, const log_field *fields, size_t n_fields, const char *fmt,
	       ...) __attribute__((format(printf, 5, 6)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
