# shellcheck shell=bash
# The package's removal scripts (deb prerm, rpm %preun) undo every
# `bpfreaperctl configure` by its record, whatever the runtime, or refuse the
# removal with the command to run. Run from copies pointed at a state
# directory of the test's own (test_package.sh installs the real package and
# runs alone; this needs no package).

# pkgscript_copy KIND: the script, its state directory and tools redirected,
# into $WORK/pkgscript-KIND.
pkgscript_copy() {
	local out=$WORK/pkgscript-$1
	if [ "$1" = deb ]; then
		cp "$ROOT/packaging/debian/bpfreaper.prerm" "$out"
	else
		# The %preun body, its rpm macros expanded the way rpm does for
		# these lines (%% is %), run with $1 = 0 (removal, not upgrade).
		{
			echo 'set -- 0'
			sed -n '/^%preun$/,/^$/p' "$ROOT/packaging/rpm/bpfreaper.spec" | sed '1d;/^%systemd_preun/d;s/%%/%/g'
		} >"$out"
	fi
	# The tracer stays: it is this run's, and other tests use it.
	sed -i "s|/var/lib/bpfreaper|$WORK/pkgscript-state|g; s|bpfreaperctl unload|: unload|" "$out"
	grep -q "$WORK/pkgscript-state/configured-" "$out" || fail "$1 script: no record glob to redirect"
}

# pkgscript_wire: Docker, podman and containerd (a 1.6 config of its own
# that imports nothing; this host's containerd reads it) configured, with
# the records in $WORK/pkgscript-state.
pkgscript_wire() {
	local hd=$WORK/pkgscript-hooks.d ctd=$WORK/pkgscript-containerd
	rm -rf "$hd" "$ctd" "$WORK/pkgscript-state"
	mkdir -p "$hd" "$ctd"
	printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n' \
		>"$ctd/config.toml"
	cp "$ctd/config.toml" "$WORK/pkgscript-containerd.orig"
	printf '{\n\t"log-driver": "journald"\n}\n' >"$WORK/pkgscript-daemon.json"
	cp "$WORK/pkgscript-daemon.json" "$WORK/pkgscript-daemon.orig"
	BPFREAPER_STATE_DIR=$WORK/pkgscript-state BPFREAPER_CONFIG=$WORK/pkgscript-wrapper.json \
		"$BIN/bpfreaperctl" configure --runtime=docker --config="$WORK/pkgscript-daemon.json" \
		--restart-mode=none >/dev/null || fail "configure docker"
	BPFREAPER_STATE_DIR=$WORK/pkgscript-state "$BIN/bpfreaperctl" configure --runtime=podman --config="$hd" \
		--hook-bin=/usr/libexec/oci/hooks.d >/dev/null || fail "configure podman"
	BPFREAPER_STATE_DIR=$WORK/pkgscript-state BPFREAPER_CONFIG=$WORK/pkgscript-wrapper.json \
		"$BIN/bpfreaperctl" configure --runtime=containerd --config="$ctd/config.toml" >/dev/null ||
		fail "configure containerd"
	assert_present "$ctd/conf.d/bpfreaper.toml"
	assert_eq "records" "$(cd "$WORK/pkgscript-state" && ls | paste -sd' ')" \
		"configured-containerd.json configured-docker.json configured-podman.json"
}

pkgscript_check_removal() {
	local kind=$1 rc=0
	pkgscript_copy "$kind"
	pkgscript_wire
	PATH=$BIN:$PATH BPFREAPER_STATE_DIR=$WORK/pkgscript-state BPFREAPER_CONFIG=$WORK/pkgscript-wrapper.json \
		sh "$WORK/pkgscript-$kind" remove >"$WORK/pkgscript.log" 2>&1 || rc=$?
	assert_eq "$kind removal exit" "$rc" 0
	cmp -s "$WORK/pkgscript-daemon.json" "$WORK/pkgscript-daemon.orig" ||
		fail "daemon.json after the $kind removal: $(cat "$WORK/pkgscript-daemon.json")"
	assert_eq "hooks.d after the $kind removal" "$(ls "$WORK/pkgscript-hooks.d")" ""
	cmp -s "$WORK/pkgscript-containerd/config.toml" "$WORK/pkgscript-containerd.orig" ||
		fail "containerd's config.toml after the $kind removal: $(cat "$WORK/pkgscript-containerd/config.toml")"
	assert_absent "$WORK/pkgscript-containerd/conf.d/bpfreaper.toml"
	grep -q "systemctl restart containerd" "$WORK/pkgscript.log" || fail "$kind: no restart said: $(cat "$WORK/pkgscript.log")"
	assert_eq "records after the $kind removal" "$(ls "$WORK/pkgscript-state")" ""

	# A record unconfigure cannot read: the removal stops, saying how.
	pkgscript_wire
	echo garbage >"$WORK/pkgscript-state/configured-podman.json"
	rc=0
	PATH=$BIN:$PATH BPFREAPER_STATE_DIR=$WORK/pkgscript-state BPFREAPER_CONFIG=$WORK/pkgscript-wrapper.json \
		sh "$WORK/pkgscript-$kind" remove >"$WORK/pkgscript.log" 2>&1 || rc=$?
	assert_eq "$kind removal exit with a bad record" "$rc" 1
	grep -q "run 'bpfreaperctl unconfigure --runtime=podman'" "$WORK/pkgscript.log" ||
		fail "$kind: no command said: $(cat "$WORK/pkgscript.log")"
	rm -rf "$WORK/pkgscript-state" "$WORK/pkgscript-hooks.d" "$WORK"/pkgscript-daemon.* "$WORK/pkgscript-wrapper.json" \
		"$WORK"/pkgscript-containerd*
}

test_deb_prerm_unconfigures_every_runtime() {
	pkgscript_check_removal deb
}

test_rpm_preun_unconfigures_every_runtime() {
	pkgscript_check_removal rpm
}
