#!/usr/bin/env bash
# Lab network, end to end, inside namespaces this test creates:
#   HOST  - where vmdeck runs: `net up virbr0` (the bundled seed network)
#   CL    - a DHCP client behind the bridge (veth), busybox udhcpc
#   UP    - an "upstream" reachable from HOST only; it has no route back to
#           172.16.1.0/24, so any reply proves NAT, and ss shows the source.
# Then `net down` must leave no bridge, nft table, dnsmasq or file; bad input
# must fail clearly and leave nothing half-built.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip nft dnsmasq busybox jq ss ping

netns_new HOST
netns_new CL
netns_new UP
profiles="$VMDECK_SRC/profiles"
vd() { ip netns exec "$HOST" "$VMDECK" --profiles "$profiles" "$@"; }
in_host() { ip netns exec "$HOST" "$@"; }

# Upstream link HOST(10.99.0.1) <-> UP(10.99.0.2).
ip link add h-up netns "$HOST" type veth peer name u-eth netns "$UP" || fail "veth upstream"
ip -n "$HOST" addr add 10.99.0.1/24 dev h-up && ip -n "$HOST" link set h-up up
ip -n "$UP" addr add 10.99.0.2/24 dev u-eth && ip -n "$UP" link set u-eth up
# Client link CL(c-eth) <-> HOST(c-port), c-port joins the bridge later.
ip link add c-port netns "$HOST" type veth peer name c-eth netns "$CL" || fail "veth client"
ip -n "$CL" link set c-eth address 02:00:00:c1:00:01

fwd_before=$(in_host cat /proc/sys/net/ipv4/ip_forward)

# --- up -------------------------------------------------------------------
out=$(vd net up virbr0 2>&1) || fail "net up: $out"
log "$out"
check "bridge exists" bash -c "ip -n $HOST link show virbr0 >/dev/null"
check "bridge pinned (addr_assign_type 3)" \
	test "$(in_host cat /sys/class/net/virbr0/addr_assign_type)" = 3
check "bridge MAC from the file" \
	test "$(in_host cat /sys/class/net/virbr0/address)" = 52:54:00:ac:10:01
check "address assigned" bash -c "ip -n $HOST -4 addr show virbr0 | grep -q '172.16.1.1/24'"
check "forwarding on" test "$(in_host cat /proc/sys/net/ipv4/ip_forward)" = 1
check "nft table present" bash -c "ip netns exec $HOST nft list table ip vmdeck-virbr0 | grep -q masquerade"
pid=$(vd net status virbr0 --json | jq -r .dnsmasq_pid)
check "dnsmasq running" kill -0 "$pid"
check "dnsmasq files under the runtime dir" test -f "$VMDECK_RUNTIME_DIR/net/virbr0/dnsmasq.conf"
check "dnsmasq bound to the bridge only" grep -qx 'interface=virbr0' "$VMDECK_RUNTIME_DIR/net/virbr0/dnsmasq.conf"

# Up twice is harmless: same dnsmasq, nothing new.
out=$(vd net up virbr0 2>&1)
check "second up succeeds" test $? -eq 0
check "second up says already up" grep -q "already up" <<<"$out"
check "same dnsmasq after second up" test "$(vd net status virbr0 --json | jq -r .dnsmasq_pid)" = "$pid"

# --- DHCP -----------------------------------------------------------------
ip -n "$HOST" link set c-port master virbr0
ip -n "$HOST" link set c-port up
ip -n "$CL" link set c-eth up
cat >"$T_TMP/udhcpc.sh" <<'EOF'
#!/bin/sh
case "$1" in
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "$router" ] && ip route replace default via "${router%% *}"
	echo "$ip" > "$LEASE_OUT"
	;;
esac
exit 0
EOF
chmod +x "$T_TMP/udhcpc.sh"
LEASE_OUT="$T_TMP/lease" ip netns exec "$CL" env LEASE_OUT="$T_TMP/lease" \
	timeout 60 busybox udhcpc -i c-eth -f -q -n -t 20 -T 2 -s "$T_TMP/udhcpc.sh" >"$T_TMP/udhcpc.log" 2>&1
lease=$(cat "$T_TMP/lease" 2>/dev/null)
log "client lease: ${lease:-none}"
in_range() {
	local last=${1##*.}
	[[ $1 == 172.16.1.* ]] && ((last >= 100 && last <= 199))
}
check "DHCP lease in the configured range" in_range "$lease"
check "lease in status (in namespace)" \
	bash -c "ip netns exec $HOST '$VMDECK' --profiles '$profiles' net status virbr0 --json | jq -e '.leases[] | select(.mac == \"02:00:00:c1:00:01\" and .ip == \"$lease\")' >/dev/null"

# --- NAT ------------------------------------------------------------------
check "client reaches upstream through NAT" bash -c "ip netns exec $CL ping -c 2 -W 3 10.99.0.2 >/dev/null"
# A TCP connection held open: the upstream's socket shows who it talks to.
# (stdin held open: busybox nc closes the connection at EOF on stdin)
(sleep 20 | ip netns exec "$UP" busybox nc -l -p 7777 >/dev/null 2>&1) &
nc_srv=$!
on_exit "kill $nc_srv"
wait_for 10 bash -c "ip netns exec $UP ss -Htln | grep -q ':7777'"
(sleep 8 | ip netns exec "$CL" busybox nc 10.99.0.2 7777 >/dev/null 2>&1) &
nc_cli=$!
on_exit "kill $nc_cli"
wait_for 10 bash -c "ip netns exec $UP ss -Htn state established | grep -q ':7777'"
peer=$(ip netns exec "$UP" ss -Htn state established | awk '$3 ~ /:7777$/ {print $4}' | head -1)
peer=${peer%:*}; peer=${peer#[}; peer=${peer%]}; peer=${peer#::ffff:}
log "upstream sees the connection from: $peer"
check "upstream sees the host namespace's address as source" test "$peer" = 10.99.0.1

# --- down -----------------------------------------------------------------
out=$(vd net down virbr0 2>&1) || fail "net down: $out"
check "bridge gone" bash -c "! ip -n $HOST link show virbr0 2>/dev/null"
check "nft table gone" bash -c "! ip netns exec $HOST nft list table ip vmdeck-virbr0 2>/dev/null"
check "dnsmasq gone" wait_for 30 bash -c "! kill -0 $pid 2>/dev/null"
check "runtime files gone" test ! -e "$VMDECK_RUNTIME_DIR/net/virbr0"
check "forwarding restored" test "$(in_host cat /proc/sys/net/ipv4/ip_forward)" = "$fwd_before"
check "upstream link untouched (down undoes only what up did)" bash -c "ip -n $HOST link show h-up >/dev/null"
check "client port untouched" bash -c "ip -n $HOST link show c-port >/dev/null"
out=$(vd net down virbr0 2>&1)
check "down twice is harmless" test $? -eq 0

# --- bad input: each a clear error, nothing half-built ----------------------
nothing_left() {
	! ip -n "$HOST" link show "$1" >/dev/null 2>&1 &&
		! ip netns exec "$HOST" nft list table ip "vmdeck-$2" >/dev/null 2>&1 &&
		test ! -e "$VMDECK_RUNTIME_DIR/net/$2"
}
bad="$T_TMP/bad"
mkdir -p "$bad/networks"
cat >"$bad/networks/badprefix.yaml" <<'EOF'
bridge: vdbad0
address: 172.16.9.1/33
EOF
cat >"$bad/networks/badrange.yaml" <<'EOF'
bridge: vdbad1
address: 172.16.9.1/24
dhcp:
  range: 172.16.10.100-172.16.10.200
EOF
cat >"$bad/networks/good.yaml" <<'EOF'
bridge: vdgood
address: 172.16.8.1/24
dhcp:
  range: 172.16.8.100-172.16.8.150
EOF
vdb() { ip netns exec "$HOST" "$VMDECK" --profiles "$bad" "$@"; }

out=$(vdb net up badprefix 2>&1)
check "bad prefix fails" test $? -ne 0
log "$out"
check "bad prefix: FILE:LINE:COL and the reason" grep -q "badprefix.yaml:2:10: 'address': bad prefix" <<<"$out"
check "bad prefix: nothing left" nothing_left vdbad0 badprefix

out=$(vdb net up badrange 2>&1)
check "range outside subnet fails" test $? -ne 0
log "$out"
check "range outside subnet: clear message" grep -q "badrange.yaml:4:.*outside the subnet 172.16.9.0/24" <<<"$out"
check "range outside subnet: nothing left" nothing_left vdbad1 badrange

# The whole directory: 'check' names every broken network file (all its
# problems), 'net status' and 'net list' show the good ones and name the rest.
out=$(vdb check 2>&1); rc=$?
log "$out"
check "check: broken network files fail the check" test $rc -eq 1
check "check: each broken network file named" bash -c 'grep -q "badprefix.yaml:2:10: '"'address'"': bad prefix" <<<"$0" && grep -q "badrange.yaml:4:.*outside the subnet" <<<"$0"' "$out"
check "check: a summary line for the networks" grep -q "lab network files checked: 1 loaded, 2 with errors" <<<"$out"
out=$(vdb net status 2>&1); rc=$?
log "$out"
check "net status: the good network shown" grep -q "^good: down" <<<"$out"
check "net status: broken files named, not skipped" grep -q "2 of 3 lab network files do not load" <<<"$out"
check "net status: exit 1 with broken files" test $rc -eq 1
out=$(vdb net list 2>/dev/null)
check "net list: the good one listed" test "$out" = good

ip -n "$HOST" link add vdgood type bridge
out=$(vdb net up good 2>&1)
check "foreign bridge refused" test $? -ne 0
log "$out"
check "foreign bridge: clear message" grep -q "not created by vmdeck" <<<"$out"
check "foreign bridge: left alone" bash -c "ip -n $HOST link show vdgood >/dev/null"
check "foreign bridge: no nft table, no files" \
	bash -c "! ip netns exec $HOST nft list table ip vmdeck-good 2>/dev/null && test ! -e $VMDECK_RUNTIME_DIR/net/good"
ip -n "$HOST" link del vdgood

out=$(VMDECK_DNSMASQ=/nonexistent/dnsmasq vdb net up good 2>&1)
check "dnsmasq missing fails" test $? -ne 0
log "$out"
check "dnsmasq missing: clear message" grep -q "dnsmasq not found" <<<"$out"
check "dnsmasq missing: nothing left" nothing_left vdgood good

# dnsmasq present but failing at start: everything done before is undone.
printf '#!/bin/sh\necho "dnsmasq: failed to create listening socket: Address in use" >&2\nexit 2\n' >"$T_TMP/fake-dnsmasq"
chmod +x "$T_TMP/fake-dnsmasq"
out=$(VMDECK_DNSMASQ="$T_TMP/fake-dnsmasq" vdb net up good 2>&1)
check "dnsmasq failing fails" test $? -ne 0
log "$out"
check "dnsmasq failing: its message shown" grep -q "Address in use" <<<"$out"
check "dnsmasq failing: bridge, table and files undone" nothing_left vdgood good

finish
