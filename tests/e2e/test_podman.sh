# shellcheck shell=bash
# podman with the shipped hooks.d files (oci-config/hooks.d, the format CRI-O
# reads too), pointed at the built hooks: prestart is run by the OCI runtime,
# poststop by podman's cleanup process, with no pid in the state.

# The shipped files apply to every container, in report mode by default.
test_hooksd_default_is_report() {
	local r
	install_hooksd
	pm_run pdef "bpfleak map /sys/fs/bpf/$E2E_PREFIX-pdef" || fail "podman run: $(cat "$WORK/pdef.err")"
	r=$(pm_report pdef)
	assert_present "$P-pdef"
	assert_alive map "$(ids_of pdef map)"
	assert_eq "mode" "$(jq -r .mode "$r")" report
	assert_eq "pins left" "$(jq -r '.left.pins[0].path' "$r")" "$P-pdef"
	assert_absent "$RUN_DIR/state/$(cat "$WORK/pdef.cid").json"
	rm -f "$P-pdef" "$r"
}

test_hooksd_annotation_enforce() {
	local r
	install_hooksd
	pm_run penf "mkdir -p /sys/fs/bpf/$E2E_PREFIX-penf/d && bpfleak map /sys/fs/bpf/$E2E_PREFIX-penf/d/m &&
		bpfleak prog /sys/fs/bpf/$E2E_PREFIX-penf-prog" \
		--annotation io.bpfreaper.mode=enforce || fail "podman run: $(cat "$WORK/penf.err")"
	r=$(pm_report penf)
	assert_absent "$P-penf"
	assert_absent "$P-penf-prog"
	assert_freed map "$(ids_of penf map)"
	assert_freed prog "$(ids_of penf prog)"
	assert_eq "cgroup" "$(jq -r .cgroup "$r")" "/$CG_PARENT/podman/libpod-$(cat "$WORK/penf.cid")"
	rm -f "$r"
}

test_hooksd_annotation_keep() {
	local r
	install_hooksd
	pm_run pkeep "bpfleak map /sys/fs/bpf/$E2E_PREFIX-pkeep-agent && bpfleak map /sys/fs/bpf/$E2E_PREFIX-pkeep-tmp" \
		--annotation io.bpfreaper.mode=enforce --annotation "io.bpfreaper.keep=$P-pkeep-agent" ||
		fail "podman run: $(cat "$WORK/pkeep.err")"
	r=$(pm_report pkeep)
	assert_present "$P-pkeep-agent"
	assert_absent "$P-pkeep-tmp"
	assert_eq "kept" "$(jq -r '.kept[0].rule' "$r")" "$P-pkeep-agent"
	rm -f "$P-pkeep-agent" "$r"
}

test_hooksd_annotation_off() {
	install_hooksd
	pm_run poff "bpfleak map /sys/fs/bpf/$E2E_PREFIX-poff" --annotation io.bpfreaper.mode=off ||
		fail "podman run: $(cat "$WORK/poff.err")"
	assert_present "$P-poff"
	assert_absent "$(pm_report poff)"
	rm -f "$P-poff"
}

# An invalid io.bpfreaper.* value is bpfreaper's trouble: the container runs
# unrecorded (logged, skipped entry); the hooks.d default is report mode.
test_hooksd_invalid_annotation_runs_unrecorded() {
	install_hooksd
	pm_run pbad "bpfleak map /sys/fs/bpf/$E2E_PREFIX-pbad && touch /sync/ran" --annotation io.bpfreaper.mode=yes ||
		fail "podman run: $(cat "$WORK/pbad.err")"
	assert_present "$WORK/sync/pbad/ran"
	assert_present "$P-pbad"
	skipped_has "$(cat "$WORK/pbad.cid")" "annotation io.bpfreaper.mode is not one of enforce, report, off" ||
		fail "no skipped entry: $(cat "$RUN_DIR/skipped" 2>/dev/null)"
	sed -i "/^[0-9]* $(cat "$WORK/pbad.cid") /d" "$RUN_DIR/skipped"
	rm -f "$P-pbad"
}

# The host config is broken in the three ways an operator breaks it: the
# container runs, unrecorded (an invalid config never removes anything, even
# when the container asks for enforce), the skipped list and doctor name the
# cause, and config check shows where.
test_hooksd_host_config_trouble_runs_unrecorded() {
	local cfg=$WORK/host-config.json what name want out rc before
	install_hooksd_config "$cfg"
	for what in syntax unknown logdir; do
		name=pcfg$what
		case $what in
		syntax) printf '{"mode": "report",}\n' >"$cfg"; want="not valid JSON at line 1, column 19" ;;
		unknown) printf '{"mode": "off",\n "moed": "enforce"}\n' >"$cfg"; want='unknown key "moed"' ;;
		logdir) jq -n --arg f "$WORK/no-such-dir/bpfreaper.log" '{mode: "enforce", log_file: $f}' >"$cfg"
			want="cannot open log_file $WORK/no-such-dir/bpfreaper.log" ;;
		esac
		before=$(skipped_total)
		pm_run "$name" "bpfleak map /sys/fs/bpf/$E2E_PREFIX-$name && touch /sync/ran" \
			--annotation io.bpfreaper.mode=enforce || fail "$what: podman run: $(cat "$WORK/$name.err")"
		assert_present "$WORK/sync/$name/ran"
		assert_present "$P-$name"
		assert_alive map "$(ids_of "$name" map)"
		skipped_has "$(cat "$WORK/$name.cid")" "$want" ||
			fail "$what: no skipped entry with '$want': $(cat "$RUN_DIR/skipped" 2>/dev/null)"
		assert_eq "$what: skipped counter" "$(skipped_total)" "$((before + 1))"
		out=$("$BIN/bpfreaperctl" doctor --config="$cfg" 2>&1) || true
		case $what in
		logdir) echo "$out" | grep -q "log_file *FAIL *$WORK/no-such-dir/bpfreaper.log: directory" ||
			fail "doctor: $out" ;;
		*) echo "$out" | grep -qF "$want" || fail "doctor: $out" ;;
		esac
		echo "$out" | grep -q "^skipped *warn .*last $(cat "$WORK/$name.cid"): .*$want" || fail "doctor: $out"
		sed -i "/^[0-9]* $(cat "$WORK/$name.cid") /d" "$RUN_DIR/skipped"
		rm -f "$P-$name"
	done
	printf '{"mode": "report",}\n' >"$cfg"
	rc=0
	out=$("$BIN/bpfreaperctl" config check "$cfg" 2>&1) || rc=$?
	assert_eq "config check exit, syntax" "$rc" 1
	echo "$out" | grep -q "^$cfg:1:19: not valid JSON" || fail "config check: $out"
	printf '{"mode": "off",\n "moed": "enforce"}\n' >"$cfg"
	rc=0
	out=$("$BIN/bpfreaperctl" config check "$cfg" 2>&1) || rc=$?
	assert_eq "config check exit, unknown key" "$rc" 1
	echo "$out" | grep -q "^$cfg:2:2: unknown key \"moed\"" || fail "config check: $out"
}

# The opt-in variant: hooks run only for containers annotated with a mode,
# in enforce mode by default.
test_hooksd_opt_in_variant() {
	local f
	rm -rf "$WORK/hooks.d"
	mkdir -p "$WORK/hooks.d"
	for f in "$ROOT"/oci-config/hooks.d-opt-in/*.json; do
		jq --arg bin "$BIN" --argjson env "$HOOKSD_ENV" '.hook.path |= ($bin + "/" + (split("/") | last))
			| .hook.env = $env' "$f" >"$WORK/hooks.d/$(basename "$f")"
	done
	pm_run pout "bpfleak map /sys/fs/bpf/$E2E_PREFIX-pout" || fail "podman run: $(cat "$WORK/pout.err")"
	assert_present "$P-pout"
	assert_absent "$(pm_report pout)"
	pm_run pin "bpfleak map /sys/fs/bpf/$E2E_PREFIX-pin" --annotation io.bpfreaper.mode=enforce ||
		fail "podman run: $(cat "$WORK/pin.err")"
	assert_absent "$P-pin"
	assert_freed map "$(ids_of pin map)"
	rm -f "$P-pout" "$(pm_report pin)"
}

test_hooksd_under_crun() {
	local r
	need_tool crun
	install_hooksd
	PM_RUNTIME=crun pm_run pcrun "bpfleak map /sys/fs/bpf/$E2E_PREFIX-pcrun" \
		--annotation io.bpfreaper.mode=enforce || fail "podman run: $(cat "$WORK/pcrun.err")"
	r=$(pm_report pcrun)
	assert_absent "$P-pcrun"
	assert_freed map "$(ids_of pcrun map)"
	rm -f "$r"
}
