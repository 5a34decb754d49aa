# shellcheck shell=bash
# The Debian package under a real systemd (PID 1): the package enables the
# gc timer and the load service, bpfreaper-load.service loads the tracer,
# and bpfreaper-gc.service, in its sandbox, detaches the XDP program a
# container whose poststop never ran left on a host device and writes the
# report to a report_dir under its StateDirectory. Runs in the guest that
#   GUEST_SCRIPT=$PWD/tests/kernels/guest-systemd GUEST_PID1=1 \
#   GUEST_TESTS=test_systemd tests/kernels/run 6.1
# boots; skipped on a host whose PID 1 is not systemd.

# It installs and purges the package.
# shellcheck disable=SC2034 # read by tests/run
E2E_ALONE="test_units_under_systemd"

test_units_under_systemd() {
	local deb r layout_before
	[ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd (tests/kernels/guest-systemd boots one)"
	! dpkg -s bpfreaper >/dev/null 2>&1 || skip "bpfreaper is installed on this host already"
	deb=$(tree_deb)
	trap 'dpkg --purge bpfreaper >/dev/null 2>&1 || true; rm -rf /etc/bpfreaper /var/lib/bpfreaper' EXIT
	SECONDS=0
	dpkg -i "$deb" >"$WORK/dpkg.log" 2>&1 || fail "dpkg -i: $(tail -5 "$WORK/dpkg.log")"
	echo "    installed in ${SECONDS} s" >&2
	assert_eq "timer enabled" "$(systemctl is-enabled bpfreaper-gc.timer)" enabled
	assert_eq "timer active" "$(systemctl is-active bpfreaper-gc.timer)" active
	assert_eq "load service enabled" "$(systemctl is-enabled bpfreaper-load.service)" enabled

	systemctl start bpfreaper-load.service ||
		fail "bpfreaper-load.service: $(journalctl -b -u bpfreaper-load.service --no-pager | tail -5)"
	assert_eq "load service" "$(systemctl is-active bpfreaper-load.service)" active
	assert_present "$TRACER_DIR"

	# A report_dir outside /run/bpfreaper, which ProtectSystem=strict makes
	# read-only unless the unit says otherwise (StateDirectory=).
	mkdir -p /etc/bpfreaper
	echo '{"report_dir": "/var/lib/bpfreaper/reports"}' >/etc/bpfreaper/bpfreaper.json
	veth_up
	# iproute2's layout (tc/globals, ip, xdp), which the container's `ip`
	# makes where the host has none: what of it is this test's.
	layout_before=$(cd "$BPFFS" && ls -d tc ip xdp 2>/dev/null || true)
	make_bundle sd "/usr/sbin/ip link set dev $VETH xdpgeneric obj /progs.o sec xdp" >/dev/null
	host_netns sd
	bundle_edit sd 'del(.hooks.poststop)'
	run_ctr sd || fail "runc run: $(cat "$WORK/sd.err")"
	ip -d link show dev "$VETH" | grep -q "prog/xdp" || fail "the container did not attach XDP"
	assert_present "$(state_of sd)"

	# What the service's own processes see: /etc read-only (a probe run
	# after gc in the same sandbox).
	mkdir -p /run/systemd/system/bpfreaper-gc.service.d
	printf '[Service]\nExecStartPost=/bin/sh -c "touch /etc/bpfreaper-probe 2>/dev/null; echo $$? >/run/bpfreaper/probe"\n' \
		>/run/systemd/system/bpfreaper-gc.service.d/probe.conf
	systemctl daemon-reload
	SECONDS=0
	systemctl start bpfreaper-gc.service ||
		fail "bpfreaper-gc.service: $(journalctl -b -u bpfreaper-gc.service --no-pager | tail -5)"
	! ip -d link show dev "$VETH" | grep -q "prog/xdp" ||
		fail "XDP still attached after bpfreaper-gc.service: $(journalctl -b -u bpfreaper-gc.service --no-pager | tail -5)"
	assert_absent "$(state_of sd)"
	echo "    gc service ran in ${SECONDS} s" >&2
	r=/var/lib/bpfreaper/reports/$E2E_PREFIX-sd.json
	assert_present "$r"
	assert_eq "report by" "$(jq -r .by "$r")" gc
	jq -e '.removed.attachments | map(.where) | any(startswith("xdp skb dev '"$VETH"'"))' "$r" >/dev/null ||
		fail "no xdp detach in report: $(jq -c .removed "$r")"
	# What gc left of the container's names, said for the record; the
	# layout its ip made is removed below if the host had none before.
	echo "    gc left: $(jq -c '{dirs: [.left.dirs[]? | [.path, .why]], symlinks: [.left.symlinks[]? | [.path, .why]]}' "$r")" >&2
	assert_absent /etc/bpfreaper-probe
	assert_eq "touch /etc in gc's sandbox" "$(cat /run/bpfreaper/probe)" 1
	rm -rf /run/systemd/system/bpfreaper-gc.service.d /run/bpfreaper/probe
	systemctl daemon-reload
	veth_down
	if [ -z "$layout_before" ]; then
		rm -f "$BPFFS/ip" "$BPFFS/xdp"
		rmdir "$BPFFS/tc/globals" "$BPFFS/tc" 2>/dev/null || true
	fi
}
