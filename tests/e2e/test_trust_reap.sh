# shellcheck shell=bash
# A hostile container controls the names, symlinks and renames in any bpffs
# it can write. Whatever trick it plays, poststop removes its own objects
# inside what it could write, touches nothing else, and the report says what
# it left and why. Keep rules keep everything they cover: a kept pin keeps
# its link, program and attachments.

# bind_cgroup NAME CGROUP: the host cgroup directory at /hostcg in NAME.
bind_cgroup() {
	bundle_edit "$1" '.mounts += [{destination: "/hostcg", type: "bind", source: $cg, options: ["rbind", "rw"]}]' \
		--arg cg "$2"
}

prog_id_pinned() {
	bpftool -j prog show pinned "$1" | jq .id
}

# The container records mkdir d/globals, removes d and renames a symlink to
# a host directory into its place: rmdir("d/globals") would remove the
# host's empty hostside/globals.
test_symlink_swapped_over_a_recorded_dir() {
	local r
	mkdir -p "$P-hostside/globals"
	# Moved away before removal: an rmdir of the recorded name itself
	# would drop its record (test_churn.sh).
	make_bundle swap "mkdir -p /sys/fs/bpf/$E2E_PREFIX-d/globals && mv /sys/fs/bpf/$E2E_PREFIX-d /sys/fs/bpf/$E2E_PREFIX-d-old &&
		rm -r /sys/fs/bpf/$E2E_PREFIX-d-old &&
		ln -s /sys/fs/bpf/$E2E_PREFIX-hostside /sys/fs/bpf/$E2E_PREFIX-d-tmp &&
		mv -T /sys/fs/bpf/$E2E_PREFIX-d-tmp /sys/fs/bpf/$E2E_PREFIX-d" >/dev/null
	run_ctr swap || fail "$RUNTIME run: $(cat "$WORK/swap.err")"
	r=$(report_of swap)
	assert_present "$P-hostside/globals"
	# The symlink is the container's (its record's entry, renamed from
	# d-tmp: found by identity), removed before the directories, so the
	# recorded d/globals is simply gone by then.
	[ ! -L "$P-d" ] || fail "the container's symlink $P-d is still there"
	assert_eq "left dirs" "$(jq -c '[.left.dirs[] | [.path, .why]]' "$r")" "[]"
	assert_eq "removed symlinks" "$(jq -c '[.removed.symlinks[].path]' "$r")" "[\"$P-d\"]"
	assert_eq "removed dirs" "$(jq '.removed.dirs | length' "$r")" 0
	rm -rf "$P-hostside"
}

# A recorded pin path that is a symlink to a host pin by poststop.
test_pin_path_now_a_symlink_to_a_host_pin() {
	local r host_id
	host_id=$(host_map "$P-hostpin")
	make_bundle pinsym "bpfleak map /sys/fs/bpf/$E2E_PREFIX-p && rm /sys/fs/bpf/$E2E_PREFIX-p &&
		ln -s /sys/fs/bpf/$E2E_PREFIX-hostpin /sys/fs/bpf/$E2E_PREFIX-p" >/dev/null
	run_ctr pinsym || fail "$RUNTIME run: $(cat "$WORK/pinsym.err")"
	r=$(report_of pinsym)
	assert_present "$P-hostpin"
	assert_alive map "$host_id"
	assert_freed map "$(ids_of pinsym map)"
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$r")" 0
	[ ! -L "$P-p" ] || fail "the container's symlink $P-p is still there"
	rm -f "$P-hostpin"
}

# The host bpffs bound read-only, a subdirectory of it bound writable: the
# container's pin in its subdirectory goes; a pin of its map that the host
# made outside (here by id, while the container ran) stays, and the report
# says why.
test_readonly_host_bpffs_and_writable_subdir() {
	local r map ctr_pid
	mkdir -p "$P-sub"
	make_bundle ro "bpfleak map /sys/fs/bpf/$E2E_PREFIX-sub/m >/sync/ids && touch /sync/made &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	bundle_edit ro '(.mounts[] | select(.destination == "/sys/fs/bpf")).options = ["rbind", "ro"]
		| .mounts += [{destination: $sub, type: "bind", source: $sub, options: ["rbind", "rw"]}]' \
		--arg sub "$P-sub"
	bundle_edit ro '(.hooks.poststop[0].args) += ["--wait-ms=200"]'
	run_ctr ro &
	ctr_pid=$!
	wait_for "$WORK/sync/ro/made"
	map=$(awk '$1 == "map" { print $2 }' "$WORK/sync/ro/ids")
	bpftool map pin id "$map" "$P-hostheld"
	assert_eq "read-only binds in the state" \
		"$(jq -c '[.binds[] | select(.readonly) | .destination]' "$(state_of ro)")" "[\"/sys/fs/bpf\"]"
	touch "$WORK/sync/ro/go"
	wait $ctr_pid || fail "$RUNTIME run: $(cat "$WORK/ro.err")"
	r=$(report_of ro)
	assert_absent "$P-sub/m"
	assert_present "$P-hostheld"
	assert_alive map "$map"
	assert_eq "removed" "$(jq -c '[.removed.pins[].path]' "$r")" "[\"$P-sub/m\"]"
	assert_eq "left" "$(jq -c '[.left.pins[] | [.path, .why]]' "$r")" \
		"[[\"$P-hostheld\",\"outside the container's writable bpffs\"]]"
	assert_eq "survivor" "$(jq -r '.survivors[0].pinned_at' "$r")" "$P-hostheld"
	rm -f "$P-hostheld"
	rmdir "$P-sub"
	assert_freed map "$map"
}

# A read-only bind over part of a writable one: the container's bpffs view
# is writable, but a later bind covers one of its directories read-only.
# The container pins two maps and moves one (so poststop walks the view);
# the host moves the other pin into the covered directory, where the
# container could not unpin it: so poststop does not either, and names it.
test_readonly_bind_nested_in_a_writable_view() {
	local r maps ctr_pid
	mkdir -p "$P-nro"
	make_bundle nro "bpfleak map /sys/fs/bpf/$E2E_PREFIX-nro-own >/sync/ids &&
		bpfleak map /sys/fs/bpf/$E2E_PREFIX-nro-b >>/sync/ids &&
		mv /sys/fs/bpf/$E2E_PREFIX-nro-own /sys/fs/bpf/$E2E_PREFIX-nro-moved && touch /sync/made &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	bundle_edit nro '.mounts += [{destination: $dst, type: "bind", source: $src, options: ["rbind", "ro"]}]' \
		--arg dst "/sys/fs/bpf/$E2E_PREFIX-nro" --arg src "$P-nro"
	bundle_edit nro '(.hooks.poststop[0].args) += ["--wait-ms=200"]'
	run_ctr nro &
	ctr_pid=$!
	wait_for "$WORK/sync/nro/made"
	mapfile -t maps < <(awk '$1 == "map" { print $2 }' "$WORK/sync/nro/ids")
	[ ${#maps[@]} = 2 ] || fail "map ids: $(cat "$WORK/sync/nro/ids")"
	mv "$P-nro-b" "$P-nro/hostheld"
	touch "$WORK/sync/nro/go"
	wait $ctr_pid || fail "$RUNTIME run: $(cat "$WORK/nro.err")"
	r=$(report_of nro)
	assert_absent "$P-nro-moved"
	assert_present "$P-nro/hostheld"
	assert_alive map "${maps[1]}"
	assert_eq "removed" "$(jq -c '[.removed.pins[].path]' "$r")" "[\"$P-nro-moved\"]"
	assert_eq "left" "$(jq -c '[.left.pins[] | [.path, .why]]' "$r")" \
		"[[\"$P-nro/hostheld\",\"outside the container's writable bpffs\"]]"
	rm -f "$P-nro/hostheld"
	rmdir "$P-nro"
	assert_freed map "${maps[@]}"
}

# A pinned XDP link under a keep rule: the pin, the link and the device's
# XDP program all stay, and the report lists them as kept.
test_kept_xdp_link_stays_attached() {
	local r link prog _
	veth_up
	make_bundle kxdp "mkdir /sys/fs/bpf/$E2E_PREFIX-keep &&
		bpfleak xdplink $VETH /sys/fs/bpf/$E2E_PREFIX-keep/link" >/dev/null
	host_netns kxdp
	annotate kxdp io.bpfreaper.keep "$P-keep/*"
	run_ctr kxdp || fail "$RUNTIME run: $(cat "$WORK/kxdp.err")"
	r=$(report_of kxdp)
	link=$(ids_of kxdp link)
	prog=$(ids_of kxdp prog)
	assert_present "$P-keep/link"
	assert_alive link "$link"
	ip -d link show dev "$VETH" | grep -q "prog/xdp id $prog" ||
		fail "the kept link's XDP program was detached: $(ip -d link show dev "$VETH")"
	assert_eq "kept pin" "$(jq -c '[.kept[] | select(.path) | [.path, .rule]]' "$r")" \
		"[[\"$P-keep/link\",\"$P-keep/*\"]]"
	assert_eq "kept attachment" "$(jq -c '[.kept[] | select(.where) | [(.where | split(" ")[0]), .id, .rule]]' "$r")" \
		"[[\"xdp\",$prog,\"$P-keep/*\"]]"
	assert_eq "links detached" "$(jq '.removed.links_detached | length' "$r")" 0
	assert_eq "attachments detached" "$(jq '.removed.attachments | length' "$r")" 0
	assert_eq "survivors" "$(jq '.survivors | length' "$r")" 0
	rm -rf "$P-keep"
	# Unpinned, the link goes and takes the program off the device. The
	# kernel releases a link after a grace period: wait for it (5 s at
	# most), not a fixed time.
	for _ in $(seq 50); do
		obj_alive link "$link" || break
		sleep 0.1
	done
	assert_freed link "$link"
	! ip -d link show dev "$VETH" | grep -q "prog/xdp" || fail "XDP still attached after unpinning"
	veth_down
}

# A program pinned under a keep rule keeps its legacy cgroup attachment.
test_kept_program_keeps_its_cgroup_attachment() {
	local cg=$CG2/$CG_PARENT/$E2E_PREFIX-keepcg r prog
	mkdir -p "$cg"
	make_bundle kcg "bpftool prog loadall /progs.o /sys/fs/bpf/$E2E_PREFIX-keep2 &&
		bpftool cgroup attach /hostcg ingress pinned /sys/fs/bpf/$E2E_PREFIX-keep2/cg_pass multi" >/dev/null
	bind_cgroup kcg "$cg"
	annotate kcg io.bpfreaper.keep "$P-keep2/*"
	run_ctr kcg || fail "$RUNTIME run: $(cat "$WORK/kcg.err")"
	r=$(report_of kcg)
	prog=$(prog_id_pinned "$P-keep2/cg_pass")
	assert_eq "cgroup attachments" "$(bpftool -j cgroup show "$cg" | jq -c '[.[] | [.id, .attach_type]]')" \
		"[[$prog,\"cgroup_inet_ingress\"]]"
	assert_eq "kept attachment" "$(jq -c '[.kept[] | select(.where) | [.where, .id, .rule]]' "$r")" \
		"[[\"cgroup $cg cgroup_inet_ingress\",$prog,\"$P-keep2/*\"]]"
	assert_eq "attachments detached" "$(jq '.removed.attachments | length' "$r")" 0
	bpftool cgroup detach "$cg" ingress pinned "$P-keep2/cg_pass"
	rm -rf "$P-keep2"
	rmdir "$cg"
}

# The container attaches its own program and, to the same host cgroup, a
# host program it can open: its attach record names the host's program, as
# a racing thread's rewrite would. Only the container's program is detached.
test_host_program_attached_by_the_container_stays() {
	local cg=$CG2/$CG_PARENT/$E2E_PREFIX-hostcg r host_prog
	mkdir -p "$cg"
	bpftool prog loadall "$ROOT/build/test-progs.bpf.o" "$P-hostprogs" >/dev/null
	bpftool cgroup attach "$cg" ingress pinned "$P-hostprogs/cg_pass" multi
	host_prog=$(prog_id_pinned "$P-hostprogs/cg_pass")
	make_bundle hcg "bpftool prog loadall /progs.o /sys/fs/bpf/$E2E_PREFIX-hcg &&
		bpftool cgroup attach /hostcg ingress pinned /sys/fs/bpf/$E2E_PREFIX-hcg/cg_pass multi &&
		bpftool cgroup attach /hostcg egress pinned /sys/fs/bpf/$E2E_PREFIX-hostprogs/cg_pass multi" >/dev/null
	bind_cgroup hcg "$cg"
	run_ctr hcg || fail "$RUNTIME run: $(cat "$WORK/hcg.err")"
	r=$(report_of hcg)
	assert_eq "host cgroup" "$(bpftool -j cgroup show "$cg" | jq -c '[.[] | [.id, .attach_type]] | sort')" \
		"[[$host_prog,\"cgroup_inet_egress\"],[$host_prog,\"cgroup_inet_ingress\"]]"
	assert_eq "detached" "$(jq -c '[.removed.attachments[].where]' "$r")" \
		"[\"cgroup $cg cgroup_inet_ingress\"]"
	assert_eq "left" "$(jq -c '[.left.attachments[] | [.where, .id, .why]]' "$r")" \
		"[[\"cgroup $cg cgroup_inet_egress\",$host_prog,\"not a program the container created\"]]"
	assert_absent "$P-hcg"
	bpftool cgroup detach "$cg" ingress pinned "$P-hostprogs/cg_pass"
	bpftool cgroup detach "$cg" egress pinned "$P-hostprogs/cg_pass"
	rm -rf "$P-hostprogs"
	rmdir "$cg"
}

# A host map the container opens by id and pins under a name of its own:
# the pin holds an object it did not create, so nothing about it is
# removed, and the report names it as unproven instead of staying silent.
test_pin_of_a_host_object_is_named_unproven() {
	local r host_id
	host_id=$(host_map "$P-byid-host")
	make_bundle byid "/usr/sbin/bpftool map pin id $host_id /sys/fs/bpf/$E2E_PREFIX-byid" >/dev/null
	run_ctr byid || fail "$RUNTIME run: $(cat "$WORK/byid.err")"
	r=$(report_of byid)
	assert_alive map "$host_id"
	assert_present "$P-byid-host"
	assert_present "$P-byid"
	assert_eq "unproven" "$(jq -c '[.unproven[] | [.kind, .id]]' "$r")" "[[\"map\",$host_id]]"
	rm -f "$P-byid" "$P-byid-host"
}

# Between the pass that identifies the container's pin and its unlink (a
# detach in between), a neighbour renames a host pin over the pin's name.
# The unlink goes by the inode the first pass identified, so the host's pin
# stays and the report says why the name was left.
test_host_pin_renamed_over_a_pin_before_its_unlink() {
	local r host_id pid rc st=
	host_id=$(host_map "$P-hostrace")
	make_bundle race "bpfleak map /sys/fs/bpf/$E2E_PREFIX-race" >/dev/null
	bundle_edit race 'del(.hooks.poststop)'
	run_ctr race || fail "$RUNTIME run: $(cat "$WORK/race.err")"
	echo "{\"ociVersion\":\"1.0.2\",\"id\":\"$E2E_PREFIX-race\",\"status\":\"stopped\"}" |
		BPFREAPER_STOP_AT=pins-found "$TEST_BIN/bpfreaper-poststop" 2>"$WORK/race.post" &
	pid=$!
	for _ in $(seq 200); do
		st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null || true)
		[ "$st" = T ] && break
		sleep 0.05
	done
	[ "$st" = T ] || { kill -CONT "$pid" 2>/dev/null; fail "poststop never stopped after finding the pins"; }
	mv "$P-hostrace" "$P-race"
	kill -CONT "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_eq "poststop exit ($(cat "$WORK/race.post"))" "$rc" 0
	r=$(report_of race)
	assert_present "$P-race"
	assert_alive map "$host_id"
	assert_eq "map pinned at $P-race" "$(bpftool -j map show pinned "$P-race" | jq .id)" "$host_id"
	assert_eq "left pins" "$(jq -c '[.left.pins[] | [.path, .why]]' "$r")" "[[\"$P-race\",\"renamed while being removed\"]]"
	rm -f "$P-race"
}

# The container vacates the names it made without a trace the tracepoint
# backend sees (rename(2) of a directory and a symlink, io_uring's unlinkat
# of another symlink); the host makes a directory and symlinks at those
# names while it runs. They stay: they are not the entries the container
# made. The container's renamed directory and symlink are found by
# identity and removed.
test_vacated_names_refilled_by_the_host() {
	local r
	make_bundle vacate "mkdir /sys/fs/bpf/$E2E_PREFIX-vd && ln -s tc /sys/fs/bpf/$E2E_PREFIX-vl &&
		ln -s tc /sys/fs/bpf/$E2E_PREFIX-vm && mv /sys/fs/bpf/$E2E_PREFIX-vm /sys/fs/bpf/$E2E_PREFIX-vm-moved &&
		mv /sys/fs/bpf/$E2E_PREFIX-vd /sys/fs/bpf/$E2E_PREFIX-vd-moved &&
		bpfunseen uring-unlink /sys/fs/bpf/$E2E_PREFIX-vl && touch /sync/made &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	run_ctr vacate &
	local ctr_pid=$!
	wait_for "$WORK/sync/vacate/made"
	[ ! -e "$P-vl" ] && [ ! -L "$P-vl" ] || fail "io_uring's unlink left $P-vl"
	mkdir "$P-vd"
	ln -s tc "$P-vl"
	ln -s tc "$P-vm"
	touch "$WORK/sync/vacate/go"
	wait $ctr_pid || fail "$RUNTIME run: $(cat "$WORK/vacate.err")"
	r=$(report_of vacate)
	assert_present "$P-vd"
	[ -L "$P-vl" ] && [ -L "$P-vm" ] || fail "a host symlink was removed"
	assert_absent "$P-vd-moved"
	[ ! -L "$P-vm-moved" ] || fail "the container's renamed symlink $P-vm-moved is still there"
	assert_eq "removed dirs" "$(jq -c '[.removed.dirs[].path]' "$r")" "[\"$P-vd-moved\"]"
	assert_eq "removed symlinks" "$(jq -c '[.removed.symlinks[].path]' "$r")" "[\"$P-vm-moved\"]"
	assert_eq "left dirs" "$(jq -c '[.left.dirs[] | [.path, .why]]' "$r")" \
		"[[\"$P-vd\",\"another entry holds its name now\"]]"
	# The trampoline backend sees io_uring's unlink and drops that record:
	# then only the renamed symlink's name is left to name.
	if [ "$(jq -r .tracer_backend "$r")" = trampoline ]; then
		assert_eq "left symlinks" "$(jq -c '[.left.symlinks[] | [.path, .why]]' "$r")" \
			"[[\"$P-vm\",\"another entry holds its name now\"]]"
	else
		assert_eq "left symlinks" "$(jq -c '[.left.symlinks[] | [.path, .why]] | sort' "$r")" \
			"[[\"$P-vl\",\"another entry holds its name now\"],[\"$P-vm\",\"another entry holds its name now\"]]"
	fi
	rmdir "$P-vd"
	rm -f "$P-vl" "$P-vm"
}

# A host directory that existed before the container (with a pin in it):
# the container moves it aside, makes its own at that name, moves its own
# away and the host's back; the host then empties it (its ctime is new).
# The host's directory stays; the container's, moved, goes.
test_host_dir_emptied_after_registration() {
	local r
	mkdir "$P-he"
	host_map "$P-he/pin" >/dev/null
	make_bundle emptied "mv /sys/fs/bpf/$E2E_PREFIX-he /sys/fs/bpf/$E2E_PREFIX-he-aside &&
		mkdir /sys/fs/bpf/$E2E_PREFIX-he && mv /sys/fs/bpf/$E2E_PREFIX-he /sys/fs/bpf/$E2E_PREFIX-he-mine &&
		mv /sys/fs/bpf/$E2E_PREFIX-he-aside /sys/fs/bpf/$E2E_PREFIX-he && touch /sync/made &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	run_ctr emptied &
	local ctr_pid=$!
	wait_for "$WORK/sync/emptied/made"
	rm "$P-he/pin"
	touch "$WORK/sync/emptied/go"
	wait $ctr_pid || fail "$RUNTIME run: $(cat "$WORK/emptied.err")"
	r=$(report_of emptied)
	assert_present "$P-he"
	assert_absent "$P-he-mine"
	assert_eq "removed dirs" "$(jq -c '[.removed.dirs[].path]' "$r")" "[\"$P-he-mine\"]"
	assert_eq "left dirs" "$(jq -c '[.left.dirs[] | [.path, .why]]' "$r")" \
		"[[\"$P-he\",\"another entry holds its name now\"]]"
	rmdir "$P-he"
}

# Names that read like the view's but were made elsewhere: in a chroot of
# a directory of its own (CAP_SYS_CHROOT, a Docker default), and on a
# tmpfs the container mounted over a directory of the view. The host makes
# entries at the same host paths while it runs: they stay, and the report
# does not claim them.
test_names_made_off_the_bpffs() {
	local r
	make_bundle offfs "busybox mkdir -p /sync/jail/bin /sync/jail/sys/fs/bpf &&
		busybox cp /bin/busybox /sync/jail/bin/ &&
		busybox chroot /sync/jail /bin/busybox mkdir /sys/fs/bpf/$E2E_PREFIX-cr &&
		busybox chroot /sync/jail /bin/busybox ln -s tc /sys/fs/bpf/$E2E_PREFIX-crl &&
		mkdir /sys/fs/bpf/$E2E_PREFIX-pm && busybox mount -t tmpfs none /sys/fs/bpf/$E2E_PREFIX-pm &&
		mkdir /sys/fs/bpf/$E2E_PREFIX-pm/x && ln -s tc /sys/fs/bpf/$E2E_PREFIX-pm/l && touch /sync/made &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	bundle_edit offfs '.process.capabilities |= with_entries(.value += ["CAP_SYS_CHROOT"])'
	run_ctr offfs &
	local ctr_pid=$!
	wait_for "$WORK/sync/offfs/made"
	[ -d "$WORK/sync/offfs/jail/sys/fs/bpf/$E2E_PREFIX-cr" ] || fail "the chroot's mkdir did not land in the chroot"
	mkdir "$P-cr" "$P-pm/x"
	ln -s tc "$P-crl"
	ln -s tc "$P-pm/l"
	touch "$WORK/sync/offfs/go"
	wait $ctr_pid || fail "$RUNTIME run: $(cat "$WORK/offfs.err")"
	r=$(report_of offfs)
	assert_present "$P-cr"
	assert_present "$P-pm/x"
	[ -L "$P-crl" ] && [ -L "$P-pm/l" ] || fail "a host symlink was removed"
	assert_eq "removed" "$(jq -c '[.removed.dirs[].path, .removed.symlinks[].path]' "$r")" "[]"
	assert_eq "left" "$(jq -c '[.left.dirs[] | [.path, .why]]' "$r")" "[[\"$P-pm\",\"not empty\"]]"
	rm -f "$P-crl" "$P-pm/l"
	rmdir "$P-cr" "$P-pm/x" "$P-pm"
	rm -rf "$WORK/sync/offfs/jail"
}

# Ids are reused once freed. The container makes and pins a map; while it
# runs, the host makes and pins a map of its own, and the test rewrites the
# container's creation and pin records to the host map's id, the
# container's fingerprint kept: what the record of a map freed unseen looks
# like once the host's map has taken its id. The host's map and pin are
# exactly as before, and the report names the reused id.
test_id_reused_by_a_host_map() {
	local cgid records host_id own_id n r m
	make_bundle reuse "bpfleak map /sys/fs/bpf/$E2E_PREFIX-reuse-own > /sync/made.tmp && mv /sync/made.tmp /sync/made &&
		until [ -e /sync/go ]; do sleep 0.05; done" >/dev/null
	timeout 60 "$(rt_cmd)" run -b "$WORK/bundles/reuse" "$E2E_PREFIX-reuse" \
		>"$WORK/reuse.out" 2>"$WORK/reuse.err" </dev/null &
	local pid=$!
	exists_within 20 "$WORK/sync/reuse/made" && [ -s "$WORK/sync/reuse/made" ] ||
		{ kill "$pid"; fail "the container made no map: $(cat "$WORK/reuse.err")"; }
	own_id=$(awk '$1 == "map" { print $2 }' "$WORK/sync/reuse/made")
	# After the registration, so that a walk of the views would reach it.
	host_id=$(host_map "$P-reuse-host")
	cgid=$(jq -r .cgroup_id "$(state_of reuse)")
	records=$(records_maps_of "$cgid")
	[ -n "$records" ] || fail "no records map for cgroup $cgid"
	n=0
	for m in $records; do
		n=$((n + $(record_rewrite_id "$m" 60 "$own_id" "$host_id") + $(record_rewrite_id "$m" 348 "$own_id" "$host_id")))
	done
	assert_eq "records rewritten (the creation and the pin)" "$n" 2
	touch "$WORK/sync/reuse/go"
	wait "$pid" || fail "$RUNTIME run: $(cat "$WORK/reuse.err")"
	assert_present "$P-reuse-host"
	assert_alive map "$host_id"
	assert_eq "the host's pin still holds its map" "$(bpftool -j map show pinned "$P-reuse-host" | jq .id)" "$host_id"
	r=$(report_of reuse)
	assert_eq "ids reused" "$(jq -c '[.ids_reused[] | [.kind, .id]]' "$r")" "[[\"map\",$host_id]]"
	assert_eq "objects recorded" "$(jq '.created | length' "$r")" 0
	assert_eq "pins removed" "$(jq '.removed.pins | length' "$r")" 0
	# The container's own map has no record left: its pin stays.
	rm -f "$P-reuse-host" "$P-reuse-own"
}
