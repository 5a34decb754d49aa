# shellcheck shell=bash
# A test's outcome and its assertions. A test function runs under set -e in
# a subshell: an assertion that fails prints why and returns 1.

fail() {
	echo "    $*" >&2
	return 1
}

# skip REASON: the test cannot run here (the runner counts it as skipped).
skip() {
	echo "$*" >&2
	exit 77
}

# wait_for FILE: until FILE exists (10 s at most).
wait_for() {
	local _
	for _ in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	fail "timed out waiting for $1"
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
assert_freed() {
	local kind=$1 id ids
	shift
	mapfile -t ids < <(printf '%s\n' "$@" | grep .)
	[ ${#ids[@]} -gt 0 ] || fail "no $kind ids to check"
	for id in "${ids[@]}"; do
		! obj_alive "$kind" "$id" || fail "$kind id $id still exists"
	done
}

assert_alive() { # KIND ID
	obj_alive "$1" "$2" || fail "$1 id $2 was freed"
}
