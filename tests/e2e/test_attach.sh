# shellcheck shell=bash
# What outlives a container without a pin: programs it attached to a host
# cgroup (legacy BPF_PROG_ATTACH, or a link), XDP/tc programs it attached
# over netlink to a host device, tcx programs it attached there with
# BPF_PROG_ATTACH, a flow dissector it attached to the host's network
# namespace, and sk_msg/sk_skb programs it attached to a host's sockmap.
# After poststop, the host cgroup, device, namespace and sockmap are exactly
# as before the container ran, host programs included.

# Alone on the machine: the XDP tests use iproute2's layout at the top of
# the host bpffs (tc/globals, ip, xdp), which every run's containers share;
# the flow dissector tests, the host network namespace's one flow dissector.
# shellcheck disable=SC2034 # read by tests/run
E2E_ALONE="test_xdp_and_tc_on_a_host_device test_xdp_left_in_report_mode
	test_flow_dissector_on_the_host_netns test_flow_dissector_of_the_host_stays"

# IPROUTE2_LAYOUT: what iproute2 makes at the top of the bpffs on first
# use; iproute2_before: those of them there now (the host's, left alone).
IPROUTE2_LAYOUT="tc ip xdp"
iproute2_before() {
	local e
	for e in $IPROUTE2_LAYOUT; do [ ! -e "$BPFFS/$e" ] && [ ! -L "$BPFFS/$e" ] || echo "$e"; done
}

# assert_iproute2_layout BEFORE: the host's entries are still there, and
# those the container's ip and tc made are gone.
assert_iproute2_layout() {
	local e
	for e in $IPROUTE2_LAYOUT; do
		if grep -qx "$e" <<<"$1"; then
			[ -e "$BPFFS/$e" ] || [ -L "$BPFFS/$e" ] || fail "the host's $BPFFS/$e was removed"
		else
			[ ! -e "$BPFFS/$e" ] && [ ! -L "$BPFFS/$e" ] || fail "$BPFFS/$e, made by the container's iproute2, is left"
		fi
	done
}

test_xdp_and_tc_on_a_host_device() {
	local before after r layout_before ids
	veth_up
	# The host's own programs: XDP on the peer, a tc filter on our device.
	bpftool prog loadall "$ROOT/build/test-progs.bpf.o" "$P-hostprogs" >/dev/null
	ip link set dev "$VPEER" xdpgeneric pinned "$P-hostprogs/xdp_pass"
	tc qdisc add dev "$VETH" clsact
	tc filter add dev "$VETH" egress bpf da pinned "$P-hostprogs/tc_pass"
	before=$(netdev_view)
	layout_before=$(iproute2_before)
	make_bundle net "/usr/sbin/ip link set dev $VETH xdpgeneric obj /progs.o sec xdp &&
		/usr/sbin/tc filter add dev $VETH ingress bpf da obj /progs.o sec tc &&
		/usr/sbin/ip -d link show dev $VETH && /usr/sbin/tc filter show dev $VETH ingress" >/dev/null
	host_netns net
	run_ctr net || fail "$RUNTIME run: $(cat "$WORK/net.err") $(cat "$WORK/net.out")"
	grep -q "prog/xdp" "$WORK/net.out" || fail "the container did not attach XDP: $(cat "$WORK/net.out")"
	# The container's programs as its own ip and tc saw them attached:
	# the kernel, not the report, says whether they were freed.
	ids=$(grep -o 'prog/xdp id [0-9]*' "$WORK/net.out" | awk '{ print $3 }'
		grep 'direct-action' "$WORK/net.out" | grep -o ' id [0-9]*' | awk '{ print $2 }')
	assert_eq "container programs seen attached" "$(echo "$ids" | grep -c .)" 2
	echo "$ids" | sed 's/^/prog /' >"$WORK/netprogs.out"
	after=$(netdev_view)
	r=$(report_of net)
	assert_eq "host device view" "$after" "$before"
	# iproute2 made tc/globals and the symlinks ip and xdp: gone too.
	assert_iproute2_layout "$layout_before"
	jq -e '.removed.attachments | map(.where) | any(startswith("xdp skb dev '"$VETH"'"))' "$r" >/dev/null ||
		fail "no xdp detach in report: $(jq -c .removed "$r")"
	jq -e '.removed.attachments | map(.where) | any(startswith("tc ingress dev '"$VETH"'"))' "$r" >/dev/null ||
		fail "no tc detach in report: $(jq -c .removed "$r")"
	assert_eq "survivors" "$(jq '.survivors | length' "$r")" 0
	assert_freed prog "$ids"
	tc qdisc del dev "$VETH" clsact
	veth_down
	rm -rf "$P-hostprogs"
}

test_xdp_left_in_report_mode() {
	local r e layout_before
	veth_up
	layout_before=$(iproute2_before)
	make_bundle netr "/usr/sbin/ip link set dev $VETH xdpgeneric obj /progs.o sec xdp" >/dev/null
	host_netns netr
	annotate netr io.bpfreaper.mode report
	run_ctr netr || fail "$RUNTIME run: $(cat "$WORK/netr.err")"
	r=$(report_of netr)
	ip -d link show dev "$VETH" | grep -q "prog/xdp" || fail "report mode detached XDP"
	assert_eq "left" "$(jq -r '.left.attachments[0].why' "$r")" "report mode"
	assert_eq "survivor" "$(jq -r '.survivors[0].reason' "$r")" "still attached"
	veth_down
	# Report mode left iproute2's tc/globals, ip and xdp: the test removes
	# those the container made (not there before, listed as left in its
	# report), and nothing else.
	for e in $IPROUTE2_LAYOUT; do
		grep -qx "$e" <<<"$layout_before" && continue
		jq -e --arg p "$BPFFS/$e" '[.left.dirs[]?, .left.symlinks[]? | (.path? // .)] | index($p)' "$r" >/dev/null ||
			continue
		rm -rf "${BPFFS:?}/$e"
	done
	assert_iproute2_layout "$layout_before"
}

test_legacy_attach_and_link_on_a_host_cgroup() {
	local cg=$CG2/$CG_PARENT/$E2E_PREFIX-hostcg before after r
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

# need_tcx: tcx hooks are kernel 6.6+ (the kernel matrix boots 6.1).
need_tcx() {
	"$BPFLEAK" tcxquery lo >/dev/null 2>&1 || skip "no tcx on this kernel (6.6+)"
}

# tcx_view: the programs on $VETH's tcx hooks ("ingress|egress ID LINK"), sorted.
tcx_view() {
	"$BPFLEAK" tcxquery "$VETH" | sort
}

test_tcx_on_a_host_device() {
	local before r ids
	need_tcx
	veth_up
	# The host's own tcx programs on the same hooks, attached first: the
	# container's go after them on each hook.
	"$BPFLEAK" tcx "$VETH" >/dev/null
	before=$(tcx_view)
	make_bundle tcx "bpfleak tcx $VETH" >/dev/null
	host_netns tcx
	run_ctr tcx || fail "$RUNTIME run: $(cat "$WORK/tcx.err")"
	mapfile -t ids < <(ids_of tcx prog)
	assert_eq "container programs" "${#ids[@]}" 2
	r=$(report_of tcx)
	assert_eq "host tcx hooks" "$(tcx_view)" "$before"
	assert_eq "detached" "$(jq -c '[.removed.attachments[].where] | sort' "$r")" \
		"[\"tcx egress dev $VETH\",\"tcx ingress dev $VETH\"]"
	assert_freed prog "${ids[@]}"
	assert_eq "survivors" "$(jq '.survivors | length' "$r")" 0
	veth_down
}

test_tcx_left_in_report_mode() {
	local r
	need_tcx
	veth_up
	make_bundle tcxr "bpfleak tcx $VETH" >/dev/null
	host_netns tcxr
	annotate tcxr io.bpfreaper.mode report
	run_ctr tcxr || fail "$RUNTIME run: $(cat "$WORK/tcxr.err")"
	r=$(report_of tcxr)
	assert_eq "still on the hooks" "$(tcx_view | awk '{ print $2 }' | sort)" "$(ids_of tcxr prog | sort)"
	assert_eq "left" "$(jq -c '[.left.attachments[] | [.where, .why]] | sort' "$r")" \
		"[[\"tcx egress dev $VETH\",\"report mode\"],[\"tcx ingress dev $VETH\",\"report mode\"]]"
	assert_eq "survivors" "$(jq -c '[.survivors[].reason] | unique' "$r")" '["still attached"]'
	veth_down # takes the programs with the device
}

# A keep rule on the container's pins of its tcx programs keeps them
# attached, listed in kept with the rule.
test_tcx_of_a_kept_program_stays() {
	local r
	need_tcx
	veth_up
	make_bundle tcxk "bpfleak tcx $VETH /sys/fs/bpf/$E2E_PREFIX-tcxk" >/dev/null
	host_netns tcxk
	annotate tcxk io.bpfreaper.keep "$P-tcxk-*"
	run_ctr tcxk || fail "$RUNTIME run: $(cat "$WORK/tcxk.err")"
	r=$(report_of tcxk)
	assert_eq "still on the hooks" "$(tcx_view | awk '{ print $2 }' | sort)" "$(ids_of tcxk prog | sort)"
	assert_eq "kept" "$(jq -c '[.kept[] | select(.where) | [.where, .rule]] | sort' "$r")" \
		"[[\"tcx egress dev $VETH\",\"$P-tcxk-*\"],[\"tcx ingress dev $VETH\",\"$P-tcxk-*\"]]"
	rm -f "$P-tcxk-ingress" "$P-tcxk-egress"
	veth_down
}

# A program a tcx link attached goes with its link (detached with the
# container's links); the kernel refuses it to BPF_PROG_DETACH. Report mode
# leaves the link: the report says which link holds the program.
test_tcx_link_reported_as_a_link() {
	local r link
	need_tcx
	veth_up
	make_bundle tcxl "bpfleak tcxlink $VETH /sys/fs/bpf/$E2E_PREFIX-tcxl-link" >/dev/null
	host_netns tcxl
	annotate tcxl io.bpfreaper.mode report
	run_ctr tcxl || fail "$RUNTIME run: $(cat "$WORK/tcxl.err")"
	link=$(ids_of tcxl link)
	r=$(report_of tcxl)
	rm -f "$P-tcxl-link"
	veth_down
	assert_eq "left" "$(jq -c '[.left.attachments[] | [.where, .why]]' "$r")" \
		"[[\"tcx ingress dev $VETH link $link\",\"attached through a link\"]]"
}

# need_no_flow_dissector: a host namespace holds one flow dissector at most,
# and a test must never replace the host's.
need_no_flow_dissector() {
	local held
	held=$("$BPFLEAK" fdquery) || skip "cannot query the flow dissector here"
	[ -z "$held" ] || skip "the host network namespace already runs a flow dissector ($held)"
}

# fd_restore: what runs as the host's flow dissector now, after which none
# does: the host namespace as it was before any assertion can fail.
fd_restore() {
	local held
	held=$("$BPFLEAK" fdquery)
	[ -z "$held" ] || "$BPFLEAK" fddetach "${held#flow_dissector }"
	echo "$held"
}

test_flow_dissector_on_the_host_netns() {
	local r id held
	need_no_flow_dissector
	make_bundle fd "bpfleak fdattach" >/dev/null
	host_netns fd
	run_ctr fd || { fd_restore >/dev/null; fail "$RUNTIME run: $(cat "$WORK/fd.err")"; }
	held=$(fd_restore)
	id=$(ids_of fd prog)
	[ -n "$id" ] || fail "the container attached no flow dissector: $(cat "$WORK/fd.out")"
	r=$(report_of fd)
	assert_eq "host flow dissector" "$held" ""
	assert_eq "detached" "$(jq -c '[.removed.attachments[].where | startswith("flow_dissector netns net:[")]' "$r")" \
		'[true]'
	assert_freed prog "$id"
	assert_eq "survivors" "$(jq '.survivors | length' "$r")" 0
}

# The container attaches the host's program (pinned in the bpffs it binds)
# next to one of its own: it did not create it, so it stays attached,
# unreported.
test_flow_dissector_of_the_host_stays() {
	local r host held
	need_no_flow_dissector
	host=$("$BPFLEAK" fdpin "$P-hostfd" | awk '{ print $2 }')
	make_bundle fdh "bpfleak fdpin /sys/fs/bpf/$E2E_PREFIX-fdh-own &&
		bpfleak fdattach /sys/fs/bpf/$E2E_PREFIX-hostfd" >/dev/null
	host_netns fdh
	run_ctr fdh || { fd_restore >/dev/null; fail "$RUNTIME run: $(cat "$WORK/fdh.err")"; }
	held=$(fd_restore)
	rm -f "$P-hostfd"
	r=$(report_of fdh)
	assert_eq "host flow dissector" "$held" "flow_dissector $host"
	assert_eq "attachments touched" "$(jq -c '[.removed.attachments, .left.attachments] | add' "$r")" '[]'
	assert_eq "container's own program freed" "$(jq '.survivors | length' "$r")" 0
}

# The container attaches its sk_msg program to a host's sockmap (pinned in
# the bpffs it binds); the host's sk_skb program on the same map stays.
test_sk_msg_on_a_host_sockmap() {
	local r id before
	bpftool map create "$P-hostsockmap" type sockmap key 4 value 4 entries 1 name hostsockmap
	"$BPFLEAK" sockmap "$P-hostsockmap" skb >/dev/null
	before=$("$BPFLEAK" sockmapquery "$P-hostsockmap")
	make_bundle skm "bpfleak sockmap /sys/fs/bpf/$E2E_PREFIX-hostsockmap msg" >/dev/null
	run_ctr skm || fail "$RUNTIME run: $(cat "$WORK/skm.err")"
	id=$(ids_of skm prog)
	r=$(report_of skm)
	assert_eq "host sockmap" "$("$BPFLEAK" sockmapquery "$P-hostsockmap")" "$before"
	assert_eq "detached" "$(jq -c '[.removed.attachments[] | [(.where | sub("map [0-9]+"; "map N")), .id]]' "$r")" \
		"[[\"sockmap map N sk_msg_verdict\",$id]]"
	assert_freed prog "$id"
	assert_eq "survivors" "$(jq '.survivors | length' "$r")" 0
	rm -f "$P-hostsockmap"
}
