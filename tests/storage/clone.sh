#!/usr/bin/env bash
# Clones (issue 13): a full and a linked clone of the test guest boot at the
# same time as each other on one bridge in a namespace of the test's own,
# each with its own MAC (derived from its name) and TAP, each reading the
# source's disk content; the source is never modified; check (and a start)
# warn when the linked base is started; a running source is refused unless
# cloned from a snapshot; a full file system, an existing name and a missing
# qemu-img leave nothing behind.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip
. "$VMDECK_TESTS/vm/common.sh"
. "$VMDECK_TESTS/storage/common.sh"
netns_new ns
ip -n "$ns" link add br0 type bridge || fail "bridge"
ip -n "$ns" addr add 172.16.9.1/24 dev br0
ip -n "$ns" link set br0 up
vd() { ip netns exec "$ns" "$VMDECK" "$@"; }
img=$PROF/src.qcow2
qemu-img create -q -f qcow2 "$img" 64M
# The source: a bridged NIC with its own MAC and TAP name, a qcow2 data disk.
profile_disk s1 '  - id: data' '    file: src.qcow2' '    format: qcow2'
sed -i 's/^  append: "\(.*\)"$/  append: "\1 vmdeck.ip=172.16.9.10\/24"/; s/^    network: user$/    bridge: br0\n    mac: "52:54:00:12:34:56"\n    tap: tsrc0/' "$PROF/s1.yaml"
marker() { gsh "$1" 'head -c 10 /dev/vda'; }
out=$(vd start s1 2>&1) || fail "start s1: $out"
guest_ready s1 || fail "s1: no shell on its console"
gsh s1 "printf src-marker | dd of=/dev/vda bs=10 count=1 conv=fsync 2>/dev/null" >/dev/null
check "the source has its marker" test "$(marker s1)" = "src-marker"

out=$(vd clone s1 c1 2>&1)
check "a running source is refused: $out" grep -q "VM s1 is running: .* (--from-snapshot TAG)" <<<"$out"
check "... and nothing is written" test ! -e "$PROF/c1.yaml" -a ! -e "$PROF/c1-data.qcow2"
out=$(vd snapshot s1 create t1 --disk-only 2>&1) || fail "snapshot: $out"
out=$(vd clone s1 c3 --from-snapshot t1 2>&1)
check "a running source from a snapshot: $out" grep -q "wrote $PROF/c3.yaml (full clone of s1, snapshot t1)" <<<"$out"
check "... its disk holds the marker" bash -c "qemu-img dd -f qcow2 -O raw if='$PROF/c3-data.qcow2' of='$T_TMP/c3.raw' bs=10 count=1 >/dev/null 2>&1 && test \"\$(cat '$T_TMP/c3.raw')\" = src-marker"
rm -f "$PROF/c3.yaml" "$PROF/c3-data.qcow2"
vd stop --force s1 >/dev/null 2>&1 || fail "stop s1"
sum_before=$(md5sum <"$img")

out=$(vd clone s1 c1 2>&1)
check "full clone: $out" grep -q "wrote $PROF/c1.yaml (full clone of s1)" <<<"$out"
out=$(vd clone s1 c2 --linked 2>&1)
check "linked clone: $out" grep -q "wrote $PROF/c2.yaml (linked clone of s1)" <<<"$out"
check "the linked clone's disk is an overlay on the source's" bash -c "qemu-img info --output=json '$PROF/c2-data.qcow2' | jq -e '.\"backing-filename\" == \"$img\"'"
# The clones' guests get addresses of their own (the test's job, as a user's).
sed -i 's/172.16.9.10/172.16.9.11/' "$PROF/c1.yaml"
sed -i 's/172.16.9.10/172.16.9.12/' "$PROF/c2.yaml"
out=$("$VMDECK" check 2>&1)
check "check warns that s1 is c2's linked base: $out" grep -q "is the linked base of VM 'c2'" <<<"$out"
mac_of() { "$VMDECK" list --json | jq -r ".[] | select(.name == \"$1\") | .nics[0].mac"; }
tap_of() { "$VMDECK" list --json | jq -r ".[] | select(.name == \"$1\") | .nics[0].tap"; }
m1=$(mac_of c1) m2=$(mac_of c2)
check "MACs of their own: s1 52:54:00:12:34:56, c1 $m1, c2 $m2" \
	test "$m1" != "52:54:00:12:34:56" -a "$m2" != "52:54:00:12:34:56" -a "$m1" != "$m2"
check "TAPs of their own: $(tap_of c1) $(tap_of c2)" test "$(tap_of c1)" != tsrc0 -a "$(tap_of c2)" != tsrc0 -a "$(tap_of c1)" != "$(tap_of c2)"

for v in c1 c2; do
	out=$(vd start "$v" 2>&1) || fail "start $v: $out"
done
for v in c1 c2; do
	check "$v: a shell on its console" guest_ready "$v"
	check "$v reads the source's marker" test "$(marker "$v")" = "src-marker"
	m=$(mac_of "$v")
	check "$v's guest has MAC $m" wait_for 30 grep -aq "mac $m" "$VMDECK_RUNTIME_DIR/$v/serial.log"
done
ports=$(ip -n "$ns" -o link show master br0 | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | tr '\n' ' ')
check "both TAPs are on br0 at once ($ports)" test "$ports" = "$(printf '%s\n' "$(tap_of c1)" "$(tap_of c2)" | sort | tr '\n' ' ')"
check "c1 pings the bridge" wait_for 60 grep -aq "ping 172.16.9.1 seq=.* ok" "$VMDECK_RUNTIME_DIR/c1/serial.log"
check "c2 pings the bridge" wait_for 60 grep -aq "ping 172.16.9.1 seq=.* ok" "$VMDECK_RUNTIME_DIR/c2/serial.log"
gsh c2 "printf clone-2-wr | dd of=/dev/vda bs=10 count=1 conv=fsync 2>/dev/null" >/dev/null
check "c2 writes its own disk" test "$(marker c2)" = "clone-2-wr"
vd stop --force c1 >/dev/null 2>&1
vd stop --force c2 >/dev/null 2>&1
check "the source's image was never modified" test "$(md5sum <"$img")" = "$sum_before"
out=$(vd start s1 2>&1)
check "starting the linked base warns: $out" grep -q "warning: disk 'data' ($img) is the linked base of VM c2" <<<"$out"
vd stop --force s1 >/dev/null 2>&1

# Refusals and faults: nothing left behind.
out=$("$VMDECK" clone s1 c1 2>&1)
check "an existing name is refused: $out" grep -q "a VM named 'c1' exists already" <<<"$out"
full=$T_TMP/full
mkdir -p "$full"
mount -t tmpfs -o size=64k tmpfs "$full" || fail "cannot mount a tmpfs"
on_exit "umount '$full'"
out=$("$VMDECK" clone s1 c4 --out "$full" 2>&1)
check "a full file system fails naming VM, disk, file: $out" grep -q "VM s1: disk 'data' ($img): qemu-img convert: .*No space left on device" <<<"$out"
check "... and leaves nothing there" test -z "$(ls -A "$full")"
out=$(VMDECK_QEMU_IMG=$T_TMP/none "$VMDECK" clone s1 c5 2>&1)
check "qemu-img missing: $out" grep -q "VM s1: disk 'data' ($img): qemu-img not found" <<<"$out"
check "... and nothing is left" test ! -e "$PROF/c5.yaml" -a ! -e "$PROF/c5-data.qcow2"
check "no temporary files anywhere" no_leftovers "$PROF"
finish
