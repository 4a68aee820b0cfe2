#!/usr/bin/env bash
# bench_tui.sh — what vmdeck's screen costs an ssh link, next to bmon.
#   1. bytes/s written to the terminal for a static screen (goal: 0)
#   2. bytes/s with 20 bridge ports whose rates update at 1 Hz, and bmon
#      watching the same links at the same terminal size
#   3. time to the first frame with 200 profiles
# Output bytes are counted on a pty (util-linux `script` logs what the
# program writes). Needs root for the namespace of part 2 (else skipped).
set -uo pipefail
: "${VMDECK:?}"
sizes=${BENCH_TUI_SIZES:-"120x40 80x24"}
secs=${BENCH_TUI_SECS:-10}
tmp=$(mktemp -d /tmp/vmdeck-bench-tui.XXXXXX)
ns=""
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[[ -n $ns ]] && { p=$(ip netns pids "$ns" 2>/dev/null); [[ -n $p ]] && kill -9 $p 2>/dev/null; ip netns del "$ns"; }
	rm -rf "$tmp"
}
trap cleanup EXIT
export VMDECK_RUNTIME_DIR=$tmp/run VMDECK_STATE_DIR=$tmp/state
mkdir -p "$VMDECK_RUNTIME_DIR" "$VMDECK_STATE_DIR"

# ptyrun NAME CMD... : run CMD on a cols x rows pty, output logged to $tmp/NAME.out;
# keys go in through fd 9 (ptykey). Sets PTY_PID.
ptyrun() {
	local name=$1; shift
	rm -f "$tmp/$name.in"
	mkfifo "$tmp/$name.in"
	TERM=xterm-256color LANG=C.UTF-8 script -qfe -c "stty cols $cols rows $rows; exec $*" "$tmp/$name.out" \
		<"$tmp/$name.in" >/dev/null 2>&1 &
	PTY_PID=$!
	pids+=("$PTY_PID")
	exec 9>"$tmp/$name.in"
}
ptykey() { printf '%s' "$1" >&9; }
ptystop() { ptykey q; exec 9>&-; for _ in $(seq 100); do kill -0 "$PTY_PID" 2>/dev/null || break; sleep 0.05; done; kill "$PTY_PID" 2>/dev/null; wait "$PTY_PID" 2>/dev/null; }
size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# measure NAME : bytes/s over $secs seconds, after a settling second.
measure() {
	local f=$tmp/$1.out
	sleep 2
	local a; a=$(size "$f")
	sleep "$secs"
	local b; b=$(size "$f")
	echo "$(((b - a) / secs))"
}

profiles=$tmp/profiles
mkdir -p "$profiles"
for i in 1 2 3; do printf 'name: idle%d\nmemory: 64M\n' "$i" >"$profiles/idle$i.yaml"; done

for size in $sizes; do
cols=${size%x*} rows=${size#*x}
echo "terminal ${cols}x${rows}, ${secs} s windows"
# 1. Static screen: nothing changes; a repaint would show up as bytes.
ptyrun static "$VMDECK" --profiles "$profiles"
static=$(measure static)
first=$(size "$tmp/static.out")
ptystop
echo "static screen:                 vmdeck $static bytes/s (first frame $first bytes)"
echo "BENCH terminal bytes/s, static screen, ${cols}x${rows}|$static|-|bytes/s"

# 2. 20 bridge ports with traffic, 1 Hz rates.
if [[ $(id -u) -eq 0 ]] && command -v bmon >/dev/null; then
	if [[ -z $ns ]]; then
	ns=vmdeck-bench-$$
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add br0 type bridge
	ip -n "$ns" addr add 10.9.0.1/16 dev br0
	for i in $(seq 20); do
		ip -n "$ns" link add "vt$i" type veth peer name "vp$i"
		ip -n "$ns" link set "vp$i" up
		ip -n "$ns" link set "vt$i" master br0 up
	done
	ip -n "$ns" link set br0 up
	# Broadcasts into the bridge flood to every port: tx counters move on
	# all 20, by varying amounts so the rates change every second.
	ip netns exec "$ns" bash -c 'while :; do ping -b -c 1 -W 0.01 -s $((RANDOM % 1400)) 10.9.255.255 >/dev/null 2>&1; sleep 0.$((RANDOM % 5)); done' &
	pids+=($!)
	fi
	ptyrun links ip netns exec "$ns" "$VMDECK" --profiles "$profiles"
	vm_links=$(measure links)
	ptystop
	ptyrun bmon ip netns exec "$ns" bmon -p "'br0,vt*'"
	bm_links=$(measure bmon)
	ptystop
	echo "20 links updating at 1 Hz:     vmdeck $vm_links bytes/s   bmon $bm_links bytes/s"
	echo "BENCH terminal bytes/s, 20 links at 1 Hz, ${cols}x${rows} (peer bmon)|$vm_links|$bm_links|bytes/s"
else
	echo "20 links updating at 1 Hz:     skipped (needs root for a namespace, and bmon)"
fi

done

cols=120 rows=40
# 3. Time to the first frame with 200 profiles (measured inside vmdeck:
# from entering the interface to the first flushed frame, profile loading
# included), and the process's wall time to its first output byte.
many=$tmp/many
mkdir -p "$many"
for i in $(seq 200); do printf 'name: vm%03d\nmemory: 128M\nsmp: 1\n' "$i" >"$many/vm$i.yaml"; done
t0=$(date +%s%N)
ptyrun many env VMDECK_TUI_STATS=1 "$VMDECK" --profiles "$many"
while [[ $(size "$tmp/many.out") -lt 2000 ]] && (($(date +%s%N) - t0 < 10000000000)); do sleep 0.005; done
t1=$(date +%s%N)
sleep 0.5
ptystop
ff=$(grep -ao 'first_frame_us=[0-9]*' "$tmp/many.out" | head -n1 | cut -d= -f2)
echo "first frame, 200 profiles:     ${ff:-?} us inside vmdeck; $(((t1 - t0) / 1000000)) ms from exec to the screen (via script)"
echo "BENCH first frame, 200 profiles, exec to screen|$(((t1 - t0) / 1000000))|-|ms"
