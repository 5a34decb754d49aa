/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who keeps a surviving object alive: processes holding an fd of it (a
 * task_file BPF iterator, bpf/holders.bpf.c) and programs that use a map.
 */
#ifndef BPFREAPER_HOLDERS_USER_H
#define BPFREAPER_HOLDERS_USER_H

#include <stddef.h>
#include <stdint.h>

#include "../bpf/holders.h"

struct holder_list {
	struct holder_rec *v;
	size_t n;
};

/* Every open fd of a map, prog or link on the host, except this process's. */
int holders_scan(struct holder_list *ret);
void holder_list_done(struct holder_list *l);
/* Ids of the programs that use map_id (at most max, *ret_n counts all). */
int progs_using_map(uint32_t map_id, uint32_t *ret, size_t max, size_t *ret_n);

#endif
