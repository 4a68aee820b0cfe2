#!/usr/bin/env bash
# Sparklines in the real TUI (tmux, 160x40, --interval 200): a bridge port
# with traffic (pings from another namespace) gets rx/tx sparklines that
# appear and move; a running VM (no OS, TCG) gets CPU %, memory and a CPU
# sparkline in the VM list; with LANG=C the ramp is ASCII; and once the
# traffic and the VM stop and the lines have gone flat, a static screen
# still writes 0 bytes.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need_root
need tmux ip ping qemu-system-x86_64

netns_new NS
netns_new PEER
for n in "$NS" "$PEER"; do # no IPv6 chatter (router solicitations, MLD): only the pings move
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$NS" link add br0 type bridge
ip -n "$NS" addr add 10.99.0.1/24 dev br0
ip -n "$NS" link add p0 type veth peer name q0 netns "$PEER"
ip -n "$NS" link set p0 master br0
ip -n "$NS" link set p0 up
ip -n "$NS" link set br0 up
ip -n "$PEER" addr add 10.99.0.2/24 dev q0
ip -n "$PEER" link set q0 up

PROF=$T_TMP/prof
mkdir -p "$PROF"
export VMDECK_PROFILES=$PROF
cat >"$PROF/spin.yaml" <<EOF
name: spin
accel: tcg
machine: q35
memory: 64M
stop_timeout: 3
EOF
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")"; done'
"$VMDECK" start spin >/dev/null || fail "start spin"

# tui LANG : the TUI in a fresh tmux server, watching NS.
tui() {
	tmux_start 160 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM=xterm-256color \
		LANG="$1" VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" \
		VMDECK_PROFILES="$PROF" bash --norc --noprofile
	tmux_keys "PS1='$ '" Enter
	tui_run_in_pane ip netns exec "$NS" "$VMDECK" --interval 200
}
port_line() { tmux_screen | grep -E "p0 " | head -n1; }
vm_line() { tmux_screen | grep -E " spin " | head -n1; }

ip netns exec "$PEER" ping -q -i 0.2 10.99.0.1 >/dev/null 2>&1 &
ping_pid=$!
on_exit "kill_pid $ping_pid"

tui C.UTF-8
tui_expect 20 "p0 " "the port is listed"
check "the port's sparklines appear (block glyphs)" wait_for 30 bash -c "port_line() { $T_TMUX capture-pane -p -t t | grep -E 'p0 ' | head -n1; }; port_line | grep -q '[▁▂▃▄▅▆▇█]'"
first=$(port_line)
check "they move (the line changes with new samples)" \
	wait_for 30 bash -c "[[ \"\$($T_TMUX capture-pane -p -t t | grep -E 'p0 ' | head -n1)\" != \"\$0\" ]]" "$first"
log "port: $(port_line)"
tui_expect 20 " spin .*running.* [0-9]+% +[0-9.]+[KMG] " "the VM list shows the VM's CPU % and memory"
check "the VM's CPU sparkline appears" wait_for 30 bash -c "$T_TMUX capture-pane -p -t t | grep -E ' spin ' | grep -q '[▁▂▃▄▅▆▇█]'"
log "vm: $(vm_line)"

# Quiet: no traffic, no VM. The lines flatten (60 samples of 200 ms), the
# screen settles, and then it writes nothing.
kill_pid "$ping_pid"
"$VMDECK" kill spin >/dev/null 2>&1
tui_expect 30 " spin .*(exited|stopped)" "the VM is gone"
check "the port's sparklines go flat" wait_for 60 bash -c "! $T_TMUX capture-pane -p -t t | grep -E 'p0 ' | grep -q '[▁▂▃▄▅▆▇█]'"
# The VM's exit left a message in the status bar; it expires after a few
# seconds (a redraw): wait for the key hints to be back first.
tui_expect 30 "Tab/l pane" "the status bar shows the key hints again (the exit's message expired)"
settled() { local a; a=$(tmux_screen | md5sum); sleep 1; [[ $(tmux_screen | md5sum) == "$a" ]]; }
wait_for 60 settled || log "the screen did not settle"
$T_TMUX pipe-pane -t t -o "cat >> $T_TMP/idle.out"
sleep 3 # the observation window
$T_TMUX pipe-pane -t t
check "a static screen with flat sparklines writes nothing ($(stat -c %s "$T_TMP/idle.out" 2>/dev/null || echo none) bytes in 3 s)" \
	test "$(stat -c %s "$T_TMP/idle.out" 2>/dev/null)" = 0
tmux_keys q
$T_TMUX kill-server

# LANG=C: the ASCII ramp, and never a byte the locale cannot show.
ip netns exec "$PEER" ping -q -i 0.2 10.99.0.1 >/dev/null 2>&1 &
ping_pid=$!
on_exit "kill_pid $ping_pid"
tui C
tui_expect 20 "p0 " "LANG=C: the port is listed"
check "LANG=C: the sparklines use the ASCII ramp" \
	wait_for 30 bash -c "$T_TMUX capture-pane -p -t t | grep -E 'p0 ' | grep -Eq ' [_.:=+*#-]*[=+*#][_.:=+*#-]* '"
log "port (LANG=C): $(port_line)"
check "LANG=C: no byte above 0x7f on screen" bash -c "! $T_TMUX capture-pane -p -t t | LC_ALL=C grep -q '[^ -~]'"
tmux_keys q
finish
