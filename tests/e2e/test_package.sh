# shellcheck shell=bash
# Packaging: the RPM spec lists what `make install` installs; the Debian
# package builds, is lintian-clean, installs, works with podman through its
# hooks.d file, and purges without a trace.

# The spec's %files with Fedora's macro values, against `make installed-files`.
test_rpm_spec_matches_make_install() {
	local spec want got
	spec=$ROOT/packaging/rpm/bpfreaper.spec
	got=$(sed -n '/^%files/,/^%changelog/p' "$spec" | grep '^%{' | sed \
		-e 's|%{_libexecdir}|/usr/libexec|; s|%{_bindir}|/usr/bin|; s|%{_datadir}|/usr/share|' \
		-e 's|%{_mandir}|/usr/share/man|; s|%{_sysconfdir}|/etc|; s|%{_unitdir}|/usr/lib/systemd/system|' \
		-e 's|%{_tmpfilesdir}|/usr/lib/tmpfiles.d|; s|\*$||' | sort)
	got+=$'\n'$(sed -n '/^%files/,/^%changelog/p' "$spec" | grep '^%config' | awk '{print $2}' |
		sed 's|%{_sysconfdir}|/etc|')
	got=$(echo "$got" | sort)
	want=$(make -s -C "$ROOT" installed-files | sort)
	[ "$got" = "$want" ] || fail "spec and make install differ: $(diff <(echo "$want") <(echo "$got"))"
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
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || skip "debhelper is not installed"
	command -v podman >/dev/null || skip "podman is not installed"
	! dpkg -s bpfreaper >/dev/null 2>&1 || skip "bpfreaper is installed on this host already"
	deb=$("$ROOT/packaging/build-deb" "$WORK/deb") || fail "dpkg-buildpackage failed"
	if command -v lintian >/dev/null; then
		r=$(lintian "$deb" 2>&1 | grep -v "running with root" || true)
		echo "$r" | grep -q "^E:" && fail "lintian errors: $r"
		[ -z "$r" ] || echo "    lintian: $r" >&2
	fi
	# Whatever fails below, the host does not keep the package.
	trap 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq bpfreaper >/dev/null 2>&1 || true' EXIT
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$WORK/apt.log" 2>&1 ||
		fail "apt-get install: $(tail -5 "$WORK/apt.log")"
	files=$(dpkg -L bpfreaper)
	/usr/bin/bpfreaperctl doctor >/dev/null || fail "installed bpfreaperctl doctor failed"
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
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq bpfreaper >"$WORK/apt.log" 2>&1 ||
		fail "apt-get purge: $(tail -5 "$WORK/apt.log")"
	for f in $files; do
		[ -d "$f" ] && continue
		[ ! -e "$f" ] || fail "$f is left after purge"
	done
	assert_absent /etc/bpfreaper
	assert_absent /run/bpfreaper
	! dpkg -s bpfreaper >/dev/null 2>&1 || fail "bpfreaper still known to dpkg"
}
