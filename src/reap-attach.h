/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Attachments that outlive the container's processes without any pin:
 * programs it attached to a host cgroup with BPF_PROG_ATTACH (recorded by
 * the tracer); XDP or tc programs it attached over netlink to a host device
 * (invisible to the bpf() tracer), and tcx or netkit programs it attached
 * there with BPF_PROG_ATTACH (found by asking every device which programs
 * it runs); a flow dissector it attached to the host's network namespace;
 * sk_msg and sk_skb programs it attached to a host's sockmap.
 * Only the container's own programs are ever detached, each after checking
 * it is still the one attached there, and never one that a keep rule holds.
 *
 * sk_msg/sk_skb programs attach to a sockmap, which holds them: the
 * container's own sockmap goes with its pins, but one attached to a host's
 * sockmap (reached through a pin in a bpffs it binds) stays with that map:
 * detached from every sockmap that is not the container's.
 *
 * Other legacy (non-link) attach points, and why they are not here:
 * lirc_mode2 (a /dev/lirc device passed in) and a legacy struct_ops
 * registration (a map update without BPF_F_LINK) are reported as
 * survivors, not detached: neither can be exercised on the test kernel (no
 * rc-core; struct_ops needs trampolines). sk_lookup, netfilter, tracing and struct_ops
 * links and perf events go with their link or fd; socket filters and
 * reuseport with the socket.
 */
#ifndef BPFREAPER_ATTACH_H
#define BPFREAPER_ATTACH_H

#include <stdbool.h>

#include "reap-result.h"
#include "tracer-records.h"

/* Fills res->attach_detached, res->attach_left and res->attach_kept (a
 * kept program's attachments). remove=false only lists. */
int detach_cgroup_attachments(const struct record_list *records, struct reap_result *res, bool remove);
int detach_netdev_attachments(struct reap_result *res, bool remove);
/* The container's sk_msg/sk_skb programs on sockmaps not its own. */
int detach_sockmap_attachments(struct reap_result *res, bool remove);
/* The flow dissector of the caller's (the host's) network namespace. */
int detach_netns_attachments(struct reap_result *res, bool remove);

#endif
