#!/usr/bin/env bash
# Snapshots (issue 13), against real QEMU and the test guest with a qcow2
# data disk:
#   - live: marker written from the guest's console -> snapshot -> marker
#     overwritten -> revert (asks first: refused without a tty or --yes) ->
#     the guest reads the first marker again (page cache dropped first);
#   - stopped: disk-only snapshot, overwrite, revert, qemu-img check, content;
#   - refused before trying, with the reason and the --disk-only way: a raw
#     disk, raw UEFI vars, a migration blocker (+invtsc, under KVM);
#   - a bad tag, a duplicate tag, an unknown tag, qemu-img missing, a full
#     file system: clear messages, images left consistent (QEMU killed
#     mid-job: snapshot_kill.sh).
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
. "$VMDECK_TESTS/storage/common.sh"
img=$PROF/data.qcow2
qemu-img create -q -f qcow2 "$img" 64M
profile_disk g1 '  - id: data' '    file: data.qcow2' '    format: qcow2'
# The first 12 bytes of the data disk, as the guest reads them from the device.
marker() { gsh g1 'echo 3 >/proc/sys/vm/drop_caches; head -c 12 /dev/vda'; }
put_marker() { gsh g1 "printf '%-12s' '$1' | dd of=/dev/vda bs=12 count=1 conv=fsync 2>/dev/null"; }
# Content of the image on the host (stopped VM).
host_marker() {
	rm -f "$T_TMP/m.raw"
	qemu-img dd -f qcow2 -O raw if="$img" of="$T_TMP/m.raw" bs=12 count=1 >/dev/null 2>&1 && head -c 12 "$T_TMP/m.raw"
}
# qemu-img check: 0 clean, 3 only leaked clusters (a kill mid-write leaves
# those; no data is lost), 2 corrupt.
img_sound() { qemu-img check -q "$img" >/dev/null 2>&1; local rc=$?; [[ $rc -eq 0 || $rc -eq 3 ]]; }

start_guest g1 >/dev/null
put_marker first-mark
m=$(marker)
check "the guest wrote the first marker (read '$m')" test "$m" = "first-mark  "
out=$("$VMDECK" snapshot g1 create s1 2>&1)
check "live snapshot s1 (memory and disks): $out" grep -q "snapshot 's1' created (memory and disks)" <<<"$out"
out=$("$VMDECK" snapshot g1 create s1 2>&1)
check "a duplicate tag is refused (exit 1)" test $? -eq 1
check "... saying so: $out" grep -q "already has a snapshot 's1'" <<<"$out"
out=$("$VMDECK" snapshot g1 create 'a b/c' 2>&1)
check "a bad tag is a usage error (exit 2): $out" test $? -eq 2
js=$("$VMDECK" snapshot g1 --json)
check "listed with its VM state: $js" jq -e '.[0].tag == "s1" and .[0].vm_state_size > 0 and .[0].disks == ["data"]' <<<"$js"
out=$("$VMDECK" disk g1 2>&1)
check "disk shows the snapshot: $out" grep -q "snapshot s1 " <<<"$out"
put_marker second-mark
check "the guest overwrote it" test "$(marker)" = "second-mark "
out=$("$VMDECK" snapshot g1 revert s1 </dev/null 2>&1)
check "revert of a running VM without a tty or --yes is refused: $out" grep -q "not confirmed (answer y, or pass --yes)" <<<"$out"
check "... and changed nothing" test "$(marker)" = "second-mark "
out=$("$VMDECK" snapshot g1 revert s1 --yes 2>&1)
check "live revert --yes: $out" grep -q "reverted to snapshot 's1' (memory and disks)" <<<"$out"
check "the guest reads the first marker again" test "$(marker)" = "first-mark  "
out=$("$VMDECK" snapshot g1 create d1 --disk-only 2>&1)
check "live disk-only snapshot: $out" grep -q "snapshot 'd1' created (disks only)" <<<"$out"
out=$("$VMDECK" snapshot g1 revert d1 --yes 2>&1)
check "a disk-only snapshot is not reverted live: $out" grep -q "disk-only snapshot: revert it with the VM stopped" <<<"$out"
out=$("$VMDECK" snapshot g1 delete s1 2>&1)
check "live delete: $out" grep -q "snapshot 's1' deleted" <<<"$out"
out=$("$VMDECK" snapshot g1 delete nope 2>&1)
check "an unknown tag: exit 3" test $? -eq 3

# (QEMU killed in the middle of a job: storage/snapshot_kill.sh.)
"$VMDECK" stop --force g1 >/dev/null 2>&1 || fail "stop"

# Stopped: disk-only snapshot and revert through qemu-img.
start_guest g1 >/dev/null
put_marker offline-1
"$VMDECK" stop --force g1 >/dev/null 2>&1 || fail "stop"
out=$("$VMDECK" snapshot g1 create off1 2>&1)
check "stopped snapshot: $out" grep -q "snapshot 'off1' created (disks only)" <<<"$out"
qemu-img snapshot -l "$img" >"$T_TMP/l" 2>&1
check "qemu-img lists off1" grep -q off1 "$T_TMP/l"
start_guest g1 >/dev/null
put_marker offline-2
"$VMDECK" stop --force g1 >/dev/null 2>&1 || fail "stop"
check "the image holds the second marker" test "$(host_marker)" = "offline-2   "
out=$("$VMDECK" snapshot g1 revert off1 2>&1)
check "stopped revert: $out" grep -q "disks reverted to snapshot 'off1'" <<<"$out"
check "qemu-img check finds no corruption" img_sound
check "the image holds the first marker again" test "$(host_marker)" = "offline-1   "
out=$(VMDECK_QEMU_IMG=$T_TMP/none "$VMDECK" snapshot g1 delete off1 2>&1)
check "qemu-img missing: named: $out" grep -q "VM g1: disk 'data' ($img): qemu-img not found" <<<"$out"

# A full file system under a live snapshot: the VM state does not fit on a
# 512 KiB tmpfs. QEMU's job error names it; the image stays sound, without
# the snapshot, and the VM runs on. (A no-OS VM's state is about 1 MiB: its
# ROMs and device state; the image takes 196 KiB of the 512 KiB.)
full=$T_TMP/full
mkdir -p "$full"
mount -t tmpfs -o size=512k tmpfs "$full" || fail "cannot mount a tmpfs (needs root)"
on_exit "umount '$full'"
qemu-img create -q -f qcow2 "$full/f.qcow2" 64M
profile_bare f1 'disks:' '  - id: fd' "    file: $full/f.qcow2" '    format: qcow2'
out=$("$VMDECK" start f1 2>&1) || fail "start f1: $out"
out=$("$VMDECK" snapshot f1 create big 2>&1)
check "a live snapshot on a full file system fails" test $? -eq 1
# QEMU 7.2 says "Error while writing VM state: Input/output error" here.
check "... naming the VM, the disk, the file and QEMU's words: $out" \
	grep -q "VM f1: snapshot-save (VM state to disk 'fd', $full/f.qcow2): Error while writing VM state" <<<"$out"
check "... the VM still runs" vm_state_is f1 running
"$VMDECK" kill f1 >/dev/null 2>&1
qemu-img check -q "$full/f.qcow2" >/dev/null 2>&1
rc=$?
check "... the image is sound (qemu-img check: $rc)" test "$rc" -eq 0 -o "$rc" -eq 3
check "... and has no snapshot 'big'" bash -c "! qemu-img snapshot -l '$full/f.qcow2' | grep -q ' big '"

# Refused before trying: a raw disk.
qemu-img create -q -f raw "$PROF/r.img" 16M
profile_disk r1 '  - id: rawdisk' '    file: r.img' '    format: raw'
out=$("$VMDECK" snapshot r1 create x 2>&1)
check "a raw disk is refused with the reason: $out" grep -q "disk 'rawdisk' ($PROF/r.img) is raw: only qcow2 images keep snapshots" <<<"$out"

# Raw UEFI vars (OVMF under TCG: no OS needed, it only has to run).
code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
[[ -f $code && -f $vars ]] || skip "needs OVMF (Debian: ovmf)"
qemu-img create -q -f qcow2 "$PROF/u.qcow2" 16M
profile_bare u1 'firmware:' "  code: $code" "  vars: $T_TMP/u1-vars.fd" "  vars_template: $vars" \
	'disks:' '  - id: sys' '    file: u.qcow2' '    format: qcow2'
out=$("$VMDECK" start u1 2>&1) || fail "start u1: $out"
out=$("$VMDECK" snapshot u1 create x 2>&1)
check "raw vars are refused with the reason: $out" grep -q "UEFI vars ($T_TMP/u1-vars.fd) are a raw pflash image" <<<"$out"
check "... and offer --disk-only" grep -q "vmdeck snapshot u1 create x --disk-only" <<<"$out"
out=$("$VMDECK" snapshot u1 create x --disk-only 2>&1)
check "the disk-only form works: $out" grep -q "created (disks only)" <<<"$out"
"$VMDECK" kill u1 >/dev/null 2>&1

# A migration blocker: +invtsc (macOS profiles) — QEMU's own words. TCG
# drops invtsc, so this one needs KVM (SeaBIOS runs under this machine's).
[[ -w /dev/kvm ]] || skip "needs /dev/kvm (an invtsc CPU blocks migration only under KVM)"
qemu-img create -q -f qcow2 "$PROF/m.qcow2" 16M
profile_bare m1 'accel: kvm' 'cpu: qemu64,+invtsc' 'disks:' '  - id: sys' '    file: m.qcow2' '    format: qcow2'
sed -i '/^accel: tcg$/d' "$PROF/m1.yaml"
out=$("$VMDECK" start m1 2>&1) || fail "start m1: $out"
out=$("$VMDECK" snapshot m1 create x 2>&1)
check "+invtsc is refused with QEMU's blocker text: $out" grep -q "non-migratable CPU device (invtsc flag)" <<<"$out"
check "... and offers --disk-only" grep -q -- "--disk-only" <<<"$out"
check "... nothing was made" bash -c "! qemu-img snapshot -U -l '$PROF/m.qcow2' | grep -q ' x '"
"$VMDECK" kill m1 >/dev/null 2>&1
finish
