# shellcheck shell=bash
# BPF objects and the tracer, as the host sees them: objects by id, maps the
# host pins itself, and the registrations in the pinned tracer.

# The pinned tracer of this build's record layout (bpf/record.h), in the
# run directory's private bpffs.
TRACER_DIR=$RUN_DIR/bpffs/tracer_v$(awk '/define TRACER_LAYOUT_VERSION/ {print $3}' "$ROOT/bpf/record.h")

obj_alive() { # KIND ID
	bpftool "$1" show id "$2" >/dev/null 2>&1
}

# ids_of NAME KIND: the ids bpfleak printed for objects of KIND.
ids_of() {
	awk -v k="$2" '$1 == k { print $2 }' "$WORK/$1.out"
}

# host_map PATH: a map the host makes and pins; prints its id (the leak
# check sees it like any other new id).
host_map() {
	local id
	bpftool map create "$1" type hash key 4 value 4 entries 4 name hostmap >/dev/null &&
		id=$(bpftool map show pinned "$1" | awk -F: 'NR == 1 { print $1 }') &&
		echo "$id"
}

# registrations: how many cgroups the tracer records for (0 without tracer).
registrations() {
	local m=$TRACER_DIR/cgroups
	if [ -e "$m" ]; then bpftool -j map dump pinned "$m" | jq length; else echo 0; fi
}

# registered CGID: the tracer still records for this cgroup id. The map has
# no BTF: its key is the id's 8 bytes, little-endian.
registered() {
	local m=$TRACER_DIR/cgroups key
	[ -e "$m" ] || return 1
	key=$(printf '%016x\n' "$1" | fold -w2 | tac | tr '\n' ' ')
	# shellcheck disable=SC2086 # one argument per byte
	bpftool map lookup pinned "$m" key hex $key >/dev/null 2>&1
}

# assert_unregistered CGID: the tracer no longer records for this cgroup
# id. Asked of one container's cgroup, never as a count: other runs and
# other containers on the host may be registered meanwhile.
assert_unregistered() {
	[ -n "$1" ] && [ "$1" != null ] || fail "no cgroup id to check"
	! registered "$1" || fail "cgroup id $1 is still registered"
}

# tracer_slot_maps: the ids of the records maps in this run's tracer's
# slots (its slot_maps array; 0 is an empty slot), one a line, sorted. Not
# every records map on the host: other runs load tracers of their own.
tracer_slot_maps() {
	bpftool -j map dump pinned "$TRACER_DIR/slot_maps" |
		jq -r '.[] | .value | if type == "array" then (reverse | map(ltrimstr("0x")) | join("") | "0x" + .) else . end' |
		while read -r v; do echo $((v)); done | grep -vx 0 | sort -n
}

# registered_keys: the cgroup ids the tracer records for, each as 16 hex
# digits (printf %016x), sorted.
registered_keys() {
	local m=$TRACER_DIR/cgroups
	[ -e "$m" ] || return 0
	bpftool -j map dump pinned "$m" 2>/dev/null |
		jq -r '.[].key | reverse | map(ltrimstr("0x")) | join("")' | LC_ALL=C sort
}
