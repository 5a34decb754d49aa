# shellcheck shell=bash
# The runner's side (tests/run): $WORK and the rootfs before the first test;
# around each test, the leak check (e2e_snapshot before, e2e_leaks after),
# which fails a test that left anything behind, then the clean-up that lets
# the next test start clean (e2e_clean).
#
# The leak check compares, per test, what is there after it with what was
# there just before it (never with a list taken once: what one test left
# must not hide what a later one leaves):
# - this run's named things: containers, cgroups, state files, network
#   devices, mounts under $WORK, processes (by $WORK in their command line,
#   or in this run's cgroups), the rootless user;
# - the bpffs tree of /sys/fs/bpf, every entry at any depth, iproute2's
#   layout (tc/globals, ip, xdp) included, except under top-level entries
#   named OTHER-... with OTHER not $E2E_PREFIX: every test names its pins
#   $E2E_PREFIX-..., so those are another run's;
# - the cgroup ids registered with this run's tracer (registered_keys: its
#   own run directory, so no other run's), whatever report or cgroup a test
#   deleted;
# - the kernel's map, program and link ids (tests/helpers/bpfids.c): a new id
#   still alive after the test is its leak, whoever made it (a helper, bpftool,
#   ip or tc in a container, the host side), unless it is a bpfreaper
#   tracer's (pinned in a run directory's bpffs, or a records map), held by
#   an fd of a process that is not this run's or pinned in a bpffs of such a
#   process's own mount namespace, pinned under another run's top-level
#   entry, attached to a cgroup that is not this run's, or held by one of
#   those. A process or cgroup is this run's when its cgroup path or command
#   line names $WORK/, /$CG_PARENT/ or /$E2E_PREFIX-. A link's release is
#   deferred: while a new id is alive it is asked again for up to a second,
#   only then.
# A concurrent run's object that none of these rules attributes (attached to
# a network device, no pin, no process) is blamed here: CI runs alone; on a
# dev machine such objects of other runs live only within their own tests.

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
	local d parents=() own=()
	for d in /sys/fs/cgroup/*/"$CG_PARENT" "$CG2/$CG_PARENT"; do [ -d "$d" ] && parents+=("$d"); done
	for d in "$CG2/$E2E_PREFIX"-*; do [ -d "$d" ] && own+=("$d"); done
	(( ${#parents[@]} + ${#own[@]} > 0 )) || return 0
	{
		[ ${#parents[@]} = 0 ] || find "${parents[@]}" -mindepth 1 -type d
		[ ${#own[@]} = 0 ] || find "${own[@]}" -type d
	} | sort -ru
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

# work_pids: processes with $WORK/ in their command line (daemons,
# listeners, hooks), other than this shell.
work_pids() {
	local id
	for id in $(pgrep -f "${WORK//./\\.}/"); do
		[ "$id" = $$ ] || [ "$id" = "$BASHPID" ] || echo "$id"
	done
}

# pm_names: the names of the containers in this run's podman store, one a
# line. `podman ps` costs 0.1 to 0.4 s here (seconds in a TCG guest) and the
# leak check would ask three times per test, podman test or not: it asks
# again only when podman's database changed since its last answer (making
# or removing a container writes it; ps does not), else repeats that
# answer. An answer read while the database changed is not kept, nor one
# where the database is not podman 4's bolt file.
pm_names() {
	local db=$PODMAN_ROOT/root/libpod/bolt_state.db stamp kept="" name
	stamp=$(stat -c '%i %s %.9Y' "$db" 2>/dev/null) || stamp=none
	[ ! -e "$WORK/.pm-stamp" ] || read -r kept <"$WORK/.pm-stamp"
	if [ "$stamp" != none ] && [ "$stamp" = "$kept" ]; then
		while read -r name; do echo "$name"; done <"$WORK/.pm-names"
		return 0
	fi
	rm -f "$WORK/.pm-stamp"
	pm ps -a --format '{{.Names}}' >"$WORK/.pm-names" 2>/dev/null || { rm -f "$WORK/.pm-names"; return 0; }
	[ "$stamp" = none ] || [ "$(stat -c '%i %s %.9Y' "$db" 2>/dev/null)" != "$stamp" ] ||
		echo "$stamp" >"$WORK/.pm-stamp"
	cat "$WORK/.pm-names"
}

# e2e_state: one line per thing of this run's there now, in $WORK/.state-now
# (the kernel's ids in $WORK/.ids-now). Reports and the skipped log are the
# hooks' output, not leaks. It runs twice per test, on a machine where a
# process costs 10 to 100 ms under load: it reads directories with bash's
# own globbing and `read` (runc's and crun's state directories, not `runc
# list`; /sys/class/net, not `ip link`), asks podman only when its store
# changed (pm_names), and runs about ten processes.
e2e_state() {
	local f id cg comm kind cgs=() tops=() users=()
	mapfile -t cgs < <(e2e_cgroups)
	{
	# The kernel's ids, and the cgroup ids this run's tracer records for.
	while read -r kind id; do
		case $kind in
		key) echo "registration of cgroup id $id" ;;
		leak) echo "$kind $id" ;;
		*) echo "$kind $id" >&3 ;;
		esac
	done < <("$ROOT/build/bpfids" list "$TRACER_DIR/cgroups" || echo "leak check: bpfids list failed")
	for f in /run/runc/"$E2E_PREFIX"-* /run/crun/"$E2E_PREFIX"-*; do
		[ -e "$f" ] && echo "${f#/run/} container"
	done
	if command -v podman >/dev/null && [ -d "$PODMAN_ROOT" ]; then
		for id in $(pm_names | grep "^$E2E_PREFIX-"); do
			echo "podman container $id"
		done
	fi
	for f in /run/containerd/runc/"$E2E_PREFIX"-*; do [ -e "$f" ] && echo "containerd namespace $f"; done
	# A cgroup once, whichever hierarchies hold it; podman's parent for its
	# containers and the one for their conmon are made at its first run,
	# and stay.
	for cg in "${cgs[@]}"; do
		case $cg in "$CG2"/*) cg=${cg#"$CG2"} ;; *) cg=/${cg#/sys/fs/cgroup/*/} ;; esac
		[ "$cg" = "/$CG_PARENT/podman" ] || [ "$cg" = "/$CG_PARENT/podman/conmon" ] || echo "cgroup $cg"
	done
	# The bpffs tree, but for other runs' top-level entries.
	for f in "$BPFFS"/*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		case ${f##*/} in "$E2E_PREFIX"-*) ;; *-*) continue ;; esac
		tops+=("$f")
	done
	[ ${#tops[@]} = 0 ] || find "${tops[@]}" -printf 'bpffs %p\n'
	for f in $(e2e_files state); do echo "state $f"; done
	for f in /sys/class/net/"$E2E_PREFIX"-*; do [ -e "$f" ] && echo "network device ${f##*/}"; done
	while read -r _ f _; do
		[[ $f == "$WORK/"* ]] && echo "mount $f"
	done </proc/mounts
	# Processes: by $WORK in their command line (daemons, listeners,
	# hooks), and in this run's cgroups.
	for id in $(work_pids); do echo "process $id $(tr '\0' ' ' <"/proc/$id/cmdline" 2>/dev/null)"; done
	for cg in "${cgs[@]}"; do
		while read -r id; do
			comm=
			read -r comm <"/proc/$id/comm" 2>/dev/null || true
			echo "process $id ($comm) in cgroup ${cg#/sys/fs/cgroup/}"
		done <"$cg/cgroup.procs" 2>/dev/null
	done
	mapfile -t users </etc/passwd
	[[ " ${users[*]}" != *" $E2E_PREFIX-rootless:"* ]] || echo "user $E2E_PREFIX-rootless"
	} >"$WORK/.state-now" 3>"$WORK/.ids-now"
}

# e2e_snapshot: what is there before a test, for e2e_leaks to compare with.
e2e_snapshot() {
	e2e_state
	e2e_rebase
}

# e2e_leaks [--no-ids]: one line per thing of this run's that is there now
# and was not at the last e2e_snapshot or e2e_rebase. Leaves its view in
# $WORK/.state-now and .ids-now, which e2e_rebase makes the next test's
# "before". --no-ids: not the kernel's new ids (their attribution walks
# every process's fds), for the check after the clean-up of a test that
# left nothing: an object made after the first check is made by a process
# that check saw.
e2e_leaks() {
	local line
	local -A before=()
	e2e_state
	while IFS= read -r line; do before[$line]=1; done <"$WORK/.state-before"
	while IFS= read -r line; do [ -n "${before[$line]:-}" ] || echo "$line"; done <"$WORK/.state-now"
	[ "${1:-}" != --no-ids ] || return 0
	# Held by this run's processes: those of its cgroups and of $WORK.
	"$ROOT/build/bpfids" new "$WORK/.ids-before" "$E2E_PREFIX" "$WORK/" "/$CG_PARENT/" "/$E2E_PREFIX-" ||
		echo "leak check: bpfids new failed"
}

# e2e_rebase: the state e2e_leaks last saw is the next test's "before"
# (nothing runs between the clean-up after one test and the next test).
e2e_rebase() {
	mv "$WORK/.state-now" "$WORK/.state-before"
	mv "$WORK/.ids-now" "$WORK/.ids-before"
}

# e2e_clean: after each test, whatever it left: containers, processes,
# mounts, devices, test cgroups, pins, registrations, sync files and bundles.
# Tests call it too, under set -e: nothing here may fail.
# Runs after every test: it reads state directories as e2e_state does and
# starts a runtime or podman only when there is something to remove.
e2e_clean() {
	local ids rt d f id
	for rt in runc crun; do
		command -v $rt >/dev/null || continue
		for f in /run/$rt/"$E2E_PREFIX"-*; do
			[ -e "$f" ] || continue
			RUNTIME=$rt "$(RUNTIME=$rt rt_cmd)" delete -f "${f##*/}" >/dev/null 2>&1 || true
		done
	done
	if command -v podman >/dev/null && [ -d "$PODMAN_ROOT" ]; then
		ids=$(pm_names | grep "^$E2E_PREFIX-" || true)
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
	for d in /sys/class/net/"$E2E_PREFIX"-*; do
		[ -e "$d" ] && { ip link del "${d##*/}" 2>/dev/null || true; }
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
