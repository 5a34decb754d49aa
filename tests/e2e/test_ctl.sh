# shellcheck shell=bash
# bpfreaperctl verbs for operators: doctor, list/show of a running container.

test_doctor_passes_here_and_names_fixes() {
	local out rc=0
	out=$("$BIN/bpfreaperctl" doctor) || fail "doctor failed here: $out"
	for c in kernel btf bpffs cgroup2 capabilities "tracepoint backend" "fentry backend" leftovers; do
		echo "$out" | grep -q "^$c " || fail "no $c check in: $out"
	done
	"$BIN/bpfreaperctl" --json doctor | jq -e 'all(.[]; .result != "FAIL")' >/dev/null || fail "json says FAIL"
	command -v capsh >/dev/null || skip "capsh is not installed"
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
	assert_eq "json mode" "$(echo "$out" | jq -r --arg id "$E2E_PREFIX-live" '.[] | select(.id == $id) | .mode')" report
	assert_eq "json cgroup" "$(echo "$out" | jq -r --arg id "$E2E_PREFIX-live" '.[] | select(.id == $id) | .cgroup')" "/$CG_PARENT/$E2E_PREFIX-live"
	out=$("$BIN/bpfreaperctl" show "$E2E_PREFIX-live")
	echo "$out" | grep -q "/sys/fs/bpf/$E2E_PREFIX-live/m" || fail "show said: $out"
	touch "$WORK/sync/live/go"
	wait $ctr_pid || fail "runc run: $(cat "$WORK/live.err")"
}

test_gc_units_verify() {
	local d=$WORK/units
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	mkdir -p "$d"
	for f in "$ROOT"/packaging/systemd/bpfreaper-gc.*; do
		sed -e "s|/usr/bin/bpfreaperctl|$BIN/bpfreaperctl|" -e '/^Documentation=/d' "$f" >"$d/$(basename "$f")"
	done
	out=$(systemd-analyze verify "$d/bpfreaper-gc.service" "$d/bpfreaper-gc.timer" 2>&1) ||
		fail "systemd-analyze: $out"
	[ -z "$out" ] || fail "systemd-analyze: $out"
}
