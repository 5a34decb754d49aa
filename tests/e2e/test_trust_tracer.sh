# shellcheck shell=bash
# A hostile container against the record: it fakes the results of its own
# syscalls (seccomp user notification answered by its own thread), races
# its own fd table and memory, and fills its records. Each test asserts the
# host's object, directory, link or attachment is exactly as before, and
# that what the container really made is still removed.

# The host's empty directory, symlink and pinned map survive a container
# that "made" them with faked mkdir/symlink/BPF_MAP_CREATE results.
test_faked_map_create_mkdir_symlink() {
	local host_id r
	host_id=$(host_map "$P-fk-map")
	mkdir "$P-fk-dir"
	ln -s x "$P-fk-sym"
	make_bundle fk "bpffake map-create /sys/fs/bpf/$E2E_PREFIX-fk-map &&
		bpffake mkdir /sys/fs/bpf/$E2E_PREFIX-fk-dir &&
		bpffake symlink x /sys/fs/bpf/$E2E_PREFIX-fk-sym &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-fk-own" >/dev/null
	run_ctr fk || fail "$RUNTIME run: $(cat "$WORK/fk.err")"
	grep -q "faked bpf(0) returned fd" "$WORK/fk.out" || fail "the fake did not happen: $(cat "$WORK/fk.out")"
	assert_present "$P-fk-map"
	assert_alive map "$host_id"
	[ -d "$P-fk-dir" ] || fail "the host's directory was removed"
	[ "$(readlink "$P-fk-sym")" = x ] || fail "the host's symlink was removed"
	# What the container really made still goes.
	assert_absent "$P-fk-own"
	# Not even recorded: a skipped call has no sys_enter (the removal
	# side's own checks would keep the host's things too, and say so).
	r=$(report_of fk)
	assert_eq "objects recorded" "$(jq '[.created[] | select(.id == '"$host_id"')] | length' "$r")" 0
	assert_eq "unproven" "$(jq '.unproven | length' "$r")" 0
	assert_eq "dirs left" "$(jq '.left.dirs | length' "$r")" 0
	assert_eq "symlinks left" "$(jq '.left.symlinks | length' "$r")" 0
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$r")" 1
	rm -rf "$P-fk-map" "$P-fk-dir" "$P-fk-sym"
}

# The host's cgroup link survives a container whose BPF_LINK_CREATE
# "returned" an fd of it.
test_faked_link_create() {
	local cg=$CG2/$CG_PARENT/$E2E_PREFIX-fkcg before after
	mkdir -p "$cg"
	"$BPFLEAK" cglink "$cg" "$P-fk-link" >/dev/null
	before=$(bpftool cgroup show "$cg")
	[ -n "$before" ] || fail "the host link is not attached"
	make_bundle fkl "bpffake link-create /sys/fs/bpf/$E2E_PREFIX-fk-link" >/dev/null
	run_ctr fkl || fail "$RUNTIME run: $(cat "$WORK/fkl.err")"
	grep -q "faked bpf(28) returned fd" "$WORK/fkl.out" || fail "the fake did not happen: $(cat "$WORK/fkl.out")"
	after=$(bpftool cgroup show "$cg")
	assert_eq "host cgroup view" "$after" "$before"
	assert_present "$P-fk-link"
	assert_eq "links detached" "$(jq '.removed.links_detached | length' "$(report_of fkl)")" 0
	assert_eq "recorded at all" "$(jq '(.created | length) + (.unproven | length)' "$(report_of fkl)")" 0
	rm -f "$P-fk-link"
	rmdir "$cg"
}

# A second thread keeps dup2()ing an fd of the host's map onto the fd
# number BPF_MAP_CREATE returns: the tracepoint backend's probe at sys_exit
# then finds the host's map there. The host's pin survives; the report lists
# what could not be proven. The trampoline backend reads the fd inside
# __sys_bpf, right after the kernel installed it, where a swap seldom lands
# first: its report need not name the host's map, and the pin survives all
# the same.
test_fd_swap_race() {
	local host_id r swapped
	host_id=$(host_map "$P-sw-map")
	# Three rounds: a busy machine can make one round lose every race.
	make_bundle sw "for i in 1 2 3; do bpffake swap /sys/fs/bpf/$E2E_PREFIX-sw-map 6000 || exit 1; done &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-sw-own" >/dev/null
	run_ctr sw || fail "$RUNTIME run: $(cat "$WORK/sw.err")"
	swapped=$(awk '$1 == "swapped" { n += $2 } END { print n + 0 }' "$WORK/sw.out")
	[ "${swapped:-0}" -gt 0 ] || fail "the race was never won ($(cat "$WORK/sw.out")): the test proves nothing"
	assert_present "$P-sw-map"
	assert_alive map "$host_id"
	assert_absent "$P-sw-own"
	r=$(report_of sw)
	if [ "$(jq -r .tracer_backend "$r")" = tracepoint ]; then
		[ "$(jq '[.unproven[]? | select(.id == '"$host_id"')] | length' "$r")" -gt 0 ] ||
			fail "the report does not name the unproven host map $host_id"
	fi
	echo "    swaps won by the container: $swapped of 18000"
	rm -f "$P-sw-map"
}

# BPF_PROG_ATTACH arguments flipped in memory by a second thread, between
# its own program on its own cgroup and the host's program on a host
# cgroup: the host cgroup keeps exactly the host's program.
test_attach_argument_race() {
	local own=$CG2/$CG_PARENT/$E2E_PREFIX-ar-own host=$CG2/$CG_PARENT/$E2E_PREFIX-ar-host before after prog_id attached
	mkdir -p "$own" "$host"
	bpftool prog loadall "$ROOT/build/test-progs.bpf.o" "$P-ar-progs" >/dev/null
	bpftool cgroup attach "$host" ingress pinned "$P-ar-progs/cg_pass" multi
	prog_id=$(bpftool -j prog show pinned "$P-ar-progs/cg_pass" | jq .id)
	before=$(bpftool cgroup show "$host")
	make_bundle ar "bpffake attach-race /owncg /hostcg $prog_id 3000" >/dev/null
	bundle_edit ar '.mounts += [{destination: "/owncg", type: "bind", source: $own, options: ["rbind", "rw"]},
		{destination: "/hostcg", type: "bind", source: $host, options: ["rbind", "rw"]}]' \
		--arg own "$own" --arg host "$host"
	run_ctr ar || fail "$RUNTIME run: $(cat "$WORK/ar.err")"
	attached=$(awk '$1 == "attached" { print $2 }' "$WORK/ar.out")
	[ "${attached:-0}" -gt 0 ] || fail "the race never happened: $(cat "$WORK/ar.out")"
	echo "    attaches that went through during the race: $attached of 3000"
	after=$(bpftool cgroup show "$host")
	assert_eq "host cgroup view" "$after" "$before"
	bpftool cgroup detach "$host" ingress pinned "$P-ar-progs/cg_pass"
	rm -rf "$P-ar-progs"
	rmdir "$own" "$host"
}

# 9 containers that each churn past their budget (30 720 object records):
# together they record more than the old shared table held (262 144),
# which then refused every other container's records. Now each overflows
# only its own budget: a victim that records while all of them are alive,
# their records still held (no poststop has run) and still churning, keeps
# every record, and its pin is removed. The victim registers first, so a
# table shared by all (or one a registration empties) is full by then.
test_records_isolated_between_containers() {
	local i n=9 hog_pids=() victim_pid r deadline
	need_runtime
	make_bundle victim "until [ -e /sync/go ]; do sleep 0.05; done; bpfleak map /sys/fs/bpf/$E2E_PREFIX-victim" >/dev/null
	timeout 300 "$(rt_cmd)" run -b "$WORK/bundles/victim" "$E2E_PREFIX-victim" >"$WORK/victim.out" 2>"$WORK/victim.err" </dev/null &
	victim_pid=$!
	wait_for "$(state_of victim)"
	for i in $(seq $n); do
		# Maps freed with their programs, unseen by the tracer: their
		# records stay until gc or poststop, and overflow the budget.
		# Then more of the same until released.
		make_bundle "hog$i" "bpfleak progchurn 31000 && touch /sync/flooded &&
			until [ -e /sync/go ]; do bpfleak progchurn 50 || exit 1; sleep 0.2; done" >/dev/null
		timeout 300 "$(rt_cmd)" run -b "$WORK/bundles/hog$i" "$E2E_PREFIX-hog$i" \
			>"$WORK/hog$i.out" 2>"$WORK/hog$i.err" </dev/null &
		hog_pids+=($!)
	done
	# Every hog past its budget, none gone: each still holds its records.
	deadline=$((SECONDS + 240))
	for i in $(seq $n); do
		until [ -e "$WORK/sync/hog$i/flooded" ]; do
			kill -0 "${hog_pids[$((i - 1))]}" 2>/dev/null || fail "hog$i ended before its flood: $(cat "$WORK/hog$i.err")"
			[ $SECONDS -lt $deadline ] || fail "hog$i did not finish its flood in 240 s"
			sleep 0.2
		done
	done
	touch "$WORK/sync/victim/go"
	wait "$victim_pid" || fail "victim: $(cat "$WORK/victim.err")"
	for i in $(seq $n); do
		kill -0 "${hog_pids[$((i - 1))]}" 2>/dev/null || fail "hog$i was gone before the victim finished"
		assert_absent "$(report_of "hog$i")"
	done
	r=$(report_of victim)
	assert_absent "$P-victim"
	assert_eq "victim overflow" "$(jq .overflow.objects "$r")" false
	assert_eq "victim pins removed" "$(jq '.removed.pins | length' "$r")" 1
	assert_freed map "$(ids_of victim map)"
	for i in $(seq $n); do touch "$WORK/sync/hog$i/go"; done
	for i in $(seq $n); do
		wait "${hog_pids[$((i - 1))]}" || fail "hog$i: $(cat "$WORK/hog$i.err")"
		grep -qx "progchurned 31000" "$WORK/hog$i.out" || fail "hog$i did not churn: $(cat "$WORK/hog$i.out")"
		assert_eq "hog$i's own overflow" "$(jq .overflow.objects "$(report_of "hog$i")")" true
	done
}

# Directories on other filesystems (a package install, a build), or on a
# bpffs of the container's own that is none of its views, do not use the
# directory budget: a bpffs directory made after thousands of them is still
# recorded and removed.
test_ordinary_dirs_do_not_use_the_budget() {
	local r
	make_bundle od "bpfleak mkdirs /sync 3000 && busybox mount -t bpf bpf /tmp && bpfleak mkdirs /tmp 3000 &&
		mkdir /sys/fs/bpf/$E2E_PREFIX-od && bpfleak map /sys/fs/bpf/$E2E_PREFIX-od/m" >/dev/null
	run_ctr od || fail "$RUNTIME run: $(cat "$WORK/od.err")"
	r=$(report_of od)
	assert_eq "dirs overflow" "$(jq .overflow.dirs "$r")" false
	assert_absent "$P-od"
	assert_eq "dirs removed" "$(jq '.removed.dirs | length' "$r")" 1
}

# A second thread takes each map BPF_MAP_CREATE returns to another fd
# number and puts /dev/null at the returned one: when it lands before the
# tracer's probe at sys_exit, the creation has no record (a race: a loaded
# machine seldom runs both threads at once). The container pins the maps it
# took, and then a map of its own through a bpf_fd switched to /dev/null
# while the kernel, holding the map already, waits for the path
# (userfaultfd): a pin no probe can resolve, on either backend. The report
# counts the unresolved calls; each pin of a map no record proves is named
# unproven, never removed; its own map's pin is found by the walk and
# removed. The host's pin and map, made after the registration (a walk
# reaches them), are exactly as before.
test_hidden_creation_race() {
	local host_id r unresolved hidden=0 id path pid out=$WORK/sync/hide/out
	make_bundle hide "bpffake hide /sys/fs/bpf/$E2E_PREFIX-hidden 20000 > /sync/out.tmp && mv /sync/out.tmp /sync/out &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	bundle_edit hide '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
	timeout 120 "$(rt_cmd)" run -b "$WORK/bundles/hide" "$E2E_PREFIX-hide" \
		>"$WORK/hide.out" 2>"$WORK/hide.err" </dev/null &
	pid=$!
	exists_within 100 "$out" || {
		kill "$pid" 2>/dev/null || true
		wait "$pid" || true
		fail "bpffake hide did not finish: $(cat "$WORK/hide.out" "$WORK/hide.err")"
	}
	host_id=$(host_map "$P-hide-host")
	touch "$WORK/sync/hide/go"
	wait "$pid" || fail "$RUNTIME run: $(cat "$WORK/hide.err")"
	assert_present "$P-hide-host"
	assert_alive map "$host_id"
	assert_eq "the host's pin still holds its map" "$(bpftool -j map show pinned "$P-hide-host" | jq .id)" "$host_id"
	r=$(report_of hide)
	unresolved=$(jq .unresolved "$r")
	[ "${unresolved:-0}" -gt 0 ] || fail "no call went unresolved, not even the pin: $(cat "$out")"
	# Its own map's pin, made unseen: found by the walk, removed.
	path=$(awk '$1 == "ownpin" { print $2 }' "$out")
	[ -n "$path" ] || fail "the own map was not pinned: $(cat "$out")"
	assert_absent "$path"
	assert_eq "its own map's pin removed" "$(jq '[.removed.pins[] | select(.path == "'"$path"'")] | length' "$r")" 1
	# The host's pin, newer than the registration, cannot be told from
	# one of the hidden maps: it may be named unproven too, never removed.
	# Each pin of a taken map: of one whose creation was recorded after
	# all (the probe ran before the swap), removed; of one the tracer
	# missed, never removed, and named.
	while read -r id path; do
		if [ "$(jq '[.removed.pins[] | select(.path == "'"$path"'" and .id == '"$id"')] | length' "$r")" = 1 ]; then
			assert_absent "$path"
			continue
		fi
		hidden=$((hidden + 1))
		assert_present "$path"
		[ "$(jq '[.unproven_pins[] | select(.path == "'"$path"'" and .id == '"$id"')] | length' "$r")" = 1 ] ||
			fail "the pin $path of the unrecorded map $id is not named unproven: $(jq -c .unproven_pins "$r")"
	done < <(awk '$1 == "pinned" { print $2, $3 }' "$out")
	echo "    unresolved calls: $unresolved (1 the pin); pinned maps without a record: $hidden of $(awk '$1 == "kept" { print $2 }' "$out")"
	rm -f "$P-hide-host" "$P"-hidden*
}
