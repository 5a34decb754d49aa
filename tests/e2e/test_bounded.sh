# shellcheck shell=bash
# A node without the gc timer (the DaemonSet, `make install`) stays bounded:
# poststop alone keeps the reports within the retention and gives spare
# records maps back.

# fed_run NAME ARGS...: one container's life as a runtime drives the hooks,
# without the runtime: a real cgroup with a real process in it, prestart
# fed the OCI state while it runs (the bundle make_bundle fed made), then
# the process ends, the cgroup goes, and poststop is fed the stopped state.
# ARGS go to both hooks. Much cheaper than runc, so that a thousand fit in
# a test.
fed_start() {
	local name=$E2E_PREFIX-$1 cg=$CG2/$CG_PARENT/$E2E_PREFIX-$1 pid
	shift
	mkdir -p "$cg"
	sleep 600 &
	pid=$!
	echo "$pid" >"$cg/cgroup.procs"
	echo "$pid" >"$WORK/$name.pid"
	stat -c %i "$cg" >>"$WORK/fed.cgids"
	printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":%d,"bundle":"%s"}' "$name" "$pid" "$WORK/bundles/fed" |
		"$BIN/bpfreaper-prestart" "$@" 2>>"$WORK/fed.err" || fail "prestart of $name: $(tail -1 "$WORK/fed.err")"
}

fed_stop() {
	local name=$E2E_PREFIX-$1 cg=$CG2/$CG_PARENT/$E2E_PREFIX-$1 pid
	shift
	pid=$(cat "$WORK/$name.pid")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	rmdir "$cg"
	printf '{"ociVersion":"1.0.2","id":"%s","status":"stopped","bundle":"%s"}' "$name" "$WORK/bundles/fed" |
		"$BIN/bpfreaper-poststop" "$@" 2>>"$WORK/fed.err" || fail "poststop of $name: $(tail -1 "$WORK/fed.err")"
}

fed_run() {
	fed_start "$@"
	fed_stop "$@"
}

# reports: how many reports the run directory holds (this run's and any
# other's: the retention counts them all).
reports() {
	find "$RUN_DIR/reports" -maxdepth 1 -name '*.json' | wc -l
}

# 1 000 containers, most driven through the hooks as runc drives them (four
# at a time), 40 real runc ones among them, with a retention of 100 and the
# once-a-minute gc never due: after every hundred the reports directory
# holds no more than 100, whatever gc did before.
test_reports_bounded_without_timer() {
	local b w i n max=0 keep=100 cfg=$WORK/bounded.json start pids
	printf '{"mode": "enforce", "report_retention": {"count": %d}}' $keep >"$cfg"
	make_bundle fed "true" >/dev/null
	make_bundle real "true" >/dev/null
	bundle_edit real '(.hooks[][] | select(.path | endswith("bpfreaper-prestart") or endswith("bpfreaper-poststop"))).args
		+= ["--config=" + $cfg]' --arg cfg "$cfg"
	start=$(date +%s)
	for b in $(seq 0 9); do
		# Only the count at every stop keeps the directory bounded.
		touch "$RUN_DIR/gc.stamp"
		pids=()
		for w in 0 1 2 3; do
			(for i in $(seq $((b * 100 + w * 25 + 1)) $((b * 100 + w * 25 + 24))); do
				touch "$RUN_DIR/gc.stamp"
				fed_run "b$i" --config="$cfg"
			done) &
			pids+=($!)
		done
		for w in 0 1 2 3; do
			run_ctr real || fail "runc run: $(cat "$WORK/real.err")"
		done
		assert_present "$(report_of real)"
		for w in 0 1 2 3; do
			wait "${pids[$w]}" || fail "a fed container failed: $(tail -3 "$WORK/fed.err")"
		done
		n=$(reports)
		[ "$n" -le $keep ] || fail "$n reports after $(((b + 1) * 100)) containers, retention $keep"
		[ "$n" -gt $max ] && max=$n
	done
	assert_eq "reports at the end" "$(reports)" $keep
	echo "    1000 containers (40 of them runc) in $(($(date +%s) - start)) s, at most $max reports" >&2
	assert_eq "state files" "$(find "$RUN_DIR/state" -name "$E2E_PREFIX-*" | wc -l)" 0
	# This test's containers only: other runs may share the tracer.
	assert_eq "this test's containers still registered" \
		"$(registered_keys | LC_ALL=C comm -12 - <(while read -r id; do printf '%016x\n' "$id"; done <"$WORK/fed.cgids" | LC_ALL=C sort -u))" ""
}

# A burst of 40 containers at once leaves 40 records maps in free slots;
# the next stop whose once-a-minute gc is due gives back all but 16.
test_poststop_gives_spare_records_maps_back() {
	local i n log=$WORK/trim.log
	make_bundle fed "true" >/dev/null
	for i in $(seq 40); do fed_start "t$i"; done
	for i in $(seq 40); do
		touch "$RUN_DIR/gc.stamp"
		fed_stop "t$i"
	done
	touch -d '2 minutes ago' "$RUN_DIR/gc.stamp"
	BPFREAPER_LOG_FILE=$log fed_run t41
	# At least this test's 40 less the 16 kept; more where earlier runs
	# left spare ones in this tracer.
	n=$(sed -n 's/.*poststop: gc: \([0-9]*\) unused records maps freed.*/\1/p' "$log")
	[ -n "$n" ] && [ "$n" -ge 24 ] || fail "poststop said: $(cat "$log")"
	# The spare ones left are 16; the other slots are containers' still
	# registered (other runs').
	assert_eq "records maps left in the slots" "$(tracer_slot_maps | grep -c .)" $((16 + $(registrations)))
}
