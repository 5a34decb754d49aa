# shellcheck shell=bash
# poststop finds a container's pins from its record: it looks where the
# container pinned, and walks the bpffs only when a pin moved (rename, hard
# link) or the record cannot place one. The report's timings say which.

# Pins the host made beside the container's are never opened: the search
# is "record", and they are all still there.
test_pins_found_from_the_record() {
	local r i
	mkdir -p "$P-many"
	for i in $(seq 200); do
		bpftool map create "$P-many/m$i" type array key 4 value 4 entries 1 name hostmany >/dev/null
	done
	make_bundle rec "bpfleak map /sys/fs/bpf/$E2E_PREFIX-rec-a && mkdir /sys/fs/bpf/$E2E_PREFIX-rec-d &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-rec-d/b" >/dev/null
	run_ctr rec || fail "$RUNTIME run: $(cat "$WORK/rec.err")"
	r=$(report_of rec)
	assert_eq "pin search" "$(jq -r .timings.pin_search "$r")" record
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$r")" 2
	assert_absent "$P-rec-a"
	assert_absent "$P-rec-d"
	assert_freed map $(ids_of rec map)
	assert_eq "host pins" "$(find "$P-many" -type f | wc -l)" 200
	rm -rf "$P-many"
}

# A renamed pin is not where the record says: the views are walked, and it
# is found by identity.
test_moved_pin_found_by_a_walk() {
	local r
	make_bundle mv "bpfleak map /sys/fs/bpf/$E2E_PREFIX-mv-a && mv /sys/fs/bpf/$E2E_PREFIX-mv-a /sys/fs/bpf/$E2E_PREFIX-mv-b &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-mv-c && ln /sys/fs/bpf/$E2E_PREFIX-mv-c /sys/fs/bpf/$E2E_PREFIX-mv-d" >/dev/null
	run_ctr mv || fail "$RUNTIME run: $(cat "$WORK/mv.err")"
	r=$(report_of mv)
	assert_eq "pin search" "$(jq -r .timings.pin_search "$r")" walk
	assert_absent "$P-mv-b"
	assert_absent "$P-mv-c"
	assert_absent "$P-mv-d"
	assert_freed map $(ids_of mv map)
}
