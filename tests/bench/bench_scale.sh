#!/usr/bin/env bash
# bench_scale.sh [N] : vmdeck with N no-OS VMs running (TCG, -m 32, no disk,
# no NIC; default 40, or $VMDECK_SCALE_N). Prints one table: start of all N
# (8 in parallel), one start and one stop with N running, status --json,
# a status loop, the supervisors' memory (PSS), the TUI's CPU time per
# selection move, the calls (connect, open,
# pidfd_open) a one-VM verb makes into the other VMs' dirs, and the same N
# QEMUs started and killed by hand (the overhead). libvirt's side needs a set-up libvirtd; without one it is
# skipped with a message. Prints figures; asserts nothing.
set -uo pipefail
N=${1:-${VMDECK_SCALE_N:-40}}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${VMDECK_BUILD:-$(ls -td "$src"/build*/ | head -n1)}
build=${build%/}
vmdeck=${VMDECK:-$build/tui/vmdeck}
probe=$build/tests/test_vm_cycles
[[ -x $probe ]] || { echo "bench_scale: no $probe (cmake --build $build --target test_vm_cycles)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/vmdeck-bench-scale.XXXXXX)
export VMDECK_RUNTIME_DIR=$tmp/run VMDECK_STATE_DIR=$tmp/state VMDECK_PROFILES=$tmp/prof VMDECK
mkdir -p "$tmp/prof" "$tmp/hand"
hand_pids=()
cleanup() {
	local f
	for f in "$tmp"/run/*/qemu.start; do [[ -f $f ]] && kill -9 "$(cut -d' ' -f1 "$f")" 2>/dev/null; done
	for f in "$tmp"/run/*/qemu.pid; do [[ -f $f ]] && kill -9 "$(cat "$f")" 2>/dev/null; done
	((${#hand_pids[@]})) && kill -9 "${hand_pids[@]}" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
names=()
for i in $(seq -f '%03g' 1 "$N"); do names+=("s$i"); done
for n in "${names[@]}" sx; do
	printf 'name: %s\naccel: tcg\nmachine: q35\nmemory: 32M\nstop_timeout: 3\n' "$n" >"$tmp/prof/$n.yaml"
done

t0=$(date +%s%N)
printf '%s\n' "${names[@]}" | xargs -P 8 -I{} "$vmdeck" start {} >/dev/null 2>&1
start_all=$(ms "$t0")
up=$(ls "$tmp"/run/*/qemu.pid 2>/dev/null | wc -l)

# One more VM with N running: time, and what it touched of the others.
others() { grep -F "$VMDECK_RUNTIME_DIR/" "$1" | grep -vcF "$VMDECK_RUNTIME_DIR/sx"; }
t0=$(date +%s%N)
strace -qq -e trace=connect,openat,pidfd_open -o "$tmp/start.trace" "$vmdeck" start sx >/dev/null 2>&1
one_start=$(ms "$t0")
t0=$(date +%s%N)
strace -qq -e trace=connect,openat,pidfd_open -o "$tmp/stop.trace" "$vmdeck" stop --force sx >/dev/null 2>&1
one_stop=$(ms "$t0")
# (strace's own cost is in these two; the plain runs below are without it)
t0=$(date +%s%N); "$vmdeck" start sx >/dev/null 2>&1; one_start_plain=$(ms "$t0")
t0=$(date +%s%N); "$vmdeck" stop --force sx >/dev/null 2>&1; one_stop_plain=$(ms "$t0")

st=()
for i in 1 2 3 4 5; do
	t0=$(date +%s%N); "$vmdeck" status --json >"$tmp/status.json" 2>/dev/null; st+=($(ms "$t0"))
done
status_ms=$(printf '%s\n' "${st[@]}" | sort -n | sed -n 3p)
listed=$(jq '[.[] | select(.state == "running")] | length' "$tmp/status.json" 2>/dev/null || echo "?")
strace -f -qq -e trace=connect -o "$tmp/status.trace" "$vmdeck" status --json >/dev/null 2>&1
status_conn=$(grep -c 'connect(' "$tmp/status.trace")
t0=$(date +%s%N)
for i in $(seq 20); do "$vmdeck" status >/dev/null 2>&1; done
loop_ms=$(($(ms "$t0") / 20))

# Supervisors: the parents of the QEMUs (PSS from smaps_rollup).
pss=0 nsup=0
for f in "$tmp"/run/*/qemu.pid; do
	sp=$(awk '{print $4}' "/proc/$(cat "$f")/stat" 2>/dev/null) || continue
	k=$(awk '/^Pss:/ {print $2}' "/proc/$sp/smaps_rollup" 2>/dev/null) || continue
	pss=$((pss + k)) nsup=$((nsup + 1))
done
sup_kib=$((nsup ? pss / nsup : 0))

# The TUI with N VMs: CPU time per selection move (schedstat, ns), 50 j's
# 20 ms apart, and the files it opened meanwhile (strace).
key_us=- key_open=-
if command -v tmux >/dev/null 2>&1; then
	T="tmux -L vbs$$ -f /dev/null"
	$T new-session -d -s t -x 160 -y 50 "env VMDECK_RUNTIME_DIR=$VMDECK_RUNTIME_DIR VMDECK_STATE_DIR=$VMDECK_STATE_DIR VMDECK_PROFILES=$VMDECK_PROFILES TERM=xterm-256color $vmdeck"
	for i in $(seq 200); do $T capture-pane -p -t t | grep -q "${names[2]}" && break; sleep 0.05; done
	tpid=$($T list-panes -t t -F '#{pane_pid}')
	sleep 1.5 # let the first scans settle (a bench; it judges nothing)
	strace -qq -e trace=openat -o "$tmp/keys.trace" -p "$tpid" &
	spid=$!
	sleep 0.3
	c0=$(cut -d' ' -f1 "/proc/$tpid/schedstat")
	t0=$(date +%s%N)
	for i in $(seq 50); do $T send-keys -t t j; sleep 0.02; done
	c1=$(cut -d' ' -f1 "/proc/$tpid/schedstat")
	el=$(ms "$t0")
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	# per move; the 1 s ticks that fell into the ~2 s window are included
	key_us=$(((c1 - c0) / 50 / 1000))
	key_open=$(grep -c openat "$tmp/keys.trace")
	$T kill-server 2>/dev/null
	echo "(TUI: 50 moves in $el ms wall; openat during them, ticks included: $key_open)"
fi

t0=$(date +%s%N)
printf '%s\n' "${names[@]}" | xargs -P 8 -I{} "$vmdeck" kill {} >/dev/null 2>&1
stop_all=$(ms "$t0")

# The same argvs by hand: N QEMUs in the background, 8 at a time until
# each answers query-status; then SIGKILL and reap.
hand_one() {
	local n=$1 argv
	mapfile -t argv <"$tmp/hand/$n/argv"
	"${argv[@]}" </dev/null >/dev/null 2>&1 &
	echo $! >"$tmp/hand/$n/pid"
	"$probe" --wait-qmp "$tmp/hand/$n/qmp.sock"
}
export -f hand_one
export tmp probe
for n in "${names[@]}"; do # argvs made before the clock starts
	mkdir -p "$tmp/hand/$n"
	"$vmdeck" --runtime-dir "$tmp/hand" args "$n" --lines >"$tmp/hand/$n/argv"
done
t0=$(date +%s%N)
printf '%s\n' "${names[@]}" | xargs -P 8 -I{} bash -c 'hand_one {}' >/dev/null 2>&1
hand_start=$(ms "$t0")
mapfile -t hand_pids < <(cat "$tmp"/hand/*/pid)
t0=$(date +%s%N)
kill -9 "${hand_pids[@]}" 2>/dev/null
# gone: no process, or a zombie (orphans wait for PID 1 to reap them)
gone() { [[ ! -e /proc/$1/stat ]] || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]; }
for p in "${hand_pids[@]}"; do until gone "$p"; do sleep 0.01; done; done
hand_stop=$(ms "$t0")
hand_pids=()

printf '%-48s %10s\n' "vmdeck, $N no-OS VMs ($up came up)" "value"
printf '%-48s %8s ms\n' "start all $N (8 in parallel)" "$start_all" \
	"same $N argvs by hand (to QMP answering)" "$hand_start" \
	"one start with $N running" "$one_start_plain" \
	"one stop --force with $N running" "$one_stop_plain" \
	"kill all $N (8 in parallel)" "$stop_all" \
	"same $N by hand (SIGKILL, until gone)" "$hand_stop" \
	"status --json, median of 5 ($listed running)" "$status_ms" \
	"status, mean of a 20-call loop" "$loop_ms"
printf '%-48s %8s\n' "calls into other VMs' dirs: start one" "$(others "$tmp/start.trace")" \
	"calls into other VMs' dirs: stop --force one" "$(others "$tmp/stop.trace")" \
	"status --json connections (one per live VM)" "$status_conn"
printf '%-48s %8s KiB\n' "supervisor PSS, mean of $nsup" "$sup_kib"
printf '%-48s %8s us\n' "TUI CPU per selection move (j), ticks included" "$key_us"
echo "(one start/stop under strace: $one_start / $one_stop ms)"
echo "BENCH scale: start all $N VMs|$start_all|$hand_start|ms"
echo "BENCH scale: one start with $N running|$one_start_plain|-|ms"
echo "BENCH scale: one stop --force with $N running|$one_stop_plain|-|ms"
echo "BENCH scale: status --json with $N running|$status_ms|-|ms"
echo "BENCH scale: supervisor PSS per VM|$sup_kib|-|KiB"
echo "BENCH scale: TUI CPU per selection move, $N VMs|$key_us|-|us"

# libvirt: only where it is set up (another issue does that).
if command -v virsh >/dev/null 2>&1 && virsh -c qemu:///system version >/dev/null 2>&1; then
	echo "libvirt: set up, but its side of this table is not written yet (virsh start/list --all per FACTS.md)"
else
	echo "libvirt: skipped (no libvirtd answering on qemu:///system)"
fi
