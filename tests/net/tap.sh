#!/usr/bin/env bash
# TAPs made by vmdeck for VMs (net/vmnet.c through `vmdeck start`), in a test
# namespace: MAC policy per NIC, else the lab network's, else derived; set
# before joining; persistent, owned by the QEMU user, up, enslaved; removed
# when the VM ends. A missing bridge is a clear error naming bridge and VM,
# and nothing is left behind.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip jq qemu-system-x86_64

netns_new NS
N="ip -n $NS"
PROF=$T_TMP/prof
mkdir -p "$PROF/networks"
export VMDECK_PROFILES=$PROF
vd() { ip netns exec "$NS" "$VMDECK" "$@"; }
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")"; done'

$N link add vdlab type bridge
$N link set vdlab up
$N link add other type bridge
$N link set other up
cat >"$PROF/networks/lab.yaml" <<'EOF2'
bridge: vdlab
address: 172.16.7.1/24
tap_mac_policy: fixed
EOF2
# bare VMs (no OS): NIC 0 on the lab network's bridge (policy from the
# network), NIC 1 on another bridge (default derived), NIC 2 its own policy.
cat >"$PROF/vma.yaml" <<'EOF2'
name: vma
accel: tcg
machine: q35
memory: 64M
stop_timeout: 3
nics:
  - { model: virtio-net-pci, mac: "52:54:00:00:0a:01", bridge: vdlab }
  - { model: virtio-net-pci, mac: "52:54:00:00:0a:02", bridge: other }
  - { model: virtio-net-pci, mac: "fe:54:00:00:0a:03", bridge: other, tap_mac_policy: derived, tap: vma-own }
  - { model: virtio-net-pci, mac: "52:54:00:00:0a:04", bridge: vdlab, tap_mac_policy: kernel }
EOF2
out=$(vd start vma 2>&1) || fail "start vma: $out"
tap_of() { ip -n "$NS" -j link show master "$1" | jq -r '.[].ifname'; }
mac_of() { ip netns exec "$NS" cat "/sys/class/net/$1/address"; }
taps=$($N -j link show type tun | jq -r '.[].ifname' | sort | tr '\n' ' ')
log "TAPs: $taps"
t0=$(vd args vma | grep -o 'ifname=[^,]*' | sed -n 1p | cut -d= -f2)
t1=$(vd args vma | grep -o 'ifname=[^,]*' | sed -n 2p | cut -d= -f2)
t3=$(vd args vma | grep -o 'ifname=[^,]*' | sed -n 4p | cut -d= -f2)
check "NIC 0: lab network's policy fixed" test "$(mac_of "$t0")" = fe:ff:ff:ff:ff:ff
check "NIC 1: default policy derived (libvirt: first byte fe)" test "$(mac_of "$t1")" = fe:54:00:00:0a:02
check "NIC 2: its own derived policy, guest already fe -> fa, own TAP name" test "$(mac_of vma-own)" = fa:54:00:00:0a:03
check "NIC 3: policy kernel keeps a random MAC" bash -c "[ '$(mac_of "$t3")' != fe:ff:ff:ff:ff:ff ]"
check "TAPs enslaved to their bridges" \
	bash -c "ip -n $NS link show $t0 | grep -q 'master vdlab' && ip -n $NS link show $t1 | grep -q 'master other'"
check "TAP owned by the QEMU user ($(id -u))" test "$(ip netns exec "$NS" cat "/sys/class/net/$t0/owner")" = "$(id -u)"
check "TAP persistent (IFF_PERSIST) and a TAP (IFF_TAP|IFF_NO_PI)" \
	bash -c "[ \$(( \$(ip netns exec $NS cat /sys/class/net/$t0/tun_flags) & 0x1802 )) -eq \$((0x1802)) ]"
check "TAP up" bash -c "ip -n $NS link show $t0 | grep -q '[<,]UP[,>]'"
check "the watcher counts vdlab's two TAP (VM) ports" \
	bash -c "vd() { ip netns exec $NS '$VMDECK' \"\$@\"; }; vd watch --dump | jq -e '.[] | select(.ifname == \"vdlab\") | .vm_ports == 2' >/dev/null"
vd kill vma >/dev/null 2>&1
check "TAPs removed when the VM ends" wait_for 20 bash -c "[ -z \"\$(ip -n $NS -j link show type tun | jq -r '.[].ifname')\" ]"

# A missing bridge: clear error naming bridge, VM and NIC; nothing left.
cat >"$PROF/vmb.yaml" <<'EOF2'
name: vmb
accel: tcg
machine: q35
memory: 64M
nics:
  - { model: virtio-net-pci, bridge: other }
  - { model: virtio-net-pci, bridge: nosuchbr }
EOF2
out=$(vd start vmb 2>&1)
rc=$?
log "start with a missing bridge: rc=$rc: $out"
check "missing bridge fails" test $rc -ne 0
check "message names the VM, the NIC and the bridge" bash -c "grep -q 'vmb' <<<'$out' && grep -q 'net1' <<<'$out' && grep -q 'bridge nosuchbr does not exist' <<<'$out'"
check "no TAP left (the first NIC's TAP was removed again)" \
	bash -c "[ -z \"\$(ip -n $NS -j link show type tun | jq -r '.[].ifname')\" ]"
check "no QEMU left" test ! -e "$VMDECK_RUNTIME_DIR/vmb/qemu.pid"

# Without CAP_NET_ADMIN: a clear message and exit 4, as `net up` (as an
# unprivileged user).
chmod 755 "$T_TMP" "$PROF"
chmod 644 "$PROF"/*.yaml
mkdir -p "$T_TMP/run-nobody" && chown 65534:65534 "$T_TMP/run-nobody" && chmod 700 "$T_TMP/run-nobody"
out=$(ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	env VMDECK_RUNTIME_DIR="$T_TMP/run-nobody" VMDECK_PROFILES="$PROF" "$VMDECK" start vmb 2>&1)
rc=$?
log "unprivileged start: rc=$rc: $out"
check "no CAP_NET_ADMIN: start exits 4 (not permitted; got $rc)" test "$rc" -eq 4
check "no CAP_NET_ADMIN: start says what is needed" \
	bash -c 'grep -q CAP_NET_ADMIN <<<"$1" && grep -q vd-vmb-0 <<<"$1"' _ "$out"

finish
