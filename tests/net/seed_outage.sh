#!/usr/bin/env bash
# The seed's experiment with real guests, in a namespace this test creates:
# guest A (the tiny Linux test guest, TCG) pings its gateway, the bridge IP,
# every 0.2 s while VM B (no OS) starts and later stops; vmdeck makes both
# TAPs (vmnet hooks) and `vmdeck watch --json` records the bridge's MAC.
#   1. unpinned bridge, B's TAP MAC random (policy kernel) and lower than A's:
#      two bridge MAC changes (B joined, B left) with those causes, and A's
#      serial log shows the outage (FACTS.md: seconds).
#   2. the same bridge pinned with `vmdeck net pin`: no change, no outage.
#   3. unpinned, both TAPs policy fixed (fe:ff:ff:ff:ff:ff): no change, no outage.
#   4. unpinned, both TAPs policy derived, and an uplink port as the bridge
#      has on a real host (libvirt's rule works because the uplink's MAC is
#      lower than every 0xFE TAP): no change, no outage.
#   5. unpinned, an uplink port with a MAC below A's TAP, B's TAP random and
#      lower still: B joins over the uplink's MAC, then leaves (the lowest
#      port leaves).
#   6. the same with `vmdeck net heal` on.
# Throughout, `vmdeck watch` measures what each change cost guest A from the
# frames A sends (net/outage.c): its guest-outage-ended duration must agree
# with A's own ping log within one ping interval (the median spacing of A's
# pings, measured) plus 0.2 s; pinned, no frame is lost; healed, every
# outage vmdeck measures is at most 1 s and A loses at most one ping.
# The guest's ARP timing is lowered (base_reachable_time 2 s) as in FACTS.md.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip jq qemu-system-x86_64
GUEST_OUT=$VMDECK_SRC/tests/guest/out
bash "$VMDECK_SRC/tests/guest/build.sh" >/dev/null 2>&1 || true
[[ -f $GUEST_OUT/vmlinuz && -f $GUEST_OUT/initrd.img ]] || skip "test guest not built (tests/guest/build.sh)"

netns_new NS
N="ip -n $NS"
PROF=$T_TMP/prof
mkdir -p "$PROF"
export VMDECK_PROFILES=$PROF
vd() { ip netns exec "$NS" "$VMDECK" "$@"; }
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")"; done'

profile_a() { # profile_a POLICY
	cat >"$PROF/guesta.yaml" <<EOF
name: guesta
accel: tcg
machine: q35
memory: 256M
boot:
  kernel: $GUEST_OUT/vmlinuz
  initrd: $GUEST_OUT/initrd.img
  append: "console=ttyS0 quiet vmdeck.name=guesta vmdeck.ip=172.16.1.11/24 vmdeck.gw=172.16.1.1 vmdeck.interval=0.2 sysctl.net.ipv4.neigh.default.base_reachable_time_ms=2000"
nics:
  - model: virtio-net-pci
    mac: "52:54:00:12:34:56"
    bridge: virbr0
    tap_mac_policy: $1
stop_timeout: 10
EOF
}
profile_b() { # profile_b POLICY : no OS, just a NIC on the bridge
	cat >"$PROF/guestb.yaml" <<EOF
name: guestb
accel: tcg
machine: q35
memory: 64M
nics:
  - model: virtio-net-pci
    mac: "52:54:00:00:00:02"
    bridge: virbr0
    tap_mac_policy: $1
stop_timeout: 3
EOF
}

bridge_fresh() { # an unpinned bridge with the gateway address
	$N link del virbr0 2>/dev/null
	$N link add virbr0 type bridge
	$N addr add 172.16.1.1/24 dev virbr0
	$N link set virbr0 up
}

EV=$T_TMP/events
vd watch --json >"$EV" 2>"$T_TMP/watch.err" &
wpid=$!
on_exit "kill_pid $wpid"
wait_for 20 grep -q watching "$T_TMP/watch.err" || fail "watch did not start"

SER=$VMDECK_RUNTIME_DIR/guesta/serial.log
start_a() {
	vd start guesta >/dev/null || fail "start guesta"
	wait_for 90 grep -q "seq=.* ok" "$SER" || fail "guest A never pinged its gateway: $(tail -5 "$SER")"
	# a few good pings as the baseline
	wait_for 30 bash -c "[ \$(grep -c 'seq=.* ok' '$SER') -ge 5 ]"
}
stop_a() {
	vd kill guesta >/dev/null 2>&1
	wait_for 20 bash -c "! ip -n $NS link show vd-guesta-0" 2>/dev/null
}

# Longest outage (s) in serial lines from line $1 (the last line when the
# window began: the ok before a run of LOST that starts right after it):
# from the last ok before a run of LOST to the first ok after it, in guest
# uptime. 0 if none.
outage() {
	tail -n +"$(($1 > 0 ? $1 : 1))" "$SER" | awk '
		/ ok / { t = substr($1, 2, length($1) - 2) + 0
			 if (lost && have && t - last > max) max = t - last
			 last = t; have = 1; lost = 0; next }
		/LOST/ { lost = 1 }
		END { printf "%.1f\n", max + 0 }'
}
# Longest outage (s) in serial lines $1 .. $2 (as outage).
outage_between() { head -n "$2" "$SER" | tail -n +"$(($1 > 0 ? $1 : 1))" | awk '
		/ ok / { t = substr($1, 2, length($1) - 2) + 0
			 if (lost && have && t - last > max) max = t - last
			 last = t; have = 1; lost = 0; next }
		/LOST/ { lost = 1 }
		END { printf "%.1f\n", max + 0 }'; }
# The guest's real ping interval: the median spacing of consecutive ok pings.
ping_interval() {
	awk '/ ok / { t = substr($1, 2, length($1) - 2) + 0; if (ok) print t - last; last = t; ok = 1; next }
	     { ok = 0 }' "$SER" | sort -n | awk '{ a[NR] = $1 } END { printf "%.3f\n", NR ? a[int((NR + 1) / 2)] : 0.2 }'
}
# vmdeck's measure of A's outage for the change to MAC $2, from events after
# line $1: "DURATION FRAMES" of the last guest-outage-ended, or "".
vd_outage() {
	tail -n +"$(($1 + 1))" "$EV" | jq -r --arg m "$2" \
		'select(.event == "guest-outage-ended" and .vm == "guesta" and .new_mac == $m) | "\(.duration) \(.frames)"' | tail -1
}
# agree NAME VD_DURATION GUEST_OUTAGE
agree() {
	local tol
	tol=$(awk -v i="$(ping_interval)" 'BEGIN { printf "%.3f", i + 0.2 }')
	log "FIGURE: $1: vmdeck measured ${2:-no outage} s, A's ping log ${3} s (tolerance $tol s)"
	check "$1: vmdeck's outage of A agrees with A's ping log" \
		awk -v a="${2:-0}" -v b="$3" -v t="$tol" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
}
no_stale_since() { ! tail -n +"$(($1 + 1))" "$EV" | jq -c 'select(.event == "guest-outage-started")' | grep -q .; }
changes_since() { tail -n +"$(($1 + 1))" "$EV" | jq -c 'select(.event == "bridge-mac-changed" and .bridge == "virbr0")'; }

# run_b : start B, hold, stop it, let A run on. Sets SER0/EV0 (window start).
run_b() {
	SER0=$(wc -l <"$SER")
	EV0=$(wc -l <"$EV")
	vd start guestb >/dev/null || fail "start guestb"
	wait_for 20 bash -c "jq -c 'select(.event == \"port-joined\" and .ifname == \"vd-guestb-0\")' '$EV' | grep -q ." ||
		fail "B's TAP never joined"
	sleep_pings 20   # ~4 s of A's pings with B on the bridge
	vd kill guestb >/dev/null 2>&1
	wait_for 20 bash -c "[ \$(tail -n +$((EV0 + 1)) '$EV' | jq -c 'select(.event == \"removed\" and .ifname == \"vd-guestb-0\")' | wc -l) -ge 1 ]" ||
		fail "B's TAP was not removed when B ended"
	# A recovers: wait for 15 s worth of ping lines after B left, all ok at the end.
	sleep_pings 12
	wait_for 60 bash -c "tail -1 '$SER' | grep -q ' ok '"
	sleep_pings 5
}
# Wait until guest A printed n more ping lines (its own clock, not ours).
sleep_pings() {
	local want=$(($(grep -c 'seq=' "$SER") + $1))
	wait_for 120 bash -c "[ \$(grep -c 'seq=' '$SER') -ge $want ]"
}

# --- 1. unpinned, B's TAP random and lower ---------------------------------
bridge_fresh
profile_a derived   # A's TAP fe:54:00:12:34:56: a random TAP is lower ~98% of the time
profile_b kernel
start_a
for try in 1 2 3 4 5; do
	b_ok=1
	run_b
	ch=$(changes_since "$EV0")
	joined=$(jq -r 'select(.cause == "port-joined" and .port == "vd-guestb-0") | .new_mac' <<<"$ch" | head -1)
	[[ -n $joined ]] && break
	log "B's random TAP MAC was not lower than A's (try $try); again"
done
log "bridge MAC changes (unpinned, B random):"
printf '%s\n' "$ch" | jq -c '{old_mac, new_mac, cause, port}' >&2
check "B joined: cause port-joined, new MAC is B's TAP" \
	bash -c "jq -c 'select(.cause == \"port-joined\" and .port == \"vd-guestb-0\" and .old_mac == \"fe:54:00:12:34:56\" and .new_mac == .port_mac)' <<<'$ch' | grep -q ."
check "B left: cause port-left, MAC back to A's TAP" \
	bash -c "jq -c 'select(.cause == \"port-left\" and .port == \"vd-guestb-0\" and .new_mac == \"fe:54:00:12:34:56\")' <<<'$ch' | grep -q ."
check "exactly two changes" test "$(grep -c . <<<"$ch")" -eq 2
o1=$(outage "$SER0")
log "FIGURE: unpinned, random lower TAP: longest outage of A's pings ${o1} s"
check "A's serial log shows the outage (>= 1 s of lost pings)" awk -v o="$o1" 'BEGIN { exit !(o >= 1.0) }'
check "B joined over A's own TAP MAC: vmdeck saw A lose nothing" \
	test -z "$(vd_outage "$EV0" "$joined")"
m=$(vd_outage "$EV0" fe:54:00:12:34:56)
log "vmdeck: A lost ${m#* } frames when B left"
agree "lowest port leaves" "${m%% *}" "$o1"

# --- 2. pinned ----------------------------------------------------------------
vd net pin virbr0 --arp-notify >/dev/null || fail "net pin"
wait_for 10 bash -c "jq -c 'select(.event == \"bridge-mac-changed\" and .cause == \"set\")' '$EV' | grep -q ."
sleep_pings 10
run_b
ch=$(changes_since "$EV0")
o2=$(outage "$SER0")
log "FIGURE: pinned: bridge MAC changes $(grep -c . <<<"$ch"), longest outage ${o2} s"
check "pinned: no bridge MAC change" test -z "$ch"
check "pinned: no outage" awk -v o="$o2" 'BEGIN { exit !(o == 0) }'
check "pinned: vmdeck saw no frame lost" no_stale_since "$EV0"
stop_a

# --- 3. unpinned, policy fixed ------------------------------------------------
bridge_fresh
profile_a fixed
profile_b fixed
start_a
run_b
ch=$(changes_since "$EV0")
o3=$(outage "$SER0")
log "FIGURE: policy fixed: bridge MAC changes $(grep -c . <<<"$ch"), longest outage ${o3} s"
check "fixed: no bridge MAC change" test -z "$ch"
check "fixed: no outage" awk -v o="$o3" 'BEGIN { exit !(o == 0) }'
stop_a

# --- 4. unpinned, policy derived, with an uplink port --------------------------
bridge_fresh
$N link add uplink type veth peer name uplink-p
$N link set uplink address 52:54:00:aa:00:01
$N link set uplink master virbr0
$N link set uplink up
$N link set uplink-p up
profile_a derived
profile_b derived   # B's TAP fe:54:00:00:00:02 is lower than A's, but not than the uplink
start_a
run_b
ch=$(changes_since "$EV0")
o4=$(outage "$SER0")
log "FIGURE: policy derived (+uplink): bridge MAC changes $(grep -c . <<<"$ch"), longest outage ${o4} s"
check "derived: no bridge MAC change" test -z "$ch"
check "derived: no outage" awk -v o="$o4" 'BEGIN { exit !(o == 0) }'
check "derived TAP MAC is libvirt's" bash -c "ip -n $NS link show vd-guesta-0 | grep -q fe:54:00:12:34:56"
stop_a

# --- 5. B joins over another port's MAC, then leaves ----------------------------
UPLINK=fe:00:00:00:00:10 # below A's TAP (fe:54:…), above ~98% of random TAPs
bridge_uplink() {
	bridge_fresh
	$N link del uplink 2>/dev/null
	$N link add uplink type veth peer name uplink-p
	$N link set uplink address $UPLINK
	$N link set uplink master virbr0
	$N link set uplink up
	$N link set uplink-p up
}
# run_b_long : like run_b, but B stays until A has recovered on its own;
# SER1/EV1 mark the moment B is stopped.
run_b_long() {
	SER0=$(wc -l <"$SER")
	EV0=$(wc -l <"$EV")
	vd start guestb >/dev/null || fail "start guestb"
	wait_for 20 bash -c "jq -c 'select(.event == \"port-joined\" and .ifname == \"vd-guestb-0\")' '$EV' | grep -q ." ||
		fail "B's TAP never joined"
	sleep_pings 10
	wait_for 90 bash -c "[ \$(tail -5 '$SER' | grep -c ' ok ') -eq 5 ]" || fail "A never recovered with B on"
	SER1=$(wc -l <"$SER")
	EV1=$(wc -l <"$EV")
	vd kill guestb >/dev/null 2>&1
	wait_for 20 bash -c "[ \$(tail -n +$((EV1 + 1)) '$EV' | jq -c 'select(.event == \"removed\" and .ifname == \"vd-guestb-0\")' | wc -l) -ge 1 ]" ||
		fail "B's TAP was not removed when B ended"
	sleep_pings 10
	wait_for 90 bash -c "[ \$(tail -5 '$SER' | grep -c ' ok ') -eq 5 ]" || fail "A never recovered after B left"
}
# both_cases LABEL : B over the uplink, then B leaving; sets JOINED_MAC.
both_cases() {
	local ch left o_join o_left m
	for try in 1 2 3; do
		run_b_long
		JOINED_MAC=$(tail -n +"$((EV0 + 1))" "$EV" | jq -r 'select(.event == "bridge-mac-changed" and .cause == "port-joined" and .port == "vd-guestb-0" and .old_mac == "'$UPLINK'") | .new_mac' | head -1)
		[[ -n $JOINED_MAC ]] && break
		log "B's random TAP MAC was not below the uplink's (try $try); again"
	done
	[[ -n $JOINED_MAC ]] || fail "B's TAP never took the bridge MAC"
	o_join=$(outage_between "$SER0" "$SER1")
	o_left=$(outage_between "$SER1" "$(wc -l <"$SER")")
	m=$(vd_outage "$EV0" "$JOINED_MAC")
	log "$1: vmdeck: A lost ${m#* } frames when B joined over the uplink"
	O_JOIN=${m%% *} G_JOIN=$o_join
	m=$(vd_outage "$EV1" "$UPLINK")
	log "$1: vmdeck: A lost ${m#* } frames when B left"
	O_LEFT=${m%% *} G_LEFT=$o_left
}
bridge_uplink
profile_a derived
profile_b kernel
start_a
both_cases unhealed
check "join over another port's MAC: A's ping log shows an outage" awk -v o="$G_JOIN" 'BEGIN { exit !(o >= 1.0) }'
agree "lower-MAC port joins over another port's MAC" "$O_JOIN" "$G_JOIN"
agree "that lowest port leaves" "$O_LEFT" "$G_LEFT"
hist_has_outage() { # the change to MAC $1 carries A's outage in net history --json
	vd net history virbr0 --json |
		jq -s -e --arg m "$1" '[.[] | select(.new_mac == $m) | (.outages // [])[] | select(.vm == "guesta" and .frames > 0)] | length > 0' >/dev/null
}
check "the outages are in the history with A's name" hist_has_outage "$JOINED_MAC"
check "net history shows the cost under the change" \
	bash -c "ip netns exec $NS \"$VMDECK\" net history virbr0 | grep -Eq '^    guesta: [0-9]+ frames? lost, [0-9.]+ s'"

# --- 6. the same, healed ---------------------------------------------------------
vd net heal virbr0 on >/dev/null || fail "net heal on"
sleep_pings 5
both_cases healed
lost_join=$(head -n "$SER1" "$SER" | tail -n +"$SER0" | grep -c LOST)
lost_left=$(tail -n +"$SER1" "$SER" | grep -c LOST)
log "FIGURE: healed: vmdeck measured ${O_JOIN:-no outage} (join), ${O_LEFT:-no outage} (leave); A's ping log ${G_JOIN} s, ${G_LEFT} s ($lost_join and $lost_left pings lost)"
for v in "${O_JOIN:-0}" "${O_LEFT:-0}"; do
	check "healed: vmdeck's outage of A $v s <= 1 s" awk -v o="$v" 'BEGIN { exit !(o <= 1.0) }'
done
# A ping already on its way to the former MAC when the announcement left is
# lost, and its 1 s timeout then makes the log's gap longer than the outage
# was: at most that one.
check "healed: A lost at most one ping when B joined" test "$lost_join" -le 1
check "healed: A lost at most one ping when B left" test "$lost_left" -le 1
check "healed: watch reported the announcements" \
	bash -c "tail -n +$((EV0 + 1)) '$EV' | jq -c 'select(.event == \"bridge-healed\" and .sent >= 1)' | grep -q ."
vd net heal virbr0 off >/dev/null || fail "net heal off"
stop_a

finish
