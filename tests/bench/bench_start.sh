#!/usr/bin/env bash
# bench_start.sh : vmdeck's own overhead from `vmdeck start` to QMP
# "running", next to starting the same argv by hand (background QEMU +
# qmp_probe polling its QMP socket for query-status). A no-OS VM under TCG,
# median of 21 runs each ($RUNS), the two alternating. Prints figures; asserts nothing.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${VMDECK_BUILD:-$(ls -td "$src"/build*/ | head -n1)}
build=${build%/}
vmdeck=${VMDECK:-$build/tui/vmdeck}
probe=$build/tests/test_vm_cycles
[[ -x $probe ]] || { echo "bench_start: no $probe (cmake --build $build --target test_vm_cycles)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/vmdeck-bench-start.XXXXXX)
export VMDECK_RUNTIME_DIR=$tmp/run VMDECK_STATE_DIR=$tmp/state VMDECK_PROFILES=$tmp/prof
mkdir -p "$tmp/prof" "$tmp/hand"
cleanup() {
	for f in "$tmp"/run/*/qemu.pid "$tmp"/hand/b1/qemu.pid; do [[ -f $f ]] && { kill -9 "$(cat "$f")" 2>/dev/null || true; }; done # (a stale pidfile: QEMU already gone)
	rm -rf "$tmp"
}
trap cleanup EXIT
printf 'name: b1\naccel: tcg\nmachine: q35\nmemory: 64M\nstop_timeout: 3\n' >"$tmp/prof/b1.yaml"
runs=${RUNS:-21}

median() { sort -n | sed -n "$(((runs + 1) / 2))p"; }

# vmdeck: start returns once QMP says running. By hand: the same argv
# (runtime dir $tmp/hand), QEMU in the background, then poll its QMP socket
# every 1 ms (as vmdeck does for its first 250 ms) until query-status
# answers, with the same QMP client code. The two alternate, run by run, so
# that whatever else the machine does weighs on both alike.
mapfile -t argv < <("$vmdeck" --runtime-dir "$tmp/hand" args b1 --lines)
v=() h=()
for i in $(seq $runs); do
	t0=$(date +%s%N)
	"$vmdeck" start b1 >/dev/null 2>&1
	t1=$(date +%s%N)
	v+=($(((t1 - t0) / 1000)))
	"$vmdeck" stop --force b1 >/dev/null 2>&1

	rm -rf "$tmp/hand"; mkdir -p "$tmp/hand/b1"
	t0=$(date +%s%N)
	# fds 3 and 4: the serial port and the monitor the supervisor would give it;
	# the probe forks and execs QEMU itself: no interpreter's start-up (a
	# python3 wrapper here cost 8 ms, 70 ms through a pyenv shim) is counted.
	pid=$("$probe" --run-qemu "$tmp/hand/b1/qmp.sock" "${argv[@]}" | head -n1)
	t1=$(date +%s%N)
	h+=($(((t1 - t0) / 1000)))
	kill -9 "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
done
vm_us=$(printf '%s\n' "${v[@]}" | median)
hand_us=$(printf '%s\n' "${h[@]}" | median)

awk -v v="$vm_us" -v h="$hand_us" -v n=$runs 'BEGIN {
	printf "start to QMP running, no-OS VM under TCG, median of %d:\n", n
	printf "  vmdeck start          %8.1f ms\n", v / 1000
	printf "  same argv by hand     %8.1f ms\n", h / 1000
	printf "  vmdeck overhead       %8.1f ms\n", (v - h) / 1000
	printf "BENCH start to QMP running, no-OS VM, TCG (median)|%.1f|%.1f|ms\n", v / 1000, h / 1000
}'
