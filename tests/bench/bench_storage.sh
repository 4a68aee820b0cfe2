#!/usr/bin/env bash
# bench_storage.sh : storage timings, each next to doing the same by hand
# with plain qemu-img (libvirt's virsh is not driven here: its setup —
# daemon, user, private mount namespace, see libvirt_env.sh — costs more
# than the figure it would give for a qemu-img-backed snapshot):
#   - a live snapshot (memory + disks) of the running test guest (256 MiB,
#     TCG) with `vmdeck snapshot create`, next to `qemu-img snapshot -c`
#     of the same image with the VM stopped (disks only: the floor);
#   - a full clone of a VM whose 1 GiB qcow2 disk is full of data, next to
#     `qemu-img convert` of that image; a linked clone, next to
#     `qemu-img create -b`.
# Median of 5 runs each. Prints figures; asserts nothing.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${VMDECK_BUILD:-$(ls -td "$src"/build*/ | head -n1)}
build=${build%/}
vmdeck=${VMDECK:-$build/tui/vmdeck}
bash "$src/tests/guest/build.sh" >/dev/null
guest=$src/tests/guest/out
tmp=$(mktemp -d /tmp/vmdeck-bench-storage.XXXXXX)
export VMDECK_RUNTIME_DIR=$tmp/run VMDECK_STATE_DIR=$tmp/state VMDECK_PROFILES=$tmp/prof
mkdir -p "$tmp/prof" "$tmp/hand"
cleanup() {
	for f in "$tmp"/run/*/qemu.pid; do [[ -f $f ]] && { kill -9 "$(cat "$f")" 2>/dev/null || true; }; done
	rm -rf "$tmp"
}
trap cleanup EXIT
runs=5
median() { sort -n | sed -n "$(((runs + 1) / 2))p"; }
ms() { echo $((($2 - $1) / 1000000)); }

profile() { # NAME DISKFILE MEMORY
	cat >"$tmp/prof/$1.yaml" <<EOP
name: $1
accel: tcg
machine: q35
memory: $3
boot:
  kernel: $guest/vmlinuz
  initrd: $guest/initrd.img
  append: "console=ttyS0 quiet vmdeck.interval=3600"
nics:
  - network: user
disks:
  - id: data
    file: $2
    format: qcow2
stop_timeout: 5
EOP
}

# ---- live snapshot -------------------------------------------------------
qemu-img create -q -f qcow2 "$tmp/prof/g.qcow2" 256M
profile g g.qcow2 256M
"$vmdeck" start g >/dev/null 2>&1
# Booted far enough that its memory is in use.
for _ in $(seq 600); do grep -aq "mac " "$tmp/run/g/serial.log" 2>/dev/null && break; sleep 0.05; done
v=()
for i in $(seq $runs); do
	t0=$(date +%s%N)
	"$vmdeck" snapshot g create "s$i" >/dev/null 2>&1
	t1=$(date +%s%N)
	v+=("$(ms "$t0" "$t1")")
done
"$vmdeck" stop --force g >/dev/null 2>&1
p=()
for i in $(seq $runs); do
	t0=$(date +%s%N)
	qemu-img snapshot -c "h$i" "$tmp/prof/g.qcow2"
	t1=$(date +%s%N)
	p+=("$(ms "$t0" "$t1")")
done
vm=$(printf '%s\n' "${v[@]}" | median) pm=$(printf '%s\n' "${p[@]}" | median)
echo "live snapshot (memory+disk, 256 MiB guest): vmdeck ${vm} ms; qemu-img snapshot -c (stopped, disk only) ${pm} ms"
echo "BENCH snapshot of the test guest (vmdeck: live with memory; peer: qemu-img, stopped)|$vm|$pm|ms"

# ---- clones of a 1 GiB image ------------------------------------------------
qemu-img create -q -f qcow2 "$tmp/prof/big.qcow2" 1G
qemu-io -f qcow2 -c "write -P 0x5a 0 1G" "$tmp/prof/big.qcow2" >/dev/null
profile b big.qcow2 64M
clone_ms() { # OPTIONS... : median of vmdeck clone
	local r=() t0 t1 i
	for i in $(seq $runs); do
		t0=$(date +%s%N)
		"$vmdeck" clone b "c$i" "$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		r+=("$(ms "$t0" "$t1")")
		rm -f "$tmp/prof/c$i.yaml" "$tmp/prof/c$i-data.qcow2"
	done
	printf '%s\n' "${r[@]}" | median
}
hand_ms() { # qemu-img ARGS... ending in OUT
	local r=() t0 t1 i
	for i in $(seq $runs); do
		rm -f "$tmp/hand/out.qcow2"
		t0=$(date +%s%N)
		qemu-img "$@" >/dev/null
		t1=$(date +%s%N)
		r+=("$(ms "$t0" "$t1")")
	done
	printf '%s\n' "${r[@]}" | median
}
vf=$(clone_ms) pf=$(hand_ms convert -f qcow2 -O qcow2 "$tmp/prof/big.qcow2" "$tmp/hand/out.qcow2")
vl=$(clone_ms --linked) pl=$(hand_ms create -q -f qcow2 -b "$tmp/prof/big.qcow2" -F qcow2 "$tmp/hand/out.qcow2")
echo "full clone, 1 GiB of data: vmdeck ${vf} ms; qemu-img convert ${pf} ms"
echo "linked clone, 1 GiB base: vmdeck ${vl} ms; qemu-img create -b ${pl} ms"
echo "BENCH clone full, 1 GiB qcow2 (peer: qemu-img convert)|$vf|$pf|ms"
echo "BENCH clone linked, 1 GiB base (peer: qemu-img create -b)|$vl|$pl|ms"
