# shellcheck shell=bash
# bpfreaperctl configure/unconfigure --runtime=podman|crio: the hooks.d files
# it writes drive a real podman (CRI-O reads the same files through the same
# library, so podman's --hooks-dir stands in for it), a second configure
# changes nothing, and unconfigure removes exactly what configure wrote.

# cfg_hooksd VERB ARGS...: bpfreaperctl VERB with the record under $WORK.
cfg_hooksd() {
	BPFREAPER_STATE_DIR=$WORK/cfg-state "$BIN/bpfreaperctl" "$@"
}

# The hooks' environment: podman gives them one of its own, and a test run
# must never write to the host's /run/bpfreaper.
cfg_env() {
	echo "--hook-env=BPFREAPER_RUN_DIR=$RUN_DIR" "--hook-env=PATH=/usr/sbin:/usr/bin:/sbin:/bin"
}

# cfg_enforced_run NAME: a podman container that pins a map, asked to be
# enforced; its pin must be gone after podman run --rm.
cfg_enforced_run() {
	pm_run "$1" "bpfleak map /sys/fs/bpf/$E2E_PREFIX-$1" --annotation io.bpfreaper.mode=enforce ||
		fail "podman run: $(cat "$WORK/$1.err")"
	assert_absent "$P-$1"
	assert_freed map "$(ids_of "$1" map)"
}

test_podman_configure() {
	local hd=$WORK/hooks.d out
	rm -rf "$hd" "$WORK/cfg-state"
	mkdir -p "$hd"
	# Another hook in the same directory: not configure's, never touched.
	echo '{"version": "1.0.0", "hook": {"path": "/bin/true"}, "when": {"always": true}, "stages": ["prestart"]}' \
		>"$hd/other.json"
	# shellcheck disable=SC2046 # two words
	cfg_hooksd configure --runtime=podman --config="$hd" --hook-bin="$BIN" $(cfg_env) --dry-run >"$WORK/cfg.out" ||
		fail "configure --dry-run: $(cat "$WORK/cfg.out")"
	assert_eq "files after --dry-run" "$(ls "$hd")" other.json
	assert_absent "$WORK/cfg-state/configured-podman.json"
	# shellcheck disable=SC2046
	cfg_hooksd configure --runtime=podman --config="$hd" --hook-bin="$BIN" $(cfg_env) >"$WORK/cfg.out" ||
		fail "configure: $(cat "$WORK/cfg.out")"
	assert_present "$hd/bpfreaper-prestart.json"
	assert_present "$WORK/cfg-state/configured-podman.json"
	cfg_enforced_run pcfg
	# shellcheck disable=SC2046
	out=$(cfg_hooksd --json configure --runtime=podman --config="$hd" --hook-bin="$BIN" $(cfg_env)) ||
		fail "configure again: $out"
	assert_eq "second configure changed" "$(jq -r .changed <<<"$out")" false
	out=$(cfg_hooksd --json unconfigure --runtime=podman) || fail "unconfigure: $out"
	assert_eq "unconfigure actions" "$(jq -r '[.files[].action] | join(",")' <<<"$out")" removed,removed
	assert_eq "files after unconfigure" "$(ls "$hd")" other.json
	assert_absent "$WORK/cfg-state/configured-podman.json"
	# Unwired: the same container's pin now stays.
	pm_run pcfg2 "bpfleak map /sys/fs/bpf/$E2E_PREFIX-pcfg2" --annotation io.bpfreaper.mode=enforce ||
		fail "podman run: $(cat "$WORK/pcfg2.err")"
	assert_present "$P-pcfg2"
	rm -f "$P-pcfg2" "$hd/other.json"
}

# CRI-O, on a node root of its own: the hook files go where its hooks_dir
# does not look yet, so a drop-in carries the site's list plus that one.
test_crio_configure() {
	local node=$WORK/cfg-node out
	rm -rf "$node" "$WORK/cfg-state" "$WORK/hooks.d"
	mkdir -p "$node/etc/crio/crio.conf.d"
	printf '[crio.runtime]\nhooks_dir = [\n  "/usr/share/containers/oci/hooks.d",\n  "/opt/site-hooks",\n]\n' \
		>"$node/etc/crio/crio.conf.d/10-site.conf"
	cp "$node/etc/crio/crio.conf.d/10-site.conf" "$WORK/cfg-site.orig"
	# shellcheck disable=SC2046
	cfg_hooksd configure --runtime=crio --root="$node" --hook-bin="$BIN" $(cfg_env) >"$WORK/cfg.out" ||
		fail "configure: $(cat "$WORK/cfg.out")"
	grep -q "restart CRI-O" "$WORK/cfg.out" || fail "no restart said: $(cat "$WORK/cfg.out")"
	assert_eq "CRI-O's hooks_dir" "$(grep '^  "' "$node/etc/crio/crio.conf.d/99-bpfreaper.conf" | tr -d ' ",' | paste -sd' ')" \
		"/usr/share/containers/oci/hooks.d /opt/site-hooks /etc/containers/oci/hooks.d"
	# The directory CRI-O now reads, as podman's --hooks-dir.
	ln -s "$node/etc/containers/oci/hooks.d" "$WORK/hooks.d"
	cfg_enforced_run ccfg
	out=$(cfg_hooksd --json unconfigure --runtime=crio) || fail "unconfigure: $out"
	assert_eq "unconfigure actions" "$(jq -r '[.files[].action] | join(",")' <<<"$out")" removed,removed,removed
	assert_eq "files left on the node" "$(cd "$node" && find . -type f | sort | paste -sd' ')" \
		"./etc/crio/crio.conf.d/10-site.conf"
	cmp -s "$WORK/cfg-site.orig" "$node/etc/crio/crio.conf.d/10-site.conf" || fail "10-site.conf changed"
	rm -f "$WORK/hooks.d"
}
