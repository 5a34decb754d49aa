# shellcheck shell=bash
# A node stays bounded: a thousand containers registered at once cost the
# tracer little kernel memory, and without the gc timer (the DaemonSet,
# `make install`) poststop alone keeps the reports within the retention.

# fed_start NAME ARGS..., fed_stop NAME ARGS...: one container's life as a runtime drives the hooks,
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
	# Started by another subshell (the batches start and stop apart): not
	# a child to wait for. Its cgroup empties when it has exited.
	for _ in $(seq 500); do
		grep -q . "$cg/cgroup.procs" || break
		sleep 0.01
	done
	rmdir "$cg"
	printf '{"ociVersion":"1.0.2","id":"%s","status":"stopped","bundle":"%s"}' "$name" "$WORK/bundles/fed" |
		"$BIN/bpfreaper-poststop" "$@" 2>>"$WORK/fed.err" || fail "poststop of $name: $(tail -1 "$WORK/fed.err")"
}

# reports: how many reports the run directory holds (this run's and any
# other's: the retention counts them all).
reports() {
	find "$RUN_DIR/reports" -maxdepth 1 -name '*.json' | wc -l
}

# 1 000 containers, most driven through the hooks as runc drives them (four
# at a time), 40 real runc ones among them, with a retention of 100 and the
# once-a-minute gc never due. The 960 fed ones are all registered at once
# first: the tracer's maps grow by at most 16 KiB for each (issue 26's
# bound; a registration takes no records map). Then they stop, a hundred at
# a time: after every hundred the reports directory holds no more than 100,
# whatever gc did before.
test_reports_bounded_without_timer() {
	local b w i n max=0 keep=100 cfg=$WORK/bounded.json start pids before after per
	printf '{"mode": "enforce", "report_retention": {"count": %d}}' $keep >"$cfg"
	make_bundle fed "true" >/dev/null
	make_bundle real "true" >/dev/null
	bundle_edit real '(.hooks[][] | select(.path | endswith("bpfreaper-prestart") or endswith("bpfreaper-poststop"))).args
		+= ["--config=" + $cfg]' --arg cfg "$cfg"
	start=$(date +%s)
	"$BIN/bpfreaperctl" load >/dev/null
	before=$(tracer_bytes "$TRACER_DIR")
	pids=()
	for w in 0 1 2 3; do
		(for i in $(seq $((w * 240 + 1)) $((w * 240 + 240))); do fed_start "b$i" --config="$cfg"; done) &
		pids+=($!)
	done
	for w in 0 1 2 3; do
		wait "${pids[$w]}" || fail "a fed container failed to start: $(tail -3 "$WORK/fed.err")"
	done
	assert_eq "registered at once" "$(registered_keys | LC_ALL=C comm -12 - <(while read -r id; do printf '%016x\n' "$id"; done <"$WORK/fed.cgids" | LC_ALL=C sort -u) | wc -l)" 960
	after=$(tracer_bytes "$TRACER_DIR")
	per=$(((after - before) / 960))
	echo "    tracer maps: $before bytes before, $after with 960 idle containers registered: $per bytes each" >&2
	[ "$per" -le 16384 ] || fail "$per bytes of tracer maps per registered idle container (bound: 16384)"
	for b in 0 1 2 3 4 5 6 7 8 9; do
		# Only the count at every stop keeps the directory bounded.
		touch "$RUN_DIR/gc.stamp"
		pids=()
		for w in 0 1 2 3; do
			(for i in $(seq $((b * 96 + w * 24 + 1)) $((b * 96 + w * 24 + 24))); do
				touch "$RUN_DIR/gc.stamp"
				fed_stop "b$i" --config="$cfg"
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
