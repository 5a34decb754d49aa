# shellcheck shell=bash
# One container id run again (podman start/restart, restart policies, systemd
# units) after a run whose poststop never finished: the later run's prestart
# keeps the earlier run's state, and the earlier run's pins are removed by the
# id's next poststop or by gc, each run with its own report.

# A container that pins a map named after its run: $P-NAME-1 on its first
# run, $P-NAME-2 on the next (the /sync directory outlives the runs).
restart_bundle() { # NAME
	make_bundle "$1" "if [ -e /sync/ran-1 ]; then n=2; else n=1; touch /sync/ran-1; fi &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-$1-\$n" >/dev/null
	annotate "$1" io.bpfreaper.mode enforce
}

# poststop_crash NAME AT: the next runs' poststop is killed at AT ("" for a
# poststop that runs to the end).
poststop_crash() {
	if [ -n "$2" ]; then
		crash_hook "$1" poststop "$2"
	else
		bundle_edit "$1" 'del(.hooks.poststop[0].env) | .hooks.poststop[0].path = $post' --arg post "$BIN/bpfreaper-poststop"
	fi
}

# map_ids NAME: the maps both runs made (run_ctr keeps only the last
# run's output: the first run's is saved with save_run1).
map_ids() {
	cat "$WORK/$1.out" "$WORK/$1-run1.out" 2>/dev/null | awk '$1 == "map" { print $2 }'
}

save_run1() {
	cp "$WORK/$1.out" "$WORK/$1-run1.out"
}

# first_run_unfinished NAME: NAME's first run, its poststop killed after it
# read the records; RUN1_CGROUP is the run's cgroup id. Later runs' poststop
# is not killed. (Not a $(...): set -e does not reach into one.)
first_run_unfinished() {
	restart_bundle "$1"
	poststop_crash "$1" records-read
	run_ctr "$1" || fail "runc run 1: $(cat "$WORK/$1.err")"
	assert_present "$P-$1-1"
	save_run1 "$1"
	RUN1_CGROUP=$(jq -r .cgroup_id "$(state_of "$1")")
	poststop_crash "$1" ""
}

# earlier_report NAME: the report of the one earlier run of NAME.
earlier_report() {
	local f
	for f in "$RUN_DIR/reports/$E2E_PREFIX-$1"@*.json; do
		[ -e "$f" ] && echo "$f"
	done
}

# After both runs: each run's pin removed and its map freed, one report per
# run saying which run it was, no state or registration left.
assert_both_runs_reaped() { # NAME RUN1-CGID BY
	local name=$1 cg1=$2 by=$3 r1 r2
	assert_absent "$P-$name-1"
	assert_absent "$P-$name-2"
	assert_freed map "$(map_ids "$name")"
	r1=$(earlier_report "$name")
	r2=$(report_of "$name")
	assert_eq "earlier report" "$r1" "$RUN_DIR/reports/$E2E_PREFIX-$name@$cg1.json"
	assert_eq "earlier run" "$(jq -r .run.earlier "$r1")" true
	assert_eq "earlier run's cgroup" "$(jq -r .cgroup_id "$r1")" "$cg1"
	assert_eq "earlier run removed" "$(jq -r '[.removed.pins[].path] | join(" ")' "$r1")" "$P-$name-1"
	assert_eq "earlier run by" "$(jq -r .by "$r1")" "$by"
	assert_eq "later run" "$(jq -r .run.earlier "$r2")" false
	[ "$(jq -r .cgroup_id "$r2")" != "$cg1" ] || fail "both reports name cgroup $cg1"
	assert_eq "later run removed" "$(jq -r '[.removed.pins[].path] | join(" ")' "$r2")" "$P-$name-2"
	[ "$(jq -r .run.registered_ns "$r1")" -lt "$(jq -r .run.registered_ns "$r2")" ] ||
		fail "the earlier run registered after the later one"
	assert_absent "$(state_of "$name")"
	! compgen -G "$RUN_DIR/state/$E2E_PREFIX-$name@*.json" >/dev/null || fail "an earlier run's state is left"
	! registered "$cg1" || fail "cgroup $cg1 is still registered"
	! registered "$(jq -r .cgroup_id "$r2")" || fail "the later run's cgroup is still registered"
}

# runc: the same id run twice, the first run's poststop killed after it read
# the records; the second run's poststop removes both runs' pins.
test_rerun_after_killed_poststop_runc() {
	local cg1 out
	first_run_unfinished rr
	cg1=$RUN1_CGROUP
	bundle_edit rr '.hooks.prestart[0].env = $env' --argjson env "$(hook_env_json "BPFREAPER_LOG_FILE=$WORK/rr-prestart.log")"
	run_ctr rr || fail "runc run 2: $(cat "$WORK/rr.err")"
	grep -q "earlier run (cgroup id $cg1) was never finished" "$WORK/rr-prestart.log" ||
		fail "prestart did not say it kept the earlier run: $(cat "$WORK/rr-prestart.log")"
	assert_both_runs_reaped rr "$cg1" poststop
	out=$("$BIN/bpfreaperctl" report "$E2E_PREFIX-rr") || fail "report: $out"
	echo "$out" | grep -q "EARLIER RUN" || fail "report does not say which run: $out"
}

# Neither run's poststop finishes: gc finishes both, each with its own records.
test_rerun_gc_finishes_both_runs() {
	local cg1 out
	first_run_unfinished rg
	cg1=$RUN1_CGROUP
	poststop_crash rg records-read
	run_ctr rg || fail "runc run 2: $(cat "$WORK/rg.err")"
	assert_present "$P-rg-1"
	assert_present "$P-rg-2"
	assert_present "$RUN_DIR/state/$E2E_PREFIX-rg@$cg1.json"
	registered "$cg1" || fail "the earlier run's registration was dropped"
	out=$("$BIN/bpfreaperctl" --json list) || fail "list: $out"
	assert_eq "listed runs" "$(echo "$out" | jq -c --arg id "$E2E_PREFIX-rg" '[.containers[] | select(.id == $id) | .earlier_run] | sort')" '[false,true]'
	out=$("$BIN/bpfreaperctl" --json show "$E2E_PREFIX-rg") || fail "show: $out"
	assert_eq "records of the earlier run" "$(echo "$out" | jq -r --arg cg "$cg1" '[.[] | select(.cgroup_id == $cg and .record == "pin") | .path] | join(" ")')" "/sys/fs/bpf/$E2E_PREFIX-rg-1"
	out=$("$BIN/bpfreaperctl" gc) || fail "gc failed: $out"
	echo "$out" | grep -q "$E2E_PREFIX-rg .*cleaned *(earlier run)" || fail "gc said: $out"
	assert_both_runs_reaped rg "$cg1" gc
}

# prestart killed right after it kept the earlier run's state: that state
# is under its new name, and the failed start's poststop finishes it.
test_rerun_prestart_killed_after_keeping() {
	local cg1
	first_run_unfinished rk
	cg1=$RUN1_CGROUP
	crash_hook rk prestart earlier-kept
	! run_ctr rk || fail "runc ran the container with its prestart killed"
	assert_absent "$P-rk-1"
	assert_absent "$P-rk-2"
	assert_freed map "$(map_ids rk)"
	assert_eq "earlier run" "$(jq -r .run.earlier "$(earlier_report rk)")" true
	assert_absent "$(state_of rk)"
	! registered "$cg1" || fail "cgroup $cg1 is still registered"
}

# podman start of a stopped container, twice: the first run's poststop
# killed, the second's not. Run through podman's own hooks.d.
pm_restart_once() { # NAME
	local name=$1 id cg1
	install_hooksd
	# The test build's poststop: the shipped one has no kill points.
	jq '.hook.path = $post | .hook.env = ((.hook.env // $env) + ["BPFREAPER_CRASH_AT=records-read"])' \
		--arg post "$TEST_BIN/bpfreaper-poststop" --argjson env "$(hook_env_json)" \
		"$WORK/hooks.d/bpfreaper-poststop.json" \
		>"$WORK/hooks.d/poststop.new" && mv "$WORK/hooks.d/poststop.new" "$WORK/hooks.d/bpfreaper-poststop.json"
	mkdir -p "$WORK/sync/$name"
	rm -f "$WORK/$name.cid"
	pm create --cgroup-parent "/$CG_PARENT/podman" --name "$E2E_PREFIX-$name" --cidfile "$WORK/$name.cid" \
		--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--cap-add SYS_ADMIN,BPF,PERFMON,NET_ADMIN --annotation io.bpfreaper.mode=enforce \
		-v /sys/fs/bpf:/sys/fs/bpf -v "$WORK/sync/$name:/sync" \
		--rootfs "$WORK/rootfs" sh -c "if [ -e /sync/ran-1 ]; then n=2; else n=1; touch /sync/ran-1; fi &&
			bpfleak map /sys/fs/bpf/$E2E_PREFIX-$name-\$n" >/dev/null 2>"$WORK/$name.err" ||
		fail "podman create: $(cat "$WORK/$name.err")"
	id=$(cat "$WORK/$name.cid")
	pm start -a "$E2E_PREFIX-$name" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null ||
		fail "podman start 1: $(cat "$WORK/$name.err")"
	# poststop runs in podman's cleanup; this one waits for it.
	pm container cleanup "$E2E_PREFIX-$name" >/dev/null 2>&1 || true
	assert_present "$P-$name-1"
	save_run1 "$name"
	cg1=$(jq -r .cgroup_id "$RUN_DIR/state/$id.json")
	install_hooksd
	pm start -a "$E2E_PREFIX-$name" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null ||
		fail "podman start 2: $(cat "$WORK/$name.err")"
	pm container cleanup "$E2E_PREFIX-$name" >/dev/null 2>&1 || true
	wait_for "$RUN_DIR/reports/$id.json"
	assert_absent "$P-$name-1"
	assert_absent "$P-$name-2"
	assert_freed map "$(map_ids "$name")"
	assert_absent "$RUN_DIR/state/$id.json"
	assert_absent "$RUN_DIR/state/$id@$cg1.json"
	assert_eq "earlier run" "$(jq -r .run.earlier "$RUN_DIR/reports/$id@$cg1.json")" true
	assert_eq "earlier run removed" "$(jq -r '[.removed.pins[].path] | join(" ")' "$RUN_DIR/reports/$id@$cg1.json")" "$P-$name-1"
	assert_eq "later run" "$(jq -r .run.earlier "$RUN_DIR/reports/$id.json")" false
	assert_eq "later run removed" "$(jq -r '[.removed.pins[].path] | join(" ")' "$RUN_DIR/reports/$id.json")" "$P-$name-2"
	! registered "$cg1" || fail "cgroup $cg1 is still registered"
	pm rm -f "$E2E_PREFIX-$name" >/dev/null 2>&1
	rm -f "$RUN_DIR"/reports/"$id"*.json
}

test_rerun_podman_start_after_killed_poststop() {
	need_tool podman
	pm_restart_once pr1
	# Again, the same way: nothing of the first pass is in the way.
	pm_restart_once pr2
}

# The same run registered twice (prestart and createRuntime both configured,
# or a runtime retrying): the same cgroup, so not an earlier run.
test_rerun_same_cgroup_is_not_an_earlier_run() {
	restart_bundle same
	bundle_edit same '.hooks.prestart[0].env = $env
		| .hooks.createRuntime = [.hooks.prestart[0]]' --argjson env "$(hook_env_json "BPFREAPER_LOG_FILE=$WORK/same-prestart.log")"
	run_ctr same || fail "runc run: $(cat "$WORK/same.err")"
	grep -q "container $E2E_PREFIX-same: already registered" "$WORK/same-prestart.log" ||
		fail "prestart said: $(cat "$WORK/same-prestart.log")"
	! grep -q "earlier run" "$WORK/same-prestart.log" || fail "prestart kept its own run as an earlier one"
	assert_absent "$P-same-1"
	assert_eq "run" "$(jq -r .run.earlier "$(report_of same)")" false
	assert_eq "reports" "$(earlier_report same)" ""
}

# The second run's hooks under valgrind: keeping the earlier run's state and
# finishing it leak nothing and touch no uninitialised memory.
test_rerun_hooks_clean_under_valgrind() {
	local cg1
	valgrind_wrappers
	first_run_unfinished rv
	cg1=$RUN1_CGROUP
	bundle_edit rv '.hooks.prestart[0].path = $pre | .hooks.poststop[0].path = $post' \
		--arg pre "$WORK/vg-prestart" --arg post "$WORK/vg-poststop"
	run_ctr rv || fail "runc run 2: $(cat "$WORK/rv.err") $(cat "$WORK/vg-prestart.log")"
	assert_both_runs_reaped rv "$cg1" poststop
	! grep -q "^==" "$WORK/vg-prestart.log" || fail "valgrind on prestart: $(grep "^==" "$WORK/vg-prestart.log")"
	! grep -q "^==" "$WORK/vg-poststop.log" || fail "valgrind on poststop: $(grep "^==" "$WORK/vg-poststop.log")"
}
