# shellcheck shell=bash
# Calls syscall tracepoints never report: 32-bit (compat) syscalls and
# io_uring's mkdirat. The trampoline backend records them (they reach the
# same kernel functions); the tracepoint backend sees that they happened
# and the report says so, never a clean-looking report.

# backend_of NAME: the tracer backend NAME's report names.
backend_of() {
	jq -r .tracer_backend "$(report_of "$1")"
}

# What a host may lack is found by trying the helper outside any container,
# on a scratch path of this run, never by the kernel's version: a kernel
# without IA32 emulation (or ia32_emulation=0) refuses an -m32 binary
# (ENOEXEC; busybox sh in the container then reads it as a script: "syntax
# error"), and io_uring may be compiled out or disabled.

test_compat_calls() {
	local r rc=0
	"$ROOT/build/bpfunseen32" mkdir "$WORK/c32-probe" >/dev/null 2>"$WORK/c32.why" || rc=$?
	# 126: the exec itself failed; a helper that ran and failed is ours.
	[ $rc != 126 ] || skip "this kernel does not run 32-bit programs: $(tail -1 "$WORK/c32.why")"
	[ $rc = 0 ] || fail "bpfunseen32 on the host: rc $rc: $(cat "$WORK/c32.why")"
	rmdir "$WORK/c32-probe"
	make_bundle c32 "bpfunseen32 map /sys/fs/bpf/$E2E_PREFIX-c32 && bpfunseen32 mkdir /sys/fs/bpf/$E2E_PREFIX-c32d" >/dev/null
	run_ctr c32 || fail "$RUNTIME run: $(cat "$WORK/c32.err")"
	r=$(report_of c32)
	if [ "$(backend_of c32)" = trampoline ]; then
		assert_absent "$P-c32"
		assert_absent "$P-c32d"
		assert_eq "not traced" "$(jq -c .not_traced "$r")" '[]'
	else
		assert_eq "not traced" "$(jq -c .not_traced "$r")" '["32-bit programs (their bpf, mkdir and symlink calls)"]'
		# Not recorded, so not removed: left for the operator the report names it to.
		rm -rf "$P-c32" "$P-c32d"
	fi
}

test_io_uring_mkdirat() {
	local r
	"$ROOT/build/bpfunseen" uring-mkdir "$WORK/urd-probe" >/dev/null 2>"$WORK/urd.why" ||
		skip "io_uring does not run here: $(tail -1 "$WORK/urd.why")"
	rmdir "$WORK/urd-probe"
	make_bundle urd "bpfunseen uring-mkdir /sys/fs/bpf/$E2E_PREFIX-urd" >/dev/null
	run_ctr urd || fail "$RUNTIME run: $(cat "$WORK/urd.err")"
	r=$(report_of urd)
	if [ "$(backend_of urd)" = trampoline ]; then
		assert_absent "$P-urd"
		assert_eq "not traced" "$(jq -c .not_traced "$r")" '[]'
	else
		assert_eq "not traced" "$(jq -c .not_traced "$r")" '["io_uring mkdirat or symlinkat"]'
		rm -rf "$P-urd"
	fi
}

# A container that only makes ordinary 64-bit calls has a clean report.
test_plain_calls_are_not_flagged() {
	make_bundle plain "bpfleak map /sys/fs/bpf/$E2E_PREFIX-plain && mkdir /sys/fs/bpf/$E2E_PREFIX-plaind" >/dev/null
	run_ctr plain || fail "$RUNTIME run: $(cat "$WORK/plain.err")"
	assert_eq "not traced" "$(jq -c .not_traced "$(report_of plain)")" '[]'
	assert_absent "$P-plain"
	assert_absent "$P-plaind"
}

# A BPF_PROG_TYPE_SYSCALL program makes objects with bpf_sys_bpf, reaching
# no syscall tracepoint: the tracepoint backend says so when one is loaded
# (and walks the views at the stop); the trampoline backend sees its calls
# in __sys_bpf and has nothing to flag.
test_syscall_program() {
	local r
	"$ROOT/build/bpfunseen" syscall-prog >/dev/null 2>"$WORK/sys.why" ||
		skip "this kernel does not run syscall programs: $(tail -1 "$WORK/sys.why")"
	make_bundle sysprog "bpfunseen syscall-prog" >/dev/null
	run_ctr sysprog || fail "$RUNTIME run: $(cat "$WORK/sysprog.err")"
	grep -q '^prog ' "$WORK/sysprog.out" || fail "no syscall program ran: $(cat "$WORK/sysprog.out")"
	r=$(report_of sysprog)
	if [ "$(backend_of sysprog)" = trampoline ]; then
		assert_eq "not traced" "$(jq -c .not_traced "$r")" '[]'
	else
		assert_eq "not traced" "$(jq -c .not_traced "$r")" '["syscall programs (the objects their bpf calls make)"]'
		assert_eq "pin search" "$(jq -r .timings.pin_search "$r")" walk
	fi
}
