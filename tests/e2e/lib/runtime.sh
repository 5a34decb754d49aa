# shellcheck shell=bash
# Containers: bundles made from $WORK/spec.json with bpfreaper's hooks, their
# config edited with jq, run by runc or crun ($RUNTIME) or by podman with
# the shipped hooks.d files; where their state and report are.

# rt_cmd: the command that runs $RUNTIME on this host.
rt_cmd() {
	case $RUNTIME in
	crun) echo "$ROOT/tests/e2e/crun-hybrid" ;;
	*) echo "$RUNTIME" ;;
	esac
}

need_runtime() {
	need_tool "$RUNTIME"
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

# hook_env_json VAR=VALUE...: a hook's `env` as a JSON array. runc gives a
# hook with `env` only that list, not its own environment: this run's
# BPFREAPER_RUN_DIR goes in too (unless given), else the hook works in the
# default run directory, another run's, and the test checks nothing.
hook_env_json() {
	case " $* " in
	*" BPFREAPER_RUN_DIR="*) json_strings "$@" ;;
	*) json_strings "BPFREAPER_RUN_DIR=$RUN_DIR" "$@" ;;
	esac
}

# crash_hook NAME STAGE POINT: NAME's first STAGE hook is the test build's
# (the shipped hooks have no kill points) and kills itself at POINT
# (BPFREAPER_CRASH_AT, src/crashpoint.h).
crash_hook() {
	bundle_edit "$1" '.hooks[$stage][0] |= (.path = $bin + "/" + (.path | split("/") | last) | .env = $env)' \
		--arg stage "$2" --arg bin "$TEST_BIN" --argjson env "$(hook_env_json "BPFREAPER_CRASH_AT=$3")"
}

# json_padded SIZE JSON: JSON and then blanks, SIZE bytes in all: an input
# exactly at (or one byte over) its limit (src/input-limits.h).
json_padded() {
	local pad=$(($1 - ${#2}))
	[ "$pad" -ge 0 ] || { fail "json_padded: JSON is longer than $1 bytes"; return 1; }
	printf '%s' "$2"
	head -c "$pad" /dev/zero | tr '\0' ' '
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

# host_netns NAME: the container shares the host's network namespace.
host_netns() {
	bundle_edit "$1" '.linux.namespaces |= map(select(.type != "network"))'
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

# poststop_now NAME: the poststop hook of NAME's container, run by hand as
# an operator would where the runtime never ran it; its status.
poststop_now() {
	printf '{"ociVersion":"1.0.2","id":"%s","status":"stopped"}' "$E2E_PREFIX-$1" | "$BIN/bpfreaper-poststop" 2>/dev/null
}

# state_of NAME, report_of NAME: where bpfreaper keeps the state and writes
# the report of the container make_bundle named NAME.
state_of() {
	echo "$RUN_DIR/state/$E2E_PREFIX-$1.json"
}

report_of() {
	echo "$RUN_DIR/reports/$E2E_PREFIX-$1.json"
}

# skipped_has ID TEXT: the skipped log has a line for container ID whose
# reason contains TEXT (prestart and bpfreaper-runtime write it).
skipped_has() {
	grep -F -- " $1 " "$RUN_DIR/skipped" 2>/dev/null | grep -qF -- "$2"
}

# skipped_total: the counter behind bpfreaper_prestart_skipped_total.
skipped_total() {
	[ -e "$RUN_DIR/counters" ] || { echo 0; return; }
	awk '$1 == "prestart_skipped" { n = $2 } END { print n + 0 }' "$RUN_DIR/counters"
}

# pm ARGS...: podman with a private store, cgroupfs and no network setup.
# PM_RUNTIME (default runc) is the OCI runtime podman uses.
pm() {
	local rt=${PM_RUNTIME:-runc}
	[ "$rt" != crun ] || rt=$ROOT/tests/e2e/crun-hybrid
	timeout 120 podman --root "$PODMAN_ROOT/root" --runroot "$PODMAN_ROOT/run" --runtime "$rt" \
		--cgroup-manager cgroupfs --events-backend file --hooks-dir "$WORK/hooks.d" "$@"
}

# HOOKSD_ENV: the hooks.d files' "env" for this run. Podman starts the
# runtime (prestart) and its cleanup process (poststop) with an environment
# of its own, so the run directory is passed explicitly: a test run never
# writes to another run's, nor to the host's /run/bpfreaper.
HOOKSD_ENV=$(json_strings "BPFREAPER_RUN_DIR=$RUN_DIR" "PATH=/usr/sbin:/usr/bin:/sbin:/bin")

# install_hooksd [PRESTART-ARG...]: the shipped hooks.d files into
# $WORK/hooks.d, pointing at the built hooks, prestart arguments appended.
install_hooksd() {
	local f
	rm -rf "$WORK/hooks.d"
	mkdir -p "$WORK/hooks.d"
	for f in "$ROOT"/oci-config/hooks.d/*.json; do
		jq --arg bin "$BIN" --argjson env "$HOOKSD_ENV" '.hook.path |= ($bin + "/" + (split("/") | last))
			| .hook.env = $env
			| if (.stages | index("prestart")) then .hook.args += $args else . end' \
			"$f" --argjson args "$(json_strings "$@")" >"$WORK/hooks.d/$(basename "$f")"
	done
}

# install_hooksd_config CONFIG: the shipped hooks.d files, both hooks
# reading CONFIG (--config) instead of /etc/bpfreaper/bpfreaper.json.
install_hooksd_config() {
	local f
	rm -rf "$WORK/hooks.d"
	mkdir -p "$WORK/hooks.d"
	for f in "$ROOT"/oci-config/hooks.d/*.json; do
		jq --arg bin "$BIN" --arg c "--config=$1" --argjson env "$HOOKSD_ENV" '
			.hook.path |= ($bin + "/" + (split("/") | last)) | .hook.env = $env
			| .hook.args += [$c]' "$f" >"$WORK/hooks.d/$(basename "$f")"
	done
}

# pm_run NAME SCRIPT [PODMAN-RUN-OPTION...]: `podman run --rm` of a container
# named $E2E_PREFIX-NAME that runs `sh -c SCRIPT` with the host bpffs bound,
# output in $WORK/NAME.out/.err, its id in $WORK/NAME.cid.
pm_run() {
	local name=$1 script=$2
	shift 2
	need_tool podman
	mkdir -p "$WORK/sync/$name"
	rm -f "$WORK/$name.cid"
	[ "${PM_RUNTIME:-runc}" != crun ] || "$BIN/bpfreaperctl" load >/dev/null
	pm run --rm --cgroup-parent "/$CG_PARENT/podman" --name "$E2E_PREFIX-$name" --cidfile "$WORK/$name.cid" \
		--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
		--cap-add SYS_ADMIN,BPF,PERFMON,NET_ADMIN \
		-v /sys/fs/bpf:/sys/fs/bpf -v "$WORK/sync/$name:/sync" "$@" \
		--rootfs "$WORK/rootfs" sh -c "$script" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
}

# pm_report NAME: the report of the podman container pm_run named NAME
# (bpfreaper names it by podman's id).
pm_report() {
	echo "$RUN_DIR/reports/$(cat "$WORK/$1.cid").json"
}

# valgrind_wrappers: $WORK/vg-prestart and $WORK/vg-poststop run the built
# hooks under valgrind (memcheck, definite and indirect leaks are errors),
# logging to $WORK/vg-HOOK.log.
valgrind_wrappers() {
	local h
	need_tool valgrind
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

# tree_deb: the path of this tree's Debian package. The one `make deb`
# built (make check does, before any test) when build/deb still matches the
# tree (packaging/build-deb --fresh), so that the host's package tests and
# the systemd guest install one build instead of each making its own (five
# minutes in a TCG guest); otherwise a build of its own in $WORK/deb.
tree_deb() {
	local deb
	if deb=$("$ROOT/packaging/build-deb" --fresh "$ROOT/build/deb"); then
		echo "    package: build/deb, as make deb built it for this tree" >&2
	else
		need_tool dpkg-buildpackage
		SECONDS=0
		deb=$("$ROOT/packaging/build-deb" "$WORK/deb") || fail "dpkg-buildpackage failed"
		echo "    package built in ${SECONDS} s (build/deb is not this tree's: make deb)" >&2
	fi
	echo "$deb"
}
