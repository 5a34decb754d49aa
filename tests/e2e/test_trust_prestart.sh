# shellcheck shell=bash
# The trust model on the prestart side: bpfreaper's own trouble never stops a
# container unless the operator asked for enforcement (on_error fail, mode
# enforce); the operator caps what the mode annotation may ask for; a cgroup
# that also holds host processes is never registered. Real runc and rootless
# podman containers.

# trust_config NAME JSON: a config file $WORK/NAME.json that logs to
# $WORK/NAME.log, plus the keys of JSON.
trust_config() {
	jq -n --arg log "$WORK/$1.log" --argjson extra "$2" '{log_file: $log} + $extra' >"$WORK/$1.json"
	echo "$WORK/$1.json"
}

# broken_run_dir DIR: a run directory whose state/ is a regular file: the
# directory itself opens (so the skipped log can be written), registering
# cannot.
broken_run_dir() {
	mkdir -m 0700 "$1"
	touch "$1/state"
}

# hook_env NAME VAR=VALUE...: the environment of NAME's prestart hook (a hook
# with `env` gets only that list).
hook_env() {
	local name=$1
	shift
	bundle_edit "$name" '.hooks.prestart[0].env = $env' --argjson env "$(hook_env_json "$@")"
}

test_report_mode_broken_run_dir_runs_unrecorded() {
	local rd=$WORK/run-broken cfg out
	# on_error fail only matters in mode enforce: a container in report
	# mode runs whatever happens to bpfreaper.
	cfg=$(trust_config rdrep '{"mode": "report", "on_error": "fail"}')
	broken_run_dir "$rd"
	make_bundle rdrep "touch /sync/ran" >/dev/null
	prestart_args rdrep --config="$cfg"
	hook_env rdrep "BPFREAPER_RUN_DIR=$rd"
	run_ctr rdrep || fail "runc refused the container: $(cat "$WORK/rdrep.err")"
	assert_present "$WORK/sync/rdrep/ran"
	grep -q "prestart: container $E2E_PREFIX-rdrep: open the run directory: $rd: Not a directory; it runs unrecorded (report mode)" \
		"$WORK/rdrep.log" || fail "log: $(cat "$WORK/rdrep.log")"
	assert_eq "log lines of prestart" "$(grep -c bpfreaper-prestart "$WORK/rdrep.log")" 1
	# Counted where the operator looks, even with the run directory broken.
	out=$(BPFREAPER_RUN_DIR=$rd "$BIN/bpfreaperctl" --json list 2>/dev/null) || true
	assert_eq "skipped count" "$(echo "$out" | jq .skipped.count)" 1
	assert_eq "skipped id" "$(echo "$out" | jq -r .skipped.last.id)" "$E2E_PREFIX-rdrep"
	echo "$out" | jq -r .skipped.last.reason | grep -q "open the run directory" || fail "list: $out"
	out=$(BPFREAPER_RUN_DIR=$rd "$BIN/bpfreaperctl" list 2>/dev/null) || true
	echo "$out" | grep -q "^1 containers ran unrecorded.* $E2E_PREFIX-rdrep: open the run directory" || fail "list: $out"
	assert_absent "$(state_of rdrep)"
	rm -rf "$rd"
}

test_run_dir_a_file_runs_unrecorded_and_says_uncounted() {
	local rd=$WORK/run-file cfg
	cfg=$(trust_config rdfile '{"mode": "report"}')
	touch "$rd"
	make_bundle rdfile "touch /sync/ran" >/dev/null
	prestart_args rdfile --config="$cfg"
	hook_env rdfile "BPFREAPER_RUN_DIR=$rd"
	run_ctr rdfile || fail "runc refused the container: $(cat "$WORK/rdfile.err")"
	assert_present "$WORK/sync/rdfile/ran"
	grep -q "runs unrecorded (report mode); not counted in $rd/skipped: Not a directory" "$WORK/rdfile.log" ||
		fail "log: $(cat "$WORK/rdfile.log")"
	rm -f "$rd"
}

test_enforce_refuses_only_under_on_error_fail() {
	local rd=$WORK/run-broken-enf cfg
	broken_run_dir "$rd"
	cfg=$(trust_config enffail '{"mode": "enforce", "on_error": "fail"}')
	make_bundle enffail "touch /sync/ran" >/dev/null
	prestart_args enffail --config="$cfg"
	hook_env enffail "BPFREAPER_RUN_DIR=$rd"
	! run_ctr enffail || fail "runc started a container that enforce + on_error fail must refuse"
	assert_absent "$WORK/sync/enffail/ran"
	grep -q "prestart: container $E2E_PREFIX-enffail: open the run directory: .*; refused (mode enforce, on_error fail)" \
		"$WORK/enffail.log" || fail "log: $(cat "$WORK/enffail.log")"
	[ ! -s "$rd/skipped" ] || fail "a refused container was counted as run unrecorded: $(cat "$rd/skipped")"
	runc delete -f "$E2E_PREFIX-enffail" >/dev/null 2>&1 || true

	# The default on_error (ignore): the same trouble, and it runs.
	cfg=$(trust_config enfdef '{"mode": "enforce"}')
	make_bundle enfdef "touch /sync/ran" >/dev/null
	prestart_args enfdef --config="$cfg"
	hook_env enfdef "BPFREAPER_RUN_DIR=$rd"
	run_ctr enfdef || fail "runc refused the container: $(cat "$WORK/enfdef.err")"
	assert_present "$WORK/sync/enfdef/ran"
	grep -q "prestart: container $E2E_PREFIX-enfdef: open the run directory: .*; it runs unrecorded (on_error ignore)" \
		"$WORK/enfdef.log" || fail "log: $(cat "$WORK/enfdef.log")"
	assert_eq "skipped" "$(awk '{ print $2 }' "$rd/skipped")" "$E2E_PREFIX-enfdef"
	rm -rf "$rd"
}

test_annotation_capped_by_annotation_modes() {
	local cfg r
	cfg=$(trust_config capped '{"mode": "report", "annotation_modes": ["off", "report"]}')
	make_bundle capped "bpfleak map /sys/fs/bpf/$E2E_PREFIX-capped" >/dev/null
	prestart_args capped --config="$cfg"
	annotate capped io.bpfreaper.mode enforce
	run_ctr capped || fail "runc run: $(cat "$WORK/capped.err")"
	r=$(report_of capped)
	# The pod asked for enforce; the host allows it report at most.
	assert_present "$P-capped"
	assert_eq "report mode" "$(jq -r .mode "$r")" report
	assert_eq "report mode_source" "$(jq -r .mode_source "$r")" "config (annotation capped by annotation_modes)"
	grep -q "annotation io.bpfreaper.mode=enforce not honoured: annotation_modes in $cfg does not allow it; mode report" \
		"$WORK/capped.log" || fail "log: $(cat "$WORK/capped.log")"
	rm -f "$P-capped"
}

# shared_cleanup PID PIN CGROUP: the host process by its pid, its pin, and
# the cgroup it shared, which runc could not remove with the host process
# in it (e2e_clean removes this test's line in the skipped log).
shared_cleanup() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	rm -f "$2"
	rmdir "$3"
}

# A runc container placed (linux.cgroupsPath) in a cgroup a host process
# already uses: registering it would make poststop remove what that process
# pins while the container runs.
test_shared_cgroup_not_registered() {
	local cg=$CG2/$CG_PARENT/$E2E_PREFIX-shared cfg host pin=$P-hostpin ctr
	cfg=$(trust_config shared '{"mode": "enforce"}')
	mkdir -p "$cg"
	sleep 60 &
	host=$!
	# shellcheck disable=SC2064
	trap "shared_cleanup $host '$pin' '$cg'" EXIT
	echo "$host" >"$cg/cgroup.procs"
	make_bundle shared "touch /sync/started; until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	bundle_edit shared '.linux.cgroupsPath = $cg' --arg cg "/$CG_PARENT/$E2E_PREFIX-shared"
	prestart_args shared --config="$cfg"
	run_ctr shared &
	ctr=$!
	wait_for "$WORK/sync/shared/started"
	assert_absent "$(state_of shared)"
	# A host process in the shared cgroup pins a map while the container runs.
	sh -c 'echo $$ >"$1/cgroup.procs" && exec bpftool map create "$2" type hash key 4 value 4 entries 4 name hostmap' \
		sh "$cg" "$pin" || fail "host pin"
	touch "$WORK/sync/shared/go"
	wait $ctr || fail "runc refused the container: $(cat "$WORK/shared.err")"
	assert_present "$pin"
	assert_absent "$(report_of shared)"
	grep -q "prestart: container $E2E_PREFIX-shared: check that only the container's processes are in its cgroup: $cg holds pid $host (sleep), which is not the container's: refusing to register $cg; it runs unrecorded (on_error ignore)" \
		"$WORK/shared.log" || fail "log: $(cat "$WORK/shared.log")"
	"$BIN/bpfreaperctl" --json list | jq -e --arg id "$E2E_PREFIX-shared" '.skipped.count >= 1 and .skipped.last.id == $id' >/dev/null ||
		fail "not counted: $("$BIN/bpfreaperctl" --json list)"
	"$BIN/bpfreaperctl" doctor | grep -q "^skipped *warn" || fail "doctor: $("$BIN/bpfreaperctl" doctor)"
}

# Rootless podman with the packaged hooks.d files: the hooks run in the
# user's user namespace, where /run/bpfreaper and the tracer are out of reach.
ROOTLESS_USER=$E2E_PREFIX-rootless

rootless_cleanup() {
	local home=/home/$ROOTLESS_USER pid
	id "$ROOTLESS_USER" >/dev/null 2>&1 || return 0
	# podman's pause process holds the user namespace: stop it by its pid.
	for pid in $(cat "$home/run/libpod/tmp/pause.pid" 2>/dev/null) $(pgrep -u "$ROOTLESS_USER" || true); do
		kill "$pid" 2>/dev/null || true
	done
	sleep 0.2
	for pid in $(pgrep -u "$ROOTLESS_USER" || true); do kill -9 "$pid" 2>/dev/null || true; done
	# Rootless storage maps files to subordinate ids: remove it as root.
	grep -q " $home/" /proc/mounts && awk -v h="$home/" 'index($2, h) == 1 { print $2 }' /proc/mounts |
		sort -r | xargs -r umount -l
	userdel -r "$ROOTLESS_USER" >/dev/null 2>&1 || true
	rm -rf "$home"
	sed -i "/^$ROOTLESS_USER:/d" /etc/subuid /etc/subgid
}

test_rootless_podman_hooks_skip() {
	local home=/home/$ROOTLESS_USER f rc=0
	need_tool podman
	need uidmap command -v newuidmap
	rootless_cleanup
	trap rootless_cleanup EXIT
	useradd -m -d "$home" -s /bin/sh "$ROOTLESS_USER"
	echo "$ROOTLESS_USER:1879048192:65536" >>/etc/subuid
	echo "$ROOTLESS_USER:1879048192:65536" >>/etc/subgid
	# What the user can read: a rootfs, the hooks.d files, a log file.
	cp -a "$WORK/rootfs" "$home/rootfs"
	mkdir -p "$home/hooks.d" "$home/run"
	for f in "$ROOT"/oci-config/hooks.d/*.json; do
		jq --arg bin "$BIN" --arg log "$home/hooks.log" '.hook.path |= ($bin + "/" + (split("/") | last))
			| .hook.env = ["BPFREAPER_LOG_FILE=" + $log]' "$f" >"$home/hooks.d/$(basename "$f")"
	done
	touch "$home/hooks.log"
	chown -R "$ROOTLESS_USER:" "$home"
	chmod 0700 "$home/run"
	# The one thing that may skip: the kernel gives this user no user
	# namespace, found by trying. Anything else podman cannot do is a
	# failure (its stderr once matched "cgroup" and skipped real ones).
	runuser -u "$ROOTLESS_USER" -- unshare -U true 2>"$WORK/userns.err" ||
		skip "no user namespace for an unprivileged user here: $(cat "$WORK/userns.err")"
	timeout 120 runuser -u "$ROOTLESS_USER" -- env -i HOME="$home" XDG_RUNTIME_DIR="$home/run" PATH=/usr/bin:/bin:/usr/sbin:/sbin \
		podman --runtime runc --cgroup-manager cgroupfs --events-backend file --hooks-dir "$home/hooks.d" \
		run --rm --network none --rootfs "$home/rootfs" sh -c 'touch /ran' \
		>"$WORK/rootless.out" 2>"$WORK/rootless.err" </dev/null || rc=$?
	assert_eq "podman exit (hooks log: $(cat "$home/hooks.log"); podman: $(cat "$WORK/rootless.err"))" "$rc" 0
	grep -q "bpfreaper-prestart\[[0-9]*\]: prestart: container [0-9a-f]*: this hook runs in a user namespace (a rootless runtime): not recorded" \
		"$home/hooks.log" || fail "prestart log: $(cat "$home/hooks.log")"
	grep -q "bpfreaper-poststop\[[0-9]*\]: poststop: container [0-9a-f]*: this hook runs in a user namespace" \
		"$home/hooks.log" || fail "poststop log: $(cat "$home/hooks.log")"
	assert_eq "hook log lines" "$(grep -c . "$home/hooks.log")" 2
}
