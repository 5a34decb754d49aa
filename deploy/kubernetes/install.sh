#!/bin/sh
# bpfreaper's node installer, run by the DaemonSet (daemonset.yaml) with the
# node's root at HOST_ROOT, or by hand. It copies the hooks, bpfreaperctl and
# bpfreaper-runtime into the node, wires in CRI-O/podman (hooks.d files, and
# CRI-O's hooks_dir where needed) and Docker (daemon.json) with `bpfreaperctl
# configure` against the node's files, containerd (a conf.d drop-in and
# its imports line, by configure, with the node's own containerd asked),
# installs bpfreaper.json from the ConfigMap once `config check` passes,
# loads the tracer, and writes a manifest of every file and directory it
# made. `uninstall` first unconfigures every runtime (so none is left
# pointing at a missing binary), then removes exactly what the manifest
# lists, keeping any file an operator changed since (checksum).
#
#   install.sh [install|uninstall|stop|run] [HOST_ROOT]  (default: install /host)
#
# `run` is the DaemonSet's PID 1: install, write READY_FILE last (the
# readiness probe), then wait for SIGTERM and exit at once.
#
# Environment (all optional):
#   HOST_ROOT                    the node's / as this script sees it (/host)
#   BPFREAPER_SRC                holds bin/ and hooks.d/ (the script's directory)
#   BPFREAPER_HOME               host directory for the binaries (bin/), the
#                                manifest and configure's records (state/)
#                                (/opt/bpfreaper); it must be writable: never
#                                under a read-only /usr (COS, Flatcar, Talos,
#                                Bottlerocket); the image sets it to what
#                                bpfreaper-runtime was built for
#                                (make HOOKDIR=$BPFREAPER_HOME/bin)
#   BPFREAPER_WIRE               auto (default), or a list of: hooksd docker containerd
#   BPFREAPER_HOOKSD_DIR         host hooks.d directory (/etc/containers/oci/hooks.d:
#                                podman and CRI-O read it; CRI-O gets a
#                                crio.conf.d drop-in where its hooks_dir does not)
#   BPFREAPER_RESTART_MODE       how Docker is told to reload and containerd to
#                                restart: none (default: the pod sees no node
#                                process; the log says what to run), signal
#                                (Docker only, needs hostPID), systemd
#   BPFREAPER_CONFIG_SRC         bpfreaper.json to install as the node's
#                                /etc/bpfreaper/bpfreaper.json, after `config
#                                check` (/etc/bpfreaper-config/bpfreaper.json,
#                                the ConfigMap; absent: none installed)
#   BPFREAPER_HOOK_ENV           NAME=VALUE words: the hooks' whole environment
#                                (none: the runtime's)
#   BPFREAPER_READY_FILE         written last by `run` (/tmp/bpfreaper-ready)
#   BPFREAPER_OPT_IN             1: hooks.d files that run only for containers
#                                annotated io.bpfreaper.mode (hooks.d-opt-in/)
#   BPFREAPER_SKIP_LOAD          1: do not run `bpfreaperctl load`
#   BPFREAPER_UNINSTALL_ON_STOP  true: `stop` (the preStop hook) uninstalls
set -eu

ACTION=${1:-install}
HOST_ROOT=${2:-${HOST_ROOT:-/host}}
HOST_ROOT=${HOST_ROOT%/}
SRC=${BPFREAPER_SRC:-$(cd "$(dirname "$0")" && pwd)}
HOME_DIR=${BPFREAPER_HOME:-/opt/bpfreaper}
BIN_DIR=$HOME_DIR/bin
MANIFEST=$HOME_DIR/manifest
HOOKSD_DIR=${BPFREAPER_HOOKSD_DIR:-/etc/containers/oci/hooks.d}
STATE_DIR=$HOME_DIR/state
RESTART_MODE=${BPFREAPER_RESTART_MODE:-none}
CONFIG_SRC=${BPFREAPER_CONFIG_SRC:-/etc/bpfreaper-config/bpfreaper.json}
READY_FILE=${BPFREAPER_READY_FILE:-/tmp/bpfreaper-ready}
DOCKER_CONFIG=/etc/docker/daemon.json
CONTAINERD_CONFIG=/etc/containerd/config.toml
# containerd applies a change only when restarted: no signal mode.
CTD_RESTART_MODE=$RESTART_MODE
[ "$CTD_RESTART_MODE" != signal ] || CTD_RESTART_MODE=none

say() { echo "bpfreaper-install: $*"; }
warn() { echo "bpfreaper-install: warning: $*" >&2; }
die() { echo "bpfreaper-install: $*" >&2; exit 1; }

sum_of() { sha256sum <"$1" | cut -d' ' -f1; }

# recorded PATH: the checksum the old manifest has for PATH (a host path).
recorded() {
	[ -f "$HOST_ROOT$MANIFEST" ] || return 0
	awk -v p="$1" '$1 == "f" && $3 == p { print $2; exit }' "$HOST_ROOT$MANIFEST"
}

# mkdirs DIR: makes the missing directories of DIR (a host path), each
# recorded in the new manifest.
mkdirs() {
	_missing='' _d=$1
	while [ ! -d "$HOST_ROOT$_d" ]; do
		_missing="$_d $_missing"
		_d=$(dirname "$_d")
	done
	for _d in $_missing; do
		mkdir -m 0755 "$HOST_ROOT$_d"
		echo "d - $_d" >>"$NEW"
	done
}

# put FILE PATH MODE: installs FILE at PATH (a host path). A file there that
# this installer did not write is left alone; one it wrote and someone has
# changed since is kept; an unchanged one is replaced (upgrade) or kept as
# it is when the content is the same (re-install).
put() {
	_src=$1 _path=$2 _mode=$3 _t=$HOST_ROOT$2
	_want=$(sum_of "$_src")
	_was=$(recorded "$_path")
	if [ -e "$_t" ] || [ -L "$_t" ]; then
		if [ -z "$_was" ]; then
			warn "$_path exists and was not installed by bpfreaper: left as it is"
			return 0
		fi
		if [ -L "$_t" ] || [ "$(sum_of "$_t")" != "$_was" ]; then
			warn "$_path was changed since bpfreaper installed it: kept, not updated"
			echo "f $_was $_path" >>"$NEW"
			return 0
		fi
		if [ "$_was" = "$_want" ]; then
			chmod "$_mode" "$_t"
			echo "f $_want $_path" >>"$NEW"
			return 0
		fi
	fi
	mkdirs "$(dirname "$_path")"
	cp "$_src" "$_t.bpfreaper-new"
	chmod "$_mode" "$_t.bpfreaper-new"
	mv -f "$_t.bpfreaper-new" "$_t"
	echo "f $_want $_path" >>"$NEW"
	say "installed $_path"
}

# remove_recorded SUM PATH: removes PATH if it still has the content this
# installer wrote.
remove_recorded() {
	_t=$HOST_ROOT$2
	if [ ! -e "$_t" ] && [ ! -L "$_t" ]; then
		say "$2 is already gone"
	elif [ ! -L "$_t" ] && [ "$(sum_of "$_t")" = "$1" ]; then
		rm -f "$_t"
		say "removed $2"
	else
		warn "$2 was changed since bpfreaper installed it: kept"
	fi
}

# /var/lib/rancher: k3s or RKE2, whose own containerd configure refuses (it
# says why): the pod is then not Ready, rather than Ready with that
# containerd's containers unwatched.
containerd_present() {
	[ -d "$HOST_ROOT/etc/containerd" ] || [ -x "$HOST_ROOT/usr/bin/containerd" ] ||
		[ -x "$HOST_ROOT/usr/local/bin/containerd" ] || [ -d "$HOST_ROOT/var/lib/rancher" ]
}

# containerd's runc runtime pointed at the wrapper by `configure
# --runtime=containerd` against the node's config.toml: it asks the node's
# own containerd (chrooted into HOST_ROOT) for the effective config, writes
# a conf.d drop-in (1.6/1.7: the whole CRI section, as they replace a
# plugin's section with an imported one's; 2.x: runc's two keys, as it
# merges key by key) and the imports line where missing, and chains an
# existing BinaryName. containerd reads it only when it restarts.
wire_containerd() {
	if [ ! -e "$SRC/bin/bpfreaper-runtime" ]; then
		warn "no bpfreaper-runtime in $SRC/bin: containerd is not wired in"
		return 0
	fi
	# Asked first with --dry-run: a configure that refuses (pods run
	# another default runtime; k3s or RKE2, whose config.toml is generated)
	# leaves the node as it was. The config path is configure's default, so
	# that it sees a k3s or RKE2 node as one.
	if ! _out=$(ctl configure --runtime=containerd --root="${HOST_ROOT:-/}" \
		--wrapper="$BIN_DIR/bpfreaper-runtime" --dry-run 2>&1); then
		printf '%s\n' "$_out" | sed 's/^/bpfreaper-install: /'
		wire_failed "configure --runtime=containerd"
		return 0
	fi
	# Made here, so that the manifest lists it and uninstall removes it.
	mkdirs "$(dirname "$CONTAINERD_CONFIG")/conf.d"
	ctl_say configure --runtime=containerd --root="${HOST_ROOT:-/}" \
		--wrapper="$BIN_DIR/bpfreaper-runtime" --restart-mode="$CTD_RESTART_MODE" ||
		wire_failed "configure --runtime=containerd"
}

# wire_failed WHAT: noted; do_install ends in failure once the manifest
# lists what it did install, so that uninstall still finds it.
WIRE_FAILED=
wire_failed() {
	warn "$1 failed"
	WIRE_FAILED="$WIRE_FAILED $1"
}

# ctl ARGS...: the image's bpfreaperctl with configure's records under the
# node's BPFREAPER_HOME (not /var/lib/bpfreaper: a package on the node reads
# that one, with paths of its own) and the node's wrapper config.
# Uninstall by hand, without the image, runs the copy on the node.
ctl() {
	_ctl=$SRC/bin/bpfreaperctl
	[ -x "$_ctl" ] || _ctl=$HOST_ROOT$BIN_DIR/bpfreaperctl
	BPFREAPER_STATE_DIR=$HOST_ROOT$STATE_DIR BPFREAPER_CONFIG=$HOST_ROOT/etc/bpfreaper/bpfreaper.json "$_ctl" "$@"
}

# ctl_say ARGS...: ctl, its lines prefixed like this script's own, its exit
# status kept (a pipe into sed would hide it).
ctl_say() {
	_out=$(ctl "$@" 2>&1) && _rc=0 || _rc=$?
	[ -z "$_out" ] || printf '%s\n' "$_out" | sed 's/^/bpfreaper-install: /'
	return "$_rc"
}

crio_present() {
	[ -d "$HOST_ROOT/etc/crio" ] || [ -x "$HOST_ROOT/usr/bin/crio" ] || [ -x "$HOST_ROOT/usr/local/bin/crio" ]
}

# The hooks.d files, by `configure --runtime=crio` where CRI-O is (its
# hooks_dir gets the directory if it lacks it; podman reads the same
# files), else --runtime=podman.
wire_hooksd() {
	_rt=podman
	! crio_present || _rt=crio
	# Directories configure would make are made here, so that the
	# manifest lists them and uninstall removes them.
	mkdirs "$HOOKSD_DIR"
	[ "$_rt" != crio ] || mkdirs /etc/crio/crio.conf.d
	set --
	[ "${BPFREAPER_OPT_IN:-0}" != 1 ] || set -- --opt-in
	for _e in ${BPFREAPER_HOOK_ENV:-}; do set -- "$@" --hook-env="$_e"; done
	ctl_say configure --runtime="$_rt" --root="${HOST_ROOT:-/}" --config="$HOOKSD_DIR" --hook-bin="$BIN_DIR" "$@" ||
		wire_failed "configure --runtime=$_rt"
}

# Docker's daemon.json merged (every other key kept, the default runtime
# chained); the reload by BPFREAPER_RESTART_MODE.
wire_docker() {
	if [ ! -e "$SRC/bin/bpfreaper-runtime" ]; then
		warn "no bpfreaper-runtime in $SRC/bin: Docker is not wired in"
		return 0
	fi
	ctl_say configure --runtime=docker --config="$HOST_ROOT$DOCKER_CONFIG" --wrapper="$BIN_DIR/bpfreaper-runtime" \
		--restart-mode="$RESTART_MODE" --pid-file="$HOST_ROOT/run/docker.pid" || wire_failed "configure --runtime=docker"
}

# unconfigure_all: every runtime configure recorded, before any binary
# goes: a runtime left pointing at a missing wrapper fails every container
# start. A failure stops the uninstall with the binaries still there.
unconfigure_all() {
	for _rec in "$HOST_ROOT$STATE_DIR"/configured-*.json; do
		[ -e "$_rec" ] || continue
		_rt=${_rec##*/configured-}
		_rt=${_rt%.json}
		case $_rt in
		crio | podman) set -- --root="${HOST_ROOT:-/}" ;;
		containerd) set -- --root="${HOST_ROOT:-/}" --restart-mode="$CTD_RESTART_MODE" ;;
		docker) set -- --restart-mode="$RESTART_MODE" --pid-file="$HOST_ROOT/run/docker.pid" ;;
		*) set -- ;;
		esac
		ctl_say unconfigure --runtime="$_rt" "$@" ||
			die "unconfigure --runtime=$_rt failed: the binaries stay; run" \
				"'bpfreaperctl unconfigure --runtime=$_rt' (BPFREAPER_STATE_DIR=$STATE_DIR), then uninstall again"
	done
}

# The ConfigMap's bpfreaper.json, if any, checked before the node uses it:
# while the live config is invalid every container runs unrecorded.
# Checked before anything is installed: a refused config changes nothing.
check_config() {
	[ ! -e "$CONFIG_SRC" ] || "$SRC/bin/bpfreaperctl" config check "$CONFIG_SRC" >&2 ||
		die "$CONFIG_SRC is not a valid bpfreaper.json: nothing installed"
}

install_config() {
	[ ! -e "$CONFIG_SRC" ] || put "$CONFIG_SRC" /etc/bpfreaper/bpfreaper.json 0644
}

do_install() {
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	NEW=$TMP/manifest
	: >"$NEW"
	[ -d "$HOST_ROOT/" ] || die "host root $HOST_ROOT is not a directory"
	check_config
	# Directories made by an earlier run stay recorded while they exist.
	[ ! -f "$HOST_ROOT$MANIFEST" ] ||
		awk '$1 == "d" { print }' "$HOST_ROOT$MANIFEST" | while read -r _k _s _d; do
			[ ! -d "$HOST_ROOT$_d" ] || echo "$_k $_s $_d" >>"$NEW"
		done
	# A read-only /usr (or wherever BPFREAPER_HOME points): say so before
	# anything is made.
	_d=$BIN_DIR
	while [ ! -d "$HOST_ROOT$_d" ]; do _d=$(dirname "$_d"); done
	[ -w "$HOST_ROOT$_d" ] ||
		die "$_d is not writable on this node: set BPFREAPER_HOME to a writable path (e.g. /var/lib/bpfreaper)"
	mkdirs "$BIN_DIR"
	mkdirs "$STATE_DIR"
	for _b in bpfreaper-prestart bpfreaper-poststop bpfreaperctl bpfreaper-runtime; do
		if [ -e "$SRC/bin/$_b" ]; then
			put "$SRC/bin/$_b" "$BIN_DIR/$_b" 0755
		elif [ "$_b" != bpfreaper-runtime ]; then
			die "$SRC/bin/$_b is missing"
		fi
	done
	install_config
	_wire=${BPFREAPER_WIRE:-auto}
	if [ "$_wire" = auto ]; then
		# hooks.d always: CRI-O and podman read it, nothing else does.
		_wire=hooksd
		[ ! -e "$HOST_ROOT$DOCKER_CONFIG" ] || _wire="$_wire docker"
		! containerd_present || _wire="$_wire containerd"
	fi
	for _w in $_wire; do
		case $_w in
		hooksd) wire_hooksd ;;
		docker) wire_docker ;;
		containerd) wire_containerd ;;
		*) die "BPFREAPER_WIRE: unknown '$_w' (hooksd, docker, containerd)" ;;
		esac
	done
	# What an earlier run installed and this one did not: gone, unless
	# changed since.
	if [ -f "$HOST_ROOT$MANIFEST" ]; then
		awk '$1 == "f" { print $2, $3 }' "$HOST_ROOT$MANIFEST" | while read -r _s _p; do
			awk -v p="$_p" '$3 == p { found = 1 } END { exit !found }' "$NEW" || remove_recorded "$_s" "$_p"
		done
	fi
	cp "$NEW" "$HOST_ROOT$MANIFEST.new"
	mv -f "$HOST_ROOT$MANIFEST.new" "$HOST_ROOT$MANIFEST"
	[ -z "$WIRE_FAILED" ] || die "not wired:$WIRE_FAILED (see above); manifest $MANIFEST"
	if [ "${BPFREAPER_SKIP_LOAD:-0}" != 1 ]; then
		# The tracer's bpffs is mounted under /run/bpfreaper: that volume
		# needs Bidirectional mount propagation to reach the node.
		"$SRC/bin/bpfreaperctl" load >/dev/null ||
			warn "bpfreaperctl load failed: the first container's prestart loads the tracer"
	fi
	say "installed; manifest $MANIFEST"
}

do_uninstall() {
	_m=$HOST_ROOT$MANIFEST
	unconfigure_all
	if [ ! -f "$_m" ]; then
		say "no $MANIFEST: nothing to remove"
		return 0
	fi
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	cp "$_m" "$TMP/manifest"
	awk '$1 == "f" { print $2, $3 }' "$TMP/manifest" | while read -r _s _p; do
		remove_recorded "$_s" "$_p"
	done
	rm -f "$_m"
	# Deepest first: the reverse of the order they were made in.
	awk '$1 == "d" { print $3 }' "$TMP/manifest" | sed -n '1!G;h;$p' | while read -r _d; do
		[ -d "$HOST_ROOT$_d" ] || continue
		if rmdir "$HOST_ROOT$_d" 2>/dev/null; then say "removed $_d/"; else warn "$_d is not empty: kept"; fi
	done
	say "uninstalled (the tracer stays loaded: bpfreaperctl unload once no container runs)"
}

# The DaemonSet's PID 1. The kernel gives PID 1 no default action for
# SIGTERM: without the trap the kubelet would wait out the grace period.
# The preStop hook (`stop`) has run by then.
do_run() {
	rm -f "$READY_FILE"
	do_install
	: >"$READY_FILE"
	say "ready"
	trap 'rm -f "$READY_FILE"; kill "$_sleeper" 2>/dev/null; exit 0' TERM INT
	sleep 2147483647 &
	_sleeper=$!
	wait "$_sleeper"
}

case $ACTION in
install) do_install ;;
uninstall) do_uninstall ;;
run) do_run ;;
stop)
	rm -f "$READY_FILE"
	if [ "${BPFREAPER_UNINSTALL_ON_STOP:-false}" = true ]; then do_uninstall; fi ;;
*) die "usage: $0 [install|uninstall|stop|run] [HOST_ROOT]" ;;
esac
