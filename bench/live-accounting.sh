# shellcheck shell=bash
# The cost of live accounting (BENCHMARKS.md, "Live accounting"): top, list
# and metrics over one running container holding BENCH_N pinned maps, and
# what measuring their bytes adds to its poststop (timings.bytes_us).
# Runs through the test harness, in a run directory of its own:
#   E2E_PREFIX=bench BPFREAPER_RUN_DIR=/run/bpfreaper-bench KERNEL_MATRIX=0 \
#     E2E_FILES=bench/live-accounting.sh E2E_FILTER=bench tests/run
test_bench_top_collection() {
	local n=${BENCH_N:-5000} t0 t1 out
	make_bundle btop "mkdir -p /sys/fs/bpf/$E2E_PREFIX-btop && bpfleak maps /sys/fs/bpf/$E2E_PREFIX-btop $n >/dev/null &&
		touch /sync/ready && until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	run_ctr btop &
	local ctr_pid=$!
	wait_for "$WORK/sync/btop/ready"
	out=$("$BIN/bpfreaperctl" --json top) || fail "top"
	echo "objects: $(echo "$out" | jq '.containers[0].objects') bytes: $(echo "$out" | jq '.containers[0].bytes')"
	t0=$(date +%s%N)
	for _ in 1 2 3 4 5; do "$BIN/bpfreaperctl" --json top >/dev/null; done
	t1=$(date +%s%N)
	echo "top --json: $(( (t1 - t0) / 5000000 )) ms per run for $n live maps ($n pin records)"
	t0=$(date +%s%N)
	for _ in 1 2 3 4 5; do "$BIN/bpfreaperctl" list >/dev/null; done
	t1=$(date +%s%N)
	echo "list: $(( (t1 - t0) / 5000000 )) ms per run"
	t0=$(date +%s%N)
	for _ in 1 2 3 4 5; do "$BIN/bpfreaperctl" metrics >/dev/null; done
	t1=$(date +%s%N)
	echo "metrics: $(( (t1 - t0) / 5000000 )) ms per run"
	touch "$WORK/sync/btop/go"
	wait $ctr_pid || fail "runc run: $(cat "$WORK/btop.err")"
	echo "poststop report: $(jq -c '{bytes, timings}' "$(report_of btop)")"
	rm -rf "$P-btop"
}

# The same collection with BENCH_IDLE (999) more containers registered, idle
# (a cgroup each, sharing one sleeping process, prestart fed its state):
# what `top` and `metrics` cost at a node's scale, O(registered + live
# records). BENCH_N=15000 gives 30 000 live objects (15 000 maps, 15 000
# pins).
test_bench_top_at_scale() {
	local idle=${BENCH_IDLE:-999} i pid t0 t1 out
	local cg=$CG2/$CG_PARENT-idle
	mkdir -p "$cg/s"
	sleep 3600 >/dev/null 2>&1 &
	pid=$!
	echo "$pid" >"$cg/s/cgroup.procs"
	mkdir -p "$WORK/idle-bundle"
	echo '{"ociVersion":"1.0.2","mounts":[],"linux":{"namespaces":[{"type":"mount"}]}}' >"$WORK/idle-bundle/config.json"
	for i in $(seq 1 "$idle"); do
		mkdir -p "$cg/c$i"
		echo "$pid" >"$cg/c$i/cgroup.procs"
		printf '{"ociVersion":"1.0.2","id":"%s-idle-%d","status":"creating","pid":%d,"bundle":"%s"}' \
			"$E2E_PREFIX" "$i" "$pid" "$WORK/idle-bundle" | "$BIN/bpfreaper-prestart" 2>/dev/null
	done
	echo "$pid" >"$cg/s/cgroup.procs"
	echo "idle registered: $("$BIN/bpfreaperctl" --json list | jq '.containers | length')"
	test_bench_top_collection
	for i in $(seq 1 "$idle"); do
		printf '{"ociVersion":"1.0.2","id":"%s-idle-%d","status":"stopped"}' "$E2E_PREFIX" "$i" |
			"$BIN/bpfreaper-poststop" --wait-ms=0 2>/dev/null
		rmdir "$cg/c$i"
	done
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	rmdir "$cg/s" "$cg"
}
