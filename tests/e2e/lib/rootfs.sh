# shellcheck shell=bash
# The containers' root filesystem, $WORK/rootfs (read-only in every
# container), and $WORK/spec.json, the base config.json bundles start from.

# rootfs_build: busybox, the test helpers (build/bpfleak and its kin, the
# test programs' object), and bpftool, tc and ip with their libraries.
rootfs_build() {
	local r=$WORK/rootfs t lib
	mkdir -p "$r/bin" "$r/sync" "$r/sys/fs/bpf" "$r/proc" "$r/dev" "$r/tmp"
	cp /bin/busybox "$r/bin/"
	for t in sh mkdir mv ln rm sleep cat ls echo touch; do ln -sf busybox "$r/bin/$t"; done
	cp "$BPFLEAK" "$r/bin/bpfleak"
	cp "$ROOT/build/bpftoken" "$r/bin/bpftoken"
	cp "$ROOT/build/bpffake" "$r/bin/bpffake"
	cp "$ROOT/build/bpfunseen" "$ROOT/build/bpfunseen32" "$r/bin/"
	cp "$ROOT/build/test-progs.bpf.o" "$r/progs.o"
	# Containers attach with bpftool, tc and ip the way real agents do
	# (netlink for XDP and tc, legacy cgroup attach). In /usr/sbin, called
	# by full path: busybox sh runs its own ip and tc applets for bare names.
	mkdir -p "$r/usr/sbin"
	for t in bpftool tc ip; do
		cp "$(command -v $t)" "$r/usr/sbin/"
		for lib in $(ldd "$(command -v $t)" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\/lib64/ { print $1 }'); do
			mkdir -p "$r$(dirname "$lib")"
			cp -n "$lib" "$r$lib"
		done
	done
	(cd "$WORK" && runc spec && mv config.json spec.json)
}
