/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attachments that outlive the container's processes without any pin:
 * programs it attached to a host cgroup with BPF_PROG_ATTACH (recorded by
 * the tracer); XDP or tc programs it attached over netlink to a host device
 * (invisible to the bpf() tracer), and tcx or netkit programs it attached
 * there with BPF_PROG_ATTACH (found by asking every device which programs
 * it runs); a flow dissector it attached to the host's network namespace.
 * Only the container's own programs are ever detached, each after checking
 * it is still the one attached there, and never one that a keep rule holds.
 *
 * Other legacy (non-link) attach points, and why they are not here:
 * sk_msg/sk_skb programs attach to a sockmap, which holds them: the
 * container's own sockmap goes with its pins; one attached to a host's
 * sockmap stays, reported as a survivor (the record names the target by an
 * anonymous inode, not the map). lirc_mode2 needs a /dev/lirc device passed
 * in (no rc-core on this test kernel): reported, not detached. sk_lookup,
 * netfilter, tracing, struct_ops links and perf events are link- or
 * fd-bound and go with the link or fd; socket filters and reuseport with
 * the socket.
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
/* The flow dissector of the caller's (the host's) network namespace. */
int detach_netns_attachments(struct reap_result *res, bool remove);

#endif
