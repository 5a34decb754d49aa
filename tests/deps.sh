#!/bin/sh
# Installs what bpfreaper needs to build and test on Debian 12 (as root).
# Quick when everything is there already.
set -e
PKGS="make gcc gcc-multilib clang llvm libbpf-dev bpftool libelf-dev libjson-c-dev libcap-dev zlib1g-dev pkg-config
      runc crun podman containerd docker.io uidmap busybox-static jq iproute2 python3 python3-jsonschema python3-yaml util-linux libcap2-bin
      debhelper dpkg-dev lintian man-db systemd hyperfine linux-perf clang-tidy cppcheck shellcheck valgrind
      qemu-system-x86 cpio kmod prometheus logrotate
      curl xz-utils gpgv debian-archive-keyring"
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
# containerd 1.7 and 2.x, which Debian 12 does not ship: Debian's own
# packages, checked and extracted (never installed) under
# /var/cache/bpfreaper-tests. Without network their tests skip and say why.
for v in 1.7 2; do
	"$(dirname "$0")/tools/containerd-versions" "$v" >/dev/null ||
		echo "containerd $v not fetched: the tests that run it will skip"
done
