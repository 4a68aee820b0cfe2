#!/usr/bin/env bash
# Disks (issue 13): a disk from 'size:' (check says "will be created", the
# first start makes it), 'vmdeck disk' stopped and running, resize live and
# offline as the guest sees it, shrinking refused, and the faults — qemu-img
# missing, a full file system, a locked image, a truncated qcow2 — each a
# message naming the VM, the disk and the file, with nothing left behind.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
. "$VMDECK_TESTS/storage/common.sh"
img=$PROF/data.qcow2
profile_disk g1 '  - id: data' '    file: data.qcow2' '    size: 64M'

out=$("$VMDECK" check 2>&1)
check "check passes with the disk missing (exit 0): $out" test $? -eq 0
check "check says it will be created" grep -q "disk 'data': $img will be created (qcow2, 64 MiB) at the first start" <<<"$out"
out=$("$VMDECK" disk g1 2>&1)
check "disk lists it as to be created: $out" grep -q "will be created at the first start (qcow2, 64 MiB)" <<<"$out"

# qemu-img missing: the start fails naming VM, disk and file; nothing made.
out=$(VMDECK_QEMU_IMG=$T_TMP/no-qemu-img "$VMDECK" start g1 2>&1)
check "start without qemu-img fails" test $? -ne 0
check "... saying qemu-img is missing, naming VM, disk, file: $out" \
	grep -q "VM g1: disk 'data' ($img): qemu-img not found" <<<"$out"
check "... and no image is left" test ! -e "$img"
check "... no temporary file either" no_leftovers "$PROF"

out=$(start_guest g1)
check "start says it made the disk: $out" grep -q "g1: disk 'data': created $img (qcow2, 64 MiB)" <<<"$out"
check "the image is a 64 MiB qcow2" bash -c "qemu-img info -U --output=json '$img' | jq -e '.format == \"qcow2\" and .\"virtual-size\" == 67108864'"
check "no temporary file left" no_leftovers "$PROF"
check "the guest sees 64 MiB (131072 sectors)" guest_sectors_are g1 131072
js=$("$VMDECK" disk g1 --json)
check "disk --json (running, query-block): 64 MiB qcow2" jq -e '.[0].id == "data" and .[0].format == "qcow2" and .[0].virtual_size == 67108864' <<<"$js"

# Live growth: QMP block_resize; the guest sees it at once.
out=$("$VMDECK" disk resize g1 data +64M 2>&1)
check "live resize +64M: $out" grep -q "128 MiB (live" <<<"$out"
check "the guest sees 128 MiB" wait_for 30 guest_sectors_are g1 262144
out=$("$VMDECK" disk resize g1 data 32M 2>&1)
check "live shrink refused (exit 1)" test $? -eq 1
check "... with the reason: $out" grep -q "shrinking from 128 MiB to 32 MiB refused" <<<"$out"

# The image is QEMU's: another profile on the same file is told by QEMU's lock.
profile_disk other '  - file: data.qcow2' '    format: qcow2'
out=$("$VMDECK" disk other 2>&1)
check "an image in use: 'disk other' fails" test $? -ne 0
check "... with QEMU's lock message naming VM, disk, file: $out" \
	grep -q "VM other: disk 'disk0' ($img): .*Failed to get shared \"write\" lock" <<<"$out"
out=$("$VMDECK" disk resize other disk0 1G 2>&1)
check "... and resize of it fails with the lock message: $out" grep -q "Failed to get .*lock" <<<"$out"
rm -f "$PROF/other.yaml"

"$VMDECK" stop --force g1 >/dev/null 2>&1 || fail "stop"
# Offline growth: qemu-img resize, seen by the guest at the next boot.
out=$("$VMDECK" disk resize g1 data 256M 2>&1)
check "offline resize to 256M: $out" grep -q "g1: disk 'data' ($img): 256 MiB" <<<"$out"
out=$("$VMDECK" disk resize g1 data 100M 2>&1)
check "offline shrink refused: $out" grep -q "shrinking from 256 MiB to 100 MiB refused" <<<"$out"
check "... the image untouched" bash -c "qemu-img info --output=json '$img' | jq -e '.\"virtual-size\" == 268435456'"
out=$("$VMDECK" disk g1 2>&1)
check "disk (stopped, qemu-img info): 256 MiB: $out" grep -q "format qcow2, virtual size 256 MiB" <<<"$out"
start_guest g1 >/dev/null
check "the guest sees 256 MiB" guest_sectors_are g1 524288
"$VMDECK" stop --force g1 >/dev/null 2>&1 || fail "stop"

# A full file system: a 64 KiB tmpfs holds no qcow2 header.
full=$T_TMP/full
mkdir -p "$full"
mount -t tmpfs -o size=64k tmpfs "$full" || skip "cannot mount a tmpfs (needs root)"
on_exit "umount '$full'"
profile_disk g2 '  - id: big' "    file: $full/big.qcow2" '    size: 1G'
out=$("$VMDECK" start g2 2>&1)
check "start on a full file system fails" test $? -ne 0
check "... naming VM, disk, file and the cause: $out" \
	grep -q "VM g2: disk 'big' ($full/big.qcow2): qemu-img create: .*No space left on device" <<<"$out"
check "... nothing left on it" test -z "$(ls -A "$full")"

# A truncated qcow2: qemu-img's words, with VM, disk and file.
qemu-img create -q -f qcow2 "$PROF/cut.qcow2" 16M
truncate -s 100 "$PROF/cut.qcow2"
profile_disk g3 '  - id: cut' '    file: cut.qcow2' '    format: qcow2'
out=$("$VMDECK" disk g3 2>&1)
check "a truncated qcow2: disk fails" test $? -ne 0
check "... naming VM, disk and file: $out" grep -q "VM g3: disk 'cut' ($PROF/cut.qcow2): " <<<"$out"
out=$("$VMDECK" disk resize g3 cut +1G 2>&1)
check "... and resize does not touch it: $out" test "$(stat -c %s "$PROF/cut.qcow2")" -eq 100
finish
