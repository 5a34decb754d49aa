# shellcheck shell=bash
# Many containers at once: nothing left behind, nothing removed early.

test_fifty_parallel_containers() {
	local i pids=() host_id n=50 half=25
	host_id=$(host_map "$P-scale-host")
	for i in $(seq $n); do
		if [ "$i" -le $half ]; then
			make_bundle "s$i" "bpfleak map /sys/fs/bpf/$E2E_PREFIX-s$i-a && bpfleak map /sys/fs/bpf/$E2E_PREFIX-s$i-b" >/dev/null
		else
			make_bundle "s$i" "bpfleak map /sys/fs/bpf/$E2E_PREFIX-s$i-a && bpfleak map /sys/fs/bpf/$E2E_PREFIX-s$i-b &&
				touch /sync/pinned && until [ -e /sync/go ]; do sleep 0.1; done" >/dev/null
		fi
	done
	for i in $(seq $n); do
		run_ctr "s$i" &
		pids+=($!)
	done
	# The first half runs to the end (poststop included) while the second
	# half still runs: none of the second half's pins may go meanwhile.
	for i in $(seq $half); do
		wait "${pids[$((i - 1))]}" || fail "runc run s$i: $(cat "$WORK/s$i.err")"
	done
	for i in $(seq $((half + 1)) $n); do
		wait_for "$WORK/sync/s$i/pinned"
	done
	for i in $(seq $((half + 1)) $n); do
		assert_present "$P-s$i-a"
		assert_present "$P-s$i-b"
		touch "$WORK/sync/s$i/go"
	done
	for i in $(seq $((half + 1)) $n); do
		wait "${pids[$((i - 1))]}" || fail "runc run s$i: $(cat "$WORK/s$i.err")"
	done
	for i in $(seq $n); do
		assert_absent "$P-s$i-a"
		assert_absent "$P-s$i-b"
		assert_freed map "$(ids_of "s$i" map)"
	done
	assert_eq "state files" "$(find "$RUN_DIR/state" -name "$E2E_PREFIX-*" | wc -l)" 0
	for i in $(seq $n); do assert_unregistered "$(jq -r .cgroup_id "$(report_of "s$i")")"; done
	assert_present "$P-scale-host"
	assert_alive map "$host_id"
	echo "    $n containers: poststop median $(jq -s 'map(.timings.total_us) | sort | .[length/2|floor] / 1000' \
		"$RUN_DIR"/reports/"$E2E_PREFIX"-s*.json) ms" >&2
	rm -f "$P-scale-host"
}
