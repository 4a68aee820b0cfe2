#!/usr/bin/env bash
# bench_resize.sh — a resize storm through tmux: how many resizes a second
# this machine manages, and what each costs the program in the pane (CPU
# from /proc/PID/stat), vmdeck's TUI next to bmon. The test
# (tests/hardening/resize.sh) judges only behaviour under such a storm; the
# rate is a figure of tmux, the kernel and the machine's load, kept here.
set -uo pipefail
: "${VMDECK:?}"
command -v tmux >/dev/null || { echo "bench_resize: no tmux, skipped"; exit 0; }
n=${BENCH_RESIZE_N:-1000}
tmp=$(mktemp -d /tmp/vmdeck-bench-resize.XXXXXX)
sock=vmdeck-bench-resize-$$
T="tmux -L $sock -f /dev/null"
cleanup() { $T kill-server 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export VMDECK_RUNTIME_DIR=$tmp/run VMDECK_STATE_DIR=$tmp/state
mkdir -p "$VMDECK_RUNTIME_DIR" "$VMDECK_STATE_DIR" "$tmp/profiles"
for i in 1 2 3; do printf 'name: idle%d\nmemory: 64M\n' "$i" >"$tmp/profiles/idle$i.yaml"; done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# storm NAME CMD... : run CMD in a 100x30 tmux pane, let it settle, then N
# resizes back to back; prints "resizes/s ms-of-CPU-for-the-storm" (CPU in
# clock ticks, 10 ms each: hence a storm of 1,000 by default).
storm() {
	local name=$1; shift
	$T new-session -d -s "$name" -x 100 -y 30 "$@" || return 1
	sleep 2 # start-up, not measured
	local pid; pid=$($T display -p -t "$name" '#{pane_pid}')
	local c0 t0 c1 t1 i
	c0=$(cpu_ticks "$pid") t0=$(date +%s%N)
	for ((i = 0; i < n; i++)); do
		$T resize-window -t "$name" -x $((1 + RANDOM % 200)) -y $((1 + RANDOM % 60)) 2>/dev/null
	done
	$T resize-window -t "$name" -x 100 -y 30
	t1=$(date +%s%N)
	sleep 1 # let it finish drawing the last size
	c1=$(cpu_ticks "$pid")
	$T kill-session -t "$name"
	local hz; hz=$(getconf CLK_TCK)
	echo "$((n * 1000000000 / (t1 - t0))) $(((c1 - c0) * 1000 / hz))"
}

read -r v_rate v_cpu < <(storm vmdeck env TERM=xterm-256color LANG=C.UTF-8 "$VMDECK" --profiles "$tmp/profiles")
p_rate=- p_cpu=-
if command -v bmon >/dev/null; then
	read -r p_rate p_cpu < <(storm bmon env TERM=xterm-256color LANG=C.UTF-8 bmon -p lo)
fi
echo "resize storm, $n tmux resizes: vmdeck pane ${v_rate}/s, ${v_cpu} ms CPU; bmon pane ${p_rate}/s, ${p_cpu} ms CPU"
echo "BENCH tmux resizes a second, storm of $n (peer bmon)|$v_rate|$p_rate|/s"
echo "BENCH CPU for a storm of $n tmux resizes (peer bmon)|$v_cpu|$p_cpu|ms"
