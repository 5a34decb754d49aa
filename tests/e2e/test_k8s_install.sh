# shellcheck shell=bash
# The Kubernetes node installer (deploy/kubernetes/install.sh) against a fake
# node root under $WORK: what it installs, that re-running it changes
# nothing, that uninstall removes exactly what it made and keeps what it did
# not make or what an operator changed; the hooks.d files it writes run
# under a real podman; doctor reads what it wired; the DaemonSet parses.

K8S_INSTALL=$ROOT/deploy/kubernetes/install.sh

# k8s_src: the image's layout (bin/, hooks.d/, hooks.d-opt-in/) in
# $WORK/k8s-src, with the built binaries and a stand-in bpfreaper-runtime.
k8s_src() {
	local s=$WORK/k8s-src
	rm -rf "$s"
	mkdir -p "$s/bin"
	cp "$BIN/bpfreaper-prestart" "$BIN/bpfreaper-poststop" "$BIN/bpfreaperctl" "$s/bin/"
	if [ -x "$BIN/bpfreaper-runtime" ]; then
		cp "$BIN/bpfreaper-runtime" "$s/bin/"
	else
		printf '#!/bin/sh\nexec runc "$@"\n' >"$s/bin/bpfreaper-runtime"
		chmod 0755 "$s/bin/bpfreaper-runtime"
	fi
	cp -r "$ROOT/oci-config/hooks.d" "$ROOT/oci-config/hooks.d-opt-in" "$s/"
}

# k8s_containerd NODE [BINARY]: a containerd (BINARY, else the host's 1.6)
# and the libraries it links, in NODE's /usr/bin: configure asks the node's
# own containerd, chrooted there, for the effective config, as it does on a
# real node.
k8s_containerd() {
	local lib bin=${2:-/usr/bin/containerd}
	mkdir -p "$1/usr/bin"
	cp "$bin" "$1/usr/bin/containerd"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$1$(dirname "$lib")"
		cp "$lib" "$1$lib"
	done
}

# k8s_node: a fake node root at $WORK/node with a containerd config
# importing conf.d (with a setting of its own), a real containerd, CRI-O
# and podman binaries (stand-ins), another tool's hooks.d file, and /opt.
k8s_node() {
	local n=$WORK/node
	rm -rf "$n"
	mkdir -p "$n/etc/containerd" "$n/usr/share/containers/oci/hooks.d" "$n/opt" "$n/usr/bin"
	cat >"$n/etc/containerd/config.toml" <<-'EOF'
	version = 2
	imports = ["/etc/containerd/conf.d/*.toml"]
	[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
	  SystemdCgroup = true
	EOF
	echo '{"version": "1.0.0", "hook": {"path": "/usr/libexec/oci/hooks.d/oci-seccomp-bpf-hook"}, "when": {"always": true}, "stages": ["prestart"]}' \
		>"$n/usr/share/containers/oci/hooks.d/other-tool.json"
	k8s_containerd "$n"
	printf '#!/bin/sh\n' >"$n/usr/bin/podman"
	printf '#!/bin/sh\n' >"$n/usr/bin/crio"
	chmod 0755 "$n/usr/bin/podman" "$n/usr/bin/crio"
}

# k8s_run ACTION: the installer on the fake node, output in $WORK/k8s.out.
k8s_run() {
	BPFREAPER_SRC=$WORK/k8s-src BPFREAPER_SKIP_LOAD=1 \
		sh "$K8S_INSTALL" "$1" "$WORK/node" >"$WORK/k8s.out" 2>&1 || fail "install.sh $1: $(cat "$WORK/k8s.out")"
}

# k8s_snapshot: every path under the fake node with its type and mode, and
# for a file its size, mtime and checksum, one per line.
k8s_snapshot() {
	(cd "$WORK/node" && find . -printf '%p %y %m\n' | sort | while read -r p rest; do
		if [ -f "$p" ]; then echo "$p $rest $(stat -c '%s %Y' "$p") $(sha256sum <"$p" | cut -d' ' -f1)"; else echo "$p $rest"; fi
	done)
}

test_k8s_installer_installs_reinstalls_and_uninstalls_exactly() {
	local before after1 after2 made listed manifest1 f d
	local LC_ALL=C # sort and comm agree on the order
	export LC_ALL
	k8s_src
	k8s_node
	before=$(k8s_snapshot)
	k8s_run install
	for f in bpfreaper-prestart bpfreaper-poststop bpfreaperctl bpfreaper-runtime; do
		cmp -s "$WORK/k8s-src/bin/$f" "$WORK/node/opt/bpfreaper/bin/$f" || fail "$f not copied"
		assert_eq "$f mode" "$(stat -c %a "$WORK/node/opt/bpfreaper/bin/$f")" 755
	done
	# hooks.d (by configure, in /etc: /usr may be read-only): the shipped
	# files, valid JSON, only the hook path changed.
	d=$WORK/node/etc/containers/oci/hooks.d
	for f in "$ROOT"/oci-config/hooks.d/*.json; do
		jq -e . "$d/$(basename "$f")" >/dev/null || fail "$(basename "$f") is not valid JSON"
		assert_eq "$(basename "$f") path" "$(jq -r .hook.path "$d/$(basename "$f")")" \
			"/opt/bpfreaper/bin/$(jq -r '.hook.path | split("/") | last' "$f")"
		assert_eq "$(basename "$f") rest" "$(jq -cS 'del(.hook.path)' "$d/$(basename "$f")")" "$(jq -cS 'del(.hook.path)' "$f")"
		assert_eq "$(basename "$f") mode" "$(stat -c %a "$d/$(basename "$f")")" 644
	done
	# containerd (by configure): a drop-in that names the wrapper for the
	# runc runtime, keeps the node's SystemdCgroup and passes pod
	# annotations on; the config imports conf.d already, so it is unchanged.
	python3 - "$WORK/node/etc/containerd/conf.d/bpfreaper.toml" <<-'EOF' || fail "drop-in: $(cat "$WORK/node/etc/containerd/conf.d/bpfreaper.toml")"
	import sys, tomllib
	c = tomllib.load(open(sys.argv[1], "rb"))
	rt = c["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["runc"]
	assert c["version"] == 2, c
	assert rt["options"]["BinaryName"] == "/opt/bpfreaper/bin/bpfreaper-runtime", rt
	assert rt["options"]["SystemdCgroup"] is True, rt
	assert "io.bpfreaper.*" in rt["pod_annotations"], rt
	EOF
	grep -q "restart containerd" "$WORK/k8s.out" || fail "no restart note: $(cat "$WORK/k8s.out")"
	# The manifest and configure's record list exactly the paths that
	# appeared.
	after1=$(k8s_snapshot)
	made=$(comm -13 <(echo "$before" | cut -d' ' -f1) <(echo "$after1" | cut -d' ' -f1) | sed 's|^\.||' | sort)
	listed=$( (awk '{ print $3 }' "$WORK/node/opt/bpfreaper/manifest"; echo /opt/bpfreaper/manifest
		echo /opt/bpfreaper/state/configured-crio.json
		jq -r '.files[].path' "$WORK/node/opt/bpfreaper/state/configured-crio.json"
		echo /opt/bpfreaper/state/configured-containerd.json
		jq -r .dropin "$WORK/node/opt/bpfreaper/state/configured-containerd.json") | sort)
	assert_eq "manifest" "$listed" "$made"
	! echo "$made" | grep -qx /opt || fail "/opt existed before and is listed as made"
	assert_eq "files there before, changed" "$(comm -23 <(echo "$before") <(echo "$after1"))" ""
	manifest1=$(sort "$WORK/node/opt/bpfreaper/manifest")
	# doctor reads what was wired, on that root.
	BPFREAPER_HOST_ROOT=$WORK/node "$BIN/bpfreaperctl" --json doctor >"$WORK/k8s-doctor.json" || true
	for f in containerd cri-o podman; do
		assert_eq "doctor $f" "$(jq -r --arg c "$f" '.[] | select(.check == $c) | .result' "$WORK/k8s-doctor.json")" pass
	done
	jq -r '.[] | select(.check == "containerd") | .detail' "$WORK/k8s-doctor.json" |
		grep -q "BinaryName /opt/bpfreaper/bin/bpfreaper-runtime" || fail "doctor: $(cat "$WORK/k8s-doctor.json")"
	# Again: nothing changes, nothing is written.
	k8s_run install
	after2=$(k8s_snapshot)
	# The manifest is written again, with the same lines.
	assert_eq "re-install changed" "$(diff <(echo "$after1" | grep -v '^./opt/bpfreaper/manifest ') <(echo "$after2" | grep -v '^./opt/bpfreaper/manifest '))" ""
	assert_eq "manifest again" "$(sort "$WORK/node/opt/bpfreaper/manifest" | md5sum)" "$(echo "$manifest1" | md5sum)"
	! grep -q "installed /" "$WORK/k8s.out" || fail "re-install wrote: $(cat "$WORK/k8s.out")"
	k8s_run uninstall
	assert_eq "after uninstall" "$(diff <(echo "$before") <(k8s_snapshot))" ""
	k8s_run uninstall
	grep -q "nothing to remove" "$WORK/k8s.out" || fail "second uninstall: $(cat "$WORK/k8s.out")"
}

test_k8s_installer_keeps_foreign_and_changed_files() {
	local foreign d=$WORK/node/usr/share/containers/oci/hooks.d dropin=$WORK/node/etc/containerd/conf.d/bpfreaper.toml
	k8s_src
	k8s_node
	# Another install's file of the same name (the Debian package's path).
	sed 's|/usr/libexec/oci/hooks.d|/usr/lib/elsewhere|' "$ROOT/oci-config/hooks.d/bpfreaper-prestart.json" \
		>"$d/bpfreaper-prestart.json"
	foreign=$(sha256sum <"$d/bpfreaper-prestart.json")
	k8s_run install
	assert_eq "foreign file" "$(sha256sum <"$d/bpfreaper-prestart.json")" "$foreign"
	# An operator changes a CRI setting in the drop-in (its header says
	# to, while it is imported); an upgrade brings a new poststop. configure
	# builds the drop-in from containerd's effective config: the setting
	# stays.
	sed -i 's|^\( *\)sandbox_image = .*|\1sandbox_image = "registry.example/pause:operator"|' "$dropin"
	grep -q 'pause:operator' "$dropin" || fail "no sandbox_image in the drop-in: $(cat "$dropin")"
	echo "# newer" >>"$WORK/k8s-src/bin/bpfreaper-poststop"
	k8s_run install
	grep -q 'sandbox_image = "registry.example/pause:operator"' "$dropin" ||
		fail "the operator's setting was lost: $(cat "$dropin")"
	cmp -s "$WORK/k8s-src/bin/bpfreaper-poststop" "$WORK/node/opt/bpfreaper/bin/bpfreaper-poststop" ||
		fail "the unchanged poststop was not upgraded"
	k8s_run uninstall
	# The drop-in is configure's, so it goes with the wiring; the node's
	# own config.toml is as it was.
	assert_absent "$WORK/node/etc/containerd/conf.d"
	assert_eq "foreign file" "$(sha256sum <"$d/bpfreaper-prestart.json")" "$foreign"
	assert_present "$d/other-tool.json"
	assert_absent "$d/bpfreaper-poststop.json"
	assert_absent "$WORK/node/opt/bpfreaper"
	assert_present "$WORK/node/opt"
	assert_eq "containerd config" "$(grep -c . "$WORK/node/etc/containerd/config.toml")" 4
	# A file of that name where configure writes: never overwritten; the
	# install fails (the pod is not Ready), its manifest still written so
	# that uninstall removes the binaries it did install.
	mkdir -p "$WORK/node/etc/containers/oci/hooks.d"
	cp "$d/bpfreaper-prestart.json" "$WORK/node/etc/containers/oci/hooks.d/"
	! BPFREAPER_SRC=$WORK/k8s-src BPFREAPER_SKIP_LOAD=1 BPFREAPER_WIRE=hooksd sh "$K8S_INSTALL" install "$WORK/node" \
		>"$WORK/k8s.out" 2>&1 || fail "install over a foreign hooks.d file succeeded: $(cat "$WORK/k8s.out")"
	grep -q "bpfreaper-prestart.json exists and bpfreaperctl configure did not write it" "$WORK/k8s.out" ||
		fail "install said: $(cat "$WORK/k8s.out")"
	cmp -s "$d/bpfreaper-prestart.json" "$WORK/node/etc/containers/oci/hooks.d/bpfreaper-prestart.json" ||
		fail "the foreign file was changed"
	k8s_run uninstall
	assert_absent "$WORK/node/opt/bpfreaper"
}

# A containerd configure refuses (pods run another CRI default runtime):
# the install fails, so the pod is not Ready, and leaves the node's
# containerd files as they were; uninstall still removes what it made.
test_k8s_installer_containerd_refused() {
	local before
	local LC_ALL=C
	export LC_ALL
	k8s_src
	k8s_node
	cat >>"$WORK/node/etc/containerd/config.toml" <<-'EOF'
	[plugins."io.containerd.grpc.v1.cri".containerd]
	  default_runtime_name = "kata"
	EOF
	before=$(k8s_snapshot)
	! BPFREAPER_SRC=$WORK/k8s-src BPFREAPER_SKIP_LOAD=1 sh "$K8S_INSTALL" install "$WORK/node" >"$WORK/k8s.out" 2>&1 ||
		fail "install with a kata default runtime succeeded: $(cat "$WORK/k8s.out")"
	grep -q 'default runtime is "kata", not runc' "$WORK/k8s.out" || fail "install said: $(cat "$WORK/k8s.out")"
	grep -q "not wired: configure --runtime=containerd" "$WORK/k8s.out" || fail "install said: $(cat "$WORK/k8s.out")"
	# Asked with --dry-run first: not even an empty conf.d is left.
	assert_eq "containerd files" "$(comm -3 <(echo "$before" | grep '^./etc/containerd') <(k8s_snapshot | grep '^./etc/containerd'))" ""
	k8s_run uninstall
	assert_eq "after uninstall" "$(diff <(echo "$before") <(k8s_snapshot))" ""
}

# A k3s node: its containerd's config.toml is generated from
# config.toml.tmpl at each start, so configure refuses it, and the install
# fails (the pod is not Ready) instead of leaving that containerd's
# containers unwatched; nothing under /var/lib/rancher is touched.
test_k8s_installer_k3s_refused() {
	local before k3s=/var/lib/rancher/k3s/agent/etc/containerd
	local LC_ALL=C
	export LC_ALL
	k8s_src
	k8s_node
	rm -rf "$WORK/node/etc/containerd" "$WORK/node/usr/bin/containerd"
	mkdir -p "$WORK/node$k3s"
	printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n' \
		>"$WORK/node$k3s/config.toml"
	printf '{{ template "base" . }}\n' >"$WORK/node$k3s/config.toml.tmpl"
	before=$(k8s_snapshot)
	! BPFREAPER_SRC=$WORK/k8s-src BPFREAPER_SKIP_LOAD=1 sh "$K8S_INSTALL" install "$WORK/node" >"$WORK/k8s.out" 2>&1 ||
		fail "install on a k3s node succeeded: $(cat "$WORK/k8s.out")"
	grep -q "$k3s/config.toml is generated by k3s from config.toml.tmpl" "$WORK/k8s.out" ||
		fail "install said: $(cat "$WORK/k8s.out")"
	grep -q "not wired: configure --runtime=containerd" "$WORK/k8s.out" || fail "install said: $(cat "$WORK/k8s.out")"
	assert_eq "k3s files" "$(comm -3 <(echo "$before" | grep '^./var/lib/rancher') <(k8s_snapshot | grep '^./var/lib/rancher'))" ""
	# By hand too, and a system containerd beside it is still wired with --config.
	"$BIN/bpfreaperctl" configure --runtime=containerd --root="$WORK/node" --dry-run \
		>"$WORK/k3s.out" 2>&1 && fail "configure on a k3s node succeeded: $(cat "$WORK/k3s.out")"
	grep -q "for a system containerd beside it, give --config" "$WORK/k3s.out" || fail "configure said: $(cat "$WORK/k3s.out")"
	k8s_run uninstall
	assert_eq "after uninstall" "$(diff <(echo "$before") <(k8s_snapshot))" ""
}

# The hooks.d files the installer writes, on this host, with a real podman
# reading them and the installer's own `bpfreaperctl load`: an enforce
# container's pin is removed, and uninstall leaves nothing.
test_k8s_installer_hooksd_runs_under_podman() {
	local home=$WORK/k8s-home h
	need_tool podman
	k8s_src
	rm -rf "$WORK/hooks.d" "$home"
	# The hooks' environment: podman's cleanup process runs poststop with
	# one of its own, and a test never writes to the host's /run/bpfreaper.
	BPFREAPER_SRC=$WORK/k8s-src BPFREAPER_HOME=$home BPFREAPER_HOOKSD_DIR=$WORK/hooks.d BPFREAPER_WIRE=hooksd \
		BPFREAPER_HOOK_ENV="BPFREAPER_RUN_DIR=$RUN_DIR PATH=/usr/sbin:/usr/bin:/sbin:/bin" \
		sh "$K8S_INSTALL" install / >"$WORK/k8s.out" 2>&1 || fail "install: $(cat "$WORK/k8s.out")"
	# No warning: `bpfreaperctl load` succeeded too. (Not the tracer's
	# directory: another run's unload may remove it right away.)
	! grep -q "warning" "$WORK/k8s.out" || fail "install warned: $(cat "$WORK/k8s.out")"
	assert_eq "hook path" "$(jq -r .hook.path "$WORK/hooks.d/bpfreaper-prestart.json")" "$home/bin/bpfreaper-prestart"
	# Checked before any container runs: hooks without this run's directory
	# would write into the host's shared /run/bpfreaper.
	for h in prestart poststop; do
		jq -e --arg e "BPFREAPER_RUN_DIR=$RUN_DIR" '.hook.env | index($e)' "$WORK/hooks.d/bpfreaper-$h.json" >/dev/null ||
			fail "the $h hook does not get this run's BPFREAPER_RUN_DIR: $(cat "$WORK/hooks.d/bpfreaper-$h.json")"
	done
	pm_run k8spm "bpfleak map /sys/fs/bpf/$E2E_PREFIX-k8spm" --annotation io.bpfreaper.mode=enforce ||
		fail "podman run: $(cat "$WORK/k8spm.err")"
	assert_absent "$P-k8spm"
	assert_freed map "$(ids_of k8spm map)"
	assert_eq "report mode" "$(jq -r .mode "$(pm_report k8spm)")" enforce
	BPFREAPER_HOME=$home BPFREAPER_HOOKSD_DIR=$WORK/hooks.d sh "$K8S_INSTALL" uninstall / >"$WORK/k8s.out" 2>&1 ||
		fail "uninstall: $(cat "$WORK/k8s.out")"
	assert_absent "$home"
	assert_absent "$WORK/hooks.d"
}

test_k8s_daemonset_and_image_files() {
	local ds=$ROOT/deploy/kubernetes/daemonset.yaml src
	# Every file the image copies exists in the tree.
	for src in $(awk '$1 == "COPY" && $2 !~ /^--from/ { print $2 }' "$ROOT/deploy/kubernetes/Dockerfile"); do
		[ "$src" = . ] || assert_present "$ROOT/$src"
	done
	need python3-yaml python3 -c 'import yaml'
	python3 - "$ds" "$WORK/k8s-configmap.json" <<-'EOF' || fail "daemonset.yaml"
	import sys, yaml
	docs = {d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1]))}
	assert set(docs) == {"ConfigMap", "DaemonSet"}, docs
	pod = docs["DaemonSet"]["spec"]["template"]["spec"]
	c = pod["containers"][0]
	assert c["securityContext"]["privileged"] is True
	# install.sh is PID 1 (it exits at SIGTERM), no shell around it.
	assert c["command"] == ["/bpfreaper/install.sh", "run", "/host"], c["command"]
	assert c["lifecycle"]["preStop"]["exec"]["command"][:2] == ["/bpfreaper/install.sh", "stop"]
	assert c["readinessProbe"]["exec"]["command"] == ["test", "-e", "/tmp/bpfreaper-ready"], c["readinessProbe"]
	assert pod["automountServiceAccountToken"] is False
	assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}, pod["nodeSelector"]
	vols = {v["name"]: v for v in pod["volumes"]}
	hostpaths = {n: v["hostPath"]["path"] for n, v in vols.items() if "hostPath" in v}
	mounts = {m["name"]: m for m in c["volumeMounts"]}
	assert set(hostpaths.values()) == {"/", "/run/bpfreaper", "/sys/fs/bpf", "/sys/fs/cgroup"}, vols
	assert all(n in vols for n in mounts), mounts
	run = [m for n, m in mounts.items() if hostpaths.get(n) == "/run/bpfreaper"][0]
	assert run["mountPath"] == "/run/bpfreaper" and run["mountPropagation"] == "Bidirectional", run
	root = [m for n, m in mounts.items() if hostpaths.get(n) == "/"][0]
	assert root["mountPath"] == "/host", root
	cm = [n for n, v in vols.items() if v.get("configMap", {}).get("name") == docs["ConfigMap"]["metadata"]["name"]]
	assert len(cm) == 1 and mounts[cm[0]]["mountPath"] == "/etc/bpfreaper-config", (cm, mounts)
	env = {e["name"]: e["value"] for e in c["env"]}
	assert env["BPFREAPER_HOST_ROOT"] == "/host" and env["BPFREAPER_UNINSTALL_ON_STOP"] == "false", env
	assert not env["BPFREAPER_HOME"].startswith("/usr/"), env
	open(sys.argv[2], "w").write(docs["ConfigMap"]["data"]["bpfreaper.json"])
	EOF
	# The config it ships is one the installer accepts.
	"$BIN/bpfreaperctl" config check "$WORK/k8s-configmap.json" || fail "the ConfigMap's bpfreaper.json is refused"
}

# doctor on this host: one line per container manager, a warning (never a
# failure) for one that is here but not wired.
test_doctor_lists_container_managers() {
	local out m r
	out=$("$BIN/bpfreaperctl" --json doctor) || true
	for m in docker containerd cri-o podman; do
		r=$(echo "$out" | jq -r --arg c "$m" '.[] | select(.check == $c) | .result')
		case $r in pass | warn | info) ;; *) fail "doctor $m: '$r' in $out" ;; esac
	done
	if command -v podman >/dev/null; then
		r=$(echo "$out" | jq -r '.[] | select(.check == "podman") | .result')
		[ "$r" != info ] || fail "podman is installed, doctor says: $(echo "$out" | jq -c '.[] | select(.check == "podman")')"
	fi
	"$BIN/bpfreaperctl" doctor | grep -E "^(docker|containerd|cri-o|podman) " | sed 's/^/    /' >&2
}

# k8s_ro_node [CONFIG_TOML]: a node root at $WORK/rnode with a read-only
# /usr (a read-only bind mount of its own usr, as on COS, Flatcar, Talos,
# Bottlerocket), a daemon.json with keys of its own, podman (a stand-in),
# containerd ($K8S_CONTAINERD, else the host's 1.6) and its config:
# CONFIG_TOML, else one that imports conf.d. The mount goes when the test's
# shell exits.
k8s_ro_node() {
	local n=$WORK/rnode
	rm -rf "$n"
	mkdir -p "$n/etc/docker" "$n/etc/containerd" "$n/usr/bin" "$n/usr/share/containers/oci/hooks.d" "$n/opt" "$n/var/lib"
	printf '{\n  "log-driver": "journald",\n  "registry-mirrors": ["https://mirror.example"]\n}\n' >"$n/etc/docker/daemon.json"
	printf '%s\n' "${1:-$(printf 'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]')}" >"$n/etc/containerd/config.toml"
	k8s_containerd "$n" "${K8S_CONTAINERD:-}"
	printf '#!/bin/sh\n' >"$n/usr/bin/podman"
	chmod 0755 "$n/usr/bin/podman"
	mount --bind "$n/usr" "$n/usr"
	# shellcheck disable=SC2064 # the path now
	trap "umount '$n/usr' 2>/dev/null || true" EXIT
	mount -o remount,ro,bind "$n/usr"
	! touch "$n/usr/probe" 2>/dev/null || fail "$n/usr is not read-only"
}

# k8s_ro_run ACTION [VAR=VALUE...]: the installer on $WORK/rnode; its exit
# status returned, output in $WORK/k8s.out.
k8s_ro_run() {
	local action=$1
	shift
	env BPFREAPER_SRC="$WORK/k8s-src" BPFREAPER_SKIP_LOAD=1 \
		BPFREAPER_CONFIG_SRC="$WORK/k8s-cm.json" "$@" sh "$K8S_INSTALL" "$action" "$WORK/rnode" >"$WORK/k8s.out" 2>&1
}

k8s_rsnapshot() {
	(cd "$WORK/rnode" && find . -printf '%p %y %m\n' | sort | while read -r p rest; do
		if [ -f "$p" ]; then echo "$p $rest $(sha256sum <"$p" | cut -d' ' -f1)"; else echo "$p $rest"; fi
	done)
}

test_k8s_installer_readonly_usr_docker_podman() {
	local n=$WORK/rnode before h
	k8s_src
	k8s_ro_node
	before=$(k8s_rsnapshot)
	# A ConfigMap config that config check refuses: nothing is installed.
	echo '{"mode": "sometimes"}' >"$WORK/k8s-cm.json"
	! k8s_ro_run install || fail "install with an invalid config succeeded: $(cat "$WORK/k8s.out")"
	grep -q "is not a valid bpfreaper.json: nothing installed" "$WORK/k8s.out" || fail "said: $(cat "$WORK/k8s.out")"
	assert_eq "node after a refused config" "$(diff <(echo "$before") <(k8s_rsnapshot))" ""
	# Binaries asked under the read-only /usr: refused before anything is made.
	echo '{"mode": "enforce"}' >"$WORK/k8s-cm.json"
	! k8s_ro_run install BPFREAPER_HOME=/usr/lib/bpfreaper || fail "install under a read-only /usr succeeded"
	grep -q "/usr is not writable on this node: set BPFREAPER_HOME" "$WORK/k8s.out" || fail "said: $(cat "$WORK/k8s.out")"
	assert_eq "node after a refused home" "$(diff <(echo "$before") <(k8s_rsnapshot))" ""

	k8s_ro_run install || fail "install: $(cat "$WORK/k8s.out")"
	for h in prestart poststop; do
		assert_eq "$h hook" "$(jq -r .hook.path "$n/etc/containers/oci/hooks.d/bpfreaper-$h.json")" \
			"/opt/bpfreaper/bin/bpfreaper-$h"
	done
	assert_eq "docker runtime" "$(jq -r .runtimes.bpfreaper.path "$n/etc/docker/daemon.json")" \
		/opt/bpfreaper/bin/bpfreaper-runtime
	assert_eq "docker's other keys" "$(jq -c '[."log-driver", ."registry-mirrors"]' "$n/etc/docker/daemon.json")" \
		'["journald",["https://mirror.example"]]'
	grep -q "reload: none: run .systemctl reload docker" "$WORK/k8s.out" || fail "no reload said: $(cat "$WORK/k8s.out")"
	cmp -s "$WORK/k8s-cm.json" "$n/etc/bpfreaper/bpfreaper.json" || fail "the ConfigMap's config is not installed"
	assert_present "$n/etc/containerd/conf.d/bpfreaper.toml"
	assert_eq "/usr" "$(diff <(echo "$before" | grep '^./usr') <(k8s_rsnapshot | grep '^./usr'))" ""

	k8s_ro_run uninstall || fail "uninstall: $(cat "$WORK/k8s.out")"
	# Every runtime unwired before a binary went.
	[ "$(grep -n "daemon.json: restored" "$WORK/k8s.out" | cut -d: -f1)" -lt \
		"$(grep -n "removed /opt/bpfreaper/bin/bpfreaper-runtime" "$WORK/k8s.out" | cut -d: -f1)" ] ||
		fail "the wrapper went before Docker was unconfigured: $(cat "$WORK/k8s.out")"
	# All gone, the configs as they were: but Docker's configure keeps the
	# daemon.json it found beside it (daemon.json.bpfreaper-backup).
	assert_eq "node after uninstall" "$(diff <(echo "$before") <(k8s_rsnapshot) | grep '^[<>]')" \
		"> ./etc/docker/daemon.json.bpfreaper-backup f 644 $(sha256sum <"$n/etc/docker/daemon.json" | cut -d' ' -f1)"
	umount "$n/usr"
}

# k8s_ro_containerd SERIES CONFIG_TOML: the installer on a node with a
# read-only /usr and containerd SERIES (1.6: the host's; 1.7, 2:
# tests/tools/containerd-versions) in its root, with CONFIG_TOML, which sets
# oom_score -999, the sandbox image registry.example/pause:3.9 and runc's
# SystemdCgroup. configure runs the node's own containerd chrooted there, so
# "config dump" reads the node's files and resolves absolute imports in
# the node. Install: a drop-in (and the import where CONFIG_TOML has none
# covering it), /usr untouched, the node's containerd then running the
# wrapper with every other setting kept. Uninstall, before the wrapper
# goes: the config byte for byte as it was, and containerd's effective
# config with it.
k8s_ro_containerd() {
	local series=$1 config=$2 n=$WORK/rnode before dump0 dump1 bin="" rc=0 imported=0
	if [ "$series" != 1.6 ]; then
		bin=$("$ROOT/tests/tools/containerd-versions" "$series" 2>"$WORK/ctrd-versions.err") || rc=$?
		[ "$rc" != 77 ] || skip "$(cat "$WORK/ctrd-versions.err")"
		[ "$rc" = 0 ] || fail "tests/tools/containerd-versions $series: $rc: $(cat "$WORK/ctrd-versions.err")"
	fi
	grep -q '^imports = \["/etc/containerd/conf.d/\*.toml"\]$' <<<"$config" && imported=1
	k8s_src
	K8S_CONTAINERD=$bin k8s_ro_node "$config"
	chroot "$n" /usr/bin/containerd --version | grep -q " v\?$series\." ||
		fail "containerd $series wanted in the node, got: $(chroot "$n" /usr/bin/containerd --version)"
	rm -f "$n/etc/docker/daemon.json"
	before=$(k8s_rsnapshot)
	dump0=$(chroot "$n" /usr/bin/containerd --config /etc/containerd/config.toml config dump) ||
		fail "containerd refuses the node's config"
	echo '{"mode": "enforce"}' >"$WORK/k8s-cm.json"
	k8s_ro_run install || fail "install: $(cat "$WORK/k8s.out")"
	grep -q "restart: none: run .systemctl restart containerd" "$WORK/k8s.out" || fail "said: $(cat "$WORK/k8s.out")"
	assert_eq "config.toml" "$(diff <(echo "$before" | grep '^./etc/containerd/config.toml ' | cut -d' ' -f1-3) \
		<(k8s_rsnapshot | grep '^./etc/containerd/config.toml ' | cut -d' ' -f1-3))" ""
	if [ $imported = 1 ]; then
		cmp -s <(printf '%s\n' "$config") "$n/etc/containerd/config.toml" ||
			fail "config.toml imports conf.d already and was changed: $(cat "$n/etc/containerd/config.toml")"
	else
		assert_eq "the import" "$(grep '^imports' "$n/etc/containerd/config.toml")" \
			'imports = ["/etc/containerd/conf.d/bpfreaper.toml"]'
	fi
	# What the node's containerd will run: the wrapper, with every other
	# setting of the node's.
	dump1=$(chroot "$n" /usr/bin/containerd --config /etc/containerd/config.toml config dump) ||
		fail "containerd refuses the wired config"
	python3 - <(echo "$dump0") <(echo "$dump1") <<-'EOF' || fail "dump after configure: $dump1"
	import sys, tomllib
	before, after = (tomllib.load(open(f, "rb")) for f in sys.argv[1:3])
	# 1.x's plugin names; 2.x prints version 3's whatever the file's version.
	if after["version"] == 3:
	    cri = after["plugins"]["io.containerd.cri.v1.runtime"]
	    sandbox = after["plugins"]["io.containerd.cri.v1.images"]["pinned_images"]["sandbox"]
	else:
	    cri = after["plugins"]["io.containerd.grpc.v1.cri"]
	    sandbox = cri["sandbox_image"]
	runc = cri["containerd"]["runtimes"]["runc"]
	assert runc["options"]["BinaryName"] == "/opt/bpfreaper/bin/bpfreaper-runtime", runc
	assert runc["options"]["SystemdCgroup"] is True, runc
	assert sandbox == "registry.example/pause:3.9", sandbox
	assert after["oom_score"] == -999, after
	# Nothing else changed: the same dump but for BinaryName, the
	# annotations and the import.
	brunc = (before["plugins"].get("io.containerd.cri.v1.runtime") or before["plugins"]["io.containerd.grpc.v1.cri"])["containerd"]["runtimes"]["runc"]
	for r in (runc, brunc):
	    r["options"].pop("BinaryName", None)
	    r["pod_annotations"] = [a for a in r.get("pod_annotations") or [] if a != "io.bpfreaper.*"]
	after.pop("imports", None); before.pop("imports", None)
	assert before == after, (before, after)
	EOF
	assert_eq "/usr" "$(diff <(echo "$before" | grep '^./usr') <(k8s_rsnapshot | grep '^./usr'))" ""
	# doctor asks the same containerd, and reads its dump ('quoted' in 2.x).
	BPFREAPER_HOST_ROOT=$n "$BIN/bpfreaperctl" --json doctor >"$WORK/k8s-doctor.json" || true
	jq -e '.[] | select(.check == "containerd") | select(.result == "pass")
		| select(.detail | contains("BinaryName /opt/bpfreaper/bin/bpfreaper-runtime"))' "$WORK/k8s-doctor.json" >/dev/null ||
		fail "doctor on the wired node: $(jq -c '.[] | select(.check == "containerd")' "$WORK/k8s-doctor.json")"

	k8s_ro_run uninstall || fail "uninstall: $(cat "$WORK/k8s.out")"
	[ "$(grep -n -e "config.toml: restored" -e "bpfreaper.toml: removed" "$WORK/k8s.out" | head -1 | cut -d: -f1)" -lt \
		"$(grep -n "removed /opt/bpfreaper/bin/bpfreaper-runtime" "$WORK/k8s.out" | cut -d: -f1)" ] ||
		fail "the wrapper went before containerd was unconfigured: $(cat "$WORK/k8s.out")"
	assert_eq "dump after uninstall" "$(chroot "$n" /usr/bin/containerd --config /etc/containerd/config.toml config dump)" "$dump0"
	# All gone, the config byte for byte as it was; configure keeps the
	# config.toml it found beside it when it changed it, as for Docker.
	if [ $imported = 1 ]; then
		assert_eq "node after uninstall" "$(diff <(echo "$before") <(k8s_rsnapshot) | grep '^[<>]')" ""
	else
		assert_eq "node after uninstall" "$(diff <(echo "$before") <(k8s_rsnapshot) | grep '^[<>]')" \
			"> ./etc/containerd/config.toml.bpfreaper-backup f 644 $(sha256sum <"$n/etc/containerd/config.toml" | cut -d' ' -f1)"
	fi
	umount "$n/usr"
}

# A config as 1.6 and 1.7 read it (version 2), importing nothing.
K8S_CONFIG_V2='version = 2
oom_score = -999
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.example/pause:3.9"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = true'

test_k8s_installer_readonly_usr_containerd_configure() {
	k8s_ro_containerd 1.6 "$K8S_CONFIG_V2"
}

test_k8s_installer_readonly_usr_containerd_1_7() {
	k8s_ro_containerd 1.7 "$K8S_CONFIG_V2"
}

# 2.x-style: version 3, the plugin names of 2.x ('quoted'), and conf.d
# imported already, as 2.x packages ship it.
test_k8s_installer_readonly_usr_containerd_2() {
	k8s_ro_containerd 2 "$(cat <<-'EOF'
	version = 3
	imports = ["/etc/containerd/conf.d/*.toml"]
	oom_score = -999
	[plugins.'io.containerd.cri.v1.images'.pinned_images]
	  sandbox = 'registry.example/pause:3.9'
	[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
	  SystemdCgroup = true
	EOF
	)"
}

# 2.x reading a version 2 config.toml (a node upgraded from 1.7).
test_k8s_installer_readonly_usr_containerd_2_version_2_config() {
	k8s_ro_containerd 2 "$K8S_CONFIG_V2"
}

# `run` is the pod's PID 1: Ready (the file) only once wired, and SIGTERM
# ends it within a second. In a PID namespace of its own, as in the pod: PID
# 1 gets no default action for SIGTERM.
test_k8s_installer_run_is_pid1_and_stops_at_sigterm() {
	local pid child ready=$WORK/k8s-ready
	k8s_src
	k8s_node
	rm -f "$ready"
	BPFREAPER_SRC=$WORK/k8s-src BPFREAPER_SKIP_LOAD=1 BPFREAPER_READY_FILE=$ready \
		unshare --pid --fork --kill-child sh "$K8S_INSTALL" run "$WORK/node" >"$WORK/k8s.out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -e "$ready" ] || sleep 0.1; done
	assert_present "$ready"
	assert_present "$WORK/node/etc/containers/oci/hooks.d/bpfreaper-prestart.json"
	child=$(pgrep -P "$pid" | head -1)
	[ -n "$child" ] || fail "no install.sh under unshare"
	assert_eq "install.sh's PID in its namespace" "$(awk '/^NSpid:/ { print $NF }' "/proc/$child/status")" 1
	kill -TERM "$child"
	for _ in $(seq 10); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		fail "install.sh run still runs 1 s after SIGTERM"
	fi
	wait "$pid" || fail "install.sh run exited $? at SIGTERM: $(cat "$WORK/k8s.out")"
	assert_absent "$ready"
	k8s_run uninstall
}
