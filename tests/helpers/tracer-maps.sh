# shellcheck shell=bash
# Sourced by bench/run and tests/e2e/lib/bpf.sh.
#
# tracer_map_bytes DIR: "id bytes_memlock", one line per map of the tracer
# pinned in DIR (a run directory's bpffs/tracer_v*): those pinned there,
# those its programs use (through the pinned links), and the records maps
# in its `records` array. Other runs' tracers on the machine have maps of
# the same names: a name is not enough.
tracer_map_bytes() {
	local d=$1 f ids
	[ -d "$d" ] || { echo "no tracer in $d" >&2; return 1; }
	ids=$(
		for f in "$d"/*; do
			case ${f##*/} in
			link_*) bpftool -j link show pinned "$f" | jq -r '.prog_id' |
				while read -r p; do bpftool -j prog show id "$p" | jq -r '.map_ids[]?'; done ;;
			*) bpftool -j map show pinned "$f" | jq -r .id ;;
			esac
		done
		# An array of maps dumps each inner map's id as 4 bytes, little-endian.
		bpftool -j map dump pinned "$d/records" | jq -r '.[] | .value | reverse | map(ltrimstr("0x") | explode
			| map(if . >= 97 then . - 87 elif . >= 65 then . - 55 else . - 48 end) | .[0] * 16 + .[1])
			| reduce .[] as $b (0; . * 256 + $b)'
	)
	bpftool -j map show | jq -r --argjson ids "[$(echo "$ids" | sort -u | paste -sd, -)]" \
		'.[] | select(.id as $i | $ids | index($i)) | "\(.id) \(.bytes_memlock)"'
}

# tracer_bytes DIR: the sum of them.
tracer_bytes() { tracer_map_bytes "$1" | awk '{ s += $2 } END { print s + 0 }'; }
