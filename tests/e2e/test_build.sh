# shellcheck shell=bash
# The tree's own build paths as the README walks a newcomer through them:
# `make` keeps working after `packaging/build-deb` (which builds under
# build/). The demo from a fresh clone is .ci/run's first step.

# The package tree under build/ has directories named *.d (etc/logrotate.d)
# and dependency files of its own; make must read neither. The real
# build-deb's: build/deb when make deb built it for this tree (make check
# does, before any test); otherwise one of its own (about 60 s here), into
# build/ like its default, under this run's prefix so that concurrent runs
# and the tree's own build/deb are left alone.
test_make_after_build_deb() {
	local out=$ROOT/build/$E2E_PREFIX-deb rc=0
	if "$ROOT/packaging/build-deb" --fresh "$ROOT/build/deb" >/dev/null; then
		out=$ROOT/build/deb
	else
		trap 'rm -rf "$out"' RETURN
		"$ROOT/packaging/build-deb" "$out" >/dev/null || fail "packaging/build-deb failed"
	fi
	compgen -G "$out/*/debian/bpfreaper/etc/logrotate.d" >/dev/null || fail "no etc/logrotate.d in the package tree"
	make -s -C "$ROOT" -q all unit >"$WORK/make.out" 2>&1 || rc=$?
	# -q: 0 up to date, 1 not; 2 is make's own error.
	[ "$rc" -le 1 ] || fail "make after build-deb: rc $rc: $(cat "$WORK/make.out")"
	make -s -C "$ROOT" all >"$WORK/make.out" 2>&1 || fail "make after build-deb: $(cat "$WORK/make.out")"
}
