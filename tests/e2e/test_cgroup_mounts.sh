# shellcheck shell=bash
# The container's cgroup is found through the cgroup2 mount a path walk
# reaches, whatever layout the runtime made: crun in a private mount
# namespace that mounts a fresh cgroup2 over /sys/fs/cgroup, shadowing the
# host's mount at /sys/fs/cgroup/unified that mountinfo still lists first;
# a subtree of the hierarchy bound there; no cgroup2 reachable at all (one
# clear line, on_error applies, gc and poststop never take a cgroup for
# gone). Every mount is made inside a private namespace (unshare -m
# --propagation private): the host's mounts are never touched.

# in_ns FSTYPE TARGET CMD...: CMD in a private mount namespace where a fresh
# FSTYPE is mounted at TARGET: cgroup2 over /sys/fs/cgroup (crun then runs
# unified; the new mount's cgroup.controllers is hidden, or crun would enable
# the controllers it lists in the host's hierarchy), or a tmpfs that covers
# the way to a cgroup.
in_ns() {
	local fstype=$1 target=$2
	shift 2
	unshare -m --propagation private sh -c '
		mount -t "$0" none "$1" || exit 99
		[ "$0" != cgroup2 ] || mount --bind /dev/null "$1/cgroup.controllers" || exit 99
		shift
		exec "$@"' "$fstype" "$target" "$@"
}

# The runtime's path of $CG_PARENT (where crun puts the container) in
# that namespace. Cgroups the tests make themselves are named with the
# prefix right under the root: other runs remove empty cgroups under
# $CG_PARENT when they clean up.
SHADOWED_CG=/sys/fs/cgroup/$CG_PARENT

test_crun_with_cgroup2_mounted_over_the_host_one() {
	local hostcg=$E2E_PREFIX-hostcg ctr_pid out cgid r
	need_tool crun
	mkdir -p "$CG2/$hostcg"
	make_bundle shadow "bpfleak map /sys/fs/bpf/$E2E_PREFIX-shadow &&
		bpftool prog loadall /progs.o /sys/fs/bpf/$E2E_PREFIX-shadowprogs &&
		bpftool cgroup attach /hostcg ingress pinned /sys/fs/bpf/$E2E_PREFIX-shadowprogs/cg_pass multi &&
		rm -r /sys/fs/bpf/$E2E_PREFIX-shadowprogs && touch /sync/ready &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	# crun binds the host cgroup from inside its namespace, where it lies
	# under the new mount. Without .linux.resources crun loads no device
	# program (that needs a memlock raise this machine refuses).
	bundle_edit shadow 'del(.linux.resources)
		| .mounts += [{destination: "/hostcg", type: "bind", source: $cg, options: ["rbind", "rw"]}]' \
		--arg cg "/sys/fs/cgroup/$hostcg"
	# Hooks run in crun's namespace: the tracer's bpffs is the host's.
	"$BIN/bpfreaperctl" load >/dev/null
	in_ns cgroup2 /sys/fs/cgroup timeout 60 crun run -b "$WORK/bundles/shadow" "$E2E_PREFIX-shadow" \
		>"$WORK/shadow.out" 2>"$WORK/shadow.err" </dev/null &
	ctr_pid=$!
	wait_for "$WORK/sync/shadow/ready" || fail "crun run: $(cat "$WORK/shadow.err") hooks: $(hook_said shadow)"

	# Registered, through the mount crun made: the path is the runtime's,
	# the id is the cgroup the host sees at its own path.
	hook_said shadow | grep -q "registered cgroup $SHADOWED_CG/$E2E_PREFIX-shadow " ||
		fail "prestart said: $(hook_said shadow)"
	assert_present "$(state_of shadow)"
	cgid=$(stat -c %i "$CG2/$CG_PARENT/$E2E_PREFIX-shadow")
	assert_eq "cgroup id" "$(jq -r .cgroup_id "$(state_of shadow)")" "$cgid"
	assert_eq "cgroup path" "$(jq -r .cgroup_path "$(state_of shadow)")" "$SHADOWED_CG/$E2E_PREFIX-shadow"
	# gc and doctor from the same layout see the container as running.
	out=$(in_ns cgroup2 /sys/fs/cgroup "$BIN/bpfreaperctl" --json gc --dry-run --keep-tracer) || fail "gc failed: $out"
	assert_eq "gc action" "$(echo "$out" | jq -r --arg id "$E2E_PREFIX-shadow" \
		'.containers[] | select(.id == $id) | .action')" running
	out=$(in_ns cgroup2 /sys/fs/cgroup "$BIN/bpfreaperctl" --json doctor | jq -c '.[] | select(.check == "cgroup2")')
	assert_eq "doctor cgroup2" "$(echo "$out" | jq -r '.result + " " + .detail')" "pass mounted at /sys/fs/cgroup"
	# Where no cgroup2 is left to reach, whether the cgroup lives cannot be
	# told: gc must not take the container for gone.
	out=$(in_ns tmpfs /sys/fs/cgroup "$BIN/bpfreaperctl" --json gc --dry-run --keep-tracer 2>"$WORK/gc.err") || true
	assert_eq "gc action without cgroup2" "$(echo "$out" | jq -r --arg id "$E2E_PREFIX-shadow" \
		'.containers[] | select(.id == $id) | .action + ": " + .why')" \
		"failed: cannot tell whether its cgroup exists"
	assert_present "$P-shadow"

	touch "$WORK/sync/shadow/go"
	wait $ctr_pid || fail "crun run: $(cat "$WORK/shadow.err")"
	# poststop, in crun's namespace too, removed the pin and detached the
	# program from the host cgroup (found there by id).
	r=$(report_of shadow)
	assert_absent "$P-shadow"
	assert_freed map "$(ids_of shadow map)"
	assert_absent "$(state_of shadow)"
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$r")" 1
	assert_eq "detached" "$(jq -r '[.removed.attachments[].where] | join(",")' "$r")" \
		"cgroup /sys/fs/cgroup/$hostcg cgroup_inet_ingress"
	assert_eq "host cgroup attachments" "$(bpftool cgroup show "$CG2/$hostcg")" ""
	assert_eq "survivors" "$(jq '.survivors | length' "$r")" 0
	rmdir "$CG2/$hostcg"
}

# No cgroup2 mount reaches the container's cgroup in the hook's namespace
# (a tmpfs over all of /sys/fs/cgroup, or over that cgroup alone): one line
# that says what was looked for, and the container runs unrecorded (or is
# refused under mode enforce + on_error fail). Never the id of whatever
# directory the path now reaches.
test_prestart_without_a_reachable_cgroup2() {
	local cg=$CG2/$E2E_PREFIX-nomount st rc err pid target
	mkdir -p "$cg"
	sleep 60 &
	pid=$!
	# shellcheck disable=SC2064 # this pid, now
	trap "kill $pid 2>/dev/null || true" EXIT
	echo "$pid" >"$cg/cgroup.procs"
	st='{"ociVersion":"1.0.2","id":"'"$E2E_PREFIX"'-nomount","status":"creating","pid":'"$pid"'}'
	echo '{"mode": "enforce", "on_error": "fail"}' >"$WORK/enfail.json"
	for target in /sys/fs/cgroup "$cg"; do
		rc=0
		err=$(echo "$st" | in_ns tmpfs "$target" "$BIN/bpfreaper-prestart" 2>&1) || rc=$?
		assert_eq "exit, tmpfs at $target" "$rc" 0
		assert_eq "lines" "$(printf '%s\n' "$err" | grep -c .)" 1
		echo "$err" | grep -q "find the container's cgroup v2: no usable cgroup2 mount for pid $pid's cgroup in this mount namespace (looked in /proc/self/mountinfo for a cgroup2 mount that no later mount covers and whose root holds that cgroup); it runs unrecorded (on_error ignore)" ||
			fail "prestart said: $err"
		grep -q "^[0-9]* $E2E_PREFIX-nomount " "$RUN_DIR/skipped" || fail "not in the skipped log"
		assert_absent "$(state_of nomount)"
		rc=0
		err=$(echo "$st" | in_ns tmpfs "$target" "$BIN/bpfreaper-prestart" --config="$WORK/enfail.json" 2>&1) || rc=$?
		assert_eq "exit under on_error fail, tmpfs at $target" "$rc" 1
		echo "$err" | grep -q "no usable cgroup2 mount.*refused (mode enforce, on_error fail)" || fail "prestart said: $err"
	done
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	rmdir "$cg"
}

# A cgroup namespace's kind of mount: a subtree of the hierarchy (mountinfo
# root /<prefix>-top) bound over /sys/fs/cgroup. The host's
# mount at /sys/fs/cgroup/unified is covered, and its path now reaches a
# cgroup of that name inside the subtree: a decoy a lookup that trusts the
# listing order, or opens the path without asking which mount it reached,
# takes for the host's mount.
test_prestart_through_a_subtree_mount() {
	local top=$CG2/$E2E_PREFIX-top st rc=0 err pid
	mkdir -p "$top/ctr" "$top/unified"
	sleep 60 &
	pid=$!
	# shellcheck disable=SC2064 # this pid, now
	trap "kill $pid 2>/dev/null || true" EXIT
	echo "$pid" >"$top/ctr/cgroup.procs"
	"$BIN/bpfreaperctl" load >/dev/null
	st='{"ociVersion":"1.0.2","id":"'"$E2E_PREFIX"'-subtree","status":"creating","pid":'"$pid"'}'
	err=$(echo "$st" | unshare -m --propagation private sh -c \
		'mount --bind "$0" /sys/fs/cgroup && exec "$1"' "$top" "$BIN/bpfreaper-prestart" 2>&1) || rc=$?
	assert_eq "exit" "$rc" 0
	echo "$err" | grep -q "registered cgroup /sys/fs/cgroup/ctr " || fail "prestart said: $err"
	assert_eq "cgroup id" "$(jq -r .cgroup_id "$(state_of subtree)")" "$(stat -c %i "$top/ctr")"
	assert_eq "cgroup" "$(jq -r .cgroup "$(state_of subtree)")" "/$E2E_PREFIX-top/ctr"
	echo '{"ociVersion":"1.0.2","id":"'"$E2E_PREFIX"'-subtree","status":"stopped"}' | "$BIN/bpfreaper-poststop" 2>/dev/null
	assert_absent "$(state_of subtree)"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	rmdir "$top/ctr" "$top/unified" "$top"
}

# poststop where no cgroup2 mount is reachable: a program the container
# attached to a host cgroup cannot be checked, so it is listed as left with
# the cause, never taken for gone with its cgroup.
test_poststop_without_a_reachable_cgroup2_lists_the_attachment() {
	local cg=$CG2/$E2E_PREFIX-hostcg2 r prog
	need_runtime
	mkdir -p "$cg"
	make_bundle leftcg "bpftool prog loadall /progs.o /sys/fs/bpf/$E2E_PREFIX-leftcg &&
		bpftool cgroup attach /hostcg ingress pinned /sys/fs/bpf/$E2E_PREFIX-leftcg/cg_pass multi &&
		rm -r /sys/fs/bpf/$E2E_PREFIX-leftcg" >/dev/null
	cat >"$WORK/poststop-nocg2" <<-EOS
	#!/bin/sh
	exec unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/fs/cgroup && exec "\$0"' "$BIN/bpfreaper-poststop"
	EOS
	chmod +x "$WORK/poststop-nocg2"
	bundle_edit leftcg '.mounts += [{destination: "/hostcg", type: "bind", source: $cg, options: ["rbind", "rw"]}]
		| .hooks.poststop[0].path = $post' --arg cg "$cg" --arg post "$WORK/poststop-nocg2"
	run_ctr leftcg || fail "$RUNTIME run: $(cat "$WORK/leftcg.err")"
	r=$(report_of leftcg)
	prog=$(bpftool -j cgroup show "$cg" | jq -r '.[0].id')
	if [ -z "$prog" ] || [ "$prog" = null ]; then fail "nothing attached to $cg"; fi
	assert_eq "left" "$(jq -c '[.left.attachments[] | {where, id, why, error}]' "$r")" \
		"[{\"where\":\"cgroup id $(stat -c %i "$cg") cgroup_inet_ingress\",\"id\":$prog,\"why\":\"cannot open the cgroup\",\"error\":\"No medium found\"}]"
	assert_eq "detached" "$(jq '.removed.attachments | length' "$r")" 0
	bpftool cgroup detach "$cg" ingress id "$prog"
	rmdir "$cg"
}
