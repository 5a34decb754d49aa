# shellcheck shell=bash
# bpfreaperctl verbs for operators: doctor, list/show of a running container.

# Alone on the machine: it unloads the tracer of its run directory, which
# every run that shares that directory (the default /run/bpfreaper) uses.
# shellcheck disable=SC2034 # read by tests/run
E2E_ALONE="test_backend_choice_records_and_is_reported"

test_doctor_passes_here_and_names_fixes() {
	local out rc=0
	out=$("$BIN/bpfreaperctl" doctor) || fail "doctor failed here: $out"
	for c in kernel btf bpffs cgroup2 capabilities tracer "trampoline backend" "tracepoint backend" leftovers; do
		echo "$out" | grep -q "^$c " || fail "no $c check in: $out"
	done
	"$BIN/bpfreaperctl" --json doctor | jq -e 'all(.[]; .result != "FAIL")' >/dev/null || fail "json says FAIL"
	need_tool capsh
	out=$(capsh --drop=cap_bpf -- -c "$BIN/bpfreaperctl doctor") || rc=$?
	assert_eq "doctor exit without cap_bpf" "$rc" 1
	echo "$out" | grep -A1 "^capabilities *FAIL *not effective: cap_bpf" | grep -q "fix:" || fail "doctor said: $out"
}

test_doctor_warns_about_stale_containers() {
	make_bundle stale "true" >/dev/null
	bundle_edit stale 'del(.hooks.poststop)'
	run_ctr stale || fail "runc run: $(cat "$WORK/stale.err")"
	"$BIN/bpfreaperctl" doctor | grep -A1 "^leftovers *warn" | grep -q "bpfreaperctl gc" ||
		fail "doctor said: $("$BIN/bpfreaperctl" doctor)"
	poststop_now stale || fail "poststop of the stale container"
}

test_list_and_show_a_running_container() {
	local out
	make_bundle live "mkdir /sys/fs/bpf/$E2E_PREFIX-live && bpfleak map /sys/fs/bpf/$E2E_PREFIX-live/m && touch /sync/pinned &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	annotate live io.bpfreaper.mode report
	run_ctr live &
	local ctr_pid=$!
	wait_for "$WORK/sync/live/pinned"
	out=$("$BIN/bpfreaperctl" list)
	echo "$out" | grep -q "^$E2E_PREFIX-live  *recording  *report " || fail "list said: $out"
	out=$("$BIN/bpfreaperctl" --json list)
	assert_eq "json mode" "$(echo "$out" | jq -r --arg id "$E2E_PREFIX-live" '.containers[] | select(.id == $id) | .mode')" report
	assert_eq "json cgroup" "$(echo "$out" | jq -r --arg id "$E2E_PREFIX-live" '.containers[] | select(.id == $id) | .cgroup')" "/$CG_PARENT/$E2E_PREFIX-live"
	out=$("$BIN/bpfreaperctl" show "$E2E_PREFIX-live")
	echo "$out" | grep -q "/sys/fs/bpf/$E2E_PREFIX-live/m" || fail "show said: $out"
	touch "$WORK/sync/live/go"
	wait $ctr_pid || fail "runc run: $(cat "$WORK/live.err")"
	# Report mode left its pin.
	rm -rf "$P-live"
}

test_gc_units_verify() {
	local d=$WORK/units
	need_tool systemd-analyze
	mkdir -p "$d"
	for f in "$ROOT"/packaging/systemd/bpfreaper-*.service "$ROOT"/packaging/systemd/bpfreaper-*.timer; do
		sed -e "s|/usr/bin/bpfreaperctl|$BIN/bpfreaperctl|" -e '/^Documentation=/d' "$f" >"$d/$(basename "$f")"
	done
	out=$(systemd-analyze verify "$d"/bpfreaper-* 2>&1) ||
		fail "systemd-analyze: $out"
	[ -z "$out" ] || fail "systemd-analyze: $out"
}

# The backend is chosen when the tracer loads: the config's tracer_backend,
# else trampolines where this kernel loads them, else tracepoints. Each one
# records the same leak; the choice shows in the state, report, show, doctor
# and the hook's log. E2E_EXPECT_BACKEND (the kernel matrix) pins what auto
# must pick on that kernel.
test_backend_choice_records_and_is_reported() {
	local cfg=$WORK/backend.json probed want expect
	"$BIN/bpfreaperctl" unload >/dev/null || fail "unload: a container is still registered"
	if "$BIN/bpfreaperctl" --json doctor |
		jq -e '.[] | select(.check == "trampoline backend") | .result == "pass"' >/dev/null; then
		probed=trampoline
	else
		probed=tracepoint
	fi
	[ -z "${E2E_EXPECT_BACKEND:-}" ] || assert_eq "backend auto picks here" "$probed" "$E2E_EXPECT_BACKEND"
	for want in auto tracepoint trampoline; do
		expect=$want
		[ "$want" != auto ] || expect=$probed
		"$BIN/bpfreaperctl" unload >/dev/null || fail "unload before $want"
		# on_error fail: a tracer that cannot load is bpfreaper's own
		# trouble, which refuses an enforce container only then.
		jq -n --arg b "$want" --arg log "$WORK/be-$want.log" \
			'{tracer_backend: $b, mode: "enforce", on_error: "fail", log_file: $log, report_freed: "list"}' >"$cfg"
		make_bundle "be-$want" "bpfleak map /sys/fs/bpf/$E2E_PREFIX-be-$want && mkdir /sys/fs/bpf/$E2E_PREFIX-be-$want-d &&
			touch /sync/pinned && until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
		prestart_args "be-$want" --config="$cfg"
		bundle_edit "be-$want" '(.hooks.poststop[0].args) += ["--config=" + $cfg]' --arg cfg "$cfg"
		if [ "$want" = trampoline ] && [ "$probed" = tracepoint ]; then
			! run_ctr "be-$want" || fail "started although the configured trampoline backend cannot load"
			hook_said "be-$want" | grep -q "load the tracer (trampoline backend, as configured)" ||
				fail "hook said: $(hook_said "be-$want")"
			assert_absent "$(state_of "be-$want")"
			continue
		fi
		run_ctr "be-$want" &
		local ctr_pid=$!
		wait_for "$WORK/sync/be-$want/pinned"
		assert_eq "$want: state" "$(jq -r .tracer_backend "$(state_of "be-$want")")" "$expect"
		"$BIN/bpfreaperctl" show "$E2E_PREFIX-be-$want" | grep -q "^container .*, $expect backend" ||
			fail "show said: $("$BIN/bpfreaperctl" show "$E2E_PREFIX-be-$want")"
		# warn: the default config (the kernel matrix's) asks for another backend.
		"$BIN/bpfreaperctl" doctor | grep -Eq "^tracer +(pass +loaded,|warn +loaded with the) $expect backend" ||
			fail "doctor said: $("$BIN/bpfreaperctl" doctor)"
		assert_eq "$want: load" "$("$BIN/bpfreaperctl" --json load | jq -r .backend)" "$expect"
		touch "$WORK/sync/be-$want/go"
		wait $ctr_pid || fail "runc run: $(cat "$WORK/be-$want.err")"
		grep -q "registered .*, $expect backend" "$WORK/be-$want.log" || fail "hook said: $(cat "$WORK/be-$want.log")"
		assert_eq "$want: report" "$(jq -r .tracer_backend "$(report_of "be-$want")")" "$expect"
		assert_eq "$want: recorded" "$(jq -c '[.created[].kind] | sort' "$(report_of "be-$want")")" '["map"]'
		assert_absent "$P-be-$want"
		assert_absent "$P-be-$want-d"
	done
	"$BIN/bpfreaperctl" unload >/dev/null || fail "unload after"
}
