# shellcheck shell=bash
# bpfreaperctl gc, and crash safety: poststop never ran, or was killed at
# any step; gc (or a rerun) finishes the job and removes nothing else.

# Alone on the machine: gc with tracer_idle unload takes the tracer of its
# run directory away, from every run that shares that directory (the
# default /run/bpfreaper).
# shellcheck disable=SC2034 # read by tests/run
E2E_ALONE="test_gc_cleans_after_missing_poststop"

# A container that leaks a map, a prog holding a map, and a pin in a new
# directory, with poststop missing (no_poststop) or killed at $2.
leaky_bundle() { # NAME [CRASH-AT]
	make_bundle "$1" "mkdir -p /sys/fs/bpf/$E2E_PREFIX-$1/d && bpfleak map /sys/fs/bpf/$E2E_PREFIX-$1/d/m &&
		bpfleak prog /sys/fs/bpf/$E2E_PREFIX-$1-prog && bpfleak map /sys/fs/bpf/$E2E_PREFIX-$1-map" >/dev/null
	if [ -n "${2:-}" ]; then
		crash_hook "$1" poststop "$2"
	else
		bundle_edit "$1" 'del(.hooks.poststop)'
	fi
}

assert_all_gone() { # NAME
	assert_absent "$P-$1"
	assert_absent "$P-$1-prog"
	assert_absent "$P-$1-map"
	assert_freed map "$(ids_of "$1" map)"
	assert_freed prog "$(ids_of "$1" prog)"
	assert_absent "$(state_of "$1")"
	assert_unregistered "$(jq -r .cgroup_id "$(report_of "$1")")"
}

# cgid_of NAME: the cgroup id in NAME's state (while it has one).
cgid_of() {
	jq -r .cgroup_id "$(state_of "$1")"
}

test_gc_cleans_after_missing_poststop() {
	local host_id out
	host_id=$(host_map "$P-host")
	leaky_bundle nops
	run_ctr nops || fail "runc run: $(cat "$WORK/nops.err")"
	assert_present "$P-nops-map"
	assert_present "$(state_of nops)"
	out=$("$BIN/bpfreaperctl" gc) || fail "gc failed: $out"
	echo "$out" | grep -q "$E2E_PREFIX-nops .*cleaned" || fail "gc said: $out"
	assert_all_gone nops
	assert_eq "report by" "$(jq -r .by "$(report_of nops)")" gc
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$(report_of nops)")" 3
	assert_present "$P-host"
	assert_alive map "$host_id"
	# Nothing registered and no state left: the tracer stays loaded by
	# default (no container start pays a cold load), and goes where the
	# operator says so.
	assert_present $TRACER_DIR
	echo '{"tracer_idle": "unload"}' >"$WORK/unload.json"
	"$BIN/bpfreaperctl" gc --config="$WORK/unload.json" >/dev/null || fail "gc with tracer_idle unload failed"
	assert_absent $TRACER_DIR
	rm -f "$P-host"
}

test_gc_leaves_running_container_alone() {
	local out
	make_bundle running "bpfleak map /sys/fs/bpf/$E2E_PREFIX-running && touch /sync/pinned &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	run_ctr running &
	local ctr_pid=$!
	wait_for "$WORK/sync/running/pinned"
	out=$("$BIN/bpfreaperctl" gc) || fail "gc failed: $out"
	echo "$out" | grep -q "$E2E_PREFIX-running .*running" || fail "gc said: $out"
	assert_present "$P-running"
	assert_present "$(state_of running)"
	touch "$WORK/sync/running/go"
	wait $ctr_pid || fail "runc run: $(cat "$WORK/running.err")"
	assert_absent "$P-running"
	assert_eq "report by" "$(jq -r .by "$(report_of running)")" poststop
}

test_gc_dry_run_changes_nothing() {
	local out
	leaky_bundle dry
	run_ctr dry || fail "runc run: $(cat "$WORK/dry.err")"
	out=$("$BIN/bpfreaperctl" --json gc --dry-run) || fail "gc failed: $out"
	assert_eq "action" "$(echo "$out" | jq -r --arg id "$E2E_PREFIX-dry" '.containers[] | select(.id == $id) | .action')" "would clean"
	assert_present "$P-dry-map"
	assert_present "$(state_of dry)"
	"$BIN/bpfreaperctl" gc >/dev/null || fail "gc failed"
	assert_all_gone dry
}

test_gc_reports_corrupt_state_and_leaves_it() {
	local f=$RUN_DIR/state/$E2E_PREFIX-corrupt.json rc=0 out
	echo '{"version": 1, "id": "'"$E2E_PREFIX"'-corrupt", "cgroup_id": "12' >"$f"
	out=$("$BIN/bpfreaperctl" gc 2>&1) || rc=$?
	assert_eq "gc exit" "$rc" 1
	echo "$out" | grep -q "corrupt state" || fail "gc said: $out"
	assert_present "$f"
	rm -f "$f"
}

test_gc_without_state_removes_nothing() {
	local out cgid
	leaky_bundle lost
	run_ctr lost || fail "runc run: $(cat "$WORK/lost.err")"
	cgid=$(cgid_of lost)
	registered "$cgid" || fail "cgroup id $cgid not registered before gc: the test proves nothing"
	rm "$(state_of lost)"
	out=$("$BIN/bpfreaperctl" gc) || fail "gc failed: $out"
	echo "$out" | grep -q "orphan dropped .*4 records\|orphan dropped" || fail "gc said: $out"
	# Without the state's mode and keep rules nothing may be removed.
	assert_present "$P-lost-map"
	assert_present "$P-lost-prog"
	assert_unregistered "$cgid"
	rm -rf "$P-lost" "$P-lost-prog" "$P-lost-map"
}

# The next container's poststop, never its prestart: a start pays for
# registration only.
test_poststop_gc_cleans_one_dead_container() {
	leaky_bundle dead
	run_ctr dead || fail "runc run: $(cat "$WORK/dead.err")"
	assert_present "$(state_of dead)"
	touch -d '2 minutes ago' "$RUN_DIR/gc.stamp"
	make_bundle next "true" >/dev/null
	bundle_edit next '(.hooks[][] | select(.path | endswith("bpfreaper-prestart") or endswith("bpfreaper-poststop"))).env
		= $env' --argjson env "$(hook_env_json "BPFREAPER_LOG_FILE=$WORK/next-hooks.log")"
	run_ctr next || fail "runc run: $(cat "$WORK/next.err")"
	assert_all_gone dead
	grep -q "poststop: gc: container $E2E_PREFIX-dead: cgroup gone" "$WORK/next-hooks.log" ||
		fail "not poststop's gc: $(cat "$WORK/next-hooks.log")"
	! grep -q "prestart: gc" "$WORK/next-hooks.log" || fail "prestart ran a gc"
	assert_eq "report by" "$(jq -r .by "$(report_of dead)")" gc
	# Not again within the minute.
	leaky_bundle dead2
	run_ctr dead2 || fail "runc run: $(cat "$WORK/dead2.err")"
	run_ctr next || fail "runc run: $(cat "$WORK/next.err")"
	assert_present "$(state_of dead2)"
	poststop_now dead2 || fail "poststop of dead2"
	assert_all_gone dead2
}

# Two dead containers, one cleanup per poststop gc: the one left for later
# keeps its records (its registration is not an orphan), and the next gc
# removes its pins.
test_poststop_gc_leaves_the_other_dead_container_whole() {
	local n d left out
	leaky_bundle deada
	leaky_bundle deadb
	run_ctr deada || fail "runc run: $(cat "$WORK/deada.err")"
	run_ctr deadb || fail "runc run: $(cat "$WORK/deadb.err")"
	touch -d '2 minutes ago' "$RUN_DIR/gc.stamp"
	make_bundle next "true" >/dev/null
	run_ctr next || fail "runc run: $(cat "$WORK/next.err")"
	n=0
	for d in deada deadb; do
		if [ -e "$(state_of $d)" ]; then
			n=$((n + 1))
			left=$d
		fi
	done
	assert_eq "dead containers left for later" "$n" 1
	out=$("$BIN/bpfreaperctl" gc) || fail "gc failed: $out"
	assert_all_gone deada
	assert_all_gone deadb
	assert_eq "pins removed by the later gc" "$(jq '.removed.pins | length' "$(report_of $left)")" 3
}

# crun runs no poststop after a failed prestart: gc is what cleans up.
test_gc_after_crun_failed_prestart() {
	local cgid
	# shellcheck disable=SC2034 # run_ctr's runtime
	RUNTIME=crun
	make_bundle crunfail "touch /sync/ran" >/dev/null
	bundle_edit crunfail '.hooks.prestart += [{path: "/bin/false"}]'
	! run_ctr crunfail || fail "crun started it"
	"$(rt_cmd)" delete -f "$E2E_PREFIX-crunfail" >/dev/null 2>&1 || true
	assert_present "$(state_of crunfail)"
	cgid=$(cgid_of crunfail)
	registered "$cgid" || fail "cgroup id $cgid not registered before gc: the test proves nothing"
	"$BIN/bpfreaperctl" gc >/dev/null || fail "gc failed"
	assert_absent "$(state_of crunfail)"
	assert_unregistered "$cgid"
}

# poststop SIGKILLed at each step, then poststop again (the runtime's retry
# or an operator) or gc: the job is finished and the host's pin survives.
kill_point() { # POINT FINISHER
	local name=kp-${1//[^a-z0-9]/-} host_id
	host_id=$(host_map "$P-kphost")
	leaky_bundle "$name" "$1"
	run_ctr "$name" || true
	# Killed before its last step: the state is still there.
	assert_present "$(state_of "$name")"
	case $2 in
	gc) "$BIN/bpfreaperctl" gc >/dev/null || fail "gc after $1 failed" ;;
	poststop)
		echo "{\"ociVersion\":\"1.0.2\",\"id\":\"$E2E_PREFIX-$name\",\"status\":\"stopped\"}" |
			"$BIN/bpfreaper-poststop" 2>/dev/null || fail "poststop rerun after $1 failed"
		;;
	esac
	assert_all_gone "$name"
	assert_present "$P-kphost"
	assert_alive map "$host_id"
	rm -f "$P-kphost"
}

test_kill_points_then_gc() {
	local p
	for p in records-read pin-unlinked pin-unlinked:2 dir-removed report-written records-dropped unregistered; do
		kill_point "$p" gc || fail "kill point $p"
		e2e_clean
	done
}

test_kill_points_then_poststop_again() {
	local p
	for p in records-read pin-unlinked:3 report-written records-dropped unregistered; do
		kill_point "$p" poststop || fail "kill point $p"
		e2e_clean
	done
}

test_prestart_killed_after_state() {
	local cg=$CG2/$CG_PARENT/$E2E_PREFIX-kpre cgid
	make_bundle kpre "touch /sync/ran" >/dev/null
	crash_hook kpre prestart state-written
	# runc takes the cgroup made for it: its id is known before the run
	# (runc removes it afterwards).
	mkdir -p "$cg"
	cgid=$(stat -c %i "$cg")
	! run_ctr kpre || fail "runc started a container whose prestart was killed"
	# runc ran poststop: the state without a registration is forgotten.
	assert_absent "$(state_of kpre)"
	assert_unregistered "$cgid"
}

# A cgroup re-created at the same path is another container: gc goes by id.
test_gc_cgroup_recreated_at_same_path_counts_as_gone() {
	leaky_bundle again
	run_ctr again || fail "runc run: $(cat "$WORK/again.err")"
	assert_present "$(state_of again)"
	mkdir -p "$CG2/$CG_PARENT/$E2E_PREFIX-again"
	"$BIN/bpfreaperctl" gc >/dev/null || fail "gc failed"
	assert_all_gone again
	rmdir "$CG2/$CG_PARENT/$E2E_PREFIX-again"
}

# A container's first 8 records (FIRST_RECORDS) go to the map all share;
# past them it takes a records map from the pool of 2 (POOL_SPARE). Three
# pairs of containers, each pair started once the one before has taken its
# maps: the pair's prestarts find the pool empty and refill it in a process
# of their own (no grace period on a start), so each pair finds its maps.
# Once the containers are gone the poststops give back all but 2: the
# kernel frees those.
test_records_maps_from_the_pool() {
	local i j pids=() cgid maps own=() out kept gone id
	for i in $(seq 6); do
		make_bundle "pl$i" "until [ -e /sync/make ]; do sleep 0.05; done &&
			mkdir /sys/fs/bpf/$E2E_PREFIX-pl$i && bpfleak maps /sys/fs/bpf/$E2E_PREFIX-pl$i 10 &&
			touch /sync/made && until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	done
	for i in 1 3 5; do
		for j in $i $((i + 1)); do
			run_ctr "pl$j" &
			pids+=($!)
		done
		for j in $i $((i + 1)); do wait_for "$(state_of "pl$j")"; done
		for _ in $(seq 100); do [ "$(pool_spare)" = 2 ] && break; sleep 0.1; done
		assert_eq "the pool when pl$i and pl$((i + 1)) have started" "$(pool_spare)" 2
		for j in $i $((i + 1)); do touch "$WORK/sync/pl$j/make"; done
		for j in $i $((i + 1)); do
			exists_within 60 "$WORK/sync/pl$j/made" || fail "pl$j made no maps: $(cat "$WORK/pl$j.err")"
			cgid=$(jq -r .cgroup_id "$(state_of "pl$j")")
			maps=$(records_maps_of "$cgid")
			assert_eq "maps holding pl$j's 20 records (the shared one and its own)" "$(echo "$maps" | wc -l)" 2
			own+=("$(echo "$maps" | tail -1)")
		done
		assert_eq "the pool once pl$i and pl$((i + 1)) took their maps" "$(pool_spare)" 0
	done
	assert_eq "records maps of their own" "$(printf '%s\n' "${own[@]}" | sort -u | wc -l)" 6
	for i in $(seq 6); do touch "$WORK/sync/pl$i/go"; done
	wait "${pids[@]}" || fail "a container failed"
	for i in $(seq 6); do
		assert_eq "pl$i's pins removed" "$(jq '.removed.pins | length' "$(report_of "pl$i")")" 10
		assert_eq "pl$i's records all kept" "$(jq -c .overflow "$(report_of "pl$i")")" \
			'{"objects":false,"dirs":false,"pool_dry":false}'
	done
	for _ in $(seq 100); do [ "$(tracer_slot_maps | wc -l)" = 2 ] && [ "$(pool_spare)" = 2 ] && break; sleep 0.1; done
	assert_eq "records maps left in the slots: the pool's" "$(tracer_slot_maps | wc -l)" 2
	assert_eq "the pool" "$(pool_spare)" 2
	kept=$(tracer_slot_maps)
	gone=$(printf '%s\n' "${own[@]}" | sort | comm -23 - <(echo "$kept" | sort))
	[ "$(echo "$gone" | wc -l)" -ge 4 ] || fail "only $(echo "$gone" | wc -l) of the 6 maps given back"
	# Freed by the kernel, not only dropped from the slots: an array of
	# maps releases its inner map after an RCU grace period.
	for _ in $(seq 50); do
		for id in $gone; do obj_alive map "$id" && { sleep 0.1; continue 2; }; done
		break
	done
	assert_freed map "$gone"
	# Nothing for gc to do with the pool then.
	out=$("$BIN/bpfreaperctl" gc --keep-tracer) || fail "gc failed: $out"
	echo "$out" | grep -q "records maps" && fail "gc changed the pool: $out"
	return 0
}

# With the pool empty (other containers took its maps between two hook
# runs), a container's records past its first 8 go to the map all share
# for that (spill): none is dropped, and its pins are all removed.
test_pool_empty_spills() {
	local r
	make_bundle dry "until [ -e /sync/make ]; do sleep 0.05; done &&
		mkdir /sys/fs/bpf/$E2E_PREFIX-dry && bpfleak maps /sys/fs/bpf/$E2E_PREFIX-dry 10" >/dev/null
	run_ctr dry &
	local pid=$!
	wait_for "$(state_of dry)"
	for _ in $(seq 100); do [ "$(pool_spare)" = 2 ] && break; sleep 0.1; done
	# The maps taken off the stack by hand, as containers would: nothing
	# that tends the pool sees it (its counts are unchanged).
	pool_drain
	touch "$WORK/sync/dry/make"
	wait "$pid" || fail "$RUNTIME run: $(cat "$WORK/dry.err")"
	pool_undrain
	r=$(report_of dry)
	assert_eq "overflow" "$(jq -c .overflow "$r")" '{"objects":false,"dirs":false,"pool_dry":false}'
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$r")" 10
	assert_absent "$P-dry"
}
