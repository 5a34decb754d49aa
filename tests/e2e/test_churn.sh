# shellcheck shell=bash
# Long-lived agents make and free objects all their life: the records
# budgets count what is alive, so what outlives the container is recorded
# and removed however much it churned before (bpf/record.h).

# live_records NAME: the container's live object and directory records.
live_records() {
	"$BIN/bpfreaperctl" --json list |
		jq -r --arg id "$E2E_PREFIX-$1" '.containers[] | select(.id == $id) | "\(.object_records) \(.dir_records)"'
}

# 40 000 maps made and closed, 5 000 directories made and removed: more
# than either budget (30 720, 2 048) ever written; the pin and directory
# made last are removed all the same.
test_churn_then_pin() {
	local r
	make_bundle churn "bpfleak churn 40000 && bpfleak dirchurn /sys/fs/bpf/$E2E_PREFIX-churn-d 5000 &&
		mkdir /sys/fs/bpf/$E2E_PREFIX-churn && bpfleak map /sys/fs/bpf/$E2E_PREFIX-churn/m" >/dev/null
	run_ctr churn || fail "$RUNTIME run: $(cat "$WORK/churn.err")"
	r=$(report_of churn)
	assert_eq "overflow" "$(jq -c .overflow "$r")" '{"objects":false,"dirs":false,"pool_dry":false}'
	assert_absent "$P-churn/m"
	assert_absent "$P-churn"
	assert_absent "$P-churn-d"
	assert_freed map "$(ids_of churn map)"
	assert_eq "dropped while running" "$(jq '.records_dropped.freed_objects >= 40000 and .records_dropped.removed_names >= 5000' "$r")" true
	assert_eq "objects listed" "$(jq '.created | length' "$r")" 0
	assert_eq "freed counted" "$(jq '.freed_objects' "$r")" 1
}

# Processes that exit without closing their maps: the exit frees them.
test_exit_churn_then_pin() {
	local r
	make_bundle exitc "bpfleak exitchurn 350 100 && bpfleak map /sys/fs/bpf/$E2E_PREFIX-exitc" >/dev/null
	run_ctr exitc || fail "$RUNTIME run: $(cat "$WORK/exitc.err")"
	r=$(report_of exitc)
	assert_eq "overflow" "$(jq .overflow.objects "$r")" false
	assert_absent "$P-exitc"
	assert_freed map "$(ids_of exitc map)"
}

# A name pinned and unpinned 32 000 times: its records go with each
# unlink. A dropped pin record means a pin may have moved unseen, so the
# views are walked.
test_pin_churn_then_pin() {
	local r
	make_bundle pinc "bpfleak pinchurn /sys/fs/bpf/$E2E_PREFIX-pinc-x 32000 &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-pinc" >/dev/null
	run_ctr pinc || fail "$RUNTIME run: $(cat "$WORK/pinc.err")"
	r=$(report_of pinc)
	assert_eq "overflow" "$(jq .overflow.objects "$r")" false
	assert_eq "pin search" "$(jq -r .timings.pin_search "$r")" walk
	assert_absent "$P-pinc"
	assert_freed map "$(ids_of pinc map)"
}

# Maps freed with the program that held them close nothing themselves:
# gc drops their records while the container runs.
test_gc_drops_records_of_freed_objects() {
	local out n
	make_bundle gcc "bpfleak progchurn 300 && touch /sync/churned &&
		until [ -e /sync/go ]; do sleep 0.05; done && bpfleak map /sys/fs/bpf/$E2E_PREFIX-gcc" >/dev/null
	run_ctr gcc &
	local ctr_pid=$!
	wait_for "$WORK/sync/gcc/churned"
	n=$(live_records gcc)
	[ "${n% *}" -ge 300 ] || fail "live object records before gc: $n"
	for _ in $(seq 40); do
		out=$("$BIN/bpfreaperctl" gc 2>&1)
		n=$(live_records gcc)
		[ "${n% *}" = 0 ] && break
		sleep 0.05
	done
	assert_eq "live object records after gc" "${n% *}" 0
	echo "$out" | grep -q "records of freed objects dropped" || fail "gc said: $out"
	touch "$WORK/sync/gcc/go"
	wait $ctr_pid || fail "$RUNTIME run: $(cat "$WORK/gcc.err")"
	assert_absent "$P-gcc"
}
