#!/usr/bin/env bash
# bench_storage.sh : storage timings, each next to the same work done by
# libvirt (a private libvirtd: tests/bench/libvirt_env.sh — root, its own
# network and mount namespaces, nothing of the host's libvirt), or by plain
# qemu-img where libvirtd cannot run here (not root, not installed:
# `tests/bench/libvirt_env.sh install`; VMDECK_BENCH_LIBVIRT=0 on purpose):
#   - a live snapshot (memory + disks) of the running test guest (256 MiB,
#     TCG, booted) with `vmdeck snapshot create`, next to
#     `virsh snapshot-create-as` of the same guest defined in libvirt from
#     `vmdeck export NAME --libvirt` (an internal snapshot with memory, as
#     vmdeck's) — or `qemu-img snapshot -c` of the stopped image (disks only:
#     the floor, not the same work);
#   - a full clone of a VM whose 1 GiB qcow2 disk is full of data, next to
#     `virsh vol-clone` of that image in a directory pool — or `qemu-img
#     convert`; a linked clone, next to `virsh vol-create-as --backing-vol`
#     — or `qemu-img create -b`.
# Median of 5 runs each. Prints figures; asserts nothing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${VMDECK_BUILD:-$(ls -td "$src"/build*/ | head -n1)}
build=${build%/}
vmdeck=${VMDECK:-$build/tui/vmdeck}
bash "$src/tests/guest/build.sh" >/dev/null
guest=$src/tests/guest/out
tmp=$(mktemp -d /tmp/vmdeck-bench-storage.XXXXXX)
export VMDECK_RUNTIME_DIR=$tmp/run VMDECK_STATE_DIR=$tmp/state VMDECK_PROFILES=$tmp/prof
mkdir -p "$tmp/prof" "$tmp/hand"
# shellcheck source=libvirt_env.sh
. "$here/libvirt_env.sh"
cleanup() {
	for f in "$tmp"/run/*/qemu.pid; do [[ -f $f ]] && { kill -9 "$(cat "$f")" 2>/dev/null || true; }; done
	lv_down "$tmp/lv" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
runs=5
median() { sort -n | sed -n "$(((runs + 1) / 2))p"; }
ms() { echo $((($2 - $1) / 1000000)); }
# timed CMD... : run it, print its time in ms (its output dropped).
timed() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || echo "bench_storage: failed: $*" >&2
	t1=$(date +%s%N)
	ms "$t0" "$t1"
}

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
# booted LOG : wait (bounded) until the guest has booted far enough that its
# memory is in use.
booted() { for _ in $(seq 1200); do grep -aq "mac " "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

lv=0 lv_note="libvirt: not used (VMDECK_BENCH_LIBVIRT=0)"
if [[ ${VMDECK_BENCH_LIBVIRT:-1} != 0 ]]; then
	if lv_up "$tmp/lv"; then
		lv=1 lv_note="libvirt $(libvirtd --version | awk '{print $NF}'), private libvirtd (libvirt_env.sh)"
		V="virsh -q -c $LV_URI"
		$V domcapabilities >/dev/null 2>&1 # QEMU's capabilities, probed once per install
	else
		lv_note="libvirt: cannot run here ($LV_WHY): the peer is plain qemu-img"
	fi
fi
echo "($lv_note)"

# ---- live snapshot -------------------------------------------------------
qemu-img create -q -f qcow2 "$tmp/prof/g.qcow2" 256M
profile g g.qcow2 256M
"$vmdeck" start g >/dev/null 2>&1
booted "$tmp/run/g/serial.log" || echo "bench_storage: g did not boot" >&2
v=()
for i in $(seq $runs); do v+=("$(timed "$vmdeck" snapshot g create "s$i")"); done
"$vmdeck" stop --force g >/dev/null 2>&1
vm=$(printf '%s\n' "${v[@]}" | median)
if ((lv)); then
	# The same guest in libvirt: its own image, the XML vmdeck exports.
	qemu-img create -q -f qcow2 "$tmp/prof/lg.qcow2" 256M
	profile lg lg.qcow2 256M
	"$vmdeck" export lg --libvirt --out "$tmp/lv/dom/lg.xml" >/dev/null 2>&1
	$V define "$tmp/lv/dom/lg.xml" >/dev/null
	$V start lg >/dev/null
	booted "$tmp/lv/log/qemu/lg-serial0.log" || echo "bench_storage: lg did not boot under libvirt" >&2
	p=()
	for i in $(seq $runs); do p+=("$(timed $V snapshot-create-as lg "l$i")"); done
	n=$($V snapshot-list lg --name | grep -c . || true)
	$V destroy lg >/dev/null 2>&1 || true
	pm=$(printf '%s\n' "${p[@]}" | median)
	echo "live snapshot (memory+disk, 256 MiB guest): vmdeck ${vm} ms; virsh snapshot-create-as ${pm} ms ($n of $runs made)"
	echo "BENCH live snapshot of the test guest, memory + disk (peer: virsh snapshot-create-as)|$vm|$pm|ms"
else
	p=()
	for i in $(seq $runs); do p+=("$(timed qemu-img snapshot -c "h$i" "$tmp/prof/g.qcow2")"); done
	pm=$(printf '%s\n' "${p[@]}" | median)
	echo "live snapshot (memory+disk, 256 MiB guest): vmdeck ${vm} ms; qemu-img snapshot -c (stopped, disk only) ${pm} ms"
	echo "BENCH snapshot of the test guest (vmdeck: live with memory; peer: qemu-img, stopped)|$vm|$pm|ms"
fi

# ---- clones of a 1 GiB image ------------------------------------------------
mkdir -p "$tmp/pool"
qemu-img create -q -f qcow2 "$tmp/pool/big.qcow2" 1G
qemu-io -f qcow2 -c "write -P 0x5a 0 1G" "$tmp/pool/big.qcow2" >/dev/null
profile b "$tmp/pool/big.qcow2" 64M
clone_ms() { # OPTIONS... : median of vmdeck clone
	local r=() i
	for i in $(seq $runs); do
		r+=("$(timed "$vmdeck" clone b "c$i" "$@")")
		rm -f "$tmp/prof/c$i.yaml" "$tmp"/prof/c$i-*.qcow2
	done
	printf '%s\n' "${r[@]}" | median
}
hand_ms() { # qemu-img ARGS... ending in OUT
	local r=() i
	for i in $(seq $runs); do
		rm -f "$tmp/hand/out.qcow2"
		r+=("$(timed qemu-img "$@")")
	done
	printf '%s\n' "${r[@]}" | median
}
virsh_ms() { # VIRSH-VERB ARGS... (with OUT as the new volume's name)
	local r=() i
	for i in $(seq $runs); do
		$V vol-delete --pool bp out.qcow2 >/dev/null 2>&1 || true
		r+=("$(timed $V "$@")")
	done
	$V vol-delete --pool bp out.qcow2 >/dev/null 2>&1 || true
	printf '%s\n' "${r[@]}" | median
}
vf=$(clone_ms) vl=$(clone_ms --linked)
if ((lv)); then
	$V pool-define-as bp dir --target "$tmp/pool" >/dev/null
	$V pool-start bp >/dev/null
	pf=$(virsh_ms vol-clone --pool bp big.qcow2 out.qcow2)
	pl=$(virsh_ms vol-create-as bp out.qcow2 1G --format qcow2 --backing-vol big.qcow2 --backing-vol-format qcow2)
	echo "full clone, 1 GiB of data: vmdeck ${vf} ms; virsh vol-clone ${pf} ms"
	echo "linked clone, 1 GiB base: vmdeck ${vl} ms; virsh vol-create-as --backing-vol ${pl} ms"
	echo "BENCH clone full, 1 GiB qcow2 (peer: virsh vol-clone)|$vf|$pf|ms"
	echo "BENCH clone linked, 1 GiB base (peer: virsh vol-create-as --backing-vol)|$vl|$pl|ms"
else
	pf=$(hand_ms convert -f qcow2 -O qcow2 "$tmp/pool/big.qcow2" "$tmp/hand/out.qcow2")
	pl=$(hand_ms create -q -f qcow2 -b "$tmp/pool/big.qcow2" -F qcow2 "$tmp/hand/out.qcow2")
	echo "full clone, 1 GiB of data: vmdeck ${vf} ms; qemu-img convert ${pf} ms"
	echo "linked clone, 1 GiB base: vmdeck ${vl} ms; qemu-img create -b ${pl} ms"
	echo "BENCH clone full, 1 GiB qcow2 (peer: qemu-img convert)|$vf|$pf|ms"
	echo "BENCH clone linked, 1 GiB base (peer: qemu-img create -b)|$vl|$pl|ms"
fi
