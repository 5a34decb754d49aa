# shellcheck shell=bash
# A test's outcome and its assertions. The runner (tests/run) runs each test
# function in a subshell of its own under set -e; an assertion that fails
# ends the test whatever construct called it:
# - fail prints why, leaves a mark ($E2E_FAIL_MARK, made fresh for each
#   test) and exits. set -e is off inside a function called from ||, &&,
#   if or !, so a failure must not rely on it; and exit inside a pipeline
#   stage, $(...), ( ) or a job run with & only leaves that inner
#   subshell: the mark is what the runner reads, so a failure anywhere in
#   the test's process tree fails the test.
# - An assertion is never a question. Where a test tolerates an outcome,
#   it asks a predicate that only returns (obj_alive, exists_within, a
#   plain [ ]), never `assert_x || true` or `if assert_x`.
# - skip exits 77 and leaves its own mark with the reason; need/need_tool
#   turn a missing tool into a failure in strict mode (the default as
#   root, E2E_STRICT=0 relaxes it): only what a test detects by trying may
#   skip (a kernel feature, systemd as PID 1), never a tool that
#   tests/deps.sh installs or a daemon that does not start.
# - Tests that must run alone on the machine (they purge the package,
#   unload the tracer every run shares...) are named in the file's
#   E2E_ALONE="test_a test_b": the runner takes a machine-wide lock
#   ($E2E_LOCK) shared for every other test and exclusive for those.

E2E_STRICT=${E2E_STRICT:-$([ "$(id -u)" = 0 ] && echo 1 || echo 0)}

fail() {
	echo "    $*" >&2
	[ -z "${E2E_FAIL_MARK:-}" ] || echo "$*" >>"$E2E_FAIL_MARK"
	exit 1
}

# skip REASON: the test cannot run here (the runner counts it as skipped).
skip() {
	echo "$*" >&2
	[ -z "${E2E_SKIP_MARK:-}" ] || echo "$*" >>"$E2E_SKIP_MARK"
	exit 77
}

# need WHAT CMD...: CMD (quiet) says whether WHAT, which tests/deps.sh
# installs, is here; a failure in strict mode, a skip otherwise.
need() {
	local what=$1
	shift
	"$@" >/dev/null 2>&1 && return 0
	if [ "$E2E_STRICT" = 1 ]; then
		fail "$what is not installed (tests/deps.sh installs it; E2E_STRICT=0 to skip instead)"
	fi
	skip "$what is not installed (tests/deps.sh)"
}

# need_tool NAME...: each command NAME is on the PATH.
need_tool() {
	local t
	for t in "$@"; do
		need "$t" command -v "$t"
	done
}

# broken WHY: something tests/deps.sh installs does not work here (a daemon
# that does not start): a failure in strict mode, a skip otherwise.
broken() {
	[ "$E2E_STRICT" = 1 ] && fail "$*"
	skip "$*"
}

# exists_within SECONDS FILE: FILE exists, or appears within SECONDS; a
# predicate, for the callers that go on either way.
exists_within() {
	local _
	for _ in $(seq "$(($1 * 20))"); do
		[ -e "$2" ] && return 0
		sleep 0.05
	done
	[ -e "$2" ]
}

# wait_for FILE: until FILE exists (10 s at most).
wait_for() {
	exists_within 10 "$1" || fail "timed out waiting for $1"
}

assert_eq() { # WHAT GOT WANT
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

assert_absent() {
	[ ! -e "$1" ] || fail "$1 still exists"
}

assert_present() {
	[ -e "$1" ] || fail "$1 is gone"
}

# assert_freed KIND ID...: an argument may hold several ids, one a line (the
# output of ids_of); none at all is a failure, never a pass.
# One process asks for them all (tests/helpers/bpfids.c): a bpftool run per
# id cost thousand_pins most of its minute in a TCG guest.
assert_freed() {
	local kind=$1 ids alive
	shift
	mapfile -t ids < <(printf '%s\n' "$@" | grep .)
	[ ${#ids[@]} -gt 0 ] || fail "no $kind ids to check"
	alive=$("$ROOT/build/bpfids" alive "$kind" "${ids[@]}") || fail "bpfids alive $kind failed"
	[ -z "$alive" ] || fail "$kind ids still exist: ${alive//$'\n'/ }"
}

assert_alive() { # KIND ID
	obj_alive "$1" "$2" || fail "$1 id $2 was freed"
}
