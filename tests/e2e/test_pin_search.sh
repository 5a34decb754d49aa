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
	assert_freed map "$(ids_of rec map)"
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
	assert_freed map "$(ids_of mv map)"
}

# Pins older than the container cannot hold its objects (pinning makes a new
# inode, and every one of its objects was made after its registration): a
# walk passes over them by their ctime without opening them. A host pin the
# container renamed has a new ctime: it is opened, judged by identity and
# left where the container put it. A directory older than the container
# has had no name added since: its files are passed over from its entries;
# one the container moved its pin into is new again, and the pin is found.
# An old directory without subdirectories is not even read.
test_walk_passes_over_pins_older_than_the_container() {
	local r i older
	mkdir -p "$P-old" "$P-old2/sub" "$P-old3"
	for i in $(seq 100); do
		bpftool map create "$P-old/m$i" type array key 4 value 4 entries 1 name hostold >/dev/null
	done
	for i in $(seq 20); do
		bpftool map create "$P-old3/m$i" type array key 4 value 4 entries 1 name hostold >/dev/null
	done
	for i in $(seq 50); do
		bpftool map create "$P-old2/sub/m$i" type array key 4 value 4 entries 1 name hostold >/dev/null
	done
	sleep 1.2 # older than the slack poststop allows for a clock stepped back
	make_bundle old "bpfleak map /sys/fs/bpf/$E2E_PREFIX-old-a && mv /sys/fs/bpf/$E2E_PREFIX-old-a /sys/fs/bpf/$E2E_PREFIX-old-b &&
		mv /sys/fs/bpf/$E2E_PREFIX-old/m1 /sys/fs/bpf/$E2E_PREFIX-old/m1x &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-old-c && mv /sys/fs/bpf/$E2E_PREFIX-old-c /sys/fs/bpf/$E2E_PREFIX-old2/sub/c" >/dev/null
	run_ctr old || fail "$RUNTIME run: $(cat "$WORK/old.err")"
	r=$(report_of old)
	assert_eq "pin search" "$(jq -r .timings.pin_search "$r")" walk
	assert_absent "$P-old-b"
	assert_absent "$P-old2/sub/c"
	assert_freed map "$(ids_of old map)"
	assert_present "$P-old/m1x"
	assert_eq "host pins" "$(find "$P-old" "$P-old2" "$P-old3" -type f | wc -l)" 170
	older=$(jq .timings.pins_older "$r")
	[ "$older" -ge 99 ] || fail "pins older than the container passed over: $older, want at least 99"
	[ "$(jq .timings.pins_opened "$r")" -ge 3 ] || fail "the moved pins were not opened: $(jq -c .timings "$r")"
	# $P-old3: older, no subdirectory: not read at all.
	[ "$(jq .timings.dirs_older "$r")" -ge 1 ] || fail "no old directory passed over: $(jq -c .timings "$r")"
	rm -rf "$P-old" "$P-old2" "$P-old3"
}
