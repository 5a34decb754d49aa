# shellcheck shell=bash
# Deliberate failures, for tests/meta/run: a failing assertion inside a
# function called from each construct that turns set -e off, or in an inner
# subshell, must fail its test. The controls must pass, skip or take their
# lock as named.

# shellcheck disable=SC2034 # read by tests/run
E2E_ALONE="test_control_alone_holds_the_lock_exclusively"

fails() {
	fail "deliberate failure"
	echo "went on after fail" >&2
}

test_fail_via_or() { fails || true; }
test_fail_via_and() { fails && true; }
test_fail_via_if() { if fails; then :; fi; }
test_fail_via_not() { ! fails; }
test_fail_via_pipeline() { fails | cat; }
test_fail_via_subshell() { (fails) || :; }
test_fail_via_command_substitution() { echo "$(fails)" >/dev/null; }
test_fail_via_background_job() { fails & wait $! || :; }
test_fail_via_nested_helpers() {
	outer() { inner && return 0; }
	inner() { assert_eq "a value" 1 2; }
	outer || true
}
test_fail_via_wait_for() { wait_for "$WORK/never" 2>/dev/null || true; }
test_missing_tool() { need_tool bpfreaper-meta-no-such-tool || true; }
test_control_passes() { [ -n "$WORK" ]; }
test_control_skips() { skip "deliberate skip"; }
test_control_shares_the_lock() {
	flock -n -s "$E2E_LOCK" true || fail "a shared lock was refused: an exclusive holder"
}
test_control_alone_holds_the_lock_exclusively() {
	! flock -n -s "$E2E_LOCK" true || fail "took a shared lock beside a test that must be alone"
}
