# shellcheck shell=bash
# bpfreaper-runtime, the OCI runtime wrapper for container managers that read
# no hooks.d: the real runtime gets the argument vector, environment and fds
# unchanged; create and run add the hook pair once; bad input runs the
# runtime with the bundle as it was. Then real containers through runc,
# through containerd (ctr) and through dockerd, each daemon started here with
# its own directories and socket and stopped by its PID.

WRAP=$BIN/bpfreaper-runtime

# wrap_setup: a fake runtime that records what it was given, and the
# wrapper's config: hooks from the build tree, enforce mode.
wrap_setup() {
	rm -rf "$WORK/wrap"
	mkdir -p "$WORK/wrap"
	cat >"$WORK/wrap/fake-runtime" <<-'EOS'
	#!/bin/sh
	printf '%s\0' "$0" "$@" >"$FAKE_OUT.argv"
	ls /proc/$$/fd >"$FAKE_OUT.fds"
	env | grep -v -e '^FAKE_OUT=' -e '^_=' | sort >"$FAKE_OUT.env"
	exit 7
	EOS
	chmod +x "$WORK/wrap/fake-runtime"
	jq -n --arg bin "$BIN" '{mode: "enforce", hooks_dir: $bin}' >"$WORK/wrap/config.json"
	: >"$WORK/wrap/log"
}

# wrapped ARG...: the wrapper in front of the fake runtime; its status is the
# fake's (7) when it exec'ed it.
wrapped() {
	BPFREAPER_RUNTIME=$WORK/wrap/fake-runtime BPFREAPER_CONFIG=${WRAP_CONFIG:-$WORK/wrap/config.json} \
		BPFREAPER_LOG_FILE=$WORK/wrap/log FAKE_OUT=$WORK/wrap/got "$WRAP" "$@"
}

# passes ARG...: the fake runtime got exactly ARG..., with the same
# environment and open fds as when it is run directly.
passes() {
	local rc=0
	wrapped "$@" || rc=$?
	assert_eq "status of wrapper $*" "$rc" 7
	BPFREAPER_RUNTIME=$WORK/wrap/fake-runtime BPFREAPER_CONFIG=${WRAP_CONFIG:-$WORK/wrap/config.json} \
		BPFREAPER_LOG_FILE=$WORK/wrap/log FAKE_OUT=$WORK/wrap/want "$WORK/wrap/fake-runtime" "$@" || true
	cmp -s "$WORK/wrap/got.argv" "$WORK/wrap/want.argv" ||
		fail "argv of '$*': got '$(tr '\0' ' ' <"$WORK/wrap/got.argv")'"
	cmp -s "$WORK/wrap/got.fds" "$WORK/wrap/want.fds" ||
		fail "fds of '$*': got $(tr '\n' ' ' <"$WORK/wrap/got.fds"), want $(tr '\n' ' ' <"$WORK/wrap/want.fds")"
	cmp -s "$WORK/wrap/got.env" "$WORK/wrap/want.env" ||
		fail "environment of '$*': $(diff "$WORK/wrap/want.env" "$WORK/wrap/got.env")"
}

# A config.json as Docker writes it: spec 1.0.2-dev, RLIMIT_CORE of 2^64-1
# (jq would turn it into a double), another tool's poststop hook.
DOCKERISH='{"ociVersion":"1.0.2-dev","process":{"args":["sh"],"rlimits":[{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615}]},"root":{"path":"rootfs"},"hooks":{"poststop":[{"path":"/bin/true"}]},"weight":0.50}'

test_passthrough_argv_env_fds() {
	local b=$WORK/wrap/bundle sum
	wrap_setup
	mkdir -p "$b"
	echo "$DOCKERISH" >"$b/config.json"
	sum=$(sha256sum <"$b/config.json")
	# Every command but create and run, from the bundle as working
	# directory, with runc's and crun's global options in both spellings.
	cd "$b" || return
	passes state "$E2E_PREFIX-x"
	passes --root /run/x --log /tmp/l.json --log-format json start "$E2E_PREFIX-x"
	passes --debug --systemd-cgroup kill "$E2E_PREFIX-x" KILL
	passes --root=/run/x --cgroup-manager=cgroupfs delete --force "$E2E_PREFIX-x"
	# shellcheck disable=SC2016 # an argument, not expanded here
	passes exec --process /p.json -t --cwd "/a dir" "$E2E_PREFIX-x" sh -c 'echo "$1"' '' ''
	passes -criu /usr/sbin/criu restore --bundle "$b" --image-path /img "$E2E_PREFIX-x"
	passes checkpoint --image-path /img --leave-running "$E2E_PREFIX-x"
	passes ps --format json "$E2E_PREFIX-x"
	passes events --stats "$E2E_PREFIX-x"
	passes pause "$E2E_PREFIX-x"
	passes resume "$E2E_PREFIX-x"
	passes update --memory 1M "$E2E_PREFIX-x"
	passes --rootless false list -q
	passes features
	passes spec --rootless
	passes --version
	passes --help
	passes
	passes --log-format json
	cd - >/dev/null || return
	assert_eq "bundle after pass-through commands" "$(sha256sum <"$b/config.json")" "$sum"
	# create and run get the same argument vector too.
	passes --root /run/x --log /tmp/l.json --log-format json create --bundle "$b" --pid-file /p "$E2E_PREFIX-x"
	passes run -d -b "$b" "$E2E_PREFIX-x" --keep
}

# hook_paths FILE STAGE: the paths of a stage's hooks, one per line.
hook_paths() {
	jq -r --arg s "$2" '.hooks[$s] // [] | .[].path' "$1"
}

test_create_adds_hooks_once() {
	local b=$WORK/wrap/bundle ino
	wrap_setup
	mkdir -p "$b"
	echo "$DOCKERISH" >"$b/config.json"
	chown 65534:65534 "$b/config.json"
	chmod 0640 "$b/config.json"
	passes --root /run/x create --bundle "$b" "$E2E_PREFIX-x"
	assert_eq createRuntime "$(hook_paths "$b/config.json" createRuntime)" "$BIN/bpfreaper-prestart"
	assert_eq poststop "$(hook_paths "$b/config.json" poststop | tr '\n' ' ')" "/bin/true $BIN/bpfreaper-poststop "
	assert_eq "prestart args" "$(jq -c '.hooks.createRuntime[0].args' "$b/config.json")" \
		"[\"bpfreaper-prestart\",\"--default-mode=report\",\"--config=$WORK/wrap/config.json\"]"
	grep -q '"hard":18446744073709551615,"soft":18446744073709551615' "$b/config.json" ||
		fail "RLIMIT_CORE not kept exactly: $(jq -c .process.rlimits "$b/config.json")"
	grep -q '"weight":0.50' "$b/config.json" || fail "a double was rewritten"
	assert_eq "owner and mode" "$(stat -c '%u:%g %a' "$b/config.json")" "65534:65534 640"
	[ -z "$(find "$b" -name '*.tmp')" ] || fail "temp file left: $(ls "$b")"
	# Again, as run: nothing to add, the file is not rewritten.
	ino=$(stat -c %i "$b/config.json")
	passes run -b "$b" "$E2E_PREFIX-x"
	assert_eq "inode after a second create" "$(stat -c %i "$b/config.json")" "$ino"
	assert_eq "createRuntime hooks" "$(hook_paths "$b/config.json" createRuntime | wc -l)" 1
	# No --bundle: the working directory; crun's --config: another file in it;
	# an old spec: prestart.
	echo '{"ociVersion":"1.0.1"}' >"$b/other.json"
	rm "$b/config.json"
	cd "$b" || return
	passes create -f other.json "$E2E_PREFIX-x"
	cd - >/dev/null || return
	assert_eq prestart "$(hook_paths "$b/other.json" prestart)" "$BIN/bpfreaper-prestart"
	assert_absent "$b/config.json"
	grep -q "bundle .: other.json: hooks added" "$WORK/wrap/log" || fail "not logged: $(cat "$WORK/wrap/log")"
}

# bundle_fp DIR: names, sizes and inodes of what DIR holds, config.json's hash.
bundle_fp() {
	(cd "$1" 2>/dev/null || exit 0; find . -printf '%p %s %i\n' | sort && { sha256sum <config.json || true; } 2>/dev/null)
}

# bad_bundle WHY [BUNDLE]: create with the bundle (default $WORK/wrap/bundle)
# runs the runtime unchanged, leaves the bundle as it was and logs WHY.
# As prestart does for a container it lets run unrecorded: a skipped entry
# naming the container and WHY, and the skipped counter.
bad_bundle() {
	local b=${2:-$WORK/wrap/bundle} sum n
	sum=$(bundle_fp "$b")
	: >"$WORK/wrap/log"
	sed -i "/^[0-9]* $E2E_PREFIX-x /d" "$RUN_DIR/skipped" 2>/dev/null || true
	n=$(skipped_total)
	passes create --bundle "$b" "$E2E_PREFIX-x"
	assert_eq "bundle after a refused edit" "$(bundle_fp "$b")" "$sum"
	grep -q "$1" "$WORK/wrap/log" || fail "log lacks '$1': $(cat "$WORK/wrap/log")"
	grep -q "without bpfreaper's hooks" "$WORK/wrap/log" || fail "log lacks the consequence"
	assert_eq "skipped counter after '$1'" "$(skipped_total)" "$((n + 1))"
	grep -F " $E2E_PREFIX-x " "$RUN_DIR/skipped" 2>/dev/null | grep -q -- "$1" ||
		fail "no skipped entry with '$1': $(cat "$RUN_DIR/skipped" 2>/dev/null)"
}

# A bundle's config.json at its limit (BUNDLE_CONFIG_MAX_BYTES, 16 MiB, the
# same as prestart's) gets the hooks; one byte more runs the runtime
# unchanged with the limit named.
test_bundle_config_size_limit() {
	local b=$WORK/wrap/bundle
	wrap_setup
	mkdir -p "$b"
	json_padded $((16 * 1024 * 1024)) "$DOCKERISH" >"$b/config.json"
	passes create --bundle "$b" "$E2E_PREFIX-x"
	assert_eq "createRuntime at the limit" "$(hook_paths "$b/config.json" createRuntime)" "$BIN/bpfreaper-prestart"
	json_padded $((16 * 1024 * 1024 + 1)) "$DOCKERISH" >"$b/config.json"
	bad_bundle "config.json: larger than 16 MiB"
	sed -i "/^[0-9]* $E2E_PREFIX-x /d" "$RUN_DIR/skipped"
}

test_bad_input_runs_runtime_unchanged() {
	local b=$WORK/wrap/bundle rc
	wrap_setup
	: >"$WORK/wrap/log"
	bad_bundle "bundle $WORK/wrap/none: cannot open" "$WORK/wrap/none"
	mkdir -p "$b"
	bad_bundle "config.json: cannot open: No such file"
	echo '{"ociVersion":' >"$b/config.json"
	bad_bundle "config.json: not valid JSON"
	echo '{"process":{"rlimits":[{"hard":18446744073709551616}]}}' >"$b/config.json"
	bad_bundle "config.json: an integer is outside the 64-bit range"
	echo '{"hooks":{"poststop":{}}}' >"$b/config.json"
	bad_bundle "has the wrong type"
	rm "$b/config.json"
	mkdir "$b/config.json"
	bad_bundle "config.json: not a regular file"
	rmdir "$b/config.json"
	echo "$DOCKERISH" >"$b/real.json"
	ln -s real.json "$b/config.json"
	bad_bundle "config.json: cannot open: Too many levels of symbolic links"
	rm "$b/config.json" "$b/real.json"
	# The wrapper's own config is invalid: never a removal on it, the
	# container runs unhooked.
	echo "$DOCKERISH" >"$b/config.json"
	echo '{"mode": "enforcing"}' >"$WORK/wrap/bad.json"
	WRAP_CONFIG=$WORK/wrap/bad.json bad_bundle "config $WORK/wrap/bad.json: \"mode\" is not one of"
	printf '{"mode": "report",}' >"$WORK/wrap/bad.json"
	WRAP_CONFIG=$WORK/wrap/bad.json bad_bundle "config $WORK/wrap/bad.json: not valid JSON at line 1, column 19"
	# The hooks are not where the config says: a runtime would fail on them.
	jq -n '{hooks_dir: "/nonexistent"}' >"$WORK/wrap/nohooks.json"
	WRAP_CONFIG=$WORK/wrap/nohooks.json bad_bundle "hooks in /nonexistent: No such file"
	# Never itself: by name, and in PATH ahead of the real runtime.
	rc=0
	BPFREAPER_RUNTIME=$WRAP "$WRAP" state x 2>"$WORK/wrap/err" || rc=$?
	assert_eq "status when the runtime is the wrapper" "$rc" 127
	grep -q "is bpfreaper-runtime itself" "$WORK/wrap/err" || fail "not said on stderr: $(cat "$WORK/wrap/err")"
	mkdir -p "$WORK/wrap/p1" "$WORK/wrap/p2"
	ln -s "$WRAP" "$WORK/wrap/p1/runc"
	ln -s "$WORK/wrap/fake-runtime" "$WORK/wrap/p2/runc"
	rc=0
	PATH=$WORK/wrap/p1:$WORK/wrap/p2:$PATH FAKE_OUT=$WORK/wrap/got "$WORK/wrap/p1/runc" state x || rc=$?
	assert_eq "status of the runc in PATH after the wrapper" "$rc" 7
	assert_eq "runtime found in PATH" "$(tr '\0' ' ' <"$WORK/wrap/got.argv")" "$WORK/wrap/p2/runc state x "
}

# through_wrapper NAME: a real $RUNTIME container started through the
# wrapper (BPFREAPER_RUNTIME); its bundle has no hooks until the wrapper adds
# them: the pin it leaves is gone, its map freed, a host pin stays.
through_wrapper() {
	local name=$1 b host_id
	need_runtime
	wrap_setup
	b=$(make_bundle "$name" "bpfleak map /sys/fs/bpf/$E2E_PREFIX-$name")
	bundle_edit "$name" 'del(.hooks)'
	host_id=$(host_map "$P-host")
	# crun's hooks run in crun-hybrid's private mount namespace: the tracer's
	# bpffs has to be mounted on the host first (see run_ctr).
	[ "$RUNTIME" != crun ] || "$BIN/bpfreaperctl" load >/dev/null
	BPFREAPER_RUNTIME=$(command -v "$(rt_cmd)") BPFREAPER_CONFIG=$WORK/wrap/config.json \
		BPFREAPER_LOG_FILE=$WORK/wrap/log timeout 60 "$WRAP" run -b "$b" "$E2E_PREFIX-$name" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null ||
		fail "run through the wrapper: $(cat "$WORK/$name.err" "$WORK/wrap/log")"
	assert_eq "stage added" "$(hook_paths "$b/config.json" createRuntime)" "$BIN/bpfreaper-prestart"
	assert_absent "$P-$name"
	assert_freed map "$(ids_of "$name" map)"
	assert_eq "report mode" "$(jq -r .mode "$(report_of "$name")")" enforce
	assert_present "$P-host"
	assert_alive map "$host_id"
	rm -f "$P-host"
}

test_runc_through_wrapper() {
	RUNTIME=runc through_wrapper wrunc
}

test_crun_through_wrapper() {
	RUNTIME=crun through_wrapper wcrun
}

# ---------------------------------------------------------------------------
# containerd and dockerd, started here. Everything they make is under
# $WORK/<name> (their root, state, sockets), in the containerd namespace
# $E2E_PREFIX-* and in cgroups under /$CG_PARENT.

# daemon_stop DIR: the daemon whose PID is in DIR/pid, then the shims it
# started (they name its socket), then what is still mounted under DIR.
daemon_stop() {
	local d=$1 pid p m
	[ -e "$d/pid" ] || return 0
	pid=$(cat "$d/pid")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$d/pid"
	for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $d/sock" || true); do kill "$p" 2>/dev/null || true; done
	for m in $(daemon_mounts "$d"); do umount -l "$m" 2>/dev/null || true; done
}

daemon_mounts() { # DIR: mount points under DIR, deepest first
	awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r
}

# daemons_down: stop dockerd, then containerd, remove their directories and
# their runc state (per containerd namespace, all ours).
daemons_down() {
	local d ns
	for d in "$WORK/docker" "$WORK/ctrd"; do
		[ -d "$d" ] || continue
		daemon_stop "$d"
		if [ -n "$(daemon_mounts "$d")" ]; then
			echo "    still mounted under $d: $(daemon_mounts "$d")" >&2
		else
			rm -rf "$d"
		fi
	done
	for ns in "$E2E_PREFIX-ctr" "$E2E_PREFIX-moby" "$E2E_PREFIX-plugins"; do
		rm -rf "/run/containerd/runc/$ns"
	done
	# The shims' socket directory, unless another containerd uses it.
	rmdir /run/containerd/s /run/containerd/runc /run/containerd 2>/dev/null || true
}

# ctrd_start DIR: containerd with its own root, state and sockets in DIR,
# the wrapper's environment in its own (its shims and the wrapper inherit it).
ctrd_start() {
	local d=$1
	need_tool containerd ctr
	mkdir -p "$d"
	cat >"$d/config.toml" <<-EOF
	version = 2
	root = "$d/root"
	state = "$d/state"
	disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt"]
	[grpc]
	  address = "$d/sock"
	[ttrpc]
	  address = "$d/ttrpc.sock"
	EOF
	ctrd_run "$d"
}

# ctrd_run DIR: containerd from DIR/config.toml (which keeps it in DIR).
ctrd_run() {
	local d=$1
	BPFREAPER_CONFIG=$WORK/wrap/config.json BPFREAPER_LOG_FILE=$WORK/wrap/log \
		containerd --config "$d/config.toml" >"$d/log" 2>&1 </dev/null &
	echo $! >"$d/pid"
	for _ in $(seq 100); do
		ctr -a "$d/sock" version >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$d/pid")" 2>/dev/null || break
		sleep 0.1
	done
	daemon_stop "$d"
	broken "containerd does not start here: $(tail -3 "$d/log")"
}

test_containerd_ctr() {
	local c=$WORK/ctrd ns=$E2E_PREFIX-ctr id=$E2E_PREFIX-ctr host_id rc=0
	wrap_setup
	trap daemons_down EXIT
	ctrd_start "$c"
	host_id=$(host_map "$P-host")
	mkdir -p "$c/fifo"
	timeout 60 ctr -a "$c/sock" -n "$ns" run --rm --fifo-dir "$c/fifo" --runc-binary "$WRAP" --privileged \
		--cgroup "/$CG_PARENT/$id" --mount type=bind,src=/sys/fs/bpf,dst=/sys/fs/bpf,options=rbind:rw \
		--rootfs "$WORK/rootfs" "$id" /bin/sh -c "bpfleak map /sys/fs/bpf/$E2E_PREFIX-ctr" \
		>"$WORK/ctr.out" 2>"$WORK/ctr.err" </dev/null || rc=$?
	daemons_down
	[ "$rc" = 0 ] || fail "ctr run: $rc: $(cat "$WORK/ctr.err" "$WORK/wrap/log")"
	assert_absent "$P-ctr"
	assert_freed map "$(ids_of ctr map)"
	assert_eq "report mode" "$(jq -r .mode "$(report_of ctr)")" enforce
	grep -q "hooks added" "$WORK/wrap/log" || fail "the wrapper added no hooks: $(cat "$WORK/wrap/log")"
	assert_present "$P-host"
	assert_alive map "$host_id"
	rm -f "$P-host"
}

# dockerd_start DIR CONTAINERD-DIR [CONFIGURED]: dockerd on its own data
# root, exec root and socket, no iptables, no bridge, no sysctl changes, its
# containerd the one in CONTAINERD-DIR, and the wrapper as the runtime
# "bpfreaper" on its command line; with CONFIGURED, DIR/daemon.json is the
# test's and names the runtimes (dockerd refuses a runtime named twice).
dockerd_start() {
	local d=$1 c=$2 add_runtime=(--add-runtime "bpfreaper=$WRAP")
	need_tool dockerd
	need docker.io [ -x /usr/bin/docker ]
	mkdir -p "$d"
	if [ -n "${3:-}" ]; then
		add_runtime=()
	else
		echo '{}' >"$d/daemon.json"
	fi
	dockerd --config-file "$d/daemon.json" --data-root "$d/root" --exec-root "$d/exec" -H "unix://$d/sock" \
		--pidfile "$d/dockerd.pid" --iptables=false --ip-forward=false --ip-masq=false --bridge=none \
		--userland-proxy=false --containerd "$c/sock" --containerd-namespace "$E2E_PREFIX-moby" \
		--containerd-plugins-namespace "$E2E_PREFIX-plugins" "${add_runtime[@]}" \
		>"$d/log" 2>&1 </dev/null &
	echo $! >"$d/pid"
	for _ in $(seq 300); do
		dk version >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$d/pid")" 2>/dev/null || break
		sleep 0.1
	done
	daemon_stop "$d"
	daemon_stop "$c"
	broken "dockerd does not start here: $(tail -3 "$d/log")"
}

dk() {
	timeout 60 /usr/bin/docker -H "unix://$WORK/docker/sock" "$@"
}

test_docker() {
	local c=$WORK/ctrd d=$WORK/docker name=$E2E_PREFIX-dock img=$E2E_PREFIX-img:1 host_id id rc=0
	local keyjson=/etc/docker/key.json had_key='' had_run=''
	[ ! -e $keyjson ] || had_key=1
	[ ! -e /run/docker ] || had_run=1
	wrap_setup
	# shellcheck disable=SC2064 # expanded now: the locals are gone at exit
	trap "daemons_down; [ -n '$had_key' ] || rm -f $keyjson
		[ -n '$had_run' ] || rmdir /run/docker/plugins /run/docker 2>/dev/null || true" EXIT
	ctrd_start "$c"
	dockerd_start "$d" "$c"
	host_id=$(host_map "$P-host")
	tar -C "$WORK/rootfs" -c . | dk import - "$img" >/dev/null || rc=1
	# Docker 20.10 knows no CAP_BPF: CAP_SYS_ADMIN covers bpf(2). RLIMIT_CORE
	# unlimited puts 2^64-1 into config.json: it has to survive the edit.
	[ "$rc" != 0 ] || dk run --name "$name" --runtime=bpfreaper --network none --cgroup-parent "/$CG_PARENT" \
		--cap-add SYS_ADMIN --cap-add NET_ADMIN --security-opt seccomp=unconfined \
		--security-opt apparmor=unconfined --ulimit core=-1:-1 -v /sys/fs/bpf:/sys/fs/bpf "$img" \
		sh -c "ulimit -c; bpfleak map /sys/fs/bpf/$E2E_PREFIX-dock" >"$WORK/dock.out" 2>"$WORK/dock.err" || rc=$?
	id=$(dk inspect -f '{{.Id}}' "$name" 2>/dev/null || true)
	[ -z "$id" ] || echo "$id" >"$WORK/dock.cid"
	# The shim runs poststop at its task delete, after the exit docker run
	# returned on.
	for _ in $(seq 100); do [ -e "$P-dock" ] || break; sleep 0.1; done
	dk rm -f "$name" >/dev/null 2>&1 || true
	dk rmi "$img" >/dev/null 2>&1 || true
	daemons_down
	[ "$rc" = 0 ] || fail "docker run: $rc: $(cat "$WORK/dock.err" "$WORK/wrap/log")"
	assert_eq "RLIMIT_CORE in the container" "$(head -1 "$WORK/dock.out")" unlimited
	assert_absent "$P-dock"
	assert_freed map "$(ids_of dock map)"
	assert_eq "report mode" "$(jq -r .mode "$RUN_DIR/reports/$id.json")" enforce
	grep -q "hooks added" "$WORK/wrap/log" || fail "the wrapper added no hooks: $(cat "$WORK/wrap/log")"
	assert_present "$P-host"
	assert_alive map "$host_id"
	rm -f "$P-host"
}

# ---------------------------------------------------------------------------
# bpfreaperctl configure/unconfigure against that dockerd: a daemon.json with
# other keys and another default runtime (a recording one, with its own
# runtimeArgs) gets the wrapper chained in front of it, by a reload.

# docker_default_is NAME: dockerd's default runtime becomes NAME (a SIGHUP
# reload is asynchronous).
docker_default_is() {
	local got=''
	for _ in $(seq 100); do
		got=$(dk info --format '{{.DefaultRuntime}}' 2>/dev/null || true)
		[ "$got" != "$1" ] || return 0
		sleep 0.1
	done
	fail "dockerd's default runtime is '$got', not '$1': $(tail -5 "$WORK/docker/log")"
}

test_docker_configure() {
	local c=$WORK/ctrd d=$WORK/docker name=$E2E_PREFIX-dcfg img=$E2E_PREFIX-img:2 id rc=0 out
	local keyjson=/etc/docker/key.json had_key='' had_run='' rec=$WORK/wrap/rec-runtime
	[ ! -e $keyjson ] || had_key=1
	[ ! -e /run/docker ] || had_run=1
	wrap_setup
	# shellcheck disable=SC2064 # expanded now: the locals are gone at exit
	trap "daemons_down; [ -n '$had_key' ] || rm -f $keyjson
		[ -n '$had_run' ] || rmdir /run/docker/plugins /run/docker 2>/dev/null || true" EXIT
	# The runtime the node ran before: records its arguments, then runc.
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>%s.log\nexec runc "$@"\n' "$rec" >"$rec"
	chmod +x "$rec"
	mkdir -p "$d"
	# Tabs, as no JSON writer configure uses would indent: only the backup
	# gives these bytes back.
	jq --tab -n --arg rec "$rec" '{"log-driver": "json-file", "log-opts": {"max-size": "10m"},
		"registry-mirrors": ["https://mirror.example.com"],
		runtimes: {rec: {path: $rec, runtimeArgs: ["--debug"]}}, "default-runtime": "rec"}' >"$d/daemon.json"
	cp "$d/daemon.json" "$WORK/daemon.orig"
	cp "$WORK/wrap/config.json" "$WORK/wrapcfg.orig"
	export BPFREAPER_CONFIG=$WORK/wrap/config.json BPFREAPER_STATE_DIR=$WORK/cfgstate
	ctrd_start "$c"
	dockerd_start "$d" "$c" configured
	docker_default_is rec
	tar -C "$WORK/rootfs" -c . | dk import - "$img" >/dev/null || fail "docker import failed"

	# --dry-run writes nothing
	out=$("$BIN/bpfreaperctl" configure --runtime=docker --config="$d/daemon.json" --set-as-default --dry-run) ||
		fail "configure --dry-run: $out"
	grep -q "would be written" <<<"$out" || fail "configure --dry-run said: $out"
	cmp -s "$d/daemon.json" "$WORK/daemon.orig" || fail "--dry-run changed daemon.json"
	cmp -s "$WORK/wrap/config.json" "$WORK/wrapcfg.orig" || fail "--dry-run changed the wrapper's config"
	[ ! -e "$BPFREAPER_STATE_DIR" ] || fail "--dry-run wrote $(ls -R "$BPFREAPER_STATE_DIR")"

	"$BIN/bpfreaperctl" configure --runtime=docker --config="$d/daemon.json" --set-as-default \
		--pid-file="$d/dockerd.pid" >"$WORK/configure.out" 2>&1 || fail "configure: $(cat "$WORK/configure.out")"
	assert_eq "the other keys" "$(jq -c '[."log-driver", ."log-opts", ."registry-mirrors", .runtimes.rec]' \
		"$d/daemon.json")" "$(jq -c '[."log-driver", ."log-opts", ."registry-mirrors", .runtimes.rec]' \
		"$WORK/daemon.orig")"
	assert_eq "chained runtime" "$(jq -r .runtime "$WORK/wrap/config.json")" "$rec"
	cmp -s "$d/daemon.json.bpfreaper-backup" "$WORK/daemon.orig" || fail "no exact backup of daemon.json"
	docker_default_is bpfreaper
	# twice: nothing changes
	cp "$d/daemon.json" "$WORK/daemon.configured"
	out=$("$BIN/bpfreaperctl" --json configure --runtime=docker --config="$d/daemon.json" --set-as-default \
		--pid-file="$d/dockerd.pid") || fail "configure again: $out"
	assert_eq "second configure changed" "$(jq .changed <<<"$out")" false
	cmp -s "$d/daemon.json" "$WORK/daemon.configured" || fail "the second configure changed daemon.json"

	# docker run without --runtime: through the wrapper into the chained runtime
	dk run --name "$name" --network none --cgroup-parent "/$CG_PARENT" --cap-add SYS_ADMIN \
		--cap-add NET_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
		-v /sys/fs/bpf:/sys/fs/bpf "$img" sh -c "bpfleak map /sys/fs/bpf/$E2E_PREFIX-dcfg" \
		>"$WORK/dcfg.out" 2>"$WORK/dcfg.err" || rc=$?
	id=$(dk inspect -f '{{.Id}}' "$name" 2>/dev/null || true)
	for _ in $(seq 100); do [ -e "$P-dcfg" ] || break; sleep 0.1; done
	dk rm -f "$name" >/dev/null 2>&1 || true
	[ "$rc" = 0 ] || fail "docker run: $rc: $(cat "$WORK/dcfg.err" "$WORK/wrap/log")"
	assert_absent "$P-dcfg"
	assert_freed map "$(ids_of dcfg map)"
	[ -e "$RUN_DIR/reports/$id.json" ] || fail "no report of $id: $(cat "$WORK/wrap/log")"
	grep -q -- "^--debug .* create .*$id" "$rec.log" ||
		fail "the chained runtime did not create $id with its runtimeArgs: $(cat "$rec.log")"

	# unconfigure: the same bytes, the old default, and containers still start
	"$BIN/bpfreaperctl" unconfigure --runtime=docker --pid-file="$d/dockerd.pid" >"$WORK/unconfigure.out" 2>&1 ||
		fail "unconfigure: $(cat "$WORK/unconfigure.out")"
	cmp -s "$d/daemon.json" "$WORK/daemon.orig" ||
		fail "daemon.json not restored: $(diff "$WORK/daemon.orig" "$d/daemon.json")"
	cmp -s "$WORK/wrap/config.json" "$WORK/wrapcfg.orig" || fail "the wrapper's config not restored"
	[ ! -e "$BPFREAPER_STATE_DIR/configured-docker.json" ] || fail "unconfigure left its record"
	docker_default_is rec
	: >"$rec.log"
	dk run --rm --network none --cgroup-parent "/$CG_PARENT" "$img" sh -c : >"$WORK/dcfg2.out" 2>&1 ||
		fail "docker run after unconfigure: $(cat "$WORK/dcfg2.out")"
	grep -q -- "^--debug .* create " "$rec.log" || fail "after unconfigure rec did not run: $(cat "$rec.log")"
	dk rmi "$img" >/dev/null 2>&1 || true
	rm -rf "$BPFREAPER_STATE_DIR"
	unset BPFREAPER_CONFIG BPFREAPER_STATE_DIR
}

# ---------------------------------------------------------------------------
# bpfreaperctl configure/unconfigure --runtime=containerd against a private
# containerd (1.6, Debian 12's; 1.7 and 2.x, Debian's later packages that
# tests/tools/containerd-versions fetches) with its CRI plugin on: a config
# that already chains a recording runtime through runc's BinaryName, sets
# SystemdCgroup, another runtime with an inline table and another plugin's
# setting.

# ctrd_series SERIES: containerd SERIES (1.6, 1.7 or 2) is the one on the
# PATH from here on, with its ctr and its shim (the daemon finds its shim on
# its PATH). 1.6 is the installed one; the others are skipped, with the
# tool's reason, where they cannot be had (no network, the archive moved on).
ctrd_series() {
	local bin rc=0
	need_tool containerd ctr
	if [ "$1" != 1.6 ]; then
		bin=$("$ROOT/tests/tools/containerd-versions" "$1" 2>"$WORK/ctrd-versions.err") || rc=$?
		[ "$rc" != 77 ] || skip "$(cat "$WORK/ctrd-versions.err")"
		[ "$rc" = 0 ] || fail "tests/tools/containerd-versions $1: $rc: $(cat "$WORK/ctrd-versions.err")"
		PATH=$(dirname "$bin"):$PATH
		export PATH
	fi
	containerd --version | grep -q " v\?$1\." || fail "containerd $1 wanted, got: $(containerd --version)"
}

# ctrd_cri VERSION: the CRI plugin's table that holds the runtimes, as a
# config of that version names it.
ctrd_cri() {
	if [ "$1" = 3 ]; then echo 'plugins."io.containerd.cri.v1.runtime"'; else echo 'plugins."io.containerd.grpc.v1.cri"'; fi
}

# ctrd_binary_name CONFIG: runc's BinaryName in CRI, as containerd reads it
# (1.x's dump quotes "so", 2.x's 'so').
ctrd_binary_name() {
	containerd --config "$1" config dump |
		awk '/^ *\[plugins.["\047]io.containerd.(grpc.v1.cri|cri.v1.runtime)["\047].containerd.runtimes.runc.options\]/ { o = 1; next }
			/^ *\[/ { o = 0 } o && $1 == "BinaryName" { gsub(/["\047]/, "", $3); print $3 }'
}

# ctrd_configure SERIES VERSION: the whole round (configure, a container
# through the wrapper into the chained runtime, unconfigure) with containerd
# SERIES and a config.toml of config VERSION.
ctrd_configure() {
	local series=$1 version=$2 cri cri_rest q="[\"']"
	local c=$WORK/ctrd cfg=$WORK/ctrd/config.toml ns=$E2E_PREFIX-ctr id=$E2E_PREFIX-ccfg rec=$WORK/wrap/rec-runtime
	local out binary rc=0
	wrap_setup
	trap daemons_down EXIT
	rm -rf "$c" "$WORK/cfgstate"
	ctrd_series "$series"
	cri=$(ctrd_cri "$version")
	# Version 3 moved the sandbox image to another plugin.
	if [ "$version" = 3 ]; then
		cri_rest=$(printf '[plugins."io.containerd.grpc.v1.cri"]\n  disable_tcp_service = true\n%s\n  sandbox = %s' \
			'[plugins."io.containerd.cri.v1.images".pinned_images]' '"example.com/pause:9"')
	else
		cri_rest=$(printf '  disable_tcp_service = true\n  sandbox_image = "example.com/pause:9"')
	fi
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>%s.log\nexec runc "$@"\n' "$rec" >"$rec"
	chmod +x "$rec"
	mkdir -p "$c/cni" "$c/cnibin"
	# Dotted keys, an inline table, tables out of order: containerd reads
	# them all, and so must configure (through containerd config dump).
	# NRI (on by default in 2.x) would listen on the host's shared socket.
	cat >"$cfg" <<-EOF
	version = $version
	root = "$c/root"
	state = "$c/state"
	disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.nri.v1.nri"]
	[grpc]
	  address = "$c/sock"
	[ttrpc]
	  address = "$c/ttrpc.sock"
	[plugins."io.containerd.gc.v1.scheduler"]
	  pause_threshold = 0.03
	[$cri.containerd.runtimes.runc.options]
	  BinaryName = "$rec"
	  SystemdCgroup = true
	[$cri]
	  cni.conf_dir = "$c/cni"
	  cni.bin_dir = "$c/cnibin"
	$cri_rest
	[$cri.containerd.runtimes.runc]
	  runtime_type = "io.containerd.runc.v2"
	[$cri.containerd.runtimes.gvisor]
	  runtime_type = "io.containerd.runsc.v1"
	  options = { TypeUrl = "io.containerd.runsc.v1.options", ConfigPath = "/etc/gvisor.toml" }
	EOF
	cp "$cfg" "$WORK/ctrd-config.orig"
	cp "$WORK/wrap/config.json" "$WORK/wrapcfg.orig"
	containerd --config "$cfg" config dump >"$WORK/dump.orig" || fail "config dump of the test's config failed"
	export BPFREAPER_CONFIG=$WORK/wrap/config.json BPFREAPER_STATE_DIR=$WORK/cfgstate
	ctrd_run "$c"

	# --dry-run writes nothing
	out=$("$BIN/bpfreaperctl" configure --runtime=containerd --config="$cfg" --dry-run) ||
		fail "configure --dry-run: $out"
	grep -q "conf.d/bpfreaper.toml: would be written" <<<"$out" || fail "configure --dry-run said: $out"
	cmp -s "$cfg" "$WORK/ctrd-config.orig" || fail "--dry-run changed config.toml"
	cmp -s "$WORK/wrap/config.json" "$WORK/wrapcfg.orig" || fail "--dry-run changed the wrapper's config"
	[ ! -e "$c/conf.d" ] || fail "--dry-run wrote $(ls -R "$c/conf.d")"
	[ ! -e "$BPFREAPER_STATE_DIR" ] || fail "--dry-run wrote $(ls -R "$BPFREAPER_STATE_DIR")"

	"$BIN/bpfreaperctl" configure --runtime=containerd --config="$cfg" >"$WORK/configure.out" 2>&1 ||
		fail "configure: $(cat "$WORK/configure.out")"
	grep -q "systemctl restart containerd" "$WORK/configure.out" ||
		fail "configure does not say how to apply it: $(cat "$WORK/configure.out")"
	binary=$(ctrd_binary_name "$cfg")
	assert_eq "runc's BinaryName" "$binary" "$WRAP"
	assert_eq "chained runtime" "$(jq -r .runtime "$WORK/wrap/config.json")" "$rec"
	cmp -s "$cfg.bpfreaper-backup" "$WORK/ctrd-config.orig" || fail "no exact backup of config.toml"
	# Everything else containerd runs is as it was: the dumps differ in
	# runc's BinaryName and pod_annotations and in the list of files read.
	containerd --config "$cfg" config dump >"$WORK/dump.configured"
	diff "$WORK/dump.orig" "$WORK/dump.configured" | grep '^[<>]' | grep -v -e '^[<>] imports = ' \
		-e "^< *BinaryName = $q$rec$q\$" -e "^> *BinaryName = $q$WRAP$q\$" \
		-e '^< *pod_annotations = \[\]$' -e "^> *pod_annotations = \\[${q}io.bpfreaper.\\*$q\\]\$" >"$WORK/dump.diff" || true
	[ ! -s "$WORK/dump.diff" ] || fail "configure changed more than runc's BinaryName and pod_annotations: $(cat "$WORK/dump.diff")"
	grep -q '^ *SystemdCgroup = true$' "$WORK/dump.configured" || fail "SystemdCgroup lost"
	grep -q "^ *ConfigPath = $q/etc/gvisor.toml$q\$" "$WORK/dump.configured" || fail "gvisor's options lost"
	grep -q "^ *sandbox\(_image\)\? = ${q}example.com/pause:9$q\$" "$WORK/dump.configured" || fail "the sandbox image lost"

	# twice: nothing changes
	cp "$cfg" "$WORK/ctrd-config.configured"
	cp "$c/conf.d/bpfreaper.toml" "$WORK/dropin.configured"
	out=$("$BIN/bpfreaperctl" --json configure --runtime=containerd --config="$cfg") || fail "configure again: $out"
	assert_eq "second configure changed" "$(jq .changed <<<"$out")" false
	cmp -s "$cfg" "$WORK/ctrd-config.configured" || fail "the second configure changed config.toml"
	cmp -s "$c/conf.d/bpfreaper.toml" "$WORK/dropin.configured" || fail "the second configure changed the drop-in"

	# containerd applies it when it starts again. ctr does not use the CRI
	# plugin's runtimes (there is no crictl here): it is given the
	# BinaryName containerd read back, and the CRI plugin's own log line
	# shows the restarted containerd loaded it.
	daemon_stop "$c"
	ctrd_run "$c"
	# 1.x logs the CRI config as a Go value, 2.x as escaped JSON.
	grep -q -e "Runtimes:map\[.*runc:{[^}]*BinaryName:$WRAP " -e '\\"runc\\":{[^}]*\\"BinaryName\\":\\"'"$WRAP"'\\"' "$c/log" ||
		fail "the restarted containerd's CRI plugin does not run the wrapper: $(grep -i 'start.* cri plugin' "$c/log")"
	mkdir -p "$c/fifo"
	timeout 60 ctr -a "$c/sock" -n "$ns" run --rm --fifo-dir "$c/fifo" --runc-binary "$binary" --privileged \
		--cgroup "/$CG_PARENT/$id" --mount type=bind,src=/sys/fs/bpf,dst=/sys/fs/bpf,options=rbind:rw \
		--rootfs "$WORK/rootfs" "$id" /bin/sh -c "bpfleak map /sys/fs/bpf/$E2E_PREFIX-ccfg" \
		>"$WORK/ccfg.out" 2>"$WORK/ccfg.err" </dev/null || rc=$?
	[ "$rc" = 0 ] || fail "ctr run: $rc: $(cat "$WORK/ccfg.err" "$WORK/wrap/log")"
	assert_absent "$P-ccfg"
	assert_freed map "$(ids_of ccfg map)"
	grep -q "hooks added" "$WORK/wrap/log" || fail "the wrapper added no hooks: $(cat "$WORK/wrap/log")"
	grep -q " create .*$id" "$rec.log" || fail "the chained runtime did not create $id: $(cat "$rec.log")"

	# unconfigure: containerd reads what it read before
	"$BIN/bpfreaperctl" unconfigure --runtime=containerd >"$WORK/unconfigure.out" 2>&1 ||
		fail "unconfigure: $(cat "$WORK/unconfigure.out")"
	containerd --config "$cfg" config dump >"$WORK/dump.after" || fail "config dump after unconfigure failed"
	cmp -s "$WORK/dump.orig" "$WORK/dump.after" ||
		fail "config dump after unconfigure: $(diff "$WORK/dump.orig" "$WORK/dump.after")"
	cmp -s "$cfg" "$WORK/ctrd-config.orig" || fail "config.toml not restored: $(diff "$WORK/ctrd-config.orig" "$cfg")"
	[ ! -e "$c/conf.d/bpfreaper.toml" ] || fail "unconfigure left the drop-in"
	assert_eq "wrapper's runtime after unconfigure" "$(jq -r .runtime "$WORK/wrap/config.json")" null
	[ ! -e "$BPFREAPER_STATE_DIR/configured-containerd.json" ] || fail "unconfigure left its record"
	daemons_down
	rm -rf "$BPFREAPER_STATE_DIR"
	unset BPFREAPER_CONFIG BPFREAPER_STATE_DIR
}

test_containerd_configure() {
	ctrd_configure 1.6 2
}

# Debian trixie's 1.7: replaces a plugin's whole section with an import's,
# as 1.6 does.
test_containerd_1_7_configure() {
	ctrd_configure 1.7 2
}

# Debian sid's 2.x, config version 3: merges an import key by key, prints
# version 3 and 'quoted' strings.
test_containerd_2_configure() {
	ctrd_configure 2 3
}

# 2.x with a version 2 config.toml, which it migrates as it reads: the
# drop-in must be version 2 too (a version 3 one drops the file's settings).
test_containerd_2_configure_version_2_config() {
	ctrd_configure 2 2
}
