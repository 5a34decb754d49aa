# shellcheck shell=bash
# bpfreaperctl top: the live objects and kernel memory of a running
# container, checked against what the kernel says of the same ids.

# bpftool_bytes ID...: the sum of bytes_memlock bpftool reports for these
# map and program ids ("map:ID" or "prog:ID").
bpftool_bytes() {
	local sum=0 o kind id b
	for o in "$@"; do
		kind=${o%%:*} id=${o#*:}
		b=$(bpftool -j "$kind" show id "$id" | jq -r .bytes_memlock)
		[[ $b =~ ^[0-9]+$ ]] || fail "bpftool $kind show id $id: no bytes_memlock ($b)"
		sum=$((sum + b))
	done
	echo "$sum"
}

# leaked_ids NAME: "map:ID"/"prog:ID" for each object bpfleak said it made.
leaked_ids() {
	awk '$1 == "map" || $1 == "prog" { print $1 ":" $2 }' "$WORK/$1.out"
}

# top_counter KEY: a counter of this run's counters file (0 before any).
top_counter() {
	awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print 0 }' "$RUN_DIR/counters" 2>/dev/null || echo 0
}

# within_5pct WHAT GOT WANT
within_5pct() {
	local d=$(($2 - $3))
	[ "$3" -gt 0 ] || fail "$1: nothing to compare against ($3)"
	[ $((${d#-} * 100)) -le $(($3 * 5)) ] || fail "$1: got $2, bpftool says $3 (more than 5% apart)"
}

test_top_counts_a_growing_container() {
	local out row want ids
	need_tool bpftool
	need promtool command -v promtool
	need python3-jsonschema /usr/bin/python3 -c "import jsonschema"
	# Two pinned maps and a pinned program holding a map of its own; then,
	# told to, three more maps.
	make_bundle top "mkdir -p /sys/fs/bpf/$E2E_PREFIX-top/more && bpfleak maps /sys/fs/bpf/$E2E_PREFIX-top 2 &&
		bpfleak prog /sys/fs/bpf/$E2E_PREFIX-top/p && touch /sync/first &&
		until [ -e /sync/more ]; do sleep 0.05; done && bpfleak maps /sys/fs/bpf/$E2E_PREFIX-top/more 3 &&
		touch /sync/second && until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	annotate top io.kubernetes.cri.sandbox-name web-0
	annotate top io.kubernetes.cri.sandbox-namespace shop
	annotate top io.kubernetes.cri.container-name agent
	# The program (and the map it holds) survive poststop: the report's
	# survived bytes.
	annotate top io.bpfreaper.keep "$P-top/p"
	# Over it after the second batch only; said once however often top
	# and gc look.
	annotate top io.bpfreaper.live-budget objects=5
	need_tool python3
	python3 "$ROOT/tests/helpers/journal-listen.py" "$WORK/top-journal.sock" "$WORK/top-journal.json" 300 &
	local listener=$!
	wait_for "$WORK/top-journal.sock"
	export BPFREAPER_JOURNAL_SOCKET=$WORK/top-journal.sock
	local crossings_before
	crossings_before=$(top_counter live_budget_crossed)
	run_ctr top &
	local ctr_pid=$!
	wait_for "$WORK/sync/top/first"

	out=$("$BIN/bpfreaperctl" --json top) || fail "top --json: $out"
	row=$(echo "$out" | jq -c --arg id "$E2E_PREFIX-top" '.containers[] | select(.id == $id)')
	[ -n "$row" ] || fail "top has no row for $E2E_PREFIX-top: $out"
	assert_eq "first sample counts (maps progs links pins objects)" \
		"$(echo "$row" | jq -r '"\(.maps) \(.progs) \(.links) \(.pins) \(.objects)"')" "3 1 0 3 4"
	assert_eq "pod" "$(echo "$row" | jq -r '"\(.pod.namespace)/\(.pod.name)/\(.pod.container)"')" "shop/web-0/agent"
	mapfile -t ids < <(leaked_ids top)
	assert_eq "objects bpfleak made" "${#ids[@]}" 4
	want=$(bpftool_bytes "${ids[@]}")
	within_5pct "bytes, first sample" "$(echo "$row" | jq -r .bytes)" "$want"
	assert_eq "bytes are maps + progs" "$(echo "$row" | jq -r '.map_bytes + .prog_bytes')" "$(echo "$row" | jq -r .bytes)"
	assert_eq "under the budget" "$(echo "$row" | jq -c .live_budget)" '{"objects":5,"bytes":0,"over":false}'

	touch "$WORK/sync/top/more"
	wait_for "$WORK/sync/top/second"
	out=$("$BIN/bpfreaperctl" --json top "$E2E_PREFIX-to") || fail "top --json (prefix): $out"
	assert_eq "rows for the prefix" "$(echo "$out" | jq '.containers | length')" 1
	row=$(echo "$out" | jq -c '.containers[0]')
	assert_eq "second sample counts (maps progs links pins objects)" \
		"$(echo "$row" | jq -r '"\(.maps) \(.progs) \(.links) \(.pins) \(.objects)"')" "6 1 0 6 7"
	mapfile -t ids < <(leaked_ids top)
	assert_eq "objects bpfleak made" "${#ids[@]}" 7
	want=$(bpftool_bytes "${ids[@]}")
	within_5pct "bytes, second sample" "$(echo "$row" | jq -r .bytes)" "$want"
	echo "$out" | "$ROOT/tests/helpers/schema_check" "$ROOT/docs/schema/bpfreaper.schema.json" top >/dev/null ||
		fail "top --json is not valid against its schema: $out"
	assert_eq "growth in objects" "$(echo "$row" | jq -r .growth.objects)" 3
	assert_eq "over the budget" "$(echo "$row" | jq -r .live_budget.over)" true
	"$BIN/bpfreaperctl" --json top >/dev/null || fail "top again"
	jq -n '{}' >"$WORK/top-gc.json"
	"$BIN/bpfreaperctl" gc --config="$WORK/top-gc.json" >/dev/null || fail "gc failed"
	within_5pct "growth in bytes" "$(echo "$row" | jq -r .growth.bytes)" "$(bpftool_bytes "${ids[@]:4}")"

	# --watch: a document per interval, each with growth against the last.
	timeout 2.5 "$BIN/bpfreaperctl" --json top --interval=1s "$E2E_PREFIX-top" >"$WORK/top-watch.json" || [ $? -eq 124 ] ||
		fail "top --interval failed: $(cat "$WORK/top-watch.json")"
	[ "$(wc -l <"$WORK/top-watch.json")" -ge 2 ] || fail "top --interval=1s printed: $(cat "$WORK/top-watch.json")"
	assert_eq "watch growth" "$(sed -n 2p "$WORK/top-watch.json" | jq -c '.containers[0].growth | {objects, bytes, s: (.since_s >= 1)}')" \
		'{"objects":0,"bytes":0,"s":true}'

	# list and show say the same.
	assert_eq "list --json live" "$("$BIN/bpfreaperctl" --json list |
		jq -c --arg id "$E2E_PREFIX-top" '.containers[] | select(.id == $id) | .live')" \
		"$(echo "$row" | jq -c '{maps, progs, links, pins, bytes}')"
	"$BIN/bpfreaperctl" --json list | "$ROOT/tests/helpers/schema_check" "$ROOT/docs/schema/bpfreaper.schema.json" list >/dev/null ||
		fail "list --json is not valid against its schema"
	out=$("$BIN/bpfreaperctl" show "$E2E_PREFIX-top") || fail "show: $out"
	echo "$out" | grep -qx "live: 6 maps, 1 progs, 0 links, 6 pins; $(echo "$row" | jq -r .bytes) bytes (memlock)" ||
		fail "show said: $out"

	# The metrics: node totals by kind, the container's own series with its
	# pod; promtool must take them without a complaint.
	local m=$WORK/top-metrics.txt lbl v
	"$BIN/bpfreaperctl" metrics >"$m" || fail "bpfreaperctl metrics failed"
	v=$(promtool check metrics <"$m" 2>&1) || fail "promtool check metrics: $v"
	[ -z "$v" ] || fail "promtool check metrics: $v"
	lbl="{container_id=\"$E2E_PREFIX-top\",pod=\"web-0\",namespace=\"shop\"}"
	assert_eq "container series objects" "$(awk -v s="bpfreaper_container_live_objects$lbl" '$1 == s { print $2 }' "$m")" 7
	assert_eq "container series bytes" "$(awk -v s="bpfreaper_container_live_bytes$lbl" '$1 == s { print $2 }' "$m")" \
		"$(echo "$row" | jq -r .bytes)"
	v=$(awk '$1 == "bpfreaper_live_objects{kind=\"map\"}" { print $2 }' "$m")
	[[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge 6 ] || fail "node total of maps: '$v' in $(cat "$m")"
	v=$(awk '$1 == "bpfreaper_live_bytes{kind=\"prog\"}" { print $2 }' "$m")
	[[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge "$(echo "$row" | jq -r .prog_bytes)" ] && [ "$v" -gt 0 ] ||
		fail "node total of prog bytes: '$v' in $(cat "$m")"

	# The table: the pod, sorted by bytes, no growth since the last sample.
	out=$("$BIN/bpfreaperctl" top --no-trunc) || fail "top: $out"
	echo "$out" | grep -q "^$E2E_PREFIX-top  *shop/web-0  *6  *1  *0  *6  .*+0 obj +0B OVER LIVE BUDGET" || fail "top said: $out"
	assert_eq "crossings counted" "$(($(top_counter live_budget_crossed) - crossings_before))" 1
	assert_eq "containers over the budget" \
		"$(awk '$1 == "bpfreaper_containers_over_live_budget" { print $2 }' "$m")" 1

	touch "$WORK/sync/top/go"
	wait $ctr_pid || fail "runc run: $(cat "$WORK/top.err")"
	# The report: what they held before poststop removed anything, what
	# the kept program and its map still hold.
	local r survived
	r=$(report_of top)
	within_5pct "report bytes held" "$(jq -r .bytes.held "$r")" "$want"
	"$ROOT/tests/helpers/schema_check" "$ROOT/docs/schema/bpfreaper.schema.json" report "$r" >/dev/null ||
		fail "the report is not valid against its schema: $(cat "$r")"
	survived=$(bpftool_bytes "${ids[2]}" "${ids[3]}")
	assert_eq "report bytes survived (the kept prog and its map)" "$(jq -r .bytes.survived "$r")" "$survived"
	assert_eq "report bytes freed" "$(jq -r .bytes.freed "$r")" "$(($(jq -r .bytes.held "$r") - survived))"
	assert_eq "objects alive after poststop" "$(jq -c '[.created[] | select(.freed | not) | .id] | sort' "$r")" \
		"$(printf '%s\n' "${ids[2]#*:}" "${ids[3]#*:}" | jq -sc 'sort')"
	assert_present "$P-top/p"
	assert_absent "$P-top/m0"
	rm -rf "$P-top"
	kill -TERM "$listener"
	wait "$listener" || fail "the journal listener failed"
	unset BPFREAPER_JOURNAL_SOCKET
	local said
	said=$(jq -c --arg id "$E2E_PREFIX-top" 'select(.MESSAGE_ID == "a3c1e07f5b2d4e6c9a81f04d27b6c3e5" and .CONTAINER_ID == $id)' \
		"$WORK/top-journal.json")
	assert_eq "budget crossings logged" "$(echo "$said" | grep -c .)" 1
	assert_eq "logged fields" "$(echo "$said" | jq -r '"\(.LIVE_OBJECTS) \(.BUDGET_OBJECTS) \(.POD_NAME) \(.PRIORITY)"')" "7 5 web-0 4"
	out=$("$BIN/bpfreaperctl" --json top) || fail "top --json after the stop: $out"
	assert_eq "row after poststop" "$(echo "$out" | jq --arg id "$E2E_PREFIX-top" '[.containers[] | select(.id == $id)] | length')" 0
}
