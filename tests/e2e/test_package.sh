# shellcheck shell=bash
# Packaging: the RPM spec lists what `make install` installs; the license
# texts match the sources' SPDX identifiers; the logrotate file works; the
# Debian package builds, is lintian-clean, installs in Debian's places with
# its timer enabled, works with podman through its hooks.d file, and purges
# without a trace, putting back a daemon.json its bpfreaperctl configured. (tests/e2e/test_systemd.sh: the same under systemd.)

# Installing and purging the package rewrites the shared /run/bpfreaper.
# shellcheck disable=SC2034 # read by tests/run
E2E_ALONE="test_debian_package_install_podman_purge"

# The spec's %files with Fedora's macro values, against `make installed-files`.
test_rpm_spec_matches_make_install() {
	local spec want got
	spec=$ROOT/packaging/rpm/bpfreaper.spec
	# Plain entries, %config ones and the examples among the %doc ones
	# (README.md and BENCHMARKS.md are the spec's own).
	got=$(sed -n '/^%files/,/^%changelog/p' "$spec" |
		sed -n -e 's|^%config([a-z]*) ||' -e 's|^%doc \(%{_pkgdocdir}/examples/\)|\1|' -e '/^%{/p' | sed \
		-e 's|%{_libexecdir}|/usr/libexec|; s|%{_bindir}|/usr/bin|; s|%{_datadir}|/usr/share|' \
		-e 's|%{_mandir}|/usr/share/man|; s|%{_sysconfdir}|/etc|; s|%{_unitdir}|/usr/lib/systemd/system|' \
		-e 's|%{_presetdir}|/usr/lib/systemd/system-preset|; s|%{_pkgdocdir}|/usr/share/doc/bpfreaper|' \
		-e 's|%{_tmpfilesdir}|/usr/lib/tmpfiles.d|; s|\*$||' | sort)
	want=$(make -s -C "$ROOT" installed-files | sort)
	[ "$got" = "$want" ] || fail "spec and make install differ: $(diff <(echo "$want") <(echo "$got"))"
	# %license names the tree's license files, all of them.
	got=$(sed -n 's/^%license //p' "$spec" | tr ' ' '\n' | sort)
	want=$(cd "$ROOT" && ls LICENSE LICENSES/* | sort)
	assert_eq "%license" "$got" "$want"
}

# Every SPDX-License-Identifier in the tree has its text in LICENSES/, and
# every text there is used.
test_license_texts_match_spdx_ids() {
	local ids id used=""
	ids=$(cd "$ROOT" && git ls-files -z | xargs -0 grep -h -E '^(// |/\* )SPDX-License-Identifier: ' |
		sed 's/^.*SPDX-License-Identifier: //; s|\*/||; s/[()]//g; s/ OR /\n/g; s/ AND /\n/g' | tr -d ' ' | sort -u)
	[ -n "$ids" ] || fail "no SPDX identifiers found"
	for id in $ids; do
		id=${id%-or-later} id=${id%-only}
		assert_present "$ROOT/LICENSES/$id"
		used+="$id"$'\n'
	done
	assert_eq "texts in LICENSES/" "$(cd "$ROOT/LICENSES" && ls | sort)" "$(echo -n "$used" | sort -u)"
	assert_present "$ROOT/LICENSE"
}

# The logrotate file parses, names the example config's log_file, and
# rotates a log by renaming it (the next hook run creates a new one).
test_logrotate_file() {
	local conf=$WORK/logrotate.conf
	need_tool logrotate
	logrotate -d "$ROOT/packaging/logrotate" >"$WORK/lr.out" 2>&1 || fail "logrotate -d: $(cat "$WORK/lr.out")"
	! grep -qi "error" "$WORK/lr.out" || fail "logrotate -d: $(cat "$WORK/lr.out")"
	grep -qx "$(jq -r .log_file "$ROOT/packaging/bpfreaper.json.example") {" "$ROOT/packaging/logrotate" ||
		fail "the logrotate file does not name the example's log_file"
	sed "s|^/var/log/bpfreaper.log {|$WORK/bpfreaper.log {|" "$ROOT/packaging/logrotate" >"$conf"
	echo "a line" >"$WORK/bpfreaper.log"
	logrotate -f -s "$WORK/lr.state" "$conf" || fail "logrotate -f failed"
	assert_absent "$WORK/bpfreaper.log"
	assert_eq "rotated" "$(cat "$WORK/bpfreaper.log.1")" "a line"
}

test_make_install_and_uninstall() {
	local d=$WORK/destdir left
	make -s -C "$ROOT" install DESTDIR="$d" >/dev/null
	for f in $(make -s -C "$ROOT" installed-files); do assert_present "$d$f"; done
	grep -q "\"path\": \"/usr/libexec/oci/hooks.d/bpfreaper-prestart\"" "$d/usr/share/containers/oci/hooks.d/bpfreaper-prestart.json" ||
		fail "hooks.d path not adjusted"
	make -s -C "$ROOT" uninstall DESTDIR="$d" >/dev/null
	left=$(find "$d" -type f)
	[ -z "$left" ] || fail "uninstall left: $left"
}

test_man_pages_render() {
	local f out
	for f in "$ROOT"/man/*.[58]; do
		out=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
		[ -z "$out" ] || fail "$f: $out"
		MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q "^NAME" || fail "$f renders no NAME section"
	done
}

test_debian_package_install_podman_purge() {
	local deb files id r
	need_tool dpkg-buildpackage dh
	need_tool podman lintian
	! dpkg -s bpfreaper >/dev/null 2>&1 || skip "bpfreaper is installed on this host already"
	deb=$(tree_deb)
	r=$(lintian "$deb" 2>&1 | grep -v "running with root" || true)
	! echo "$r" | grep -q "^E:" || fail "lintian errors: $r"
	[ -z "$r" ] || echo "    lintian: $r" >&2
	# Whatever fails below, the host does not keep the package.
	trap 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq bpfreaper >/dev/null 2>&1 || true' EXIT
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$WORK/apt.log" 2>&1 ||
		fail "apt-get install: $(tail -5 "$WORK/apt.log")"
	files=$(dpkg -L bpfreaper)
	/usr/bin/bpfreaperctl doctor >/dev/null || fail "installed bpfreaperctl doctor failed"
	# Debian's places: the licenses in copyright, the example config among
	# the examples (no /etc/bpfreaper until the host writes a config), the
	# units, and the timer and load service enabled: the links systemctl
	# is-enabled reads, which deb-systemd-helper makes whether systemd runs
	# or not.
	grep -q "^License: GPL-2.0" /usr/share/doc/bpfreaper/copyright || fail "no copyright file with the licenses"
	jq -e .mode /usr/share/doc/bpfreaper/examples/bpfreaper.json >/dev/null || fail "no example config"
	assert_absent /etc/bpfreaper
	logrotate -d /etc/logrotate.d/bpfreaper >/dev/null 2>&1 || fail "installed logrotate file does not parse"
	for f in bpfreaper-gc.service bpfreaper-gc.timer bpfreaper-load.service; do
		assert_present "/lib/systemd/system/$f"
	done
	assert_eq "timer link" "$(readlink /etc/systemd/system/timers.target.wants/bpfreaper-gc.timer)" \
		/lib/systemd/system/bpfreaper-gc.timer
	assert_eq "load link" "$(readlink /etc/systemd/system/multi-user.target.wants/bpfreaper-load.service)" \
		/lib/systemd/system/bpfreaper-load.service
	# podman with its default hooks directories: the installed hooks.d file.
	mkdir -p "$WORK/sync/pkg"
	timeout 120 podman --root "$PODMAN_ROOT/root" --runroot "$PODMAN_ROOT/run" --runtime runc \
		--cgroup-manager cgroupfs --events-backend file run --rm --cgroup-parent "/$CG_PARENT/podman" \
		--name "$E2E_PREFIX-pkg" --cidfile "$WORK/pkg.cid" --network none \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --cap-add SYS_ADMIN,BPF,PERFMON,NET_ADMIN \
		-v /sys/fs/bpf:/sys/fs/bpf --annotation io.bpfreaper.mode=enforce \
		--rootfs "$WORK/rootfs" sh -c "bpfleak map /sys/fs/bpf/$E2E_PREFIX-pkg" >"$WORK/pkg.out" 2>"$WORK/pkg.err" ||
		fail "podman run: $(cat "$WORK/pkg.err")"
	id=$(cat "$WORK/pkg.cid")
	assert_absent "$P-pkg"
	assert_freed map "$(ids_of pkg map)"
	assert_eq "report mode" "$(jq -r .mode "/run/bpfreaper/reports/$id.json")" enforce
	# Docker wired by the installed bpfreaperctl (a daemon.json of the test's
	# own, recorded where prerm looks): the removal puts it back.
	printf '{\n\t"log-driver": "journald",\n\t"default-runtime": "runc"\n}\n' >"$WORK/pkg-daemon.json"
	cp "$WORK/pkg-daemon.json" "$WORK/pkg-daemon.orig"
	BPFREAPER_CONFIG=$WORK/pkg-wrapper.json /usr/bin/bpfreaperctl configure --runtime=docker \
		--config="$WORK/pkg-daemon.json" --set-as-default --restart-mode=none >"$WORK/cfg.log" 2>&1 ||
		fail "configure: $(cat "$WORK/cfg.log")"
	assert_eq "wired" "$(jq -r '.runtimes.bpfreaper.path' "$WORK/pkg-daemon.json")" /usr/bin/bpfreaper-runtime
	assert_present /var/lib/bpfreaper/configured-docker.json
	# podman's hooks.d too (a directory of the test's own): the removal
	# undoes every runtime recorded, not only Docker.
	mkdir -p "$WORK/pkg-hooks.d"
	/usr/bin/bpfreaperctl configure --runtime=podman --config="$WORK/pkg-hooks.d" >"$WORK/cfg.log" 2>&1 ||
		fail "configure podman: $(cat "$WORK/cfg.log")"
	assert_eq "podman hooks.d" "$(jq -r .hook.path "$WORK/pkg-hooks.d/bpfreaper-prestart.json")" \
		/usr/libexec/oci/hooks.d/bpfreaper-prestart
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq bpfreaper >"$WORK/apt.log" 2>&1 ||
		fail "apt-get purge: $(tail -5 "$WORK/apt.log")"
	cmp -s "$WORK/pkg-daemon.json" "$WORK/pkg-daemon.orig" ||
		fail "daemon.json after the removal: $(cat "$WORK/pkg-daemon.json")"
	assert_eq "podman hooks.d after the removal" "$(ls "$WORK/pkg-hooks.d")" ""
	assert_absent /var/lib/bpfreaper
	for f in $files; do
		[ -d "$f" ] && continue
		[ ! -e "$f" ] || fail "$f is left after purge"
	done
	assert_absent /etc/bpfreaper
	assert_absent /etc/systemd/system/timers.target.wants/bpfreaper-gc.timer
	assert_absent /etc/systemd/system/multi-user.target.wants/bpfreaper-load.service
	assert_absent /run/bpfreaper
	! dpkg -s bpfreaper >/dev/null 2>&1 || fail "bpfreaper still known to dpkg"
}
