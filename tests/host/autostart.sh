#!/usr/bin/env bash
# `vmdeck autostart` and `autostart --stop` with the test guest (real QEMU,
# TCG) in a network namespace of this test's own: the lab network the VMs
# join comes up first, the VMs start by autostart_order then name (waiting
# autostart_delay after one), a second run skips the running ones, a VM that
# cannot start is logged and the rest go on (exit 1), and --stop shuts them
# down gracefully (their guests power off) in reverse order.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need_root
need ip
guest_build
netns_new ns
vd() { ip netns exec "$ns" "$VMDECK" "$@"; }
mkdir -p "$PROF/networks"
cat >"$PROF/networks/asnet.yaml" <<'YAML'
bridge: vdas0
address: 172.16.91.1/24
nat: false
YAML
# guest NAME IP ORDER [EXTRA YAML LINES...]: the test guest on vdas0.
guest() {
	local name=$1 ip=$2 order=$3; shift 3
	profile_guest "$name" "autostart_order: $order" "$@"
	sed -i "s|network: user|bridge: vdas0|; s|vmdeck.name=$name\"|vmdeck.name=$name vmdeck.ip=$ip/24 vmdeck.gw=172.16.91.1\"|" \
		"$PROF/$name.yaml"
}
guest g1 172.16.91.11 20 "autostart: true"
guest g2 172.16.91.12 10 "autostart: true" "autostart_delay: 1"
guest g3 172.16.91.13 20 "autostart: true"
guest off 172.16.91.14 0
# line_of FILE REGEX: the number of the first matching line (0: none).
line_of() { grep -nE -- "$2" "$1" | head -n1 | cut -d: -f1 | grep . || echo 0; }
# in_order FILE REGEX...: each matches, on a later line than the one before.
in_order() {
	local f=$1 prev=0 n; shift
	for re in "$@"; do
		n=$(line_of "$f" "$re")
		((n > prev)) || { log "'$re' at line $n, not after line $prev"; return 1; }
		prev=$n
	done
}
start_ticks() { awk '{ print $2 }' "$VMDECK_RUNTIME_DIR/$1/qemu.start"; }

# --- the plan ---------------------------------------------------------------
vd autostart --list >"$T_TMP/list" 2>&1
log "$(cat "$T_TMP/list")"
check "--list: g2, g1, g3 (order, then name); 'off' not listed" \
	test "$(awk 'NR > 1 { print $3 }' "$T_TMP/list" | tr '\n' ' ')" = "g2 g1 g3 "

# --- start --------------------------------------------------------------------
vd autostart 2>"$T_TMP/start"; rc=$?
log "$(cat "$T_TMP/start")"
check "autostart: exit 0 (got $rc)" test "$rc" -eq 0
check "the lab network came up first, then g2, g1, g3" in_order "$T_TMP/start" \
	"lab network asnet: up \(bridge vdas0\)" "g2: started" "g2: waiting 1 s" "g1: started" "g3: started"
check "bridge vdas0 exists in the namespace" ip -n "$ns" link show vdas0
for g in g1 g2 g3; do
	check "$g running" vm_state_is "$g" running
done
check "'off' (no autostart) not started" bash -c "! test -f '$VMDECK_RUNTIME_DIR/off/qemu.pid'"
# The delay after g2: g1's QEMU started at least 1 s (100 ticks) after g2's.
t1=$(start_ticks g1) t2=$(start_ticks g2)
check "g1 started at least autostart_delay (1 s) after g2 ($t2 -> $t1 ticks)" \
	test "$((t1 - t2))" -ge "$(getconf CLK_TCK)"
for g in g1 g2 g3; do
	check "$g pings the lab network's bridge" \
		wait_for 120 grep -q "ping 172.16.91.1 seq=.* ok" "$VMDECK_RUNTIME_DIR/$g/serial.log"
done

# --- again: nothing to do -------------------------------------------------------
pids_before=$(for g in g1 g2 g3; do qemu_pid $g; done)
vd autostart 2>"$T_TMP/again"; rc=$?
log "$(cat "$T_TMP/again")"
check "second autostart: exit 0 (got $rc)" test "$rc" -eq 0
check "second autostart: network already up, every VM skipped" in_order "$T_TMP/again" \
	"lab network asnet: already up" "g2: already running, skipped" "g1: already running, skipped" \
	"g3: already running, skipped"
check "second autostart: the same QEMUs" test "$pids_before" = "$(for g in g1 g2 g3; do qemu_pid $g; done)"

# --- a VM that cannot start: logged, the rest go on, exit 1 --------------------
profile_bare bad "autostart: true" "autostart_order: 15" "nics:" "  - bridge: nosuchbr0"
# Under systemd (JOURNAL_STREAM set) each line carries its priority.
JOURNAL_STREAM=8:12345 vd autostart 2>"$T_TMP/bad"; rc=$?
log "$(cat "$T_TMP/bad")"
check "with a VM that cannot start: exit 1 (got $rc)" test "$rc" -eq 1
check "its failure is logged, naming it, and the VMs after it are still looked at" in_order "$T_TMP/bad" \
	"g2: already running" "bad: start failed: .*nosuchbr0" "g1: already running" "g3: already running"
check "for the journal: the failure at priority 3 (err), the rest at 6 (info)" bash -c "
	grep -q '^<3>vmdeck autostart: bad: start failed' '$T_TMP/bad' &&
	grep -q '^<6>vmdeck autostart: g2: already running' '$T_TMP/bad' &&
	! grep -qv '^<[36]>vmdeck autostart: ' '$T_TMP/bad'"

# --- profile problems: a file that does not load fails the run, a missing
# disk of a profile that loads (not an autostart VM) does not --------------------
printf 'name: nodisk\nmemory: 64M\ndisks: [{file: /nonexistent/disk.img}]\n' >"$PROF/nodisk.yaml"
rm -f "$PROF/bad.yaml"
vd autostart 2>"$T_TMP/soft"; rc=$?
check "a missing disk of another profile: exit 0 (got $rc), the problem shown" \
	bash -c "(( $rc == 0 )) && grep -q 'nodisk.yaml:3:.*does not exist' '$T_TMP/soft'"
printf 'name: broken\nmemory: lots\n' >"$PROF/broken.yaml"
vd autostart 2>"$T_TMP/broken"; rc=$?
log "$(grep -v already "$T_TMP/broken")"
check "a profile that does not load: exit 1 (got $rc), named" \
	bash -c "(( $rc == 1 )) && grep -q 'broken.yaml:2:' '$T_TMP/broken' && grep -q '1 profile file in .* does not load' '$T_TMP/broken'"
rm -f "$PROF/broken.yaml" "$PROF/nodisk.yaml"

# --- stop -----------------------------------------------------------------------
vd autostart --stop 2>"$T_TMP/stop"; rc=$?
log "$(cat "$T_TMP/stop")"
check "autostart --stop: exit 0 (got $rc)" test "$rc" -eq 0
check "stopped in reverse order: g3, g1, g2, each by its guest" in_order "$T_TMP/stop" \
	"g3: stopped \(exited, guest shutdown\)" "g1: stopped \(exited, guest shutdown\)" \
	"g2: stopped \(exited, guest shutdown\)"
check "the stop names the profile's stop_timeout" grep -q "g3: stopping (stop_timeout 30 s)" "$T_TMP/stop"
for g in g1 g2 g3; do
	check "$g: no QEMU left" test "$(qemu_count "$g")" -eq 0
done
vd autostart --stop 2>"$T_TMP/stop2"; rc=$?
check "--stop again: exit 0, nothing running (got $rc)" \
	bash -c "(( $rc == 0 )) && grep -q 'g2: not running' '$T_TMP/stop2'"
# --read-only refuses to act; --list still works.
vd --read-only autostart >/dev/null 2>&1; rc=$?
check "--read-only autostart: refused, exit 4 (got $rc)" test "$rc" -eq 4
finish
