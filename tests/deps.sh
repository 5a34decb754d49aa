#!/bin/sh
# Installs what bpfreaper needs to build and test on Debian 12 (as root).
# Quick when everything is there already.
set -e
PKGS="make gcc gcc-multilib clang llvm libbpf-dev bpftool libelf-dev libjson-c-dev libcap-dev zlib1g-dev pkg-config
      runc crun podman containerd docker.io uidmap busybox-static jq iproute2 python3 python3-jsonschema python3-yaml util-linux libcap2-bin
      debhelper dpkg-dev lintian man-db systemd hyperfine linux-perf clang-tidy cppcheck shellcheck valgrind
      qemu-system-x86 cpio kmod prometheus logrotate"
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
