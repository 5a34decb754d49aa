# shellcheck shell=bash
# Leak scenarios: real containers that leak eBPF objects into the host's
# bpffs, with bpfreaper's hooks in config.json. Each scenario_* is run under
# runc (test_runc.sh) and crun (test_crun.sh), under set -e.


scenario_pinned_map_removed_host_pin_before_survives() {
	local host_id
	host_id=$(host_map "$P-before")
	make_bundle pinned "bpfleak map /sys/fs/bpf/$E2E_PREFIX-pinned" >/dev/null
	run_ctr pinned || fail "$RUNTIME run: $(cat "$WORK/pinned.err")"
	assert_absent "$P-pinned"
	assert_freed map "$(ids_of pinned map)"
	assert_present "$P-before"
	assert_alive map "$host_id"
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$(report_of pinned)")" 1
	assert_eq "survivors" "$(jq '.survivors | length' "$(report_of pinned)")" 0
	assert_absent "$(state_of pinned)"
	rm -f "$P-before"
}

scenario_pinned_prog_holding_map() {
	make_bundle prog "bpfleak prog /sys/fs/bpf/$E2E_PREFIX-prog" >/dev/null
	run_ctr prog || fail "$RUNTIME run: $(cat "$WORK/prog.err")"
	assert_absent "$P-prog"
	# The map is held only by the program: both must go.
	assert_freed prog "$(ids_of prog prog)"
	assert_freed map "$(ids_of prog map)"
}

scenario_nested_dirs_removed() {
	make_bundle nested "mkdir -p /sys/fs/bpf/$E2E_PREFIX-nest/a/b &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-nest/a/b/m && bpfleak map /sys/fs/bpf/$E2E_PREFIX-nest/top" >/dev/null
	run_ctr nested || fail "$RUNTIME run: $(cat "$WORK/nested.err")"
	assert_absent "$P-nest"
	assert_freed map "$(ids_of nested map)"
	assert_eq "dirs removed" "$(jq '.removed.dirs | length' "$(report_of nested)")" 3
}

scenario_dir_that_existed_before_is_kept() {
	mkdir -p "$P-existing"
	make_bundle existing "mkdir -p /sys/fs/bpf/$E2E_PREFIX-existing/new &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-existing/new/m" >/dev/null
	run_ctr existing || fail "$RUNTIME run: $(cat "$WORK/existing.err")"
	assert_absent "$P-existing/new"
	assert_present "$P-existing"
	rmdir "$P-existing"
}

scenario_renamed_and_hardlinked_pins() {
	make_bundle renamed "bpfleak map /sys/fs/bpf/$E2E_PREFIX-orig &&
		mv /sys/fs/bpf/$E2E_PREFIX-orig /sys/fs/bpf/$E2E_PREFIX-moved &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-linked && ln /sys/fs/bpf/$E2E_PREFIX-linked /sys/fs/bpf/$E2E_PREFIX-hardlink" >/dev/null
	run_ctr renamed || fail "$RUNTIME run: $(cat "$WORK/renamed.err")"
	assert_absent "$P-moved"
	assert_absent "$P-linked"
	assert_absent "$P-hardlink"
	assert_freed map "$(ids_of renamed map)"
}

scenario_second_poststop_is_a_noop() {
	local host_id out rc
	make_bundle twice "bpfleak map /sys/fs/bpf/$E2E_PREFIX-twice" >/dev/null
	run_ctr twice || fail "$RUNTIME run: $(cat "$WORK/twice.err")"
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

scenario_objects_from_nested_child_cgroup() {
	local id=$E2E_PREFIX-child cg pid p _
	make_bundle child "touch /sync/started; until [ -e /sync/go ]; do sleep 0.05; done; bpfleak map /sys/fs/bpf/$E2E_PREFIX-child" >/dev/null
	run_ctr child &
	local ctr_pid=$!
	wait_for "$WORK/sync/child/started"
	cg=$CG2/$CG_PARENT/$id
	pid=$("$(rt_cmd)" state "$id" | jq -r .pid)
	# Move the container's process into a child cgroup it "made".
	mkdir "$cg/inner"
	# Its short-lived `sleep`s may exit in between: move until none is left.
	for _ in $(seq 50); do
		[ -z "$(cat "$cg/cgroup.procs")" ] && break
		for p in $(cat "$cg/cgroup.procs"); do
			echo "$p" 2>/dev/null >"$cg/inner/cgroup.procs" || true
		done
	done
	[ -z "$(cat "$cg/cgroup.procs")" ] || fail "could not move the container into inner/"
	# An empty cgroup also has no processes: the container's own shell
	# must be the one in inner/.
	grep -qx "0::/$CG_PARENT/$id/inner" "/proc/$pid/cgroup" ||
		fail "the container's process $pid is not in inner/: $(cat "/proc/$pid/cgroup" 2>&1)"
	touch "$WORK/sync/child/go"
	wait $ctr_pid || fail "$RUNTIME run: $(cat "$WORK/child.err")"
	assert_absent "$P-child"
	assert_freed map "$(ids_of child map)"
}

scenario_unpinned_map_nothing_to_do() {
	make_bundle nopin "bpfleak nopin" >/dev/null
	run_ctr nopin || fail "$RUNTIME run: $(cat "$WORK/nopin.err")"
	assert_freed map "$(ids_of nopin map)"
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$(report_of nopin)")" 0
	# Freed at the process's exit: its record went then, counted.
	assert_eq "objects listed" "$(jq '.created | length' "$(report_of nopin)")" 0
	assert_eq "records of freed objects" "$(jq '.records_dropped.freed_objects + .freed_objects' "$(report_of nopin)")" 1
}

scenario_host_pin_made_during_container_survives() {
	local host_id
	make_bundle during "bpfleak map /sys/fs/bpf/$E2E_PREFIX-during-ctr && touch /sync/pinned &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	run_ctr during &
	local ctr_pid=$!
	wait_for "$WORK/sync/during/pinned"
	host_id=$(host_map "$P-during-host")
	touch "$WORK/sync/during/go"
	wait $ctr_pid || fail "$RUNTIME run: $(cat "$WORK/during.err")"
	assert_absent "$P-during-ctr"
	assert_present "$P-during-host"
	assert_alive map "$host_id"
	rm -f "$P-during-host"
}

scenario_host_object_at_path_container_used_survives() {
	local host_id
	make_bundle reuse "bpfleak map /sys/fs/bpf/$E2E_PREFIX-reuse && rm /sys/fs/bpf/$E2E_PREFIX-reuse &&
		touch /sync/unpinned && until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	run_ctr reuse &
	local ctr_pid=$!
	wait_for "$WORK/sync/reuse/unpinned"
	host_id=$(host_map "$P-reuse")
	touch "$WORK/sync/reuse/go"
	wait $ctr_pid || fail "$RUNTIME run: $(cat "$WORK/reuse.err")"
	assert_present "$P-reuse"
	assert_alive map "$host_id"
	assert_freed map "$(ids_of reuse map)"
	rm -f "$P-reuse"
}

scenario_thousand_pins() {
	make_bundle many "mkdir /sys/fs/bpf/$E2E_PREFIX-many && bpfleak maps /sys/fs/bpf/$E2E_PREFIX-many 1000" >/dev/null
	run_ctr many || fail "$RUNTIME run: $(cat "$WORK/many.err")"
	assert_eq "maps made" "$(ids_of many map | wc -l)" 1000
	assert_absent "$P-many"
	assert_freed map "$(ids_of many map)"
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$(report_of many)")" 1000
	echo "    1000 pins: poststop took $(jq '.timings.total_us / 1000' "$(report_of many)") ms" >&2
}

scenario_parallel_containers() {
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
		wait "${pids[$i]}" || fail "$RUNTIME run par$((i + 1)): $(cat "$WORK/par$((i + 1)).err")"
	done
	for i in 1 2 3 4 5 6; do
		assert_absent "$P-par$i"
		assert_absent "$P-par$i-prog"
		assert_freed map "$(ids_of "par$i" map)"
		assert_eq "par$i pins removed" "$(jq '.removed.pins | length' "$(report_of "par$i")")" 21
	done
	assert_alive map "$host_id"
	rm -f "$P-par-host"
}

scenario_create_runtime_stage() {
	make_bundle crt "bpfleak map /sys/fs/bpf/$E2E_PREFIX-crt" createRuntime >/dev/null
	run_ctr crt || fail "$RUNTIME run: $(cat "$WORK/crt.err")"
	assert_absent "$P-crt"
	assert_freed map "$(ids_of crt map)"
}

# Policy: io.bpfreaper.mode, io.bpfreaper.keep and the config file.

scenario_mode_report_removes_nothing() {
	local r
	make_bundle report "bpfleak map /sys/fs/bpf/$E2E_PREFIX-report" >/dev/null
	annotate report io.bpfreaper.mode report
	run_ctr report || fail "$RUNTIME run: $(cat "$WORK/report.err")"
	r=$(report_of report)
	assert_present "$P-report"
	assert_alive map "$(ids_of report map)"
	assert_eq "mode" "$(jq -r .mode "$r")" report
	assert_eq "pins left" "$(jq -c '[.left.pins[] | [.path, .why]]' "$r")" "[[\"$P-report\",\"report mode\"]]"
	assert_eq "survivor" "$(jq -r '.survivors[0].pinned_at' "$r")" "$P-report"
	assert_absent "$(state_of report)"
	rm -f "$P-report"
}

scenario_mode_off_does_nothing() {
	make_bundle off "bpfleak map /sys/fs/bpf/$E2E_PREFIX-off && touch /sync/pinned &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	annotate off io.bpfreaper.mode off
	run_ctr off &
	local ctr_pid=$!
	wait_for "$WORK/sync/off/pinned"
	# Not registered: no state while it runs.
	assert_absent "$(state_of off)"
	touch "$WORK/sync/off/go"
	wait $ctr_pid || fail "$RUNTIME run: $(cat "$WORK/off.err")"
	assert_present "$P-off"
	assert_absent "$(report_of off)"
	rm -f "$P-off"
}

scenario_keep_rule_from_annotation() {
	local r
	make_bundle keep "mkdir /sys/fs/bpf/$E2E_PREFIX-keep && bpfleak map /sys/fs/bpf/$E2E_PREFIX-keep/agent &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-keep-not" >/dev/null
	annotate keep io.bpfreaper.keep "/nowhere/*,$P-keep/*"
	run_ctr keep || fail "$RUNTIME run: $(cat "$WORK/keep.err")"
	r=$(report_of keep)
	assert_present "$P-keep/agent"
	assert_absent "$P-keep-not"
	assert_eq "kept" "$(jq -c '[.kept[] | [.path, .rule]]' "$r")" "[[\"$P-keep/agent\",\"$P-keep/*\"]]"
	assert_eq "kept object" "$(jq '[.created[] | select(.kept)] | length' "$r")" 1
	assert_eq "survivors" "$(jq '.survivors | length' "$r")" 0
	# The kept pin's directory is not empty: left in place, not an error.
	assert_present "$P-keep"
	rm -rf "$P-keep"
}

scenario_config_file_mode_keep_log_and_reports() {
	local cfg=$WORK/keepcfg.json r=$WORK/reports-cfg/$E2E_PREFIX-cfg.json
	jq -n --arg keep "$P-cfg-agent*" --arg log "$WORK/cfg.log" --arg dir "$WORK/reports-cfg" \
		'{mode: "enforce", keep: [$keep], log_file: $log, report_dir: $dir}' >"$cfg"
	make_bundle cfg "bpfleak map /sys/fs/bpf/$E2E_PREFIX-cfg-agent-1 && bpfleak map /sys/fs/bpf/$E2E_PREFIX-cfg-other" >/dev/null
	# The hooks.d default (report) loses to the config file's mode.
	prestart_args cfg --config="$cfg" --default-mode=report
	bundle_edit cfg '(.hooks.poststop[0].args) += ["--config=" + $cfg]' --arg cfg "$cfg"
	run_ctr cfg || fail "$RUNTIME run: $(cat "$WORK/cfg.err")"
	assert_present "$P-cfg-agent-1"
	assert_absent "$P-cfg-other"
	assert_present "$r"
	assert_absent "$(report_of cfg)"
	assert_eq "mode" "$(jq -r .mode "$r")" enforce
	assert_eq "kept rule" "$(jq -r '.kept[0].rule' "$r")" "$P-cfg-agent*"
	grep -q "prestart: container $E2E_PREFIX-cfg" "$WORK/cfg.log" || fail "no prestart line in the log file: $(cat "$WORK/cfg.log")"
	grep -q "poststop: container $E2E_PREFIX-cfg (enforce)" "$WORK/cfg.log" || fail "no poststop line in the log file: $(cat "$WORK/cfg.log")"
	rm -f "$P-cfg-agent-1"
}

scenario_annotation_beats_config() {
	local cfg=$WORK/anncfg.json
	echo '{"mode": "report"}' >"$cfg"
	make_bundle ann "bpfleak map /sys/fs/bpf/$E2E_PREFIX-ann" >/dev/null
	prestart_args ann --config="$cfg"
	annotate ann io.bpfreaper.mode enforce
	run_ctr ann || fail "$RUNTIME run: $(cat "$WORK/ann.err")"
	assert_absent "$P-ann"
	assert_eq "mode" "$(jq -r .mode "$(report_of ann)")" enforce
}

# An invalid io.bpfreaper.* annotation is bpfreaper's trouble, not the
# container's (README, "The rule"): it runs unrecorded, with a skipped
# entry; refused only under enforce with on_error fail.
scenario_invalid_annotation_runs_unrecorded() {
	make_bundle bad "bpfleak map /sys/fs/bpf/$E2E_PREFIX-bad && touch /sync/ran" >/dev/null
	annotate bad io.bpfreaper.mode enforcing
	run_ctr bad || fail "$RUNTIME refused a container whose annotation is invalid: $(hook_said bad)"
	assert_present "$WORK/sync/bad/ran"
	assert_present "$P-bad"
	skipped_has "$E2E_PREFIX-bad" "io.bpfreaper.mode" || fail "no skipped entry: $(cat "$RUN_DIR/skipped" 2>/dev/null)"
	assert_absent "$(state_of bad)"
	rm -f "$P-bad" "$WORK/sync/bad/ran"
	echo '{"mode": "enforce", "on_error": "fail"}' >"$WORK/badfail.json"
	prestart_args bad --config="$WORK/badfail.json"
	! run_ctr bad || fail "$RUNTIME started it under enforce + on_error fail"
	assert_absent "$WORK/sync/bad/ran"
	hook_said bad | grep -q "io.bpfreaper.mode" || fail "hook said: $(hook_said bad)"
	assert_absent "$(state_of bad)"
}

# An invalid config (an unknown key) never refuses and never removes, even
# when it says enforce and on_error fail: what it meant is unknown.
scenario_invalid_config_runs_unrecorded() {
	echo '{"mode": "enforce", "on_error": "fail", "kep": []}' >"$WORK/badcfg.json"
	make_bundle badcfg "bpfleak map /sys/fs/bpf/$E2E_PREFIX-badcfg && touch /sync/ran" >/dev/null
	prestart_args badcfg --config="$WORK/badcfg.json"
	run_ctr badcfg || fail "$RUNTIME refused a container over an invalid bpfreaper config: $(hook_said badcfg)"
	assert_present "$WORK/sync/badcfg/ran"
	assert_present "$P-badcfg"
	skipped_has "$E2E_PREFIX-badcfg" "badcfg.json" || fail "no skipped entry: $(cat "$RUN_DIR/skipped" 2>/dev/null)"
	assert_absent "$(state_of badcfg)"
	rm -f "$P-badcfg"
}

# Another prestart hook fails after bpfreaper registered the container.
# runc still runs poststop; crun does not, and leaves the state behind.
scenario_later_prestart_hook_fails() {
	make_bundle later "touch /sync/ran" >/dev/null
	bundle_edit later '.hooks.prestart += [{path: "/bin/false"}]'
	! run_ctr later || fail "$RUNTIME started a container whose prestart hook failed"
	assert_absent "$WORK/sync/later/ran"
	"$(rt_cmd)" delete -f "$E2E_PREFIX-later" >/dev/null 2>&1 || true
	case $RUNTIME in
	runc) assert_absent "$(state_of later)" ;;
	crun)
		assert_present "$(state_of later)"
		"$BIN/bpfreaperctl" list | grep -q "$E2E_PREFIX-later" || fail "bpfreaperctl list does not show it"
		# What the operator does then: its poststop.
		poststop_now later || fail "poststop after crun's failed start"
		assert_absent "$(state_of later)"
		;;
	esac
}

# The tracer and the state files live outside anything a container mounts:
# the host bpffs it binds shows none of bpfreaper's pins.
scenario_container_cannot_reach_the_tracer() {
	make_bundle reach "ls -laR /sys/fs/bpf >/sync/ls 2>&1; ls -d $RUN_DIR >>/sync/ls 2>&1;
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-reach" >/dev/null
	run_ctr reach || fail "$RUNTIME run: $(cat "$WORK/reach.err")"
	! grep -q "tracer_v\|link_exit_bpf\|records\|cgroups" "$WORK/sync/reach/ls" ||
		fail "the container saw bpfreaper's pins: $(cat "$WORK/sync/reach/ls")"
	grep -q "$RUN_DIR.*No such file" "$WORK/sync/reach/ls" || fail "the container saw $RUN_DIR"
	assert_absent "$P-reach"
}

# Symlinks on the host bpffs (iproute2 makes ip -> tc/ and xdp -> tc/):
# removed while they are the very entries the container made.
scenario_symlinks_removed() {
	local r
	ln -s /elsewhere "$P-sym-host"
	make_bundle sym "mkdir /sys/fs/bpf/$E2E_PREFIX-sym && ln -s /sys/fs/bpf/$E2E_PREFIX-sym/ /sys/fs/bpf/$E2E_PREFIX-sym-a &&
		cd /sys/fs/bpf && ln -s $E2E_PREFIX-sym $E2E_PREFIX-sym-rel && ln -s x $E2E_PREFIX-sym-moved &&
		touch /sync/made && until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	run_ctr sym &
	local ctr_pid=$!
	wait_for "$WORK/sync/sym/made"
	# The host replaces one of them with its own.
	rm "$P-sym-moved" && ln -s y "$P-sym-moved"
	touch "$WORK/sync/sym/go"
	wait $ctr_pid || fail "$RUNTIME run: $(cat "$WORK/sym.err")"
	r=$(report_of sym)
	[ ! -L "$P-sym-a" ] || fail "$P-sym-a still exists"
	[ ! -L "$P-sym-rel" ] || fail "$P-sym-rel still exists"
	assert_absent "$P-sym"
	[ "$(readlink "$P-sym-moved")" = y ] || fail "the host's symlink was touched"
	[ "$(readlink "$P-sym-host")" = /elsewhere ] || fail "the host's other symlink was touched"
	assert_eq "symlinks removed" "$(jq '.removed.symlinks | length' "$r")" 2
	assert_eq "left" "$(jq -r '.left.symlinks[0].why' "$r")" "another entry holds its name now"
	rm -f "$P-sym-moved" "$P-sym-host"
}

# More directories than the per-container budget (2048): the overflow is
# reported, what was recorded is removed, the rest is left (never guessed).
scenario_directory_records_overflow() {
	local r
	make_bundle ovf "mkdir /sys/fs/bpf/$E2E_PREFIX-ovf && bpfleak mkdirs /sys/fs/bpf/$E2E_PREFIX-ovf 2200 &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-ovf-map" >/dev/null
	run_ctr ovf || fail "$RUNTIME run: $(cat "$WORK/ovf.err")"
	r=$(report_of ovf)
	assert_eq "dirs overflow" "$(jq .overflow.dirs "$r")" true
	assert_eq "objects overflow" "$(jq .overflow.objects "$r")" false
	# Objects have their own budget: the map's pin still goes.
	assert_absent "$P-ovf-map"
	assert_eq "dirs removed" "$(jq '.removed.dirs | length' "$r")" 2047
	assert_eq "dirs left" "$(find "$P-ovf" -mindepth 1 -maxdepth 1 -type d | wc -l)" 153
	rm -rf "$P-ovf"
}
