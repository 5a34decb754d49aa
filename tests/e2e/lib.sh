# shellcheck shell=bash
# Helpers for end-to-end tests: real runc, crun and podman containers on this
# host, with the built hooks. Everything made here is named with $E2E_PREFIX
# and removed; after each test the runner (tests/run) fails a test that left
# anything of its own behind (lib/harness.sh). $RUNTIME (runc or crun) is the
# OCI runtime under test. The parts, each sourced here:
#   lib/assert.sh   fail, skip, waiting, and the assertions
#   lib/rootfs.sh   the containers' root filesystem and base spec
#   lib/runtime.sh  bundles and their hook config; runc, crun, podman
#   lib/bpf.sh      the tracer's pins, BPF objects by id, host maps
#   lib/net.sh      a veth pair for XDP, tc and tcx
#   lib/harness.sh  setup, the leak check after each test, clean-up

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$ROOT/build/bin
# The test build of the same code (make test-build): the only one with kill
# and stop points (src/crashpoint.h), for the tests that use them.
TEST_BIN=$ROOT/build/test/bin
BPFLEAK=$ROOT/build/bpfleak
E2E_PREFIX=${E2E_PREFIX:-brt}
CG2=/sys/fs/cgroup/unified
[ -e $CG2/cgroup.controllers ] || CG2=/sys/fs/cgroup
# The cgroup runtimes put this run's containers under, in every hierarchy:
# one per prefix, so that concurrent runs never remove each other's.
CG_PARENT=bpfreaper-test-$E2E_PREFIX
BPFFS=/sys/fs/bpf
# Host paths of test pins: $P-<name>.
# shellcheck disable=SC2034 # the tests'
P=$BPFFS/$E2E_PREFIX
RUNTIME=${RUNTIME:-runc}
# podman's store: this run's own, removed at the end.
PODMAN_ROOT=/var/lib/bpfreaper-test-$E2E_PREFIX/podman
# bpfreaper's run directory (src/store-rundir.h), where the tools look for it.
RUN_DIR=${BPFREAPER_RUN_DIR:-/run/bpfreaper}

LIB=$ROOT/tests/e2e/lib
# shellcheck source=tests/e2e/lib/assert.sh
. "$LIB/assert.sh"
# shellcheck source=tests/e2e/lib/rootfs.sh
. "$LIB/rootfs.sh"
# shellcheck source=tests/e2e/lib/runtime.sh
. "$LIB/runtime.sh"
# shellcheck source=tests/e2e/lib/bpf.sh
. "$LIB/bpf.sh"
# shellcheck source=tests/e2e/lib/net.sh
. "$LIB/net.sh"
# shellcheck source=tests/e2e/lib/harness.sh
. "$LIB/harness.sh"
