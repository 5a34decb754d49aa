# shellcheck shell=bash
# bpfreaperctl's conventions, verb by verb (bpftool/podman habits): --version,
# global flags anywhere, JSON compact or pretty, errors as JSON under --json,
# VERB --help, one-line usage errors, id prefixes, list truncation and ages,
# reports and their pruning, read-only verbs that create nothing, and every
# JSON document checked against docs/schema/bpfreaper.schema.json.

CTL=$BIN/bpfreaperctl
SCHEMA=$ROOT/docs/schema/bpfreaper.schema.json
VERBS="list show report reports doctor config gc load unload configure unconfigure"

# schema DEF [FILE]: FILE (or stdin) is valid against $defs/DEF.
schema() {
	need python3-jsonschema /usr/bin/python3 -c 'import jsonschema'
	local out
	out=$("$ROOT/tests/helpers/schema_check" "$SCHEMA" "$@") || fail "not a valid $1: $out"
}

# ctl ARG...: runs bpfreaperctl; its stdout, stderr and status in
# $WORK/ctl.out, $WORK/ctl.err and $CTL_RC.
ctl() {
	CTL_RC=0
	"$CTL" "$@" >"$WORK/ctl.out" 2>"$WORK/ctl.err" || CTL_RC=$?
}

# A usage error: status 2, one line on stderr, nothing on stdout.
assert_usage_error() {
	ctl "$@"
	assert_eq "status of bpfreaperctl $*" "$CTL_RC" 2
	[ ! -s "$WORK/ctl.out" ] || fail "bpfreaperctl $*: stdout: $(cat "$WORK/ctl.out")"
	assert_eq "stderr lines of bpfreaperctl $*" "$(wc -l <"$WORK/ctl.err")" 1
}

# Under --json a failure is one JSON object with "error" on stdout, nothing
# on stderr, and the status given.
assert_json_error() {
	local want=$1
	shift
	ctl "$@"
	assert_eq "status of bpfreaperctl $*" "$CTL_RC" "$want"
	[ ! -s "$WORK/ctl.err" ] || fail "bpfreaperctl $*: stderr: $(cat "$WORK/ctl.err")"
	assert_eq "stdout lines of bpfreaperctl $*" "$(wc -l <"$WORK/ctl.out")" 1
	jq -e '.error | type == "string"' "$WORK/ctl.out" >/dev/null || fail "bpfreaperctl $*: $(cat "$WORK/ctl.out")"
	schema error "$WORK/ctl.out"
}

test_version_on_every_binary() {
	local version layout b
	version=$(awk '$1 == "VERSION" && $2 == ":=" { print $3 }' "$ROOT/Makefile")
	layout=$(awk '/define TRACER_LAYOUT_VERSION/ { print $3 }' "$ROOT/bpf/record.h")
	[ -n "$version" ] || fail "no VERSION in the Makefile"
	assert_eq "debian version" "$(sed -n '1s/^bpfreaper (\([^)-]*\).*/\1/p' "$ROOT/packaging/debian/changelog")" "$version"
	assert_eq "rpm version" "$(awk '$1 == "Version:" { print $2 }' "$ROOT/packaging/rpm/bpfreaper.spec")" "$version"
	for b in bpfreaperctl bpfreaper-prestart bpfreaper-poststop; do
		# The hooks must answer without an OCI state on stdin.
		out=$(timeout 5 "$BIN/$b" --version 2>"$WORK/v.err" </dev/null) || fail "$b --version failed"
		echo "$out" | grep -Eqx "$b $version \(libbpf [0-9]+\.[0-9]+, tracer layout $layout\)" ||
			fail "$b --version said: $out"
		[ ! -s "$WORK/v.err" ] || fail "$b --version: stderr: $(cat "$WORK/v.err")"
	done
	assert_eq "-V" "$("$CTL" -V)" "$("$CTL" --version)"
	ctl --json --version
	assert_eq "json version" "$(jq -r .version "$WORK/ctl.out")" "$version"
	schema version "$WORK/ctl.out"
}

test_help_per_verb_and_usage_errors() {
	local v
	for v in $VERBS; do
		ctl "$v" --help
		assert_eq "$v --help status" "$CTL_RC" 0
		head -1 "$WORK/ctl.out" | grep -q "^usage: bpfreaperctl $v" || fail "$v --help said: $(cat "$WORK/ctl.out")"
		[ ! -s "$WORK/ctl.err" ] || fail "$v --help: stderr: $(cat "$WORK/ctl.err")"
		cp "$WORK/ctl.out" "$WORK/help1"
		ctl help "$v"
		assert_eq "help $v status" "$CTL_RC" 0
		cmp -s "$WORK/ctl.out" "$WORK/help1" || fail "help $v differs from $v --help"
		ctl "$v" -h
		cmp -s "$WORK/ctl.out" "$WORK/help1" || fail "$v -h differs from $v --help"
		assert_usage_error "$v" --no-such-flag
		grep -q "^bpfreaperctl: $v: unknown option '--no-such-flag'" "$WORK/ctl.err" ||
			fail "$v --no-such-flag said: $(cat "$WORK/ctl.err")"
		assert_json_error 2 "$v" --no-such-flag --json
	done
	# show used to take --help for a container id.
	ctl show --help
	! grep -qi "no such" "$WORK/ctl.out" "$WORK/ctl.err" || fail "show --help looked up a container"
	ctl --help
	assert_eq "--help status" "$CTL_RC" 0
	for v in $VERBS; do grep -q "^  $v " "$WORK/ctl.out" || fail "--help does not list $v"; done
	ctl help
	assert_eq "help status" "$CTL_RC" 0
	assert_usage_error no-such-verb
	assert_usage_error help no-such-verb
	assert_usage_error show
	assert_usage_error show a b
	assert_usage_error list extra
	assert_usage_error report x --run=abc
	assert_usage_error reports prune --keep=0
	assert_usage_error reports prune --older-than=3y
	assert_usage_error configure
	assert_usage_error configure --runtime=docker --config=relative.json
	assert_usage_error configure --runtime=docker --restart-mode=restart
	assert_usage_error unconfigure --runtime=docker --set-as-default
	assert_usage_error configure --runtime=containerd --config=relative.toml
	assert_usage_error configure --runtime=containerd --root=relative/host
	assert_usage_error configure --runtime=containerd --hook-bin=/x
	assert_usage_error configure --runtime=docker --root=/host
	assert_json_error 2 --json configure --runtime=containerd --restart-mode=signal
	assert_json_error 2 --json no-such-verb
	# No verb at all: the usage on stderr, status 2.
	ctl
	assert_eq "no verb status" "$CTL_RC" 2
	grep -q "^usage:" "$WORK/ctl.err" || fail "no verb: $(cat "$WORK/ctl.err")"
}

# -j and -p anywhere, before or after the verb, as bpftool takes them;
# -j is one compact line, -p indented, both the same document.
test_json_flags_anywhere_compact_or_pretty() {
	local v f shape='if type == "object" then keys - ["trampoline_error"] else map(.check) end'
	for v in list doctor reports load; do
		# Statuses aside (doctor fails a check on some hosts): the format.
		"$CTL" --json "$v" >"$WORK/a.json" || true
		"$CTL" "$v" --json >"$WORK/b.json" || true
		"$CTL" "$v" -j >"$WORK/c.json" || true
		"$CTL" -p "$v" >"$WORK/d.json" || true
		"$CTL" "$v" --pretty >"$WORK/e.json" || true
		for f in a b c; do
			assert_eq "$v -j lines ($f)" "$(wc -l <"$WORK/$f.json")" 1
		done
		for f in d e; do
			[ "$(wc -l <"$WORK/$f.json")" -gt 1 ] || fail "$v -p is not indented ($f): $(cat "$WORK/$f.json")"
		done
		# The same document whichever way it was asked for (containers
		# of other tests may come and go between two runs, the first
		# load may be the one that loads: compare the required shape).
		for f in b c d e; do
			assert_eq "$v shape ($f)" "$(jq -c "$shape" "$WORK/$f.json")" "$(jq -c "$shape" "$WORK/a.json")"
		done
		schema "$v" "$WORK/a.json"
	done
	"$CTL" list -jp | jq -e .containers >/dev/null || fail "-jp"
	# After --, --json is an argument, not a flag.
	assert_usage_error list -- --json
}

# list, show, report, reports and doctor (and metrics, where there is one)
# only read: a host where no container ran keeps no trace of them.
# config check: 0 valid, 1 invalid with FILE:LINE:COLUMN (as compilers say
# it), the default file, --json against the schema; the shipped example
# passes.
test_config_check() {
	local f=$WORK/cc.json
	ctl config check "$ROOT/packaging/bpfreaper.json.example"
	assert_eq "shipped example" "$CTL_RC" 0
	grep -q "valid, mode report" "$WORK/ctl.out" || fail "said: $(cat "$WORK/ctl.out")"
	ctl --json config check "$ROOT/packaging/bpfreaper.json.example"
	assert_eq "shipped example, json" "$(jq -c '[.valid, .mode]' "$WORK/ctl.out")" '[true,"report"]'
	schema config_check "$WORK/ctl.out"
	printf '{\n  "mode": "report",\n  "keep": ["/sys/fs/bpf/agent/*"],\n}\n' >"$f"
	ctl config check "$f"
	assert_eq "trailing comma" "$CTL_RC" 1
	assert_eq "trailing comma says" "$(cut -d: -f1-3 "$WORK/ctl.err")" "$f:4:1"
	ctl -j config check "$f"
	assert_eq "trailing comma, json status" "$CTL_RC" 1
	assert_eq "trailing comma, json" "$(jq -c '[.valid, .line, .column]' "$WORK/ctl.out")" '[false,4,1]'
	schema config_check "$WORK/ctl.out"
	printf '{"mode": "report",}' >"$f"
	ctl config check "$f"
	assert_eq "one line says" "$(cut -d: -f1-3 "$WORK/ctl.err")" "$f:1:19"
	printf '{"mode": "report", "wait_ms": 5,\n\t"tracer_idel": "unload"}' >"$f"
	ctl config check "$f"
	assert_eq "unknown key" "$CTL_RC" 1
	grep -q "^$f:2:2: unknown key \"tracer_idel\"" "$WORK/ctl.err" || fail "said: $(cat "$WORK/ctl.err")"
	echo '{"wait_ms": 99999999}' >"$f"
	ctl config check "$f"
	assert_eq "bad value" "$CTL_RC" 1
	grep -q "^$f: \"wait_ms\" is not an integer" "$WORK/ctl.err" || fail "said: $(cat "$WORK/ctl.err")"
	ctl config check "$WORK/none.json"
	assert_eq "missing file" "$CTL_RC" 1
	grep -q "No such file" "$WORK/ctl.err" || fail "said: $(cat "$WORK/ctl.err")"
	# No FILE: the live one, as the hooks read it.
	ctl config check
	if [ -e /etc/bpfreaper/bpfreaper.json ]; then
		grep -q "^/etc/bpfreaper/bpfreaper.json" "$WORK/ctl.out" "$WORK/ctl.err" || fail "default file not checked"
	else
		assert_eq "no live config" "$CTL_RC" 1
	fi
	assert_usage_error config
	assert_usage_error config verify
	assert_usage_error config check a b
}

# bpfreaper.json at its limit (CONFIG_MAX_BYTES, 256 KiB) is read; one byte
# more is refused in one line that names the limit.
test_config_check_size_limit() {
	local f=$WORK/cc.json
	json_padded $((256 * 1024)) '{"mode": "report"}' >"$f"
	ctl config check "$f"
	assert_eq "at the limit" "$CTL_RC" 0
	grep -q "valid, mode report" "$WORK/ctl.out" || fail "said: $(cat "$WORK/ctl.out" "$WORK/ctl.err")"
	json_padded $((256 * 1024 + 1)) '{"mode": "report"}' >"$f"
	ctl config check "$f"
	assert_eq "one byte over" "$CTL_RC" 1
	assert_eq "lines said" "$(wc -l <"$WORK/ctl.err")" 1
	grep -q "^$f: larger than 256 KiB" "$WORK/ctl.err" || fail "said: $(cat "$WORK/ctl.err")"
}

test_readonly_verbs_create_nothing() {
	local rd=$WORK/fresh-run v
	local -a cmds=("list" "list --no-trunc" "show $E2E_PREFIX-none" "report $E2E_PREFIX-none" "reports" "doctor")
	"$CTL" help metrics >/dev/null 2>&1 && cmds+=("metrics")
	for dir_state in absent empty; do
		rm -rf "$rd"
		[ "$dir_state" = absent ] || mkdir -m 0700 "$rd"
		for v in "${cmds[@]}"; do
			# shellcheck disable=SC2086
			BPFREAPER_RUN_DIR=$rd "$CTL" $v >/dev/null 2>&1 || true
			# shellcheck disable=SC2086
			BPFREAPER_RUN_DIR=$rd "$CTL" --json $v >/dev/null 2>&1 || true
			if [ "$dir_state" = absent ]; then
				assert_absent "$rd"
			else
				assert_eq "$v in an empty run dir left" "$(ls -A "$rd")" ""
			fi
		done
	done
	# And list says it plainly, with status 0.
	rm -rf "$rd"
	out=$(BPFREAPER_RUN_DIR=$rd "$CTL" list) || fail "list without a run directory failed"
	echo "$out" | grep -q "no container registered" || fail "list said: $out"
	out=$(BPFREAPER_RUN_DIR=$rd "$CTL" list -j) || fail "list -j without a run directory failed"
	assert_eq "empty list" "$(echo "$out" | jq -c .containers)" "[]"
	echo "$out" | schema list
	out=$(BPFREAPER_RUN_DIR=$rd "$CTL" doctor -j) || true
	echo "$out" | schema doctor
	assert_eq "doctor run directory" "$(echo "$out" | jq -r '.[] | select(.check == "run directory") | .result')" info
	assert_absent "$rd"
}

# Three containers at once, ids chosen so that one is a prefix of another
# (an exact id wins), one prefix is unique, one ambiguous; one id is long
# (list truncates it to 12 characters like podman, --no-trunc shows it).
# Every JSON document they produce is checked against the schema.
test_real_run_prefixes_schema_and_reports() {
	local n pids=() long=pqz-0123456789abcdef
	for n in pa pab $long; do
		make_bundle "$n" "mkdir -p /sys/fs/bpf/$E2E_PREFIX-$n && bpfleak map /sys/fs/bpf/$E2E_PREFIX-$n/m &&
			touch /sync/pinned && until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
		run_ctr "$n" &
		pids+=($!)
	done
	for n in pa pab $long; do wait_for "$WORK/sync/$n/pinned"; done

	schema state "$(state_of pa)"
	# Exact wins over the prefix it also is.
	out=$("$CTL" show "$E2E_PREFIX-pa") || fail "show exact: $out"
	echo "$out" | grep -q "^container $E2E_PREFIX-pa," || fail "show $E2E_PREFIX-pa showed: $out"
	echo "$out" | grep -q "/sys/fs/bpf/$E2E_PREFIX-pa/m" || fail "show $E2E_PREFIX-pa showed: $out"
	# A unique prefix resolves.
	out=$("$CTL" show "$E2E_PREFIX-pq") || fail "show by prefix: $out"
	echo "$out" | grep -q "^container $E2E_PREFIX-$long," || fail "show $E2E_PREFIX-pq showed: $out"
	"$CTL" -j show "$E2E_PREFIX-pq" | schema show
	# An ambiguous one is an error naming the candidates.
	ctl show "$E2E_PREFIX-p"
	assert_eq "ambiguous show status" "$CTL_RC" 1
	for n in pa pab $long; do grep -q "$E2E_PREFIX-$n" "$WORK/ctl.err" || fail "ambiguous: $(cat "$WORK/ctl.err")"; done
	[ ! -s "$WORK/ctl.out" ] || fail "ambiguous show printed: $(cat "$WORK/ctl.out")"
	assert_json_error 1 show "$E2E_PREFIX-p" --json
	assert_json_error 1 show "$E2E_PREFIX-no-such-container" -j

	# list: 12 characters by default, the whole id with --no-trunc, ages
	# for people and seconds in JSON.
	out=$("$CTL" list)
	echo "$out" | grep -Eq "^${E2E_PREFIX}-pqz-01[^ ]* " || fail "list: $out"
	! echo "$out" | awk '{ print $1 }' | grep -q "$E2E_PREFIX-$long" || fail "list did not truncate: $out"
	assert_eq "truncated id" "$(echo "$out" | awk -v p="$E2E_PREFIX-pqz" 'index($1, p) == 1 { print $1 }')" \
		"$(echo "$E2E_PREFIX-$long" | cut -c1-12)"
	echo "$out" | awk -v id="$E2E_PREFIX-pa" '$1 == id { print $7 }' | grep -Eqx '[0-9]+[smhd]' ||
		fail "no human age in: $out"
	out=$("$CTL" list --no-trunc)
	echo "$out" | grep -q "^$E2E_PREFIX-$long  *recording " || fail "list --no-trunc: $out"
	"$CTL" list -j >"$WORK/list.json"
	schema list "$WORK/list.json"
	jq -e --arg id "$E2E_PREFIX-pa" '.containers[] | select(.id == $id) | .age_s | type == "number"' \
		"$WORK/list.json" >/dev/null || fail "age_s: $(cat "$WORK/list.json")"
	"$CTL" load -j | schema load
	"$CTL" gc --dry-run -j | schema gc

	for n in pa pab $long; do touch "$WORK/sync/$n/go"; done
	for p in "${pids[@]}"; do wait "$p" || fail "runc run failed"; done
	for n in pa pab $long; do
		assert_present "$(report_of "$n")"
		schema report "$(report_of "$n")"
	done
	# report: by prefix, exact first; JSON re-printed compact or pretty.
	out=$("$CTL" report "$E2E_PREFIX-pq") || fail "report by prefix: $out"
	echo "$out" | grep -q "^container $E2E_PREFIX-$long " || fail "report $E2E_PREFIX-pq: $out"
	"$CTL" report "$E2E_PREFIX-pa" -j >"$WORK/r.json" || fail "report -j"
	assert_eq "report -j is one line" "$(wc -l <"$WORK/r.json")" 1
	assert_eq "report exact id" "$(jq -r .id "$WORK/r.json")" "$E2E_PREFIX-pa"
	schema report "$WORK/r.json"
	"$CTL" report "$E2E_PREFIX-pa" -p | jq -e --slurpfile a "$WORK/r.json" '. == $a[0]' >/dev/null ||
		fail "report -p is another document"
	ctl report "$E2E_PREFIX-p"
	assert_eq "ambiguous report status" "$CTL_RC" 1
	assert_json_error 1 report "$E2E_PREFIX-p" --json
	# reports lists them, with their counts.
	"$CTL" reports -j >"$WORK/reports.json"
	schema reports "$WORK/reports.json"
	jq -e --arg id "$E2E_PREFIX-pa" '.reports[] | select(.id == $id) | .objects >= 1 and .mode != ""' \
		"$WORK/reports.json" >/dev/null || fail "reports: $(cat "$WORK/reports.json")"
	"$CTL" reports | grep -q "^$E2E_PREFIX-pa " || fail "reports: $("$CTL" reports)"
	for n in pa pab $long; do assert_absent "$P-$n"; done
}

# reports prune, and gc applying report_retention, in a private run
# directory: only regular files named like reports go, newest kept first;
# symlinks, temp files, other files and directories stay, and so does what
# a symlink points to.
test_reports_prune_and_gc_retention() {
	local rd=$WORK/prune-run cfg=$WORK/prune.json r
	rm -rf "$rd"
	mkdir -m 0700 "$rd" "$rd/reports"
	r=$rd/reports
	mkreport() { # NAME AGE
		jq -n --arg id "${1%%[.@]*}" '{version: 1, id: $id, mode: "enforce", by: "poststop",
			finished_at: "2026-01-01T00:00:00Z", created: [], freed_objects: 0, survivors: []}' >"$r/$1"
		touch -d "$2 ago" "$r/$1"
	}
	mkreport new.json "1 minute"
	mkreport mid.json "2 hours"
	mkreport "old@12345.json" "3 hours"
	mkreport oldest.json "10 days"
	echo keep >"$WORK/prune-target"
	ln -s "$WORK/prune-target" "$r/evil.json"
	touch -d "20 days ago" "$r/x.json.123.tmp" "$r/notes.txt"
	mkdir "$r/dir.json"
	echo '{}' >"$cfg"
	export BPFREAPER_RUN_DIR=$rd

	"$CTL" reports -j --config="$cfg" >"$WORK/rl.json" || fail "reports"
	schema reports "$WORK/rl.json"
	assert_eq "listed, newest first" "$(jq -c '[.reports[].file]' "$WORK/rl.json")" \
		'["new.json","mid.json","old@12345.json","oldest.json"]'
	assert_eq "earlier run" "$(jq -c '.reports[2] | [.id, .earlier_run, .cgroup_id]' "$WORK/rl.json")" '["old",true,"12345"]'

	out=$("$CTL" reports prune --keep=2 --dry-run --config="$cfg") || fail "dry run: $out"
	assert_eq "dry run lines" "$(echo "$out" | grep -c '^would remove')" 2
	assert_present "$r/oldest.json"
	"$CTL" reports prune --older-than=90m --config="$cfg" -j >"$WORK/rp.json" || fail "prune --older-than"
	schema reports_prune "$WORK/rp.json"
	assert_eq "pruned by age" "$(jq -c '[.pruned[].file]' "$WORK/rp.json")" '["mid.json","old@12345.json","oldest.json"]'
	assert_eq "kept" "$(jq .kept "$WORK/rp.json")" 1
	assert_present "$r/new.json"
	for f in mid.json old@12345.json oldest.json; do assert_absent "$r/$f"; done
	[ -L "$r/evil.json" ] || fail "the symlink was removed"
	assert_eq "symlink target" "$(cat "$WORK/prune-target")" keep
	for f in x.json.123.tmp notes.txt dir.json; do assert_present "$r/$f"; done

	# Without limits: the config's; without a config's either, the
	# default, which keeps a week's worth.
	mkreport a.json "5 minutes"
	mkreport b.json "6 minutes"
	out=$("$CTL" reports prune --config="$cfg") || fail "prune with the default retention: $out"
	echo "$out" | grep -q "nothing to prune" || fail "default retention pruned: $out"
	echo '{"report_retention": {"count": 1}}' >"$cfg"
	"$CTL" reports prune --config="$cfg" >/dev/null || fail "prune with the config's retention"
	assert_eq "left by count 1" "$(find "$r" -maxdepth 1 -type f -name '*.json' -printf '%f\n')" new.json
	echo '{"report_retention": {"count": 0}}' >"$cfg"
	ctl reports prune --config="$cfg"
	assert_eq "no limit at all status" "$CTL_RC" 2

	# gc applies the configured retention (private run dir, tracer kept).
	mkreport c.json "1 second"
	mkreport d.json "3 days"
	echo '{"report_retention": {"max_age": "1d"}}' >"$cfg"
	"$CTL" gc --keep-tracer --config="$cfg" -j >"$WORK/gc.json" || fail "gc: $(cat "$WORK/gc.json")"
	schema gc "$WORK/gc.json"
	assert_eq "gc pruned" "$(jq .reports_pruned "$WORK/gc.json")" 1
	assert_absent "$r/d.json"
	assert_present "$r/c.json"
	[ -L "$r/evil.json" ] || fail "gc removed the symlink"
	echo '{"report_retention": {"count": "x"}}' >"$cfg"
	assert_json_error 2 gc --keep-tracer --config="$cfg" -j
	unset BPFREAPER_RUN_DIR
	rm -rf "$rd"
}
