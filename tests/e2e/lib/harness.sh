# shellcheck shell=bash
# The runner's side (tests/run): $WORK and the rootfs before the first test;
# after each test, what it left of its own (e2e_leaks), which fails it, then
# the clean-up that lets the next test start clean (e2e_clean). Only what is
# named with $E2E_PREFIX, lies under $WORK or under this run's $CG_PARENT
# counts: other runs on this host use other prefixes, and the loaded tracer
# is shared.

e2e_setup() {
	WORK=$(mktemp -d /tmp/bpfreaper-e2e.XXXXXX)
	export WORK
	mountpoint -q $BPFFS || mount -t bpf bpf $BPFFS
	rootfs_build
}

# e2e_cgroups: this run's cgroups, deepest first: under $CG_PARENT in every
# hierarchy (cgroup2, and the v1 ones runc and crun use on a hybrid host),
# and those a test made itself right under a root, named with the prefix.
e2e_cgroups() {
	local d
	for d in /sys/fs/cgroup/*/"$CG_PARENT" "$CG2/$CG_PARENT" "$CG2/$E2E_PREFIX"-*; do
		[ -d "$d" ] && find "$d" -mindepth 1 -depth -type d
		case $d in "$CG2/$E2E_PREFIX"-*) [ -d "$d" ] && echo "$d" ;; esac
	done | sort -u | sort -r
}

# cg_rel DIR: a cgroup's path from its hierarchy's root.
cg_rel() {
	case $1 in
	"$CG2"/*) echo "${1#"$CG2"}" ;;
	*) echo "/${1#/sys/fs/cgroup/*/}" ;;
	esac
}

# e2e_files DIR: this run's containers' files in $RUN_DIR/DIR (state or
# reports): by name, and podman's and docker's by the id their .cid file
# holds. An earlier run's is <id>@<cgroup id>.json.
e2e_files() {
	local f
	compgen -G "$RUN_DIR/$1/$E2E_PREFIX-*.json" || true
	for f in "$WORK"/*.cid; do
		[ -s "$f" ] && { compgen -G "$RUN_DIR/$1/$(cat "$f")[.@]*json" || true; }
	done
}

# e2e_objects: "KIND ID" of every BPF object this test's containers printed
# (bpfleak and its kin: "map 12 PATH") and of the maps host_map made, once
# each.
e2e_objects() {
	cat "$WORK"/*.out "$WORK"/sync/*/ids 2>/dev/null |
		awk '($1 == "map" || $1 == "prog" || $1 == "link") && $2 ~ /^[0-9]+$/ { print $1, $2 }' | sort -u
}

# work_pids: processes with $WORK/ in their command line (daemons,
# listeners, hooks), other than this shell.
work_pids() {
	pgrep -f "${WORK//./\\.}/" | grep -vx -e "$$" -e "$BASHPID"
}

# alive_of KIND ID...: those of the ids that are alive now (one listing per
# kind, a thousand ids cost no more than one).
alive_of() {
	local kind=$1
	shift
	bpftool -j "$kind" show 2>/dev/null | jq -r '.[].id' | sort >"$WORK/.alive"
	printf '%s\n' "$@" | sort | comm -12 - "$WORK/.alive"
}

# e2e_leaks: one line per thing of this run's that is still there.
# Reports and the skipped log are the hooks' output, not leaks.
e2e_leaks() {
	local rt id f cg kind ids alive _
	for rt in runc crun; do
		command -v $rt >/dev/null || continue
		for id in $($rt list -q 2>/dev/null | grep "^$E2E_PREFIX-"); do echo "$rt container $id"; done
	done
	if command -v podman >/dev/null && [ -d "$PODMAN_ROOT" ]; then
		for id in $(pm ps -a --format '{{.Names}}' 2>/dev/null | grep "^$E2E_PREFIX-"); do
			echo "podman container $id"
		done
	fi
	for f in $(compgen -G "/run/containerd/runc/$E2E_PREFIX-*"); do echo "containerd namespace $f"; done
	# A cgroup once, whichever hierarchies hold it; podman's parent for its
	# containers and the one for their conmon are made at its first run,
	# and stay.
	for cg in $(e2e_cgroups); do cg_rel "$cg"; done | sort -u |
		grep -vx -e "/$CG_PARENT/podman" -e "/$CG_PARENT/podman/conmon" | sed 's/^/cgroup /'
	for f in $(compgen -G "$BPFFS/$E2E_PREFIX-*"); do echo "bpffs $f"; done
	for f in $(e2e_files state); do echo "state $f"; done
	# Registrations: the cgroups of this run's states and reports, and its
	# cgroups still there.
	{
		for f in $(e2e_files state) $(e2e_files reports); do jq -r '.cgroup_id // empty' "$f" 2>/dev/null; done
		for cg in $(e2e_cgroups); do stat -c %i "$cg"; done
	} | sort -u | while read -r id; do printf '%016x %s\n' "$id" "$id"; done | LC_ALL=C sort >"$WORK/.cgids"
	registered_keys | LC_ALL=C join - "$WORK/.cgids" | awk '{ print "registration of cgroup id " $2 }'
	for f in $(ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep "^$E2E_PREFIX-"); do
		echo "network device $f"
	done
	awk -v w="$WORK/" 'index($2, w) == 1 { print "mount " $2 }' /proc/mounts
	# Processes: by $WORK in their command line (daemons, listeners,
	# hooks), and in this run's cgroups.
	for id in $(work_pids); do echo "process $id $(tr '\0' ' ' <"/proc/$id/cmdline" 2>/dev/null)"; done
	for cg in $(e2e_cgroups); do
		for id in $(cat "$cg/cgroup.procs" 2>/dev/null); do
			echo "process $id ($(cat "/proc/$id/comm" 2>/dev/null)) in cgroup $(cg_rel "$cg")"
		done
	done | sort -u -k2,2n
	! getent passwd "$E2E_PREFIX-rootless" >/dev/null || echo "user $E2E_PREFIX-rootless"
	# The test's objects, by the ids printed. A freed map or
	# prog leaves its id at once; give a link's deferred release a moment.
	for kind in map prog link; do
		mapfile -t ids < <(e2e_objects | awk -v k="$kind" '$1 == k { print $2 }')
		[ ${#ids[@]} -gt 0 ] || continue
		for _ in 1 2 3 4 5; do
			mapfile -t alive < <(alive_of "$kind" "${ids[@]}")
			[ ${#alive[@]} -gt 0 ] || break
			sleep 0.2
		done
		for id in "${alive[@]}"; do echo "$kind id $id"; done
	done
}

# e2e_clean: after each test, whatever it left: containers, processes,
# mounts, devices, test cgroups, pins, registrations, sync files and bundles.
# Tests call it too, under set -e: nothing here may fail.
e2e_clean() {
	local ids rt d f id
	for rt in runc crun; do
		command -v $rt >/dev/null || continue
		ids=$($rt list -q 2>/dev/null | grep "^$E2E_PREFIX-" || true)
		for id in $ids; do RUNTIME=$rt "$(RUNTIME=$rt rt_cmd)" delete -f "$id" >/dev/null 2>&1 || true; done
	done
	if command -v podman >/dev/null && [ -d "$PODMAN_ROOT" ]; then
		ids=$(pm ps -aq --filter "name=^$E2E_PREFIX-" 2>/dev/null || true)
		[ -z "$ids" ] || pm rm -f $ids >/dev/null 2>&1 || true
	fi
	# Processes this run started: by $WORK in their command line, and what
	# is still in its cgroups.
	for id in $(work_pids); do kill -9 "$id" 2>/dev/null || true; done
	for d in $(e2e_cgroups); do
		for id in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$id" 2>/dev/null || true; done
	done
	for d in $(awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$d" 2>/dev/null || true
	done
	for d in $(ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep "^$E2E_PREFIX-"); do
		ip link del "$d" 2>/dev/null || true
	done
	# Test cgroups, and this run's parent with them.
	for d in $(e2e_cgroups) /sys/fs/cgroup/*/"$CG_PARENT"; do
		[ ! -d "$d" ] || rmdir "$d" 2>/dev/null || true
	done
	# Pins a failed test left: all named with the test prefix.
	rm -rf "${BPFFS:?}/$E2E_PREFIX"-*
	# A state a failed test left is still registered: let poststop forget
	# it, and the earlier runs of its id (<id>@<cgroup id>.json) with it.
	for f in $(e2e_files state); do
		[ -e "$f" ] || continue
		jq -c '{ociVersion: "1.0.2", id, status: "stopped"}' "$f" | "$BIN/bpfreaper-poststop" 2>/dev/null || true
	done
	# Containers a test let run unrecorded: its lines in the skipped log.
	[ ! -e "$RUN_DIR/skipped" ] || sed -i "/^[0-9]* $E2E_PREFIX-/d" "$RUN_DIR/skipped"
	if [ -z "${KEEP_REPORTS:-}" ]; then
		for f in $(e2e_files reports); do rm -f "$f"; done
	fi
	rm -rf "$WORK/sync" "$WORK/bundles" "$WORK/hooks.d" "$WORK"/*.cid "$WORK"/hooks-*.log \
		"$WORK"/*.out "$WORK"/*.err
}

e2e_teardown() {
	e2e_clean
	if command -v podman >/dev/null; then
		grep -q " ${PODMAN_ROOT%/*}" /proc/mounts || rm -rf "${PODMAN_ROOT%/*}"
	fi
	rm -rf "$WORK"
}
