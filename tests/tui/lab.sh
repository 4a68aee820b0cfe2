#!/usr/bin/env bash
# The real vmdeck in tmux on the demo lab (tests/demo/lab) in a namespace of
# our own, with real QEMU test guests: start -> running; the TAP under the
# bridge with its MAC; `info status` in the monitor pane; `i` changes the
# mode mark; a MAC flip caused from outside shows within a second and in the
# history; after pinning, no further flip; stop -> exited (guest shutdown);
# quit leaves the VM running and a new vmdeck re-attaches.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need tmux qemu-system-x86_64 dnsmasq ip jq
need_root
bash "$VMDECK_SRC/tests/guest/build.sh" || fail "cannot build the test guest"
lab=$VMDECK_SRC/tests/demo/lab

netns_new ns
in_ns() { ip netns exec "$ns" "$@"; }
in_ns "$VMDECK" --profiles "$lab" net up virbr0 >"$T_TMP/net-up.log" 2>&1 || {
	cat "$T_TMP/net-up.log" >&2
	fail "vmdeck net up virbr0"
}
on_exit "ip netns exec $ns $VMDECK --profiles $lab net down virbr0"
# QEMUs this test started (by pid, from our private runtime dir) go first.
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [[ -f $f ]] && kill -9 "$(<"$f")"; done'

mac_of() { in_ns ip -j link show "$1" | jq -r '.[0].address'; }

tmux_start 120 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" bash --norc --noprofile
tmux_keys "PS1='$ '" Enter
tui_run_in_pane ip netns exec "$ns" "$VMDECK" --profiles "$lab"
for n in testguest1 testguest2 testguest3; do
	tui_expect 10 " $n " "the list shows $n"
done
tui_expect 5 "virbr0 .*AT RISK|virbr0 .*unpinned" "the lab bridge is there, unpinned"

# Start: the first VM is selected.
tmux_keys s
tui_expect 60 " testguest1 +running" "s brings testguest1 to running"
tap=vd-testguest1-0
wait_for 10 in_ns ip link show "$tap" || fail "no TAP $tap"
tmac=$(mac_of "$tap")
tui_expect 5 "$tap $tmac" "the network pane shows $tap with its MAC $tmac"
tui_expect 60 "testguest1: ping 172.16.1.1 seq=[0-9]+ ok" "the guest's pings show in the details pane"

# The monitor pane.
tmux_keys m
tmux_keys -l "info status"
tmux_keys Enter
tui_expect 10 "VM status: running" "info status in the monitor pane"
tmux_keys Up
tui_expect 5 "\(qemu\) info status *$(printf '\u2502')" "Up recalls the last command"
tmux_keys Escape

# The thumbnail: the guest's screen in half-block cells; z zooms it.
tui_expect 20 "$(printf '\u2580')" "the screen pane shows the guest (half blocks)"
tmux_keys z
tui_expect 5 "screen testguest1 \(z: back\)" "z zooms the thumbnail"
check "zoomed: the list is hidden" bash -c "! $T_TMUX capture-pane -p -t t | grep -q ' testguest2 '"
tmux_keys z
tui_expect 5 " testguest2 " "z again: back to the panes"

# The mode mark, live on the running VM: the installer goes into its CD drive.
tmux_keys i
tui_expect 10 " testguest1 .* install" "i: install mode mark (running VM)"
tmux_keys m
tmux_keys -l "info block"
tmux_keys Enter
# The path may wrap in the pane (its length depends on where the clone is),
# so look for the drive holding a file, then for its attachment.
tui_expect 10 "install \(#block[0-9]+\): /" "info block shows the installer inserted"
tui_expect 5 "Attached to: +install-cd" "and in the install-cd drive"
tmux_keys Escape
tmux_keys i
tui_expect 10 " testguest1 .* boot" "i: boot mode mark again"
# And on a stopped VM (saved for its next start).
tmux_keys j
tmux_keys i
tui_expect 5 " testguest2 .* install" "i: install mode mark (stopped VM)"
tmux_keys i
tui_expect 5 " testguest2 .* boot" "i: boot again"
tmux_keys k

# A MAC flip caused from outside: a port with a lower MAC joins.
before=$(mac_of virbr0)
in_ns ip link add vt-low type veth peer name vt-low-p
in_ns ip link set vt-low address 02:00:00:00:00:01
t0=$(date +%s%N)
in_ns ip link set vt-low master virbr0
[[ $(mac_of virbr0) == 02:00:00:00:00:01 ]] || fail "the kernel did not flip virbr0 ($before -> $(mac_of virbr0))"
# (the latency is a figure: bench_net_latency.sh measures it next to ip monitor)
if tmux_wait 30 "virbr0 02:00:00:00:00:01"; then
	log "ok: the flip shows ($((($(date +%s%N) - t0) / 1000000)) ms)"
else
	log "NOT OK: the flip did not show within 30 s"
	tui_dump
	T_FAILS=$((T_FAILS + 1))
fi
tmux_keys H
tui_expect 5 "bridge MAC history" "H opens the history"
tui_expect 2 "virbr0 .*02:00:00:00:00:01" "the history lists the flip"
tmux_keys H

# Pin: focus the network pane (virbr0 is its first bridge), P.
tmux_keys Tab
tmux_keys P
tui_expect 5 "virbr0 02:00:00:00:00:01 pinned" "P pins virbr0"
pinned_mac=$(mac_of virbr0)
# The MAC changes on screen: "N MAC changes" under virbr0's line, and the
# count in the history's title ("bridge MAC history (N)").
bridge_changes() {
	tmux_screen | grep -A1 -E "virbr0 [0-9a-f:]{17} (pinned|AT RISK|unpinned)" | sed -nE 's/.* ([0-9]+) MAC changes?.*/\1/p' | head -n1
}
history_count() {
	local n
	tmux_keys H
	tmux_wait 30 "bridge MAC history \([0-9]+\)" && n=$(tmux_screen | sed -nE 's/.*bridge MAC history \(([0-9]+)\).*/\1/p' | head -n1)
	tmux_keys H
	tmux_wait 30 "virbr0 [0-9a-f:]{17} pinned" || log "history did not close"
	echo "${n:-}"
}
changes0=$(bridge_changes) hist0=$(history_count)
log "after pinning: $changes0 MAC changes, $hist0 in the history"
# A port with a still lower MAC joins; then the port whose MAC the bridge has
# leaves. Unpinned, each would flip the bridge's MAC.
in_ns ip link add vt-lower type veth peer name vt-lower-p
in_ns ip link set vt-lower address 02:00:00:00:00:00
in_ns ip link set vt-lower master virbr0
tui_expect 5 "vt-lower +02:00:00:00:00:00" "the joined port shows under the bridge"
check "after pinning, a lower-MAC port joining flips nothing (kernel)" test "$(mac_of virbr0)" == "$pinned_mac"
in_ns ip link del vt-low
tui_expect_not 5 "vt-low +02:00:00:00:00:01" "the port that left is gone from the bridge"
check "after pinning, the MAC's port leaving flips nothing (kernel)" test "$(mac_of virbr0)" == "$pinned_mac"
changes1=$(bridge_changes) hist1=$(history_count)
log "after the join and leave: $changes1 MAC changes, $hist1 in the history"
check "after pinning, no further flip (screen: $changes0 -> $changes1 MAC changes)" \
	bash -c "[[ -n '$changes0' && '$changes1' == '$changes0' ]]"
check "after pinning, no further flip (screen: history $hist0 -> $hist1)" bash -c "[[ -n '$hist0' && '$hist1' == '$hist0' ]]"
check "after pinning, the MAC shown stays ($pinned_mac)" tmux_wait 30 "virbr0 $pinned_mac pinned"
tmux_keys Tab

# Stop.
# A graceful stop: the guest powers off (docs/lifecycle.md: state exited,
# cause "guest shutdown"), not a forced quit or a signal.
tmux_keys x
tui_expect 60 " testguest1 +exited \(guest shutdown\)" "x stops testguest1 gracefully: exited (guest shutdown)"

# Quit with a VM running: it keeps running; a new vmdeck re-attaches.
tmux_keys s
tui_expect 60 " testguest1 +running" "started again"
tmux_keys q
tui_expect 10 "1 VM still running \(testguest1\)" "the exit message says the VM keeps running"
qpid=$(<"$VMDECK_RUNTIME_DIR/testguest1/qemu.pid")
check "QEMU still runs after quit" kill -0 "$qpid"
tui_run_in_pane ip netns exec "$ns" "$VMDECK" --profiles "$lab"
tui_expect 20 " testguest1 +running [0-9]" "a new vmdeck re-attaches (running, with uptime)"
# The guest was started a moment ago: a power button pressed before its
# acpid listens is lost (and the stop escalates to quit after stop_timeout).
wait_for 60 grep -q "acpid started" "$VMDECK_RUNTIME_DIR/testguest1/serial.log" || log "no 'acpid started' on the serial console"
tmux_keys x
tui_expect 60 " testguest1 +exited \(guest shutdown\)" "and stops it gracefully: exited (guest shutdown)"

# A dead QEMU shows as such; vmdeck carries on.
tmux_keys s
tui_expect 60 " testguest1 +running" "started once more"
qpid=$(<"$VMDECK_RUNTIME_DIR/testguest1/qemu.pid")
kill -9 "$qpid"
tui_expect 10 " testguest1 +exited \(signal 9\)" "kill -9 QEMU: exited (signal 9) in the list"
check "vmdeck is still running" kill -0 "$TUI_PID"
tmux_keys j k
tui_expect 5 "state   exited \(signal 9\)" "the details say so too"
tmux_keys q
tui_expect 10 "no VMs running" "quit"
tui_expect 10 "EXIT=0" "exit code 0 (no sanitizer report under ASan builds)"
finish
