# shellcheck shell=bash
# Helpers for end-to-end tests: real runc containers on this host, with the
# built hooks. Everything made here is named with $E2E_PREFIX and removed.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$ROOT/build/bin
BPFLEAK=$ROOT/build/bpfleak
E2E_PREFIX=${E2E_PREFIX:-brt}
CG2=/sys/fs/cgroup/unified
[ -e $CG2/cgroup.controllers ] || CG2=/sys/fs/cgroup
CG_PARENT=bpfreaper-test
BPFFS=/sys/fs/bpf
# Host paths of test pins: $P-<name>.
P=$BPFFS/$E2E_PREFIX

fail() {
	echo "    $*" >&2
	return 1
}

e2e_setup() {
	WORK=$(mktemp -d /tmp/bpfreaper-e2e.XXXXXX)
	export WORK
	mountpoint -q $BPFFS || mount -t bpf bpf $BPFFS
	mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/sync" "$WORK/rootfs/sys/fs/bpf" "$WORK/rootfs/proc" \
		"$WORK/rootfs/dev" "$WORK/rootfs/tmp"
	cp /bin/busybox "$WORK/rootfs/bin/"
	for t in sh mkdir mv ln rm sleep cat ls echo touch; do ln -sf busybox "$WORK/rootfs/bin/$t"; done
	cp "$BPFLEAK" "$WORK/rootfs/bin/bpfleak"
	(cd "$WORK" && runc spec && mv config.json spec.json)
}

e2e_teardown() {
	local ids
	ids=$(runc list -q 2>/dev/null | grep "^$E2E_PREFIX-" || true)
	for id in $ids; do runc delete -f "$id" >/dev/null 2>&1 || true; done
	find $CG2/$CG_PARENT -depth -type d -exec rmdir {} \; 2>/dev/null || true
	# Pins a failed test left: all named with the test prefix.
	rm -rf "${BPFFS:?}/$E2E_PREFIX"-*
	# A state a failed test left is still registered: let poststop forget it.
	for f in /run/bpfreaper/state/"$E2E_PREFIX"-*.json; do
		[ -e "$f" ] || continue
		jq -c '{ociVersion: "1.0.2", id, status: "stopped"}' "$f" | "$BIN/bpfreaper-poststop" 2>/dev/null || true
	done
	[ -n "${KEEP_REPORTS:-}" ] || rm -f /run/bpfreaper/reports/"$E2E_PREFIX"-*.json
	rm -rf "$WORK"
}

# make_bundle NAME SCRIPT [STAGE]: a bundle whose container runs `sh -c SCRIPT`
# with the host bpffs bound at /sys/fs/bpf and $WORK/sync/NAME at /sync.
make_bundle() {
	local name=$1 script=$2 stage=${3:-prestart}
	local b=$WORK/bundles/$name id=$E2E_PREFIX-$name
	mkdir -p "$b" "$WORK/sync/$name"
	jq --arg script "$script" --arg root "$WORK/rootfs" --arg sync "$WORK/sync/$name" \
		--arg pre "$BIN/bpfreaper-prestart" --arg post "$BIN/bpfreaper-poststop" \
		--arg stage "$stage" --arg cg "/$CG_PARENT/$id" --arg log "$WORK/hooks-$name.log" '
		.process.terminal = false
		| .process.args = ["sh", "-c", $script]
		| .root = {path: $root, readonly: true}
		| .linux.cgroupsPath = $cg
		| .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN", "CAP_BPF", "CAP_PERFMON", "CAP_NET_ADMIN"])
		| .mounts += [
			{destination: "/sys/fs/bpf", type: "bind", source: "/sys/fs/bpf", options: ["rbind", "rw"]},
			{destination: "/sync", type: "bind", source: $sync, options: ["rbind", "rw"]}]
		| .hooks = {($stage): [{path: $pre, args: ["bpfreaper-prestart"]}],
			    poststop: [{path: $post, args: ["bpfreaper-poststop"]}]}
		' "$WORK/spec.json" >"$b/config.json"
	echo "$b"
}

# run_ctr NAME: runc run, output in $WORK/NAME.out/.err; returns runc's status.
run_ctr() {
	local name=$1
	timeout 60 runc run -b "$WORK/bundles/$name" "$E2E_PREFIX-$name" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
}

# wait_for FILE: until FILE exists (10 s at most).
wait_for() {
	local i
	for i in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	fail "timed out waiting for $1"
}

report_of() {
	echo "/run/bpfreaper/reports/$E2E_PREFIX-$1.json"
}

# ids_of NAME KIND: the ids bpfleak printed for objects of KIND.
ids_of() {
	awk -v k="$2" '$1 == k { print $2 }' "$WORK/$1.out"
}

obj_alive() { # KIND ID
	bpftool "$1" show id "$2" >/dev/null 2>&1
}

assert_freed() { # KIND ID...
	local kind=$1 id
	shift
	[ $# -gt 0 ] || fail "no $kind ids to check"
	for id in "$@"; do
		! obj_alive "$kind" "$id" || fail "$kind id $id still exists"
	done
}

assert_alive() { # KIND ID
	obj_alive "$1" "$2" || fail "$1 id $2 was freed"
}

assert_absent() {
	[ ! -e "$1" ] || fail "$1 still exists"
}

assert_present() {
	[ -e "$1" ] || fail "$1 is gone"
}

assert_eq() { # WHAT GOT WANT
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# host_map PATH: a map the host makes and pins; prints its id.
host_map() {
	bpftool map create "$1" type hash key 4 value 4 entries 4 name hostmap >/dev/null &&
		bpftool map show pinned "$1" | awk -F: 'NR == 1 { print $1 }'
}
