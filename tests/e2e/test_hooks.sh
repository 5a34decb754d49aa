# shellcheck shell=bash
# The hook binaries on bad input: a one-line error, a documented exit status
# (the container runs unless enforce with on_error fail), nothing written
# outside /run/bpfreaper, nothing lost; and the inputs Kubernetes really sends.

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

# Input bpfreaper cannot use is its own trouble, never the container's: it
# runs unrecorded (one line, a skipped entry, the counter), and only enforce
# with on_error fail refuses it. Nothing is written outside the run directory.
test_prestart_bad_input_runs_unrecorded() {
	local before after input n
	before=$(ls -A "$RUN_DIR/state" 2>/dev/null | sort)
	echo '{"mode": "enforce", "on_error": "fail"}' >"$WORK/badin-fail.json"
	for input in 'not json' '{"id":"x"}' '{"status":"creating","pid":1}' \
		'{"ociVersion":"1.0.2","id":"../escape","status":"creating","pid":1}' \
		'{"ociVersion":"1.0.2","id":"a/b","status":"creating","pid":1}' \
		"{\"ociVersion\":\"1.0.2\",\"id\":\"a\\u0001b\",\"status\":\"creating\",\"pid\":1}" \
		"{\"ociVersion\":\"1.0.2\",\"id\":\"$(head -c 1100 /dev/zero | tr '\0' a)\",\"status\":\"creating\",\"pid\":1}" \
		'{"ociVersion":"1.0.2","id":"'"$E2E_PREFIX"'-nopid","status":"creating"}' \
		'{"ociVersion":"1.0.2","id":"x","status":"creating","pid":1} {}'; do
		n=$(skipped_total)
		hook prestart "$input"
		assert_eq "prestart exit for ${input:0:60}" "$rc" 0
		one_line
		echo "$err" | grep -q "runs unrecorded" || fail "said: $err"
		assert_eq "skipped counter for ${input:0:60}" "$(skipped_total)" "$((n + 1))"
		rc=0
		err=$(printf '%s' "$input" | "$BIN/bpfreaper-prestart" --config="$WORK/badin-fail.json" 2>&1) || rc=$?
		assert_eq "prestart exit under enforce + on_error fail for ${input:0:60}" "$rc" 1
		one_line
	done
	skipped_has "$E2E_PREFIX-nopid" "state has no pid" || fail "no skipped entry: $(cat "$RUN_DIR/skipped")"
	skipped_has - "state is not valid JSON" || fail "no skipped entry: $(cat "$RUN_DIR/skipped")"
	sed -i '/^[0-9]* - /d' "$RUN_DIR/skipped"
	assert_absent /run/escape.json
	assert_absent "$RUN_DIR/escape.json"
	after=$(ls -A "$RUN_DIR/state" 2>/dev/null | sort)
	assert_eq "state files" "$after" "$before"
}

test_prestart_drains_huge_stdin() {
	local status
	# A writer must never see EPIPE: crun fails the container on it. Past
	# the limit (far above what Kubernetes sends) the container runs
	# unrecorded.
	status=$({ head -c 17000000 /dev/zero | tr '\0' ' '; echo '{}'; } |
		{ "$BIN/bpfreaper-prestart" 2>"$WORK/huge.err"; echo "hook=$?" >"$WORK/huge.rc"; }; echo "${PIPESTATUS[0]}")
	assert_eq "writer status" "$status" 0
	assert_eq "hook exit" "$(cat "$WORK/huge.rc")" hook=0
	grep -q "larger than 16 MiB.*runs unrecorded" "$WORK/huge.err" || fail "error: $(cat "$WORK/huge.err")"
	sed -i '/^[0-9]* - /d' "$RUN_DIR/skipped"
}

# What a Kubernetes node sends: 256 KiB of annotations in total (the most
# an object may carry), one value of 200 KiB (kubectl's
# last-applied-configuration), 5 000 annotations. The container runs and,
# in enforce, its pin is removed.
# The OCI state at its limit (OCI_STATE_MAX_BYTES, 16 MiB) is read; one byte
# more is one line naming the limit. Either way poststop exits 0: the
# runtime only logs a failed poststop.
test_state_size_limit() {
	local state='{"ociVersion":"1.0.2","id":"never-seen","status":"stopped"}'
	rc=0
	json_padded $((16 * 1024 * 1024)) "$state" | "$BIN/bpfreaper-poststop" 2>"$WORK/hook.err" || rc=$?
	err=$(cat "$WORK/hook.err")
	assert_eq "exit at the limit" "$rc" 0
	echo "$err" | grep -q "nothing to do" || fail "at the limit said: $err"
	rc=0
	json_padded $((16 * 1024 * 1024 + 1)) "$state" | "$BIN/bpfreaper-poststop" 2>"$WORK/hook.err" || rc=$?
	err=$(cat "$WORK/hook.err")
	assert_eq "exit one byte over" "$rc" 0
	one_line
	echo "$err" | grep -q "state JSON larger than 16 MiB" || fail "one byte over said: $err"
}

# A bundle's config.json at its limit (BUNDLE_CONFIG_MAX_BYTES, 16 MiB)
# gives prestart the bind mounts; one byte more, and the container still
# runs, recorded, with one warning naming the limit (the bind mounts are
# only needed to place its bpffs directories on the host).
test_prestart_bundle_config_size_limit() {
	local b size
	for size in $((16 * 1024 * 1024)) $((16 * 1024 * 1024 + 1)); do
		b=$(make_bundle cfgsize "true")
		# runc drops a hook's stderr when it succeeds: its log file.
		bundle_edit cfgsize 'del(.hooks.poststop) | .hooks.prestart[0].env = $env' \
			--argjson env "$(hook_env_json "BPFREAPER_LOG_FILE=$WORK/hooks-cfgsize.log")"
		json_padded "$size" "$(jq -c . "$b/config.json")" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
		: >"$WORK/hooks-cfgsize.log"
		run_ctr cfgsize || fail "$RUNTIME run with a config.json of $size bytes: $(hook_said cfgsize)"
		assert_present "$(state_of cfgsize)"
		if [ "$size" = $((16 * 1024 * 1024)) ]; then
			assert_eq "binds at the limit" "$(jq '.binds | length' "$(state_of cfgsize)")" 2
			! hook_said cfgsize | grep -q "config.json" || fail "at the limit said: $(hook_said cfgsize)"
		else
			assert_eq "binds one byte over" "$(jq '.binds | length' "$(state_of cfgsize)")" 0
			assert_eq "warnings one byte over" "$(hook_said cfgsize | grep -c "config.json")" 1
			hook_said cfgsize | grep -q "bundle config.json larger than 16 MiB" ||
				fail "one byte over said: $(hook_said cfgsize)"
		fi
		poststop_now cfgsize || fail "poststop after a config.json of $size bytes"
		rm -f "$(report_of cfgsize)"
	done
}

test_kubernetes_sized_annotations() {
	local f total
	make_bundle bigann "bpfleak map /sys/fs/bpf/$E2E_PREFIX-bigann && touch /sync/ran" >/dev/null
	bundle_edit bigann '.annotations += ({"kubectl.kubernetes.io/last-applied-configuration": ("x" * 204800),
			"io.bpfreaper.mode": "enforce"}
		+ ([range(4997) | {key: "a\(.)", value: "vvvvvv"}] | from_entries))'
	f=$WORK/bundles/bigann/config.json
	assert_eq "annotations" "$(jq '.annotations | length' "$f")" 5000
	assert_eq "largest value" "$(jq '[.annotations[] | length] | max' "$f")" 204800
	total=$(jq '[.annotations | to_entries[] | (.key | length) + (.value | length)] | add' "$f")
	[ "$total" -gt 250000 ] && [ "$total" -le 262144 ] || fail "annotations total $total bytes"
	run_ctr bigann || fail "runc run: $(hook_said bigann)"
	assert_present "$WORK/sync/bigann/ran"
	assert_absent "$P-bigann"
	assert_freed map "$(ids_of bigann map)"
}

# An invalid io.bpfreaper.mode: the container runs unrecorded, logged, with
# a skipped entry; refused only under enforce with on_error fail.
test_invalid_mode_annotation() {
	make_bundle badmode "bpfleak map /sys/fs/bpf/$E2E_PREFIX-badmode && touch /sync/ran" >/dev/null
	annotate badmode io.bpfreaper.mode enforcing
	BPFREAPER_LOG_FILE=$WORK/badmode.log run_ctr badmode || fail "runc run: $(hook_said badmode)"
	assert_present "$WORK/sync/badmode/ran"
	assert_present "$P-badmode"
	skipped_has "$E2E_PREFIX-badmode" "annotation io.bpfreaper.mode is not one of" ||
		fail "no skipped entry: $(cat "$RUN_DIR/skipped" 2>/dev/null)"
	grep -q "container $E2E_PREFIX-badmode: annotation io.bpfreaper.mode .*runs unrecorded" "$WORK/badmode.log" ||
		fail "not logged: $(cat "$WORK/badmode.log")"
	assert_absent "$(state_of badmode)"
	rm -f "$P-badmode" "$WORK/sync/badmode/ran"
	echo '{"mode": "enforce", "on_error": "fail"}' >"$WORK/badmode.json"
	prestart_args badmode --config="$WORK/badmode.json"
	! run_ctr badmode || fail "runc ran it under enforce + on_error fail"
	assert_absent "$WORK/sync/badmode/ran"
	hook_said badmode | grep -q "refused (mode enforce, on_error fail)" || fail "said: $(hook_said badmode)"
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
	assert_eq "bad json exit" "$rc" 0
	one_line
	echo "$err" | grep -q "nothing removed" || fail "said: $err"
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
	python3 "$ROOT/tests/helpers/syslog-listen.py" "$sock" "$out" 300 &
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
	# runc has returned: both hooks have exited, and what they sent is
	# queued on the socket. The listener writes it all out, then ends.
	kill -TERM "$listener"
	wait "$listener" || fail "the syslog listener failed"
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
