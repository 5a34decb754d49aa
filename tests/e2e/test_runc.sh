# shellcheck shell=bash
# End-to-end: real runc containers that leak eBPF objects into the host's
# bpffs, with bpfreaper's hooks in config.json. Each test_* runs under set -e.


test_pinned_map_removed_host_pin_before_survives() {
	local host_id
	host_id=$(host_map "$P-before")
	make_bundle pinned "bpfleak map /sys/fs/bpf/$E2E_PREFIX-pinned" >/dev/null
	run_ctr pinned || fail "runc run: $(cat "$WORK/pinned.err")"
	assert_absent "$P-pinned"
	assert_freed map "$(ids_of pinned map)"
	assert_present "$P-before"
	assert_alive map "$host_id"
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$(report_of pinned)")" 1
	assert_eq "survivors" "$(jq '.survivors | length' "$(report_of pinned)")" 0
	assert_absent "/run/bpfreaper/state/$E2E_PREFIX-pinned.json"
	rm -f "$P-before"
}

test_pinned_prog_holding_map() {
	make_bundle prog "bpfleak prog /sys/fs/bpf/$E2E_PREFIX-prog" >/dev/null
	run_ctr prog || fail "runc run: $(cat "$WORK/prog.err")"
	assert_absent "$P-prog"
	# The map is held only by the program: both must go.
	assert_freed prog "$(ids_of prog prog)"
	assert_freed map "$(ids_of prog map)"
}

test_nested_dirs_removed() {
	make_bundle nested "mkdir -p /sys/fs/bpf/$E2E_PREFIX-nest/a/b &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-nest/a/b/m && bpfleak map /sys/fs/bpf/$E2E_PREFIX-nest/top" >/dev/null
	run_ctr nested || fail "runc run: $(cat "$WORK/nested.err")"
	assert_absent "$P-nest"
	assert_freed map $(ids_of nested map)
	assert_eq "dirs removed" "$(jq '.removed.dirs | length' "$(report_of nested)")" 3
}

test_dir_that_existed_before_is_kept() {
	mkdir -p "$P-existing"
	make_bundle existing "mkdir -p /sys/fs/bpf/$E2E_PREFIX-existing/new &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-existing/new/m" >/dev/null
	run_ctr existing || fail "runc run: $(cat "$WORK/existing.err")"
	assert_absent "$P-existing/new"
	assert_present "$P-existing"
	rmdir "$P-existing"
}

test_renamed_and_hardlinked_pins() {
	make_bundle renamed "bpfleak map /sys/fs/bpf/$E2E_PREFIX-orig &&
		mv /sys/fs/bpf/$E2E_PREFIX-orig /sys/fs/bpf/$E2E_PREFIX-moved &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-linked && ln /sys/fs/bpf/$E2E_PREFIX-linked /sys/fs/bpf/$E2E_PREFIX-hardlink" >/dev/null
	run_ctr renamed || fail "runc run: $(cat "$WORK/renamed.err")"
	assert_absent "$P-moved"
	assert_absent "$P-linked"
	assert_absent "$P-hardlink"
	assert_freed map $(ids_of renamed map)
}

test_second_poststop_is_a_noop() {
	local host_id out rc
	make_bundle twice "bpfleak map /sys/fs/bpf/$E2E_PREFIX-twice" >/dev/null
	run_ctr twice || fail "runc run: $(cat "$WORK/twice.err")"
	assert_absent "$P-twice"
	# The host now reuses the path; a repeated poststop must not touch it.
	host_id=$(host_map "$P-twice")
	rc=0
	out=$(echo "{\"ociVersion\":\"1.0.2\",\"id\":\"$E2E_PREFIX-twice\",\"status\":\"stopped\"}" |
		"$BIN/bpfreaper-poststop" 2>&1) || rc=$?
	assert_eq "second poststop exit" "$rc" 0
	echo "$out" | grep -q "nothing to do" || fail "second poststop said: $out"
	assert_present "$P-twice"
	assert_alive map "$host_id"
	rm -f "$P-twice"
}

test_objects_from_nested_child_cgroup() {
	local id=$E2E_PREFIX-child
	make_bundle child "until [ -e /sync/go ]; do sleep 0.05; done; bpfleak map /sys/fs/bpf/$E2E_PREFIX-child" >/dev/null
	run_ctr child &
	local runc_pid=$!
	wait_for "$CG2/$CG_PARENT/$id/cgroup.procs"
	sleep 0.2
	# Move the container's process into a child cgroup it "made".
	mkdir "$CG2/$CG_PARENT/$id/inner"
	for p in $(cat "$CG2/$CG_PARENT/$id/cgroup.procs"); do echo "$p" >"$CG2/$CG_PARENT/$id/inner/cgroup.procs"; done
	touch "$WORK/sync/child/go"
	wait $runc_pid || fail "runc run: $(cat "$WORK/child.err")"
	assert_absent "$P-child"
	assert_freed map "$(ids_of child map)"
}

test_unpinned_map_nothing_to_do() {
	make_bundle nopin "bpfleak nopin" >/dev/null
	run_ctr nopin || fail "runc run: $(cat "$WORK/nopin.err")"
	assert_freed map "$(ids_of nopin map)"
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$(report_of nopin)")" 0
	assert_eq "objects recorded" "$(jq '[.created[] | select(.kind == "map")] | length' "$(report_of nopin)")" 1
}

test_host_pin_made_during_container_survives() {
	local host_id
	make_bundle during "bpfleak map /sys/fs/bpf/$E2E_PREFIX-during-ctr && touch /sync/pinned &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	run_ctr during &
	local runc_pid=$!
	wait_for "$WORK/sync/during/pinned"
	host_id=$(host_map "$P-during-host")
	touch "$WORK/sync/during/go"
	wait $runc_pid || fail "runc run: $(cat "$WORK/during.err")"
	assert_absent "$P-during-ctr"
	assert_present "$P-during-host"
	assert_alive map "$host_id"
	rm -f "$P-during-host"
}

test_host_object_at_path_container_used_survives() {
	local host_id
	make_bundle reuse "bpfleak map /sys/fs/bpf/$E2E_PREFIX-reuse && rm /sys/fs/bpf/$E2E_PREFIX-reuse &&
		touch /sync/unpinned && until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	run_ctr reuse &
	local runc_pid=$!
	wait_for "$WORK/sync/reuse/unpinned"
	host_id=$(host_map "$P-reuse")
	touch "$WORK/sync/reuse/go"
	wait $runc_pid || fail "runc run: $(cat "$WORK/reuse.err")"
	assert_present "$P-reuse"
	assert_alive map "$host_id"
	assert_freed map "$(ids_of reuse map)"
	rm -f "$P-reuse"
}

test_thousand_pins() {
	make_bundle many "mkdir /sys/fs/bpf/$E2E_PREFIX-many && bpfleak maps /sys/fs/bpf/$E2E_PREFIX-many 1000" >/dev/null
	run_ctr many || fail "runc run: $(cat "$WORK/many.err")"
	assert_eq "maps made" "$(ids_of many map | wc -l)" 1000
	assert_absent "$P-many"
	assert_freed map $(ids_of many map)
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$(report_of many)")" 1000
	echo "    1000 pins: poststop took $(jq '.timings.total_us / 1000' "$(report_of many)") ms" >&2
}

test_parallel_containers() {
	local i pids=() host_id
	host_id=$(host_map "$P-par-host")
	for i in 1 2 3 4 5 6; do
		make_bundle "par$i" "mkdir /sys/fs/bpf/$E2E_PREFIX-par$i && bpfleak maps /sys/fs/bpf/$E2E_PREFIX-par$i 20 &&
			bpfleak prog /sys/fs/bpf/$E2E_PREFIX-par$i-prog" >/dev/null
	done
	for i in 1 2 3 4 5 6; do
		run_ctr "par$i" &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || fail "runc run par$((i + 1)): $(cat "$WORK/par$((i + 1)).err")"
	done
	for i in 1 2 3 4 5 6; do
		assert_absent "$P-par$i"
		assert_absent "$P-par$i-prog"
		assert_freed map $(ids_of "par$i" map)
		assert_eq "par$i pins removed" "$(jq '.removed.pins | length' "$(report_of "par$i")")" 21
	done
	assert_alive map "$host_id"
	rm -f "$P-par-host"
}

test_create_runtime_stage() {
	make_bundle crt "bpfleak map /sys/fs/bpf/$E2E_PREFIX-crt" createRuntime >/dev/null
	run_ctr crt || fail "runc run: $(cat "$WORK/crt.err")"
	assert_absent "$P-crt"
	assert_freed map "$(ids_of crt map)"
}
