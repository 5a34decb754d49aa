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

# tracer_bytes DIR, tracer_map_bytes DIR: a tracer's maps' kernel memory.
# shellcheck source=tests/helpers/tracer-maps.sh
. "$ROOT/tests/helpers/tracer-maps.sh"

# pool_drain, pool_undrain: take every map off this run's tracer's pool
# (the free_slots stack) as containers would, without telling the pool's
# counts (so nothing tending it refills it); put them back.
pool_drain() {
	local v
	: >"$WORK/.drained"
	while v=$(bpftool -j map pop pinned "$TRACER_DIR/free_slots" 2>/dev/null) && [ -n "$v" ]; do
		echo "$v" | jq -r '.value | map(ltrimstr("0x")) | join(" ")' >>"$WORK/.drained"
	done
}
pool_undrain() {
	local v
	# shellcheck disable=SC2086 # one argument per byte
	while read -r v; do bpftool map push pinned "$TRACER_DIR/free_slots" value hex $v; done <"$WORK/.drained"
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

# le_hex BYTES N: N, little-endian, as BYTES hex bytes for bpftool.
le_hex() {
	printf "%0$(($1 * 2))x\n" "$2" | fold -w2 | tac | tr '\n' ' '
}

# records_maps_of CGID: the ids of the maps that hold this registered
# cgroup's records, one a line: the shared `first` map, and its own map if
# the tracer took one from the pool (its cg_state's slot, bytes 24..27 of
# struct cg_state in bpf/record.h, names it in slot_maps; NO_SLOT if none).
records_maps_of() {
	local slot
	bpftool -j map show pinned "$TRACER_DIR/first" | jq .id
	# shellcheck disable=SC2046 # one argument per byte
	slot=$(bpftool -j map lookup pinned "$TRACER_DIR/cgroups" key hex $(le_hex 8 "$1") |
		jq -r '.value[24:28] | reverse | map(ltrimstr("0x")) | join("")') || return 1
	[ "$slot" != ffffffff ] || return 0
	# shellcheck disable=SC2046
	bpftool -j map lookup pinned "$TRACER_DIR/slot_maps" key hex $(le_hex 4 $((16#$slot))) |
		jq -r '.value | reverse | map(ltrimstr("0x")) | join("") | "0x" + .' | while read -r v; do echo $((v)); done
}

# pool_spare: the empty records maps in this run's tracer's pool (pushed
# less popped, its `pool` array).
pool_spare() {
	bpftool -j map dump pinned "$TRACER_DIR/pool" |
		jq -r '[.[] | .value | if type == "array" then (reverse | map(ltrimstr("0x")) | join("") | "0x" + .) else . end] | .[]' |
		{ read -r pushed; read -r popped; echo $((pushed - popped)); }
}

# record_rewrite_id MAP OFFSET OLD NEW: in the records map MAP, every
# record holding the object id OLD at byte OFFSET of struct record (60: a
# creation's, 348: a pin's, in layout 7 of bpf/record.h: at a wrong offset
# nothing matches and it prints 0) gets NEW there, the rest of the record
# (its fingerprint) unchanged: the id reused by another object, as the
# kernel does after a free. Prints how many records it rewrote.
record_rewrite_id() {
	local map=$1 off=$2 old new n=0 key value
	old=$(le_hex 4 "$3" | xargs)
	new=$(le_hex 4 "$4" | xargs)
	while read -r key value; do
		# shellcheck disable=SC2086 # one argument per byte
		bpftool map update id "$map" key hex ${key//,/ } value hex $value >/dev/null || return 1
		n=$((n + 1))
	done < <(bpftool -j map dump id "$map" | jq -r --argjson off "$off" --arg old "$old" --arg new "$new" '
		.[] | (.value | map(ltrimstr("0x"))) as $v
		| select($v[$off:$off + 4] | join(" ") == $old)
		| (.key | map(ltrimstr("0x")) | join(",")) + " " + ($v[:$off] + ($new | split(" ")) + $v[$off + 4:] | join(" "))')
	echo "$n"
}
