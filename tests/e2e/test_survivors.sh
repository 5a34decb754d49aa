# shellcheck shell=bash
# Survivors are never dropped from the report: each says who keeps it alive.

# The holder writes ready (the fd number it holds) once it holds the fd; the
# container waits for it before it exits, so the fd is in the holder's
# table, not in flight in the socket, when poststop looks.
test_map_held_by_a_host_process_is_named() {
	local r pid map
	make_bundle held "until [ -e /sync/sock ]; do sleep 0.05; done; bpfleak send /sync/sock &&
		until [ -e /sync/ready ]; do sleep 0.05; done" >/dev/null
	python3 "$ROOT/tests/helpers/fd-holder.py" "$WORK/sync/held/sock" "$WORK/sync/held/ready" "$WORK/held.release" &
	pid=$!
	run_ctr held || fail "$RUNTIME run: $(cat "$WORK/held.err")"
	assert_present "$WORK/sync/held/ready"
	r=$(report_of held)
	map=$(ids_of held map)
	assert_alive map "$map"
	assert_eq "survivor" "$(jq -r '.survivors[0].id' "$r")" "$map"
	assert_eq "reason" "$(jq -r '.survivors[0].reason' "$r")" "held by a process"
	assert_eq "holder pid" "$(jq -r '.survivors[0].held_by[0].pid' "$r")" "$pid"
	assert_eq "holder fd" "$(jq -r '.survivors[0].held_by[0].fd' "$r")" "$(cat "$WORK/sync/held/ready")"
	touch "$WORK/held.release"
	wait $pid || fail "the holder failed"
	# Closing the last fd frees the map at once.
	assert_freed map "$map"
}

# A survivor between freed objects (ids A < B < C, B held): poststop's
# wait sweeps runs of freed ids with one call each, and must still tell B
# from A and C.
test_survivor_between_freed_objects() {
	local r pid a b c
	make_bundle mid "bpfleak map /sys/fs/bpf/$E2E_PREFIX-mid-a && until [ -e /sync/sock ]; do sleep 0.05; done &&
		bpfleak send /sync/sock && until [ -e /sync/ready ]; do sleep 0.05; done &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-mid-c" >/dev/null
	python3 "$ROOT/tests/helpers/fd-holder.py" "$WORK/sync/mid/sock" "$WORK/sync/mid/ready" "$WORK/mid.release" &
	pid=$!
	run_ctr mid || fail "$RUNTIME run: $(cat "$WORK/mid.err")"
	assert_present "$WORK/sync/mid/ready"
	r=$(report_of mid)
	read -r a b c <<<"$(ids_of mid map | tr '\n' ' ')"
	[ -n "$c" ] || fail "three map ids expected, got: $(ids_of mid map | tr '\n' ' ')"
	assert_eq "survivors" "$(jq -c '[.survivors[].id]' "$r")" "[$b]"
	assert_eq "objects not freed" "$(jq -c '[.created[] | select(.freed | not) | .id]' "$r")" "[$b]"
	assert_freed map "$a" "$c"
	assert_alive map "$b"
	touch "$WORK/mid.release"
	wait $pid || fail "the holder failed"
	assert_freed map "$b"
}

test_map_used_by_a_kept_program_is_named() {
	local r
	make_bundle used "bpfleak prog /sys/fs/bpf/$E2E_PREFIX-used-prog" >/dev/null
	annotate used io.bpfreaper.keep "$P-used-prog"
	prestart_args used --config="$WORK/nowait.json"
	echo '{"wait_ms": 200}' >"$WORK/nowait.json"
	bundle_edit used '(.hooks.poststop[0].args) += ["--wait-ms=200"]'
	run_ctr used || fail "$RUNTIME run: $(cat "$WORK/used.err")"
	r=$(report_of used)
	assert_present "$P-used-prog"
	assert_eq "survivor" "$(jq -r '.survivors[0].id' "$r")" "$(ids_of used map)"
	assert_eq "reason" "$(jq -r '.survivors[0].reason' "$r")" "used by another program"
	assert_eq "used by" "$(jq -r '.survivors[0].used_by_progs[0]' "$r")" "$(ids_of used prog)"
	rm -f "$P-used-prog"
}
