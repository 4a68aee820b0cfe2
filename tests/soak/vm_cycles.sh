#!/usr/bin/env bash
# Soak: SOAK_CYCLES (default 200) start/stop cycles of the Linux test guest
# while ONE long-lived `vmdeck status --follow` (the QMP owner) watches, in a
# private namespace with bridge virbr0, so every start makes a real TAP and
# every stop must remove it. Each cycle: `vmdeck start` (returns on QMP
# running) -> `vmdeck stop --force` (QMP quit); every SOAK_FULL_EVERY-th
# cycle (default 2: half of them) instead waits for the guest to boot and
# ping the bridge, then stops it gracefully (ACPI power button -> guest
# shutdown). A full cycle takes ~2 s of TCG, a quick one ~1 s (the watcher's
# 1 s rescan): ~5 min for 200 on 2 cores (docs/BENCHMARKS.md, Soak).
# Before each stop the watcher has seen the VM running and owns its QMP;
# after every cycle: the watcher saw the exit, no QEMU and no TAP is left.
# A read-only TUI runs beside it in tmux (its thumbnail reconnects every run).
# Flat: the TAP count and the fds of both (cycle SOAK_WARMUP vs the end),
# and the RSS of both, sampled after every cycle at a quiet moment (the TUI
# shows the VM stopped and its screen pane "not running": VNC client and
# frame buffer freed): the lowest sample of the SOAK_WINDOW cycles after the
# warm-up against the lowest of the last SOAK_WINDOW must be within
# SOAK_RSS_SLACK kB (soak_rss_flat, tests/soak/common.sh). Why these numbers:
# - the MAC history is filled to its bound before the cycles (below), so
#   what follows measures growth, not a bounded list filling;
# - warm-up 20 cycles: the first runs fill what is filled once (the console
#   font, ncurses' colour pairs, glibc's size classes, the log tails);
# - window 10: each floor sees 5 quick and 5 full cycles;
# - slack 64 kB (16 pages): at quiet moments the TUI's RSS repeats to the
#   page (docs/BENCHMARKS.md, Soak), and over the 170 cycles between the
#   windows of a 200-cycle run a leak of 386 bytes a cycle exceeds it (1 KB a
#   cycle: 170 kB). A run too short for two windows (soak_vm_cycles_short)
#   compares fds only.
# SOAK_VALGRIND=1: the watcher runs under valgrind (tests/soak/common.sh).
# SOAK_TUI_WRAP: words put before the TUI's command (a profiler: heaptrack -o
# FILE); the TUI is then quit with q at the end, so that it writes its data.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip qemu-system-x86_64 jq
. "$VMDECK_TESTS/vm/common.sh"
. "$VMDECK_TESTS/soak/common.sh"
guest_build
CYCLES=${SOAK_CYCLES:-200}
FULL_EVERY=${SOAK_FULL_EVERY:-2}
WARMUP=${SOAK_WARMUP:-20} WINDOW=${SOAK_WINDOW:-10} RSS_SLACK=${SOAK_RSS_SLACK:-64}
((WARMUP <= CYCLES)) || WARMUP=$CYCLES

netns_new ns
ip -n "$ns" link add virbr0 type bridge || fail "bridge"
ip -n "$ns" addr add 172.16.1.1/24 dev virbr0
ip -n "$ns" link set virbr0 up
{
	printf 'name: g\naccel: tcg\nmachine: q35\nmemory: 256M\n'
	printf 'boot:\n  kernel: %s/vmlinuz\n  initrd: %s/initrd.img\n' "$GUEST_OUT" "$GUEST_OUT"
	# no_timer_check: a guest starved by a host that is very busy (TCG,
	# load 25 on 2 cores) panicked at boot ("IO-APIC + timer doesn't
	# work!"); stop_timeout 120: it then also took over 30 s to power off
	# (an RCU stall in the guest) and the graceful stop escalated to quit.
	printf '  append: "console=ttyS0 quiet no_timer_check vmdeck.name=g vmdeck.ip=172.16.1.11/24 vmdeck.gw=172.16.1.1"\n'
	printf 'nics:\n  - model: virtio-net-pci\n    bridge: virbr0\nstop_timeout: 120\n'
} >"$PROF/g.yaml"
vd() { ip netns exec "$ns" "$VMDECK" "$@"; }
taps() { ip -n "$ns" -o link show type tun | wc -l; }

soak_spawn W "$ns" "$VMDECK" status --follow >"$T_TMP/follow.log" 2>"$T_TMP/follow.err"
wait_for 120 grep -q ' g stopped' "$T_TMP/follow.log" || fail "watcher did not start: $(cat "$T_TMP/follow.err")"
# The TUI too (tmux, 120x40, its thumbnail pane on g; --read-only, so the
# watcher stays the QMP owner): every run it re-connects its VNC client. Its fds and RSS must stay
# flat as well; its thumbnail must have shown the guest in the full cycles.
tmux_start 120 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" \
	ip netns exec "$ns" ${SOAK_TUI_WRAP:-} "$VMDECK" --read-only --profiles "$PROF"
TUI=$($T_TMUX display -p -t t '#{pane_pid}')
tmux_wait 30 ' g .*stopped' || fail "the TUI did not start: $(tmux_screen)"
# Fill the TUI's bounded MAC history first (LINKWATCH_HISTORY_MAX, 256 per
# bridge): every cycle changes virbr0's MAC twice (the TAP joins the empty,
# unpinned bridge, then leaves it), so the history would otherwise fill
# around cycle 128 and its legitimate growth would hide a leak in the RSS
# comparison. 160 rounds of a low-MAC port joining and leaving make 320
# changes; from here on the history must stay at its bound.
for ((k = 0; k < 160; k++)); do
	echo "link add vfill0 address 02:00:00:00:00:01 type veth peer name vfill1"
	echo "link set vfill0 master virbr0"
	echo "link del vfill0"
done >"$T_TMP/fill.batch"
ip -n "$ns" -batch "$T_TMP/fill.batch" >/dev/null || fail "the MAC history fill batch failed"
tmux_keys H
check "the TUI's MAC history holds its bound after 320 changes (256)" tmux_wait 60 'bridge MAC history \(256\)'
tmux_keys H
tmux_wait 30 ' g .*stopped' || fail "the TUI did not leave its history view: $(tmux_screen)"
thumbs=0
exits() { grep -c ' g exited' "$T_TMP/follow.log"; }
at_least() { (($($1) >= $2)); } # at_least FUNC N (re-evaluated by wait_for)
runs() { grep -c ' g running .*owner' "$T_TMP/follow.log"; }

t0=$(date +%s%N) full=0 full_ns=0 quick_ns=0
for ((i = 1; i <= CYCLES; i++)); do
	c0=$(date +%s%N)
	out=$(vd start g 2>&1) || fail "cycle $i: start: $out"
	[[ $(taps) -eq 1 ]] || fail "cycle $i: running VM has $(taps) TAPs, expected 1"
	# The watcher rescans once a second: it must see (and own) this run.
	wait_for 60 at_least runs "$i" || fail "cycle $i: watcher saw only $(runs) runs"
	if ((i % FULL_EVERY == 0)); then
		wait_for 120 grep -q "ping 172.16.1.1 seq=.* ok" "$VMDECK_RUNTIME_DIR/g/serial.log" ||
			fail "cycle $i: guest did not ping the bridge"
		tmux_wait 10 $'\u2580|\u2584' && thumbs=$((thumbs + 1))
		out=$(vd stop g 2>&1) || fail "cycle $i: graceful stop: $out"
		grep -q "exited, guest shutdown" <<<"$out" || fail "cycle $i: not a guest shutdown: $out"
		full=$((full + 1)) full_ns=$((full_ns + $(date +%s%N) - c0))
	else
		out=$(vd stop --force g 2>&1) || fail "cycle $i: force stop: $out"
		quick_ns=$((quick_ns + $(date +%s%N) - c0))
	fi
	# The long-lived watcher saw this exit; nothing is left behind.
	wait_for 60 at_least exits "$i" || fail "cycle $i: watcher saw only $(exits) exits"
	[[ $(taps) -eq 0 ]] || fail "cycle $i: $(taps) TAP(s) left after stop"
	[[ $(qemu_count g) -eq 0 ]] || fail "cycle $i: QEMU left after stop"
	kill -0 "$W" 2>/dev/null || fail "cycle $i: the watcher died"
	kill -0 "$TUI" 2>/dev/null || fail "cycle $i: the TUI died"
	# A quiet moment to sample: the TUI has seen the exit and let go of the
	# VM's screen (its VNC client and frame buffer are freed when its 1 s
	# tick sees the VM stopped; the pane then says so).
	tmux_wait 60 ' g .*(stopped|exited)' || fail "cycle $i: the TUI does not show g stopped: $(tmux_screen)"
	tmux_wait 60 'not running: no screen' || fail "cycle $i: the TUI still holds g's screen: $(tmux_screen)"
	soak_rss_record "$W" watcher
	soak_rss_record "$TUI" tui
	((i % 10 == 0)) && log "cycle $i: watcher rss $(soak_rss_kb "$W") kB, TUI rss $(soak_rss_kb "$TUI") kB"
	if ((i == WARMUP)); then
		soak_sample "$W" warm
		soak_sample "$TUI" tui_warm
		S_TAP_warm=$(taps)
	fi
done
el=$(($(date +%s%N) - t0))
soak_sample "$W" end
soak_sample "$TUI" tui_end
check "TAP count flat (${S_TAP_warm:-?} at cycle $WARMUP, $(taps) at the end)" test "$(taps)" -eq "${S_TAP_warm:-0}"
soak_flat warm end
soak_flat tui_warm tui_end
soak_rss_flat watcher "$WARMUP" "$WINDOW" "$RSS_SLACK"
# The TUI's RSS is not compared under ASan (its quarantine keeps each run's
# freed framebuffers, ~1 MiB, for a while; fds are) nor under a profiler.
SOAK_NO_RSS=${ASAN_OPTIONS:+1}${SOAK_TUI_WRAP:+1} soak_rss_flat tui "$WARMUP" "$WINDOW" "$RSS_SLACK"
check "the TUI's thumbnail showed the guest ($thumbs of $full full cycles)" test "$thumbs" -ge 1
check "watcher saw every exit ($(exits) of $CYCLES)" test "$(exits)" -eq "$CYCLES"
check "watcher reported no error" bash -c "! grep -q ' error\$' '$T_TMP/follow.log'"
quick=$((CYCLES - full))
log "$CYCLES cycles in $((el / 1000000)) ms: $quick quick (start+force stop, mean $((quick ? quick_ns / quick / 1000000 : 0)) ms)," \
	"$full full (boot to ping + graceful stop, mean $((full ? full_ns / full / 1000000 : 0)) ms)"
if [[ -n ${SOAK_TUI_WRAP:-} ]]; then # a profiler around the TUI writes its data on a normal exit
	tmux_keys q
	wait_for 120 bash -c "! kill -0 $TUI 2>/dev/null" || log "the TUI did not quit"
fi
soak_stop "$W"
finish
