# shellcheck shell=bash
# The hook binaries on bad input: a one-line error, a documented exit status,
# nothing written outside /run/bpfreaper, nothing lost.

# hook NAME STDIN: runs the hook; sets $rc and $err.
hook() {
	local f=$WORK/hook.err
	rc=0
	printf '%s' "$2" | "$BIN/bpfreaper-$1" 2>"$f" || rc=$?
	err=$(cat "$f")
}

one_line() {
	[ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] || fail "want one line, got: $err"
}

test_prestart_rejects_bad_input() {
	local before after input
	before=$(ls -A "$RUN_DIR/state" 2>/dev/null | sort)
	for input in 'not json' '{"id":"x"}' '{"status":"creating","pid":1}' \
		'{"ociVersion":"1.0.2","id":"../escape","status":"creating","pid":1}' \
		'{"ociVersion":"1.0.2","id":"a/b","status":"creating","pid":1}' \
		"{\"ociVersion\":\"1.0.2\",\"id\":\"a\\u0001b\",\"status\":\"creating\",\"pid\":1}" \
		"{\"ociVersion\":\"1.0.2\",\"id\":\"$(head -c 1100 /dev/zero | tr '\0' a)\",\"status\":\"creating\",\"pid\":1}" \
		'{"ociVersion":"1.0.2","id":"nopid","status":"creating"}' \
		'{"ociVersion":"1.0.2","id":"x","status":"creating","pid":1} {}'; do
		hook prestart "$input"
		assert_eq "prestart exit for ${input:0:60}" "$rc" 2
		one_line
	done
	assert_absent /run/escape.json
	assert_absent "$RUN_DIR/escape.json"
	after=$(ls -A "$RUN_DIR/state" 2>/dev/null | sort)
	assert_eq "state files" "$after" "$before"
}

test_prestart_drains_huge_stdin() {
	local status
	# A writer must never see EPIPE: crun fails the container on it.
	status=$({ head -c 3000000 /dev/zero | tr '\0' ' '; echo '{}'; } |
		{ "$BIN/bpfreaper-prestart" 2>"$WORK/huge.err"; echo "hook=$?" >"$WORK/huge.rc"; }; echo "${PIPESTATUS[0]}")
	assert_eq "writer status" "$status" 0
	assert_eq "hook exit" "$(cat "$WORK/huge.rc")" hook=2
	grep -q "larger than 1 MiB" "$WORK/huge.err" || fail "error: $(cat "$WORK/huge.err")"
}

test_prestart_refuses_root_cgroup() {
	local st='{"ociVersion":"1.0.2","id":"'"$E2E_PREFIX"'-rootcg","status":"creating","pid":1}'
	# pid 1 of this host sits in the root cgroup: never a container's. That
	# is bpfreaper's trouble, not the container's: it runs unrecorded...
	hook prestart "$st"
	assert_eq "exit" "$rc" 0
	one_line
	echo "$err" | grep -q "root cgroup.*runs unrecorded (on_error ignore)" || fail "said: $err"
	assert_absent "$(state_of rootcg)"
	# ...unless the operator asked for enforcement to be guaranteed.
	echo '{"mode": "enforce", "on_error": "fail"}' >"$WORK/enfail.json"
	rc=0
	err=$(printf '%s' "$st" | "$BIN/bpfreaper-prestart" --config="$WORK/enfail.json" 2>&1) || rc=$?
	assert_eq "exit under on_error fail" "$rc" 1
	one_line
	assert_absent "$(state_of rootcg)"
}

test_poststop_unknown_and_bad_input() {
	hook poststop '{"ociVersion":"1.0.2","id":"never-seen","status":"stopped"}'
	assert_eq "unknown container exit" "$rc" 0
	echo "$err" | grep -q "nothing to do" || fail "said: $err"
	hook poststop '{"id":'
	assert_eq "bad json exit" "$rc" 2
	one_line
}

test_poststop_keeps_corrupt_state() {
	local f=$RUN_DIR/state/$E2E_PREFIX-corrupt.json
	echo '{"version":1,"id":"someone-else","cgroup_id":"1","cgroup_path":"/x","mode":"enforce"}' >"$f"
	hook poststop "{\"ociVersion\":\"1.0.2\",\"id\":\"$E2E_PREFIX-corrupt\",\"status\":\"stopped\"}"
	assert_eq "exit" "$rc" 0
	echo "$err" | grep -q "state names another container" || fail "said: $err"
	assert_present "$f"
	hook poststop "{\"ociVersion\":\"1.0.2\",\"id\":\"$E2E_PREFIX-corrupt\",\"status\":\"stopped\"}" 
	rc=0
	echo "{\"ociVersion\":\"1.0.2\",\"id\":\"$E2E_PREFIX-corrupt\",\"status\":\"stopped\"}" |
		"$BIN/bpfreaper-poststop" --strict 2>/dev/null || rc=$?
	assert_eq "strict exit" "$rc" 1
	rm -f "$f"
}

test_summary_reaches_syslog() {
	need_tool python3
	local sock=$WORK/log.sock out=$WORK/syslog.txt
	make_bundle syslog "bpfleak map /sys/fs/bpf/$E2E_PREFIX-syslog" >/dev/null
	python3 "$ROOT/tests/helpers/syslog-listen.py" "$sock" "$out" 1.5 &
	local listener=$!
	wait_for "$sock"
	# A private /dev where /dev/log is our listener; the host's /dev is
	# untouched. No journal socket, as on a host without journald (where
	# there is one, the hooks use it instead of syslog).
	BPFREAPER_JOURNAL_SOCKET=/nonexistent unshare -m --propagation private sh -c '
		mount -t tmpfs -o mode=755 none /dev && mknod -m 666 /dev/null c 1 3 &&
		mknod -m 666 /dev/zero c 1 5 && mknod -m 666 /dev/urandom c 1 9 && ln -s "$1" /dev/log &&
		exec timeout 60 runc run -b "$2" "$3"' sh "$sock" "$WORK/bundles/syslog" "$E2E_PREFIX-syslog" \
		>"$WORK/syslog.out" 2>"$WORK/syslog.err" </dev/null || fail "runc run: $(cat "$WORK/syslog.err")"
	wait $listener || true
	grep -q "bpfreaper-prestart.*registered cgroup" "$out" || fail "no prestart line in syslog: $(cat "$out")"
	grep -q "bpfreaper-poststop.*container $E2E_PREFIX-syslog (enforce): 1 objects recorded, 1 freed" "$out" ||
		fail "no poststop summary in syslog: $(cat "$out")"
	assert_absent "$P-syslog"
}

test_capabilities_checked_and_dropped() {
	local out rc=0 st='{"ociVersion":"1.0.2","id":"'"$E2E_PREFIX"'-caps","status":"creating","pid":1}'
	need_tool capsh
	# Missing capabilities are bpfreaper's trouble: the container runs
	# unrecorded unless enforce + on_error fail.
	out=$(echo "$st" | capsh --drop=cap_bpf,cap_perfmon -- -c "$BIN/bpfreaper-prestart" 2>&1) || rc=$?
	assert_eq "prestart exit without cap_bpf" "$rc" 0
	echo "$out" | grep -q "capabilities cap_perfmon cap_bpf are not effective\|capabilities cap_bpf cap_perfmon are not effective" ||
		fail "prestart said: $out"
	echo "$out" | grep -q "runs unrecorded (on_error ignore)" || fail "prestart said: $out"
	echo '{"mode": "enforce", "on_error": "fail"}' >"$WORK/capsfail.json"
	rc=0
	out=$(echo "$st" | capsh --drop=cap_bpf,cap_perfmon -- -c "$BIN/bpfreaper-prestart --config=$WORK/capsfail.json" 2>&1) || rc=$?
	assert_eq "prestart exit without cap_bpf, on_error fail" "$rc" 1
	echo "$out" | grep -q "are not effective.*refused (mode enforce, on_error fail)" || fail "prestart said: $out"
	# With them, everything but what the hooks use is dropped first.
	out=$(echo '{"ociVersion":"1.0.2","id":"'"$E2E_PREFIX"'-caps","status":"stopped"}' |
		BPFREAPER_DEBUG=1 "$BIN/bpfreaper-poststop" 2>&1)
	echo "$out" | grep -q "capabilities now cap_dac_override,cap_dac_read_search,cap_fowner,cap_net_admin,cap_sys_ptrace,cap_sys_admin,cap_perfmon,cap_bpf=ep" ||
		fail "poststop said: $out"
}

# A full prestart/poststop cycle of a container that leaks a pinned map and a
# pinned prog, with both hooks under valgrind: no errors, no leaks.
test_hooks_clean_under_valgrind() {
	valgrind_wrappers
	make_bundle vg "bpfleak map /sys/fs/bpf/$E2E_PREFIX-vg && bpfleak prog /sys/fs/bpf/$E2E_PREFIX-vg-prog" >/dev/null
	bundle_edit vg '.hooks.prestart[0].path = $pre | .hooks.poststop[0].path = $post' \
		--arg pre "$WORK/vg-prestart" --arg post "$WORK/vg-poststop"
	run_ctr vg || fail "runc run (prestart under valgrind): $(cat "$WORK/vg.err") $(cat "$WORK/vg-prestart.log")"
	assert_absent "$P-vg"
	assert_absent "$P-vg-prog"
	# Errors are "==pid==" lines; "--pid-- WARNING: unhandled eBPF command"
	# is valgrind saying it does not model a bpf() command.
	! grep -q "^==" "$WORK/vg-prestart.log" || fail "valgrind on prestart: $(grep "^==" "$WORK/vg-prestart.log")"
	! grep -q "^==" "$WORK/vg-poststop.log" || fail "valgrind on poststop: $(grep "^==" "$WORK/vg-poststop.log")"
	# poststop's exit status is lost in runc's log: run it once more alone.
	echo "{\"ociVersion\":\"1.0.2\",\"id\":\"$E2E_PREFIX-vg\",\"status\":\"stopped\"}" | "$WORK/vg-poststop" 2>/dev/null ||
		fail "valgrind on a second poststop: $(cat "$WORK/vg-poststop.log")"
}
