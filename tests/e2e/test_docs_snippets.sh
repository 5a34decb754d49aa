# shellcheck shell=bash
# The shell snippets of docs/install.md (podman, CRI-O, Docker) and of
# oci-config/README.md, extracted and run as a reader would paste them: with
# the built bpfreaperctl, in a mount namespace of their own where /etc,
# /usr/share/containers and /var/lib are overlays over the host's (the
# host's files are read, never written) and /run is empty (no daemon of the
# host's is signalled). systemctl and podman are stand-ins that record their
# arguments. Then what each snippet promises is checked.

# snippets FILE HEADING: the ```sh blocks of FILE's section HEADING (a
# markdown heading line, up to the next heading), one file each,
# $WORK/snip/N.sh; prints their count.
snippets() {
	rm -rf "$WORK/snip"
	mkdir -p "$WORK/snip"
	awk -v head="$2" -v out="$WORK/snip" '
		!inblock && /^#+ / { in_sec = ($0 == head) }
		in_sec && /^```sh$/ { n++; file = out "/" n ".sh"; inblock = 1; next }
		inblock && /^```$/ { inblock = 0; close(file); next }
		inblock { print > file }
		END { print n + 0 }' "$1"
}

# snip_setup: a fresh overlay state and the stand-ins.
snip_setup() {
	need_tool unshare
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
	grep -qw overlay /proc/filesystems || skip "this kernel has no overlayfs: the snippets would write the host's /etc"
	rm -rf "$WORK/snip-ov" "$WORK/snip-bin" "$WORK/snip-calls"
	mkdir -p "$WORK/snip-ov" "$WORK/snip-bin"
	for t in systemctl podman; do
		printf '#!/bin/sh\necho "%s $*" >>%s\n' "$t" "$WORK/snip-calls" >"$WORK/snip-bin/$t"
		chmod 0755 "$WORK/snip-bin/$t"
	done
	: >"$WORK/snip-calls"
}

# snip_ns CMD...: CMD in the namespace (the overlays keep their content
# from one call to the next).
snip_ns() {
	unshare -m --propagation private sh -c '
		set -e
		ov=$1
		shift
		for d in /etc /usr/share/containers /var/lib; do
			n=$ov/$(echo "$d" | tr / _)
			mkdir -p "$n/upper" "$n/work"
			mount -t overlay overlay -o "lowerdir=$d,upperdir=$n/upper,workdir=$n/work" "$d"
		done
		mount -t tmpfs tmpfs /run
		exec "$@"' sh "$WORK/snip-ov" env PATH="$WORK/snip-bin:$BIN:/usr/sbin:/usr/bin:/sbin:/bin" \
		BPFREAPER_STATE_DIR=/var/lib/bpfreaper BPFREAPER_CONFIG=/etc/bpfreaper/bpfreaper.json "$@"
}

# snip_run N: snippet N, as sh -e runs a pasted block.
snip_run() {
	snip_ns sh -e "$WORK/snip/$1.sh" >"$WORK/snip.out" 2>&1 ||
		fail "snippet $1 failed: $(cat "$WORK/snip/$1.sh") -> $(cat "$WORK/snip.out")"
}

# The host's files stay as they were whatever the snippets did.
snip_host_untouched() {
	assert_absent /etc/containers/oci/hooks.d/bpfreaper-prestart.json
	assert_absent /etc/crio/crio.conf.d/99-bpfreaper.conf
	assert_absent /var/lib/bpfreaper/configured-podman.json
	assert_absent /var/lib/bpfreaper/configured-crio.json
	assert_absent /var/lib/bpfreaper/configured-containerd.json
	assert_absent /etc/containerd/conf.d/bpfreaper.toml
}

test_docs_podman_snippets() {
	assert_eq "podman snippets" "$(snippets "$ROOT/docs/install.md" "### podman")" 1
	snip_setup
	snip_run 1
	snip_ns jq -e '.hook.path == "/usr/libexec/oci/hooks.d/bpfreaper-prestart" and .when.always' \
		/etc/containers/oci/hooks.d/bpfreaper-prestart.json >/dev/null || fail "no prestart hooks.d file: $(cat "$WORK/snip.out")"
	snip_ns test -e /var/lib/bpfreaper/configured-podman.json || fail "no record"
	grep -q "^podman run --annotation io.bpfreaper.mode=enforce" "$WORK/snip-calls" || fail "podman: $(cat "$WORK/snip-calls")"
	# The unconfigure the text names removes them.
	snip_ns bpfreaperctl unconfigure --runtime=podman >/dev/null || fail "unconfigure"
	! snip_ns test -e /etc/containers/oci/hooks.d/bpfreaper-prestart.json || fail "hooks.d file left"
	snip_host_untouched
}

test_docs_crio_snippets() {
	assert_eq "CRI-O snippets" "$(snippets "$ROOT/docs/install.md" "### Kubernetes with CRI-O")" 1
	snip_setup
	# A node whose CRI-O config names a hooks directory of its own.
	snip_ns sh -c 'mkdir -p /etc/crio/crio.conf.d && printf "[crio.runtime]\nhooks_dir = [\"/opt/site-hooks\"]\n" \
		>/etc/crio/crio.conf.d/10-site.conf'
	snip_run 1
	assert_eq "CRI-O's hooks_dir" "$(snip_ns grep '^  "' /etc/crio/crio.conf.d/99-bpfreaper.conf | tr -d ' ",' | paste -sd' ')" \
		"/opt/site-hooks /etc/containers/oci/hooks.d"
	snip_ns test -e /etc/containers/oci/hooks.d/bpfreaper-poststop.json || fail "no poststop hooks.d file"
	grep -q "^systemctl restart crio" "$WORK/snip-calls" || fail "systemctl: $(cat "$WORK/snip-calls")"
	snip_ns bpfreaperctl unconfigure --runtime=crio >/dev/null || fail "unconfigure"
	! snip_ns test -e /etc/crio/crio.conf.d/99-bpfreaper.conf || fail "drop-in left"
	snip_host_untouched
}

test_docs_docker_snippets() {
	assert_eq "Docker snippets" "$(snippets "$ROOT/docs/install.md" '### Docker')" 2
	snip_setup
	# The node's daemon.json, with keys of its own: merged into, not replaced.
	snip_ns sh -c 'mkdir -p /etc/docker && printf "{\n  \"log-driver\": \"journald\"\n}\n" >/etc/docker/daemon.json &&
		rm -f /etc/bpfreaper/bpfreaper.json /var/lib/bpfreaper/configured-docker.json'
	snip_ns cat /etc/docker/daemon.json >"$WORK/snip-daemon.orig"
	snip_run 1
	grep -q '"default-runtime": "bpfreaper"' "$WORK/snip.out" || fail "--dry-run printed no file: $(cat "$WORK/snip.out")"
	assert_eq "daemon.json" "$(snip_ns jq -c '[."log-driver", ."default-runtime", .runtimes.bpfreaper.path]' /etc/docker/daemon.json)" \
		"[\"journald\",\"bpfreaper\",\"$BIN/bpfreaper-runtime\"]"
	snip_run 2
	snip_ns cat /etc/docker/daemon.json | cmp -s - "$WORK/snip-daemon.orig" ||
		fail "daemon.json after unconfigure: $(snip_ns cat /etc/docker/daemon.json)"
	snip_host_untouched
}

# containerd: configure against the node's config.toml (the host's, in the
# overlay), read by the host's containerd 1.6; the restart is the stand-in's.
test_docs_containerd_snippets() {
	need_tool containerd
	assert_eq "containerd snippets" "$(snippets "$ROOT/docs/install.md" '### containerd (Kubernetes CRI)')" 2
	snip_setup
	snip_ns sh -c 'mkdir -p /etc/containerd && { [ -e /etc/containerd/config.toml ] || printf "version = 2\n" >/etc/containerd/config.toml; } &&
		rm -rf /etc/bpfreaper/bpfreaper.json /var/lib/bpfreaper/configured-containerd.json /etc/containerd/conf.d'
	snip_ns cat /etc/containerd/config.toml >"$WORK/snip-ctd.orig"
	snip_run 1
	grep -q "BinaryName = \"$BIN/bpfreaper-runtime\"" "$WORK/snip.out" || fail "--dry-run printed no drop-in: $(cat "$WORK/snip.out")"
	snip_ns containerd --config /etc/containerd/config.toml config dump >"$WORK/snip-ctd.dump" || fail "config dump"
	grep -q "BinaryName = \"$BIN/bpfreaper-runtime\"" "$WORK/snip-ctd.dump" ||
		fail "containerd does not run the wrapper: $(cat "$WORK/snip-ctd.dump")"
	grep -qx "systemctl restart containerd" "$WORK/snip-calls" || fail "systemctl: $(cat "$WORK/snip-calls")"
	snip_run 2
	snip_ns cat /etc/containerd/config.toml | cmp -s - "$WORK/snip-ctd.orig" ||
		fail "config.toml after unconfigure: $(snip_ns cat /etc/containerd/config.toml)"
	! snip_ns test -e /etc/containerd/conf.d/bpfreaper.toml || fail "drop-in left"
	assert_eq "restarts" "$(grep -c "restart containerd" "$WORK/snip-calls")" 2
	snip_host_untouched
}

# The jq snippet appends bpfreaper's hooks to those a bundle has.
test_docs_oci_config_jq_snippet() {
	local b=$WORK/snip-bundle
	need_tool jq
	assert_eq "oci-config snippets" "$(snippets "$ROOT/oci-config/README.md" "# Hook configuration for each runtime")" 1
	rm -rf "$b"
	mkdir -p "$b/oci-config"
	cp "$ROOT/oci-config/hooks-prestart.json" "$b/oci-config/"
	echo '{"ociVersion": "1.0.2", "hooks": {"prestart": [{"path": "/usr/bin/other-hook"}]}}' >"$b/config.json"
	(cd "$b" && sh -e "$WORK/snip/1.sh") >"$WORK/snip.out" 2>&1 || fail "jq snippet: $(cat "$WORK/snip.out")"
	assert_eq "prestart hooks" "$(jq -c '[.hooks.prestart[].path]' "$b/config.json")" \
		'["/usr/bin/other-hook","/usr/libexec/oci/hooks.d/bpfreaper-prestart"]'
	assert_eq "poststop hooks" "$(jq -c '[.hooks.poststop[].path]' "$b/config.json")" \
		'["/usr/libexec/oci/hooks.d/bpfreaper-poststop"]'
}
