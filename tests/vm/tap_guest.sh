#!/usr/bin/env bash
# The bundled test guest on a bridge, with the real network hooks
# (net/vmnet.c): inside a private namespace with virbr0 172.16.1.1/24, start
# profiles/testguest -> its TAP joins virbr0, the guest pings 172.16.1.1
# successfully (serial log), a graceful stop removes the TAP again.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip qemu-system-x86_64 jq
bash "$VMDECK_SRC/tests/guest/build.sh" || skip "cannot build the test guest"
netns_new ns
ip -n "$ns" link add virbr0 type bridge || fail "bridge"
ip -n "$ns" addr add 172.16.1.1/24 dev virbr0
ip -n "$ns" link set virbr0 up
export VMDECK_PROFILES=$VMDECK_SRC/profiles
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")"; done'
vd() { ip netns exec "$ns" "$VMDECK" "$@"; }

out=$(vd start testguest 2>&1) || fail "start: $out"
tap=$(ip -n "$ns" -o link show master virbr0 | awk -F': ' '{print $2}' | cut -d@ -f1 | head -n1)
check "a TAP joined virbr0 ($tap)" test -n "$tap"
check "guest pings the bridge" wait_for 60 grep -q "ping 172.16.1.1 seq=.* ok" "$VMDECK_RUNTIME_DIR/testguest/serial.log"
out=$(vd stop testguest 2>&1)
log "$out"
check "guest shut itself down" grep -q "exited, guest shutdown" <<<"$out"
check "TAP removed" bash -c "! ip -n $ns link show '$tap' >/dev/null 2>&1"
finish
