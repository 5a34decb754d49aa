# shellcheck shell=bash
# Helpers for end-to-end tests: real runc, crun and podman containers on this
# host, with the built hooks. Everything made here is named with $E2E_PREFIX
# and removed. $RUNTIME (runc or crun) is the OCI runtime under test.

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
RUNTIME=${RUNTIME:-runc}
PODMAN_ROOT=/var/lib/bpfreaper-test/podman
# The pinned tracer of this build's record layout (bpf/record.h).
TRACER_DIR=/run/bpfreaper/bpffs/tracer_v$(awk '/define TRACER_LAYOUT_VERSION/ {print $3}' "$ROOT/bpf/record.h")

fail() {
	echo "    $*" >&2
	return 1
}

# skip REASON: the test cannot run here (the runner counts it as skipped).
skip() {
	echo "$*" >&2
	exit 77
}

# rt_cmd: the command that runs $RUNTIME on this host.
rt_cmd() {
	case $RUNTIME in
	crun) echo "$ROOT/tests/e2e/crun-hybrid" ;;
	*) echo "$RUNTIME" ;;
	esac
}

need_runtime() {
	command -v "$RUNTIME" >/dev/null || skip "$RUNTIME is not installed"
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
	cp "$ROOT/build/bpftoken" "$WORK/rootfs/bin/bpftoken"
	cp "$ROOT/build/bpffake" "$WORK/rootfs/bin/bpffake"
	cp "$ROOT/build/bpfunseen" "$ROOT/build/bpfunseen32" "$WORK/rootfs/bin/"
	cp "$ROOT/build/test-progs.bpf.o" "$WORK/rootfs/progs.o"
	# bpftool, tc and ip with their libraries: containers attach with them
	# the way real agents do (netlink for XDP and tc, legacy cgroup attach).
	# In /usr/sbin, called by full path: busybox sh runs its own ip and tc
	# applets for bare names.
	local t lib
	mkdir -p "$WORK/rootfs/usr/sbin"
	for t in bpftool tc ip; do
		cp "$(command -v $t)" "$WORK/rootfs/usr/sbin/"
		for lib in $(ldd "$(command -v $t)" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\/lib64/ { print $1 }'); do
			mkdir -p "$WORK/rootfs$(dirname "$lib")"
			cp -n "$lib" "$WORK/rootfs$lib"
		done
	done
	(cd "$WORK" && runc spec && mv config.json spec.json)
}

# e2e_clean: after each test, whatever it left: containers, test cgroups,
# pins, registrations, sync files and bundles.
e2e_clean() {
	local ids rt d f
	for rt in runc crun; do
		command -v $rt >/dev/null || continue
		ids=$($rt list -q 2>/dev/null | grep "^$E2E_PREFIX-" || true)
		for id in $ids; do RUNTIME=$rt "$(RUNTIME=$rt rt_cmd)" delete -f "$id" >/dev/null 2>&1 || true; done
	done
	# Test cgroups: the cgroup2 ones, and the v1 ones runc and crun make on
	# a hybrid host (bpfreaper-test under each v1 controller), and those a
	# test made itself, named with the prefix.
	for d in /sys/fs/cgroup/*/$CG_PARENT $CG2/$CG_PARENT "$CG2/$E2E_PREFIX"-*; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	# Pins a failed test left: all named with the test prefix.
	rm -rf "${BPFFS:?}/$E2E_PREFIX"-*
	# A state a failed test left is still registered: let poststop forget
	# it, and the earlier runs of its id (<id>@<cgroup id>.json) with it.
	for f in /run/bpfreaper/state/"$E2E_PREFIX"-*.json "$WORK"/*.cid; do
		[ -e "$f" ] || continue
		if [[ $f == *.cid ]]; then
			f=$(compgen -G "/run/bpfreaper/state/$(cat "$f")[.@]*json" | head -1) || continue
		fi
		[ -e "$f" ] || continue
		jq -c '{ociVersion: "1.0.2", id, status: "stopped"}' "$f" | "$BIN/bpfreaper-poststop" 2>/dev/null || true
	done
	# Containers a test let run unrecorded: its lines in the skipped log.
	[ ! -e /run/bpfreaper/skipped ] || sed -i "/^[0-9]* $E2E_PREFIX-/d" /run/bpfreaper/skipped
	if [ -z "${KEEP_REPORTS:-}" ]; then
		rm -f /run/bpfreaper/reports/"$E2E_PREFIX"-*.json
		for f in "$WORK"/*.cid; do
			[ -e "$f" ] && rm -f "/run/bpfreaper/reports/$(cat "$f").json" \
				/run/bpfreaper/reports/"$(cat "$f")"@*.json
		done
	fi
	rm -rf "$WORK/sync" "$WORK/bundles" "$WORK/hooks.d" "$WORK"/*.cid "$WORK"/hooks-*.log \
		"$WORK"/*.out "$WORK"/*.err
}

e2e_teardown() {
	local ids
	e2e_clean
	if command -v podman >/dev/null; then
		ids=$(pm ps -aq --filter "name=^$E2E_PREFIX-" 2>/dev/null || true)
		[ -z "$ids" ] || pm rm -f $ids >/dev/null 2>&1 || true
		grep -q " ${PODMAN_ROOT%/*}" /proc/mounts || rm -rf "${PODMAN_ROOT%/*}"
	fi
	rm -rf "$WORK"
}

# make_bundle NAME SCRIPT [STAGE]: a bundle whose container runs `sh -c SCRIPT`
# with the host bpffs bound at /sys/fs/bpf and $WORK/sync/NAME at /sync.
# The hooks are the shipped snippet oci-config/hooks-STAGE.json, pointed at
# the built binaries; they log to $WORK/hooks-NAME.log (crun discards their
# stderr).
make_bundle() {
	local name=$1 script=$2 stage=${3:-prestart}
	local b=$WORK/bundles/$name id=$E2E_PREFIX-$name
	mkdir -p "$b" "$WORK/sync/$name"
	jq --arg script "$script" --arg root "$WORK/rootfs" --arg sync "$WORK/sync/$name" \
		--arg bin "$BIN" --slurpfile snippet "$ROOT/oci-config/hooks-$stage.json" \
		--arg cg "/$CG_PARENT/$id" --arg log "$WORK/hooks-$name.log" '
		.process.terminal = false
		| .process.args = ["sh", "-c", $script]
		| .root = {path: $root, readonly: true}
		| .linux.cgroupsPath = $cg
		| .annotations["run.oci.hooks.stderr"] = $log
		| .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN", "CAP_BPF", "CAP_PERFMON", "CAP_NET_ADMIN"])
		| .mounts += [
			{destination: "/sys/fs/bpf", type: "bind", source: "/sys/fs/bpf", options: ["rbind", "rw"]},
			{destination: "/sync", type: "bind", source: $sync, options: ["rbind", "rw"]}]
		| .hooks = ($snippet[0].hooks | map_values(map(.path |= ($bin + "/" + (split("/") | last)))))
		' "$WORK/spec.json" >"$b/config.json"
	echo "$b"
}

# json_strings ARG...: the arguments (no newlines) as a JSON array of strings.
json_strings() {
	[ $# -gt 0 ] || { echo '[]'; return; }
	printf '%s\n' "$@" | jq -R . | jq -sc .
}

# hook_said NAME: what NAME's hooks wrote: runc passes a failing hook's
# stderr on in its own error, crun only to run.oci.hooks.stderr.
hook_said() {
	cat "$WORK/hooks-$1.log" "$WORK/$1.err" 2>/dev/null
}

# bundle_edit NAME JQ [JQ-ARGS...]: rewrite NAME's config.json with jq.
bundle_edit() {
	local f=$WORK/bundles/$1/config.json
	jq "$2" "$f" "${@:3}" >"$f.new" && mv "$f.new" "$f"
}

# annotate NAME KEY VALUE: an annotation in NAME's config.json.
annotate() {
	bundle_edit "$1" '.annotations[$k] = $v' --arg k "$2" --arg v "$3"
}

# prestart_args NAME ARG...: arguments of NAME's bpfreaper prestart hook.
prestart_args() {
	local name=$1
	shift
	bundle_edit "$name" '(.hooks[][] | select(.path == $pre)).args = ["bpfreaper-prestart"] + $args' \
		--arg pre "$BIN/bpfreaper-prestart" --argjson args "$(json_strings "$@")"
}

# run_ctr NAME: `$RUNTIME run`, output in $WORK/NAME.out/.err; returns the
# runtime's status.
run_ctr() {
	local name=$1
	need_runtime
	# crun's hooks run in the wrapper's private mount namespace: the
	# tracer's bpffs has to be mounted on the host first.
	[ "$RUNTIME" != crun ] || "$BIN/bpfreaperctl" load >/dev/null
	timeout 60 "$(rt_cmd)" run -b "$WORK/bundles/$name" "$E2E_PREFIX-$name" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
}

# pm ARGS...: podman with a private store, cgroupfs and no network setup.
# PM_RUNTIME (default runc) is the OCI runtime podman uses.
pm() {
	local rt=${PM_RUNTIME:-runc}
	[ "$rt" != crun ] || rt=$ROOT/tests/e2e/crun-hybrid
	timeout 120 podman --root "$PODMAN_ROOT/root" --runroot "$PODMAN_ROOT/run" --runtime "$rt" \
		--cgroup-manager cgroupfs --events-backend file --hooks-dir "$WORK/hooks.d" "$@"
}

# install_hooksd [PRESTART-ARG...]: the shipped hooks.d files into
# $WORK/hooks.d, pointing at the built hooks, prestart arguments appended.
install_hooksd() {
	local f
	rm -rf "$WORK/hooks.d"
	mkdir -p "$WORK/hooks.d"
	for f in "$ROOT"/oci-config/hooks.d/*.json; do
		jq --arg bin "$BIN" '.hook.path |= ($bin + "/" + (split("/") | last))
			| if (.stages | index("prestart")) then .hook.args += $args else . end' \
			"$f" --argjson args "$(json_strings "$@")" >"$WORK/hooks.d/$(basename "$f")"
	done
}

# pm_run NAME SCRIPT [PODMAN-RUN-OPTION...]: `podman run --rm` of a container
# named $E2E_PREFIX-NAME that runs `sh -c SCRIPT` with the host bpffs bound,
# output in $WORK/NAME.out/.err, its id in $WORK/NAME.cid.
pm_run() {
	local name=$1 script=$2
	shift 2
	command -v podman >/dev/null || skip "podman is not installed"
	mkdir -p "$WORK/sync/$name"
	rm -f "$WORK/$name.cid"
	[ "${PM_RUNTIME:-runc}" != crun ] || "$BIN/bpfreaperctl" load >/dev/null
	pm run --rm --cgroup-parent "/$CG_PARENT/podman" --name "$E2E_PREFIX-$name" --cidfile "$WORK/$name.cid" \
		--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--cap-add SYS_ADMIN,BPF,PERFMON,NET_ADMIN \
		-v /sys/fs/bpf:/sys/fs/bpf -v "$WORK/sync/$name:/sync" "$@" \
		--rootfs "$WORK/rootfs" sh -c "$script" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
}

# valgrind_wrappers: $WORK/vg-prestart and $WORK/vg-poststop run the built
# hooks under valgrind (memcheck, definite and indirect leaks are errors),
# logging to $WORK/vg-HOOK.log.
valgrind_wrappers() {
	local h
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	for h in prestart poststop; do
		cat >"$WORK/vg-$h" <<-EOS
		#!/bin/sh
		exec valgrind -q --error-exitcode=99 --suppressions=$ROOT/tests/valgrind.supp \\
			--leak-check=full --errors-for-leak-kinds=definite,indirect \\
			--show-leak-kinds=definite,indirect --log-file=$WORK/vg-$h.log $ROOT/build/dyn/bpfreaper-$h "\$@"
		EOS
		chmod +x "$WORK/vg-$h"
	done
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

# registrations: how many cgroups the tracer records for (0 without tracer).
registrations() {
	local m=$TRACER_DIR/cgroups
	if [ -e $m ]; then bpftool -j map dump pinned $m | jq length; else echo 0; fi
}

# ctr_id NAME: the container id of a bundle made by make_bundle.
state_of() {
	echo "/run/bpfreaper/state/$E2E_PREFIX-$1.json"
}

# A veth pair in the host network namespace for XDP and tc tests.
VETH=$E2E_PREFIX-v0
VPEER=$E2E_PREFIX-v1

veth_up() {
	ip link del "$VETH" 2>/dev/null || true
	ip link add "$VETH" type veth peer name "$VPEER"
	ip link set "$VETH" up
	ip link set "$VPEER" up
}

veth_down() {
	ip link del "$VETH" 2>/dev/null || true
}

# What the host sees on its devices and cgroup, to compare before/after.
netdev_view() {
	local d
	for d in "$VETH" "$VPEER"; do
		ip -d link show dev "$d" | grep -o 'prog/xdp id [0-9]*' || true
		tc filter show dev "$d" ingress 2>/dev/null | grep -o 'id [0-9]*' || true
		tc filter show dev "$d" egress 2>/dev/null | grep -o 'id [0-9]*' || true
	done
}

# host_netns NAME: the container shares the host's network namespace.
host_netns() {
	bundle_edit "$1" '.linux.namespaces |= map(select(.type != "network"))'
}
