# shellcheck shell=bash
# Operating a fleet: `bpfreaperctl metrics` (Prometheus text format, checked
# by promtool) after real leaking containers, the gc timer's textfile, the
# pod identity from CRI-O and containerd annotations in state, report, list,
# show and the structured journal entries.
#
# The metrics tests use a run directory of their own (BPFREAPER_RUN_DIR in
# both hooks' env, so a tracer of their own): the counters under
# /run/bpfreaper move with every container anyone starts on this host, and
# exact counts need a directory nobody else writes.

# metr_rundir: a private run directory, removed (its tracer's bpffs
# unmounted, which frees the tracer) when the test's subshell exits.
metr_rundir() {
	MRD=$WORK/run-metr
	mkdir -m 0700 "$MRD"
	trap metr_rundir_done EXIT
}

metr_rundir_done() {
	local f
	for f in "$MRD"/state/*.json; do
		[ -e "$f" ] || continue
		jq -c '{ociVersion: "1.0.2", id, status: "stopped"}' "$f" |
			BPFREAPER_RUN_DIR=$MRD "$BIN/bpfreaper-poststop" 2>/dev/null || true
	done
	! mountpoint -q "$MRD/bpffs" || umount "$MRD/bpffs"
	rm -rf "$MRD"
}

# hooks_env NAME VAR=VALUE...: both hooks of NAME get exactly this
# environment (a hook with `env` gets only that list).
hooks_env() {
	local name=$1
	shift
	bundle_edit "$name" '.hooks |= map_values(map(if (.path | endswith("/bpfreaper-prestart") or endswith("/bpfreaper-poststop"))
		then .env = $env else . end))' --argjson env "$(hook_env_json "$@")"
}

# metric FILE 'NAME{LABELS}': the value of one series.
metric() {
	awk -v m="$2" '$1 == m { print $2; found = 1 } END { exit !found }' "$1" || fail "no series $2 in $1"
}

# metrics_checked FILE: bpfreaperctl metrics of the private run directory
# into FILE, which promtool must accept without a lint complaint.
metrics_checked() {
	local out
	BPFREAPER_RUN_DIR=$MRD "$BIN/bpfreaperctl" metrics >"$1" || fail "bpfreaperctl metrics failed"
	out=$(promtool check metrics <"$1" 2>&1) || fail "promtool check metrics: $out"
	[ -z "$out" ] || fail "promtool check metrics: $out"
}

need_promtool() {
	need promtool command -v promtool
}

test_metrics_count_a_leaking_container() {
	local m=$WORK/metrics.txt r
	need_promtool
	metr_rundir
	# A pinned map poststop removes; a pinned prog a keep rule keeps, so
	# that the map it uses survives.
	make_bundle mleak "bpfleak map /sys/fs/bpf/$E2E_PREFIX-mleak-map && bpfleak prog /sys/fs/bpf/$E2E_PREFIX-mleak-prog &&
		touch /sync/pinned && until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	annotate mleak io.bpfreaper.keep "$P-mleak-prog"
	hooks_env mleak "BPFREAPER_RUN_DIR=$MRD"
	bundle_edit mleak '(.hooks.poststop[0].args) += ["--wait-ms=200"]'
	run_ctr mleak &
	local ctr_pid=$!
	wait_for "$WORK/sync/mleak/pinned"
	# While it runs: the tracer's gauges.
	metrics_checked "$m"
	assert_eq "registered now" "$(metric "$m" bpfreaper_containers_registered)" 1
	assert_eq "registrations so far" "$(metric "$m" bpfreaper_containers_registered_total)" 1
	assert_eq "tracer loaded" "$(metric "$m" bpfreaper_tracer_loaded)" 1
	assert_eq "backend info" "$(grep -c '^bpfreaper_tracer_backend_info{backend="[a-z]*"} 1$' "$m")" 1
	assert_eq "backend" "$(grep '^bpfreaper_tracer_backend_info{.*} 1$' "$m" | sed 's/.*backend="\([a-z]*\)".*/\1/')" \
		"$(jq -r .tracer_backend "$MRD/state/$E2E_PREFIX-mleak.json")"
	assert_eq "states" "$(metric "$m" 'bpfreaper_container_states{run="current"}')" 1
	[ "$(metric "$m" 'bpfreaper_records_live{budget="objects"}')" -ge 3 ] || fail "live records: $(cat "$m")"
	assert_eq "nothing torn down yet" "$(metric "$m" 'bpfreaper_teardowns_total{by="poststop"}')" 0
	touch "$WORK/sync/mleak/go"
	wait $ctr_pid || fail "runc run: $(cat "$WORK/mleak.err")"

	r=$MRD/reports/$E2E_PREFIX-mleak.json
	assert_present "$r"
	metrics_checked "$m"
	assert_eq "registered now" "$(metric "$m" bpfreaper_containers_registered)" 0
	assert_eq "teardowns" "$(metric "$m" 'bpfreaper_teardowns_total{by="poststop"}')" 1
	# What the report says, the counters say.
	# (freed objects are counted in the report, not listed)
	assert_eq "recorded" "$(metric "$m" bpfreaper_objects_recorded_total)" "$(jq '(.created | length) + .freed_objects' "$r")"
	assert_eq "recorded (3: map, prog, the prog's map)" "$(metric "$m" bpfreaper_objects_recorded_total)" 3
	assert_eq "survived" "$(metric "$m" bpfreaper_objects_survived_total)" "$(jq '.survivors | length' "$r")"
	assert_eq "survived (the kept prog's map)" "$(metric "$m" bpfreaper_objects_survived_total)" 1
	assert_eq "freed" "$(metric "$m" bpfreaper_objects_freed_total)" "$(jq .freed_objects "$r")"
	assert_eq "freed (the map whose pin was removed)" "$(metric "$m" bpfreaper_objects_freed_total)" 1
	assert_eq "pins removed" "$(metric "$m" bpfreaper_pins_removed_total)" 1
	assert_eq "pins kept" "$(metric "$m" bpfreaper_pins_kept_total)" 1
	assert_eq "pins left" "$(metric "$m" bpfreaper_pins_left_total)" 0
	assert_eq "prestart failures" "$(metric "$m" 'bpfreaper_prestart_failures_total{reason="refused"}')" 0
	assert_absent "$P-mleak-map"
	assert_present "$P-mleak-prog"
	rm -f "$P-mleak-prog"
	echo "metrics after one leaking container:"
	grep -v '^#' "$m" | sed 's/^/    /'

	# Report mode: the pin is left, and counted as left.
	make_bundle mrep "bpfleak map /sys/fs/bpf/$E2E_PREFIX-mrep" >/dev/null
	annotate mrep io.bpfreaper.mode report
	hooks_env mrep "BPFREAPER_RUN_DIR=$MRD"
	run_ctr mrep || fail "runc run: $(cat "$WORK/mrep.err")"
	metrics_checked "$m"
	assert_eq "registrations" "$(metric "$m" bpfreaper_containers_registered_total)" 2
	assert_eq "pins left" "$(metric "$m" bpfreaper_pins_left_total)" 1
	assert_eq "survived" "$(metric "$m" bpfreaper_objects_survived_total)" 2
	rm -f "$P-mrep"
}

# The gc timer's run writes the textfile (config metrics_textfile), counting
# itself and the container whose poststop never ran.
test_gc_writes_the_textfile() {
	local dir=$WORK/textfile cfg=$WORK/metr-gc.json out m
	need_promtool
	metr_rundir
	mkdir -p "$dir"
	jq -n --arg d "$dir" '{metrics_textfile: $d}' >"$cfg"
	make_bundle mgc "bpfleak map /sys/fs/bpf/$E2E_PREFIX-mgc" >/dev/null
	bundle_edit mgc 'del(.hooks.poststop)'
	hooks_env mgc "BPFREAPER_RUN_DIR=$MRD"
	run_ctr mgc || fail "runc run: $(cat "$WORK/mgc.err")"
	assert_present "$P-mgc"
	out=$(BPFREAPER_RUN_DIR=$MRD "$BIN/bpfreaperctl" gc --config="$cfg") || fail "gc: $out"
	m=$dir/bpfreaper.prom
	assert_present "$m"
	out=$(promtool check metrics <"$m" 2>&1) || fail "promtool check metrics: $out"
	[ -z "$out" ] || fail "promtool check metrics: $out"
	assert_eq "gc runs" "$(metric "$m" bpfreaper_gc_runs_total)" 1
	assert_eq "gc failures" "$(metric "$m" bpfreaper_gc_failures_total)" 0
	[ "$(metric "$m" bpfreaper_gc_last_success_timestamp_seconds)" -ge "$(($(date +%s) - 60))" ] ||
		fail "last success: $(metric "$m" bpfreaper_gc_last_success_timestamp_seconds)"
	assert_eq "teardowns by gc" "$(metric "$m" 'bpfreaper_teardowns_total{by="gc"}')" 1
	assert_eq "pins removed" "$(metric "$m" bpfreaper_pins_removed_total)" 1
	assert_absent "$P-mgc"
	# No temp file left beside it for the collector to trip on.
	assert_eq "files in the textfile dir" "$(ls "$dir")" bpfreaper.prom
	# A dry run counts nothing; --textfile writes the same text as stdout.
	BPFREAPER_RUN_DIR=$MRD "$BIN/bpfreaperctl" gc --dry-run --config="$cfg" >/dev/null
	BPFREAPER_RUN_DIR=$MRD "$BIN/bpfreaperctl" metrics --textfile "$dir" || fail "metrics --textfile"
	assert_eq "gc runs after a dry run" "$(metric "$m" bpfreaper_gc_runs_total)" 1
	# A directory that is not there is an error, not made.
	! BPFREAPER_RUN_DIR=$MRD "$BIN/bpfreaperctl" metrics --textfile "$WORK/nodir" 2>/dev/null ||
		fail "metrics --textfile made or ignored a missing directory"
	assert_absent "$WORK/nodir"
}

# pod_bundle NAME CRI: a container that waits for /sync/go, annotated the
# way CRI-O ("crio") or containerd ("containerd") annotates a pod's
# container; its hooks send their journal entries to $WORK/journal.sock.
pod_bundle() {
	make_bundle "$1" "bpfleak map /sys/fs/bpf/$E2E_PREFIX-$1 && touch /sync/pinned && until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	if [ "$2" = crio ]; then
		annotate "$1" io.kubernetes.pod.name "web-7d9f-$1"
		annotate "$1" io.kubernetes.pod.namespace shop
		annotate "$1" io.kubernetes.container.name nginx
	else
		annotate "$1" io.kubernetes.cri.sandbox-name "db-0-$1"
		annotate "$1" io.kubernetes.cri.sandbox-namespace data
		annotate "$1" io.kubernetes.cri.container-name postgres
		annotate "$1" io.kubernetes.cri.container-type container
	fi
	hooks_env "$1" "BPFREAPER_JOURNAL_SOCKET=$WORK/journal.sock"
}

# journal_entries MESSAGE_ID CONTAINER: the entries the fake journal got.
journal_entries() {
	jq -c --arg m "$1" --arg c "$2" 'select(.MESSAGE_ID == $m and .CONTAINER_ID == $c)' "$WORK/journal.json"
}

test_pod_identity_in_state_report_list_show_and_journal() {
	local listener out e id
	need_tool python3
	python3 "$ROOT/tests/helpers/journal-listen.py" "$WORK/journal.sock" "$WORK/journal.json" 300 &
	listener=$!
	wait_for "$WORK/journal.sock"
	pod_bundle podcrio crio
	pod_bundle podctrd containerd
	run_ctr podcrio &
	local p1=$!
	run_ctr podctrd &
	local p2=$!
	wait_for "$WORK/sync/podcrio/pinned"
	wait_for "$WORK/sync/podctrd/pinned"
	assert_eq "state pod (CRI-O)" "$(jq -c .pod "$(state_of podcrio)")" \
		"{\"name\":\"web-7d9f-podcrio\",\"namespace\":\"shop\",\"container\":\"nginx\"}"
	assert_eq "state pod (containerd)" "$(jq -c .pod "$(state_of podctrd)")" \
		"{\"name\":\"db-0-podctrd\",\"namespace\":\"data\",\"container\":\"postgres\"}"
	out=$("$BIN/bpfreaperctl" list)
	echo "$out" | grep -q "^$E2E_PREFIX-podcrio .* shop/web-7d9f-podcrio " || fail "list said: $out"
	echo "$out" | grep -q "^$E2E_PREFIX-podctrd .* data/db-0-podctrd " || fail "list said: $out"
	out=$("$BIN/bpfreaperctl" --json list)
	assert_eq "list --json pod" "$(echo "$out" | jq -r --arg id "$E2E_PREFIX-podctrd" \
		'.containers[] | select(.id == $id) | .pod | "\(.namespace)/\(.name)/\(.container)"')" "data/db-0-podctrd/postgres"
	out=$("$BIN/bpfreaperctl" show "$E2E_PREFIX-podcrio")
	echo "$out" | head -1 | grep -q "pod shop/web-7d9f-podcrio container nginx" || fail "show said: $out"
	out=$("$BIN/bpfreaperctl" --json show "$E2E_PREFIX-podcrio")
	assert_eq "show --json pod" "$(echo "$out" | jq -r '.[0].pod.name')" web-7d9f-podcrio
	touch "$WORK/sync/podcrio/go" "$WORK/sync/podctrd/go"
	wait $p1 || fail "runc run: $(cat "$WORK/podcrio.err")"
	wait $p2 || fail "runc run: $(cat "$WORK/podctrd.err")"
	assert_eq "report pod" "$(jq -r '.pod | "\(.namespace)/\(.name)/\(.container)"' "$(report_of podcrio)")" \
		"shop/web-7d9f-podcrio/nginx"
	assert_eq "report pod" "$(jq -r '.pod.namespace' "$(report_of podctrd)")" data
	# Both runcs have returned: every hook has exited, and what it sent is
	# queued on the socket. The listener writes it all out, then ends.
	kill -TERM "$listener"
	wait "$listener" || fail "the journal listener failed"

	! grep -q _INVALID "$WORK/journal.json" || fail "undecodable journal entries: $(grep _INVALID "$WORK/journal.json")"
	id=$E2E_PREFIX-podcrio
	e=$(journal_entries 5e241c7aad0c44886925a62d59fd1101 "$id")
	[ -n "$e" ] || fail "no registered entry for $id: $(cat "$WORK/journal.json")"
	assert_eq "registered fields" "$(echo "$e" | jq -r '"\(.POD_NAMESPACE)/\(.POD_NAME)/\(.CONTAINER_NAME)/\(.MODE)/\(.SYSLOG_IDENTIFIER)/\(.PRIORITY)"')" \
		"shop/web-7d9f-podcrio/nginx/enforce/bpfreaper-prestart/6"
	e=$(journal_entries 164fecf22d6443df43b0beee92f8c40d "$id")
	[ -n "$e" ] || fail "no cleaned entry for $id: $(cat "$WORK/journal.json")"
	assert_eq "cleaned counts" "$(echo "$e" | jq -r '"\(.OBJECTS) \(.FREED) \(.SURVIVORS) \(.PINS_REMOVED) \(.PINS_LEFT)"')" "1 1 0 1 0"
	assert_eq "cleaned pod" "$(echo "$e" | jq -r .POD_NAME)" web-7d9f-podcrio
	echo "$e" | jq -r .MESSAGE | grep -q "^poststop: container $id (enforce, pod shop/web-7d9f-podcrio container nginx): 1 objects recorded" ||
		fail "message: $(echo "$e" | jq -r .MESSAGE)"
	e=$(journal_entries 164fecf22d6443df43b0beee92f8c40d "$E2E_PREFIX-podctrd")
	assert_eq "cleaned pod (containerd)" "$(echo "$e" | jq -r '"\(.POD_NAMESPACE)/\(.POD_NAME)/\(.CONTAINER_NAME)"')" "data/db-0-podctrd/postgres"
	assert_absent "$P-podcrio"
	assert_absent "$P-podctrd"

	# The real journal, where journald runs (not on this test host: no
	# systemd as pid 1).
	if [ -S /run/systemd/journal/socket ] && command -v journalctl >/dev/null; then
		make_bundle podjd "bpfleak map /sys/fs/bpf/$E2E_PREFIX-podjd" >/dev/null
		annotate podjd io.kubernetes.pod.name web-7d9f-podjd
		run_ctr podjd || fail "runc run: $(cat "$WORK/podjd.err")"
		journalctl --sync 2>/dev/null || true
		out=$(journalctl -o json MESSAGE_ID=164fecf22d6443df43b0beee92f8c40d CONTAINER_ID="$E2E_PREFIX-podjd" --no-pager)
		assert_eq "journald POD_NAME" "$(echo "$out" | jq -r .POD_NAME | tail -1)" web-7d9f-podjd
	else
		echo "journald is not running here: checked against a stand-in socket only"
	fi
}

# Annotations a container controls: overlong or non-printable values are
# dropped (and said so), never stored or logged.
test_pod_identity_validated() {
	local long
	long=$(printf 'a%.0s' $(seq 300))
	make_bundle podbad "true" >/dev/null
	annotate podbad io.kubernetes.pod.name "$long"
	annotate podbad io.kubernetes.pod.namespace "$(printf 'ns\033[31m')"
	annotate podbad io.kubernetes.container.name ok
	bundle_edit podbad 'del(.hooks.poststop)'
	hooks_env podbad "BPFREAPER_LOG_FILE=$WORK/podbad.log"
	run_ctr podbad || fail "runc run: $(cat "$WORK/podbad.err")"
	assert_eq "stored" "$(jq -c .pod "$(state_of podbad)")" '{"container":"ok"}'
	grep -q "annotation io.kubernetes.pod.name is not printable ASCII of at most 253 bytes" "$WORK/podbad.log" ||
		fail "prestart said: $(cat "$WORK/podbad.log")"
	! grep -q "aaaaaaaaaa\|31m" "$WORK/podbad.log" || fail "an invalid value was logged: $(cat "$WORK/podbad.log")"
	poststop_now podbad || fail "poststop of podbad"
}

# The shipped alert rules (deploy/prometheus) are valid, and each has a
# promtool unit test that fires it on one node and not on another.
test_shipped_alert_rules() {
	local rules=$ROOT/deploy/prometheus/bpfreaper-rules.yml tests=$ROOT/tests/prometheus/bpfreaper-rules.test.yml
	local out name
	need_promtool
	out=$(promtool check rules "$rules" 2>&1) || fail "promtool check rules: $out"
	echo "$out" | grep -q "SUCCESS: [1-9][0-9]* rules found" || fail "promtool check rules: $out"
	for name in $(awk '$1 == "-" && $2 == "alert:" { print $3 }' "$rules"); do
		grep -q "alertname: $name\$" "$tests" || fail "rule $name has no promtool test in $tests"
		[ "$(grep -c "alertname: $name\$" "$tests")" -ge 1 ] &&
			grep -A3 "alertname: $name\$" "$tests" | grep -q "instance: bad" ||
			fail "rule $name has no case that fires"
	done
	out=$(promtool test rules "$tests" 2>&1) || fail "promtool test rules: $out"
	# The docs point at the file instead of a copy that could drift.
	grep -q "deploy/prometheus/bpfreaper-rules.yml" "$ROOT/docs/operations.md" || fail "docs/operations.md does not name the rules file"
}
