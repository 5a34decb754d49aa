# shellcheck shell=bash
# What outlives a container without a pin: programs it attached to a host
# cgroup (legacy BPF_PROG_ATTACH, or a link) and XDP/tc programs it attached
# over netlink to a host device. After poststop, the host cgroup and device
# are exactly as before the container ran, host programs included.

test_xdp_and_tc_on_a_host_device() {
	local before after r bpffs_before
	veth_up
	# The host's own programs: XDP on the peer, a tc filter on our device.
	bpftool prog loadall "$ROOT/build/test-progs.bpf.o" "$P-hostprogs" >/dev/null
	ip link set dev "$VPEER" xdpgeneric pinned "$P-hostprogs/xdp_pass"
	tc qdisc add dev "$VETH" clsact
	tc filter add dev "$VETH" egress bpf da pinned "$P-hostprogs/tc_pass"
	before=$(netdev_view)
	bpffs_before=$(ls -A $BPFFS)
	make_bundle net "/usr/sbin/ip link set dev $VETH xdpgeneric obj /progs.o sec xdp &&
		/usr/sbin/tc filter add dev $VETH ingress bpf da obj /progs.o sec tc &&
		/usr/sbin/ip -d link show dev $VETH" >/dev/null
	host_netns net
	run_ctr net || fail "$RUNTIME run: $(cat "$WORK/net.err") $(cat "$WORK/net.out")"
	grep -q "prog/xdp" "$WORK/net.out" || fail "the container did not attach XDP: $(cat "$WORK/net.out")"
	after=$(netdev_view)
	r=$(report_of net)
	assert_eq "host device view" "$after" "$before"
	# iproute2 made tc/globals and the symlinks ip and xdp: gone too.
	assert_eq "host bpffs" "$(ls -A $BPFFS)" "$bpffs_before"
	jq -e '.removed.attachments | map(.where) | any(startswith("xdp skb dev '"$VETH"'"))' "$r" >/dev/null ||
		fail "no xdp detach in report: $(jq -c .removed "$r")"
	jq -e '.removed.attachments | map(.where) | any(startswith("tc ingress dev '"$VETH"'"))' "$r" >/dev/null ||
		fail "no tc detach in report: $(jq -c .removed "$r")"
	assert_eq "survivors" "$(jq '.survivors | length' "$r")" 0
	assert_eq "progs freed" "$(jq '[.created[] | select(.kind == "prog" and .freed)] | length' "$r")" \
		"$(jq '[.created[] | select(.kind == "prog")] | length' "$r")"
	tc qdisc del dev "$VETH" clsact
	veth_down
	rm -rf "$P-hostprogs"
}

test_xdp_left_in_report_mode() {
	local r e bpffs_before
	veth_up
	bpffs_before=$(ls -A $BPFFS)
	make_bundle netr "/usr/sbin/ip link set dev $VETH xdpgeneric obj /progs.o sec xdp" >/dev/null
	host_netns netr
	annotate netr io.bpfreaper.mode report
	run_ctr netr || fail "$RUNTIME run: $(cat "$WORK/netr.err")"
	r=$(report_of netr)
	ip -d link show dev "$VETH" | grep -q "prog/xdp" || fail "report mode detached XDP"
	assert_eq "left" "$(jq -r '.left.attachments[0].why' "$r")" "report mode"
	assert_eq "survivor" "$(jq -r '.survivors[0].reason' "$r")" "still attached"
	veth_down
	# Report mode left iproute2's tc/globals, ip and xdp: the test's to remove.
	for e in $(ls -A $BPFFS); do
		grep -qx "$e" <<<"$bpffs_before" || rm -rf "${BPFFS:?}/$e"
	done
}

test_legacy_attach_and_link_on_a_host_cgroup() {
	local cg=$CG2/$CG_PARENT/hostcg before after r
	mkdir -p "$cg"
	bpftool prog loadall "$ROOT/build/test-progs.bpf.o" "$P-hostprogs" >/dev/null
	bpftool cgroup attach "$cg" ingress pinned "$P-hostprogs/cg_pass" multi
	before=$(bpftool cgroup show "$cg")
	make_bundle cga "bpftool prog loadall /progs.o /sys/fs/bpf/$E2E_PREFIX-cga &&
		bpftool cgroup attach /hostcg ingress pinned /sys/fs/bpf/$E2E_PREFIX-cga/cg_pass multi &&
		bpftool cgroup attach /hostcg egress pinned /sys/fs/bpf/$E2E_PREFIX-cga/cg_pass multi &&
		rm -r /sys/fs/bpf/$E2E_PREFIX-cga &&
		bpfleak cglink /hostcg /sys/fs/bpf/$E2E_PREFIX-cga-link" >/dev/null
	bundle_edit cga '.mounts += [{destination: "/hostcg", type: "bind", source: $cg, options: ["rbind", "rw"]}]' \
		--arg cg "$cg"
	run_ctr cga || fail "$RUNTIME run: $(cat "$WORK/cga.err")"
	after=$(bpftool cgroup show "$cg")
	r=$(report_of cga)
	assert_eq "host cgroup view" "$after" "$before"
	assert_eq "legacy attachments detached" \
		"$(jq '[.removed.attachments[] | select(.where | startswith("cgroup '"$cg"'"))] | length' "$r")" 2
	assert_eq "links detached" "$(jq '.removed.links_detached | length' "$r")" 1
	assert_absent "$P-cga-link"
	assert_eq "survivors" "$(jq '.survivors | length' "$r")" 0
	bpftool cgroup detach "$cg" ingress pinned "$P-hostprogs/cg_pass"
	rm -rf "$P-hostprogs"
	rmdir "$cg"
}
