#!/bin/bash
# The demo: a real runc container leaks eBPF objects into the host's bpffs
# (a pinned map, a pinned program holding a map, a pin in a new directory),
# bpfreaper's hooks remove exactly those, and a table shows before/after.
set -eu
cd "$(dirname "$0")/.."
# Names and the run directory as the tests take them (E2E_PREFIX,
# BPFREAPER_RUN_DIR), so that a demo beside a test run touches neither's.
E2E_PREFIX=${E2E_PREFIX:-demo}
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh
e2e_setup
KEEP_REPORTS=1
trap 'e2e_teardown; rm -f "$P-host"; build/bin/bpfreaperctl unload 2>/dev/null || true' EXIT

host_id=$(host_map "$P-host")
make_bundle leaky "bpfleak map $P-map && bpfleak prog $P-prog &&
	mkdir $P-dir && bpfleak map $P-dir/inner &&
	touch /sync/leaked && until [ -e /sync/exit ]; do sleep 0.05; done" >/dev/null

echo "Starting container $E2E_PREFIX-leaky (runc, hooks: bpfreaper-prestart / bpfreaper-poststop)..."
run_ctr leaky &
runc_pid=$!
wait_for "$WORK/sync/leaky/leaked"

pin_state() { [ -e "$1" ] && echo "present" || echo "gone"; }
obj_state() { obj_alive "$1" "$2" && echo "alive" || echo "freed"; }
mapfile -t maps < <(ids_of leaky map)
prog=$(ids_of leaky prog)
rows=(
	"pin $P-map|pin|$P-map"
	"  map id ${maps[0]} (container)|map|${maps[0]}"
	"pin $P-prog|pin|$P-prog"
	"  prog id $prog (container)|prog|$prog"
	"  map id ${maps[1]} held by the prog|map|${maps[1]}"
	"dir $P-dir|pin|$P-dir"
	"pin $P-dir/inner|pin|$P-dir/inner"
	"  map id ${maps[2]} (container)|map|${maps[2]}"
	"pin $P-host (host's)|pin|$P-host"
	"  map id $host_id (host's)|map|$host_id"
)
snapshot() {
	local row kind what
	for row in "${rows[@]}"; do
		IFS='|' read -r _ kind what <<<"$row"
		if [ "$kind" = pin ]; then pin_state "$what"; else obj_state "$kind" "$what"; fi
	done
}
mapfile -t before < <(snapshot)
touch "$WORK/sync/leaky/exit"
wait $runc_pid || { cat "$WORK/leaky.err"; exit 1; }
mapfile -t after < <(snapshot)

printf '\n%-40s %-22s %s\n' "OBJECT" "CONTAINER RUNNING" "AFTER runc run RETURNED"
for i in "${!rows[@]}"; do
	printf '%-40s %-22s %s\n' "${rows[$i]%%|*}" "${before[$i]}" "${after[$i]}"
done
report=$(report_of leaky)
echo
echo "poststop report ($report):"
jq -r '"  \(([.created[] | select(.freed | not)] | length) + .freed_objects + .records_dropped.freed_objects) objects recorded, \(.freed_objects + .records_dropped.freed_objects) freed by the kernel, \(.survivors | length) survivors; \(.removed.pins | length) pins and \(.removed.dirs | length) dirs removed in \(.timings.total_us / 1000) ms"' "$report"
# The demo proves itself: fail loudly if anything is not as shown above.
for i in 0 1 2 3 4 5 6 7; do [ "${after[$i]}" = gone ] || [ "${after[$i]}" = freed ] || { echo "demo: row $i not removed"; exit 1; }; done
[ "${after[8]}" = present ] && [ "${after[9]}" = alive ] || { echo "demo: host object touched"; exit 1; }
echo "  host's own pin and map: untouched"
