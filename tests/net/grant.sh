#!/usr/bin/env bash
# Rootless use (issue 14): root grants user nobody TAPs on a bridge once
# (`vmdeck net grant`), and nobody's vmdeck — no capability at all — starts
# the tiny test guest on one of them: the guest pings the bridge address
# through it, the TAP is enslaved and up, and the bridge's MAC (unpinned,
# with an uplink-like port) does not move at start or stop. A second VM
# takes the other granted TAP, a third is refused ("in use", exit 4);
# revoke keeps a TAP in use, then removes exactly the recorded TAPs (a vdg-
# TAP it did not make stays); without a grant, a rootless start explains
# both ways (grant, or root) and exits 4. All in a namespace of the test's.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip jq setpriv qemu-system-x86_64
GUEST_OUT=$VMDECK_SRC/tests/guest/out
bash "$VMDECK_SRC/tests/guest/build.sh" >/dev/null 2>&1 || true
[[ -f $GUEST_OUT/vmlinuz && -f $GUEST_OUT/initrd.img ]] || skip "test guest not built (tests/guest/build.sh)"

netns_new NS
N="ip -n $NS"
PROF=$T_TMP/prof
mkdir -p "$PROF/networks"
export VMDECK_PROFILES=$PROF
vd() { ip netns exec "$NS" "$VMDECK" "$@"; }
# nobody's vmdeck: no capability, its own runtime and state directories.
RUNU=$T_TMP/run-nobody
mkdir -p "$RUNU" "$T_TMP/state-nobody" && chown 65534:65534 "$RUNU" "$T_TMP/state-nobody" && chmod 700 "$RUNU"
VU=$T_TMP/vu
cat >"$VU" <<EOF2
#!/bin/sh
exec unshare -m sh -c 'mount -t tmpfs -o mode=755 vmdeck-tun /dev/net && mknod -m 666 /dev/net/tun c 10 200 &&
	exec "\$0" "\$@"' ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \\
	env HOME="$T_TMP" VMDECK_RUNTIME_DIR="$RUNU" VMDECK_STATE_DIR="$T_TMP/state-nobody" \\
	VMDECK_PROFILES="$PROF" "$VMDECK" "\$@"
EOF2
chmod 755 "$VU"
# The same with /dev/net/tun as root-only (0600, as on some hosts).
sed 's/mknod -m 666/mknod -m 600/' "$VU" >"$VU.600" && chmod 755 "$VU.600"
vu() { "$VU" "$@"; }
# has TEXT WORDS...: TEXT contains each of the (fixed) WORDS.
has() {
	local t=$1 w
	shift
	for w in "$@"; do grep -qF -- "$w" <<<"$t" || return 1; done
}
on_exit 'for f in "$RUNU"/*/qemu.pid "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")"; done'

# An unpinned bridge with an uplink-like port (a lower, normal MAC), as on a host.
$N link add br0 type bridge
$N link add up0 address 02:00:00:00:00:01 type veth peer name up0p
$N link set up0 master br0
$N link set up0 up
$N link set up0p up
$N addr add 172.16.9.1/24 dev br0
$N link set br0 up
bmac() { ip netns exec "$NS" cat /sys/class/net/br0/address; }

# A lab network file for br0 (not brought up: the bridge is the test's), so
# that `net status` shows br0's grants; its policy is the grants' MAC policy.
printf 'bridge: br0\naddress: 172.16.9.1/24\ntap_mac_policy: derived\n' >"$PROF/networks/lab.yaml"
chmod 644 "$PROF/networks/lab.yaml"

# The guest (pings the bridge address) and two bare VMs, all on br0.
cat >"$PROF/ga.yaml" <<EOF
name: ga
accel: tcg
machine: q35
memory: 256M
boot:
  kernel: $GUEST_OUT/vmlinuz
  initrd: $GUEST_OUT/initrd.img
  append: "console=ttyS0 quiet vmdeck.name=ga vmdeck.ip=172.16.9.11/24 vmdeck.gw=172.16.9.1 vmdeck.interval=0.3"
nics:
  - { model: virtio-net-pci, mac: "52:54:00:09:00:11", bridge: br0 }
stop_timeout: 5
EOF
for v in gb gc; do
	printf 'name: %s\naccel: tcg\nmachine: q35\nmemory: 64M\nstop_timeout: 3\nnics:\n  - { model: virtio-net-pci, bridge: br0 }\n' \
		"$v" >"$PROF/$v.yaml"
done
chmod 755 "$T_TMP" "$PROF" "$PROF/networks"
chmod 644 "$PROF"/*.yaml

# --- without a grant: both ways explained, exit 4, nothing made -----------
out=$(vu start gb 2>&1)
rc=$?
log "rootless start without a grant: rc=$rc: $out"
check "no grant: exit 4 (got $rc)" test "$rc" -eq 4
check "no grant: names the grant to ask root for" grep -q "vmdeck net grant br0 nobody" <<<"$out"
check "no grant: names the other way (root / CAP_NET_ADMIN)" \
	has "$out" "run vmdeck as root" "CAP_NET_ADMIN"
check "no grant: no TAP made" bash -c "[ -z \"\$(ip -n $NS -j link show type tun | jq -r '.[].ifname')\" ]"
# The same with a disk to make first (size:): the start goes on from the
# loop once qemu-img is done, and its refusal keeps its kind (exit 4).
printf 'name: gd\naccel: tcg\nmemory: 64M\ndisks:\n  - { file: %s/gd.qcow2, size: 16M }\nnics:\n  - { bridge: br0 }\n' \
	"$T_TMP/gdisk" >"$PROF/gd.yaml"
mkdir -p "$T_TMP/gdisk"
chown nobody "$T_TMP/gdisk"
chmod 644 "$PROF/gd.yaml"
out=$(vu start gd 2>&1)
rc=$?
log "rootless start of a VM with a disk to make, without a grant: rc=$rc: $out"
check "no grant, disk made first: exit 4 (got $rc)" test "$rc" -eq 4
check "no grant, disk made first: names the grant" grep -q "vmdeck net grant br0 nobody" <<<"$out"
rm -f "$PROF/gd.yaml"

# --- grant: clear errors ----------------------------------------------------
out=$(vd net grant br0 no-such-user-x 2>&1); rc=$?
check "grant to an unknown user: exit 3 and says so (got $rc: $out)" \
	bash -c "[ $rc -eq 3 ] && grep -q 'no user no-such-user-x' <<<'$out'"
out=$(vd net grant nosuchbr nobody 2>&1); rc=$?
check "grant on a missing bridge: exit 3 and names it (got $rc: $out)" \
	bash -c "[ $rc -eq 3 ] && grep -q 'no bridge nosuchbr' <<<'$out'"
out=$(vd net grant up0 nobody 2>&1); rc=$?
check "grant on a non-bridge: exit 1 (got $rc: $out)" bash -c "[ $rc -eq 1 ] && grep -q 'not a bridge' <<<'$out'"
for n in 0 65 x; do
	out=$(vd net grant br0 nobody --taps "$n" 2>&1); rc=$?
	check "grant --taps $n: usage error (got $rc: $out)" bash -c "[ $rc -eq 2 ] && grep -q 'taps' <<<'$out'"
done
for sub in "grant br0 nobody" "revoke br0"; do
	out=$(vd --read-only net $sub 2>&1); rc=$?
	check "read-only net $sub: refused, exit 4 (got $rc)" has "$rc:$out" "4:" "read-only"
done
out=$(vu net grant br0 nobody 2>&1); rc=$?
check "grant as a user: exit 4, needs root (got $rc: $out)" bash -c "[ $rc -eq 4 ] && grep -q 'needs root' <<<'$out'"
check "no TAP made by the failed grants" bash -c "[ -z \"\$(ip -n $NS -j link show type tun | jq -r '.[].ifname')\" ]"

# --- grant ------------------------------------------------------------------
m0=$(bmac)
out=$(vd net grant br0 nobody --taps 2 2>&1) || fail "grant: $out"
log "grant: $out"
check "grant made vdg-nobody-0 and -1" bash -c "ip -n $NS link show vdg-nobody-0 && ip -n $NS link show vdg-nobody-1" >/dev/null
for t in vdg-nobody-0 vdg-nobody-1; do
	check "$t owned by nobody" test "$(ip netns exec "$NS" cat "/sys/class/net/$t/owner")" = 65534
	check "$t persistent TAP" \
		bash -c "[ \$(( \$(ip netns exec $NS cat /sys/class/net/$t/tun_flags) & 0x1802 )) -eq \$((0x1802)) ]"
	check "$t enslaved to br0 and up" bash -c "ip -n $NS link show $t | grep -q 'master br0' && ip -n $NS link show $t | grep -q '[<,]UP[,>]'"
	check "$t MAC by the default policy (derived: first byte fe)" \
		bash -c "ip netns exec $NS cat /sys/class/net/$t/address | grep -q '^fe:'"
done
check "grant leaves the bridge MAC (uplink's, the lowest port)" test "$(bmac)" = "$m0"
out=$(vd net grant br0 nobody --taps 2 2>&1)
check "grant again: nothing to do" grep -q "already has 2" <<<"$out"
check "still two granted TAPs" test "$($N -j link show type tun | jq length)" -eq 2
check "net grants --json (as root): two, recorded, free" \
	bash -c "ip netns exec $NS '$VMDECK' net grants br0 --json | jq -e 'length == 2 and all(.[]; .recorded and .state == \"free\" and .user == \"nobody\")'" 
out=$(vd net status lab)
check "net status shows the bridge's grants" has "$out" "grant    vdg-nobody-0 to nobody" "grant    vdg-nobody-1 to nobody"
check "net status --json as nobody: the two grants, free" \
	bash -c "$VU net status lab --json | jq -e '[.grants[] | select(.user == \"nobody\" and .state == \"free\")] | length == 2'"
check "net grants as nobody: sees its two TAPs" bash -c "[ \$($VU net grants --json | jq length) -eq 2 ]"

# --- /dev/net/tun closed to users: said before QEMU would fail --------------
out=$("$VU.600" start ga 2>&1); rc=$?
log "rootless start, /dev/net/tun 0600: rc=$rc: $out"
check "/dev/net/tun 0600: exit 4, names the TAP and the fix" \
	has "$rc:$out" "4:" "/dev/net/tun does not let this user open it" "chmod 0666 /dev/net/tun" "vdg-nobody-"
check "/dev/net/tun 0600: no QEMU" test ! -e "$RUNU/ga/qemu.pid"

# --- rootless starts ---------------------------------------------------------
m1=$(bmac)
out=$(vu start ga 2>&1) || fail "rootless start of ga: $out"
log "rootless start: $out"
SER=$RUNU/ga/serial.log
check "ga runs (rootless, on a granted TAP)" wait_for 20 bash -c "$VU status --json ga | jq -e '.[0].state == \"running\"'"
check "the guest pings the bridge address through the granted TAP" wait_for 120 grep -q "seq=.* ok" "$SER"
qpid=$(cat "$RUNU/ga/qemu.pid")
check "QEMU runs as nobody" test "$(stat -c %u "/proc/$qpid")" = 65534
tga=$(vu net grants --json | jq -r '.[] | select(.state == "in use") | .tap')
log "ga's TAP: $tga"
check "one granted TAP in use" test "$(wc -w <<<"$tga")" -eq 1
check "its TAP is enslaved, up and has carrier" \
	bash -c "ip -n $NS link show $tga | grep -q 'master br0' && ip -n $NS link show $tga | grep -q 'LOWER_UP'"
check "QEMU opened that TAP" bash -c "tr '\\0' ' ' </proc/$qpid/cmdline | grep -q 'ifname=$tga,'"
check "the start left the bridge MAC alone" test "$(bmac)" = "$m1"
out=$(vu start gb 2>&1) || fail "rootless start of gb: $out"
check "gb runs on the other granted TAP" \
	bash -c "[ \$($VU net grants --json | jq '[.[] | select(.state == \"in use\")] | length') -eq 2 ]"
out=$(vu start gc 2>&1); rc=$?
log "third rootless start: rc=$rc: $out"
check "a third VM: exit 4, both granted TAPs in use, ask for more" \
	has "$rc:$out" "4:" "are all in use" "'vmdeck net grant br0 nobody --taps 3'"

# --- revoke while in use keeps them -------------------------------------------
out=$(vd net revoke br0 nobody 2>&1); rc=$?
log "revoke while in use: rc=$rc: $out"
check "revoke of TAPs in use: fails, says which it kept" bash -c "[ $rc -eq 1 ] && grep -q 'kept vdg-nobody' <<<'$out'"
check "both TAPs still there" test "$($N -j link show type tun | jq length)" -eq 2
n=$(grep -c 'seq=.* ok' "$SER")
check "the guest still pings" wait_for 20 bash -c "[ \$(grep -c 'seq=.* ok' '$SER') -gt $n ]"

# --- stop: the granted TAPs stay (persistent), free again; MAC unmoved --------
vu kill ga >/dev/null 2>&1
vu kill gb >/dev/null 2>&1
check "VMs gone" wait_for 30 bash -c "[ ! -e '$RUNU/ga/qemu.pid' ] && [ ! -e '$RUNU/gb/qemu.pid' ]"
check "granted TAPs free again after the VMs ended" wait_for 20 bash -c \
	"$VU net grants --json | jq -e 'length == 2 and all(.[]; .state == \"free\")'"
check "stopping left the bridge MAC alone" test "$(bmac)" = "$m1"

# --- revoke: exactly what was recorded ----------------------------------------
$N tuntap add dev vdg-nobody-7 mode tap user 65534
out=$(vd net revoke br0 nobody 2>&1) || fail "revoke: $out"
log "revoke: $out"
check "revoke removed the granted TAPs" \
	bash -c "! ip -n $NS link show vdg-nobody-0 2>/dev/null && ! ip -n $NS link show vdg-nobody-1 2>/dev/null"
check "revoke left a vdg- TAP it did not make" ip -n "$NS" link show vdg-nobody-7
check "the record is empty" bash -c "jq -e '.grants == []' '$VMDECK_STATE_DIR'/grants/net-*.json"
out=$(vd net revoke br0 nobody 2>&1)
check "revoke again: nothing to do" grep -q "nothing to do" <<<"$out"
# A recorded TAP that was deleted and whose name someone else took since
# (another ifindex): revoke drops the record and leaves that interface.
vd net grant br0 daemon >/dev/null 2>&1 || fail "grant to daemon"
$N link del vdg-daemon-0
$N tuntap add dev vdg-daemon-0 mode tap
out=$(vd net revoke br0 2>&1) || fail "revoke br0: $out"
check "revoke leaves a TAP of a recorded name with another ifindex" ip -n "$NS" link show vdg-daemon-0
check "... and forgets the record" bash -c "jq -e '.grants == []' '$VMDECK_STATE_DIR'/grants/net-*.json"
out=$(vu start gb 2>&1); rc=$?
check "after revoke a rootless start is refused again (exit 4)" test "$rc" -eq 4
finish
