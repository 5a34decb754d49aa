# shellcheck shell=bash
# BPF tokens (kernel 6.9+): a process in a user namespace with a delegated
# bpffs makes objects through a token. The tracer records by cgroup, not by
# what the attr says, so they are recorded and removed like any other.

# A map made with a token (bpftoken checks that the same create fails with
# EPERM without it) and pinned in the host bpffs: poststop removes the pin
# and the map is freed.
test_token_map_removed() {
	local r rc=0
	make_bundle tok "bpftoken map /sys/fs/bpf/$E2E_PREFIX-tok" >/dev/null
	# Mapping uid 0 into the child's user namespace takes CAP_SETFCAP
	# (verify_root_map), which Docker's and podman's default sets hold.
	bundle_edit tok '.process.capabilities |= with_entries(.value += ["CAP_SETFCAP"])'
	run_ctr tok || rc=$?
	[ $rc -ne 3 ] || skip "this kernel makes no BPF token: $(cat "$WORK/tok.err")"
	[ $rc -eq 0 ] || fail "$RUNTIME run: $(cat "$WORK/tok.err")"
	[ -n "$(ids_of tok map)" ] || fail "bpftoken printed no map: $(cat "$WORK/tok.out")"
	assert_absent "$P-tok"
	assert_freed map "$(ids_of tok map)"
	r=$(report_of tok)
	assert_eq "pins removed" "$(jq -c '[.removed.pins[].path]' "$r")" "[\"$P-tok\"]"
	assert_eq "survivors" "$(jq '.survivors | length' "$r")" 0
}
