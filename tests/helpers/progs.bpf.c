// SPDX-License-Identifier: GPL-2.0
/* Programs that test containers attach where they outlive them: XDP and tc
 * on a host device, cgroup_skb on a host cgroup. They pass everything. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("tc")
int tc_pass(struct __sk_buff *skb)
{
	(void)skb;
	return 0; /* TC_ACT_OK */
}

SEC("cgroup_skb/ingress")
int cg_pass(struct __sk_buff *skb)
{
	(void)skb;
	return 1;
}
