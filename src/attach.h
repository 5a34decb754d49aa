/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attachments that outlive the container's processes without any pin:
 * programs it attached to a host cgroup with BPF_PROG_ATTACH (recorded by
 * the tracer), and XDP or tc programs it attached over netlink to a host
 * device (invisible to the bpf() tracer: found by asking every device which
 * programs it runs). Only the container's own programs are ever detached,
 * each after checking it is still the one attached there, and never one
 * that a keep rule holds.
 */
#ifndef BPFREAPER_ATTACH_H
#define BPFREAPER_ATTACH_H

#include <stdbool.h>

#include "reaper.h"
#include "tracer.h"

/* Fills res->attach_detached, res->attach_left and res->attach_kept (a
 * kept program's attachments). remove=false only lists. */
int detach_cgroup_attachments(const struct record_list *records, struct reap_result *res, bool remove);
int detach_netdev_attachments(struct reap_result *res, bool remove);

#endif
