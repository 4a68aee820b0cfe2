#!/usr/bin/env bash
# `vmdeck watch --json` reports bridge MAC changes with the right fields and
# cause (port joined, left, changed MAC, set), `vmdeck net pin` stops them,
# and watching needs no privilege while acting does — in a test namespace.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip jq setpriv

netns_new NS
N="ip -n $NS"
EV="$T_TMP/events"

ip netns exec "$NS" "$VMDECK" watch --json >"$EV" 2>"$T_TMP/watch.err" &
wpid=$!
on_exit "kill_pid $wpid"
wait_for 20 grep -q watching "$T_TMP/watch.err" || fail "watch did not start"

# bridge-mac-changed events matching a jq filter
bmc() { jq -c "select(.event == \"bridge-mac-changed\") | $1" "$EV" 2>/dev/null | grep -v '^false$' | grep -c .; }
wait_event() { wait_for 10 bash -c "[ \$(jq -c 'select($1)' '$EV' | wc -l) -ge ${2:-1} ]"; }

$N link add br0 type bridge
$N link set br0 up
$N link add up0 type veth peer name up0p
$N link set up0 address 02:00:00:00:00:20
$N link set up0 master br0
check "join of the first port: port-joined up0" wait_event '.event == "bridge-mac-changed" and .cause == "port-joined" and .port == "up0" and .new_mac == "02:00:00:00:00:20"'

$N tuntap add tapx mode tap
$N link set tapx address 02:00:00:00:00:10
$N link set tapx master br0
check "lower-MAC TAP joins: port-joined tapx, old -> new" \
	wait_event '.event == "bridge-mac-changed" and .cause == "port-joined" and .port == "tapx" and .old_mac == "02:00:00:00:00:20" and .new_mac == "02:00:00:00:00:10" and .port_mac == "02:00:00:00:00:10" and .bridge == "br0" and .pinned == false'
line=$(jq -c 'select(.event == "bridge-mac-changed" and .port == "tapx")' "$EV" | head -1)
log "event: $line"
check "time has microseconds (RFC 3339, UTC)" \
	bash -c "jq -e '.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\\\.[0-9]{6}Z$\")' <<<'$line' >/dev/null"
check "ts_us is microseconds since the epoch" \
	bash -c "jq -e '(.ts_us / 1000000 | floor) - now | fabs < 120' <<<'$line' >/dev/null"
check "the bridge's MAC history counts it" bash -c "jq -e '.changes == 2 and .ifname == \"br0\" and .ifindex > 0' <<<'$line' >/dev/null"
check "at risk while unpinned with a TAP port" \
	bash -c "ip netns exec $NS '$VMDECK' watch --dump | jq -e '.[] | select(.ifname == \"br0\") | .at_risk == true and .vm_ports == 1' >/dev/null"

$N link del tapx
check "TAP deleted: port-left tapx, back to up0's MAC" \
	wait_event '.event == "bridge-mac-changed" and .cause == "port-left" and .port == "tapx" and .new_mac == "02:00:00:00:00:20"'

$N link set up0 address 02:00:00:00:00:05
check "port changes its MAC: port-mac-changed up0" \
	wait_event '.event == "bridge-mac-changed" and .cause == "port-mac-changed" and .port == "up0" and .new_mac == "02:00:00:00:00:05"'

check "and the port itself: mac-changed up0, old -> new" \
	wait_event '.event == "mac-changed" and .ifname == "up0" and .old_mac == "02:00:00:00:00:20" and .mac == "02:00:00:00:00:05"'

# up / down: admin-up with carrier (both ends of the veth up), then not.
$N link set up0p up
$N link set up0 up
check "veth up with carrier: up up0" wait_event '.event == "up" and .ifname == "up0"'
$N link set up0 down
check "set down: down up0" wait_event '.event == "down" and .ifname == "up0"'

# Exact event names (jq, not a regex: "mac-changed" is inside "bridge-mac-changed").
check "other event types present" bash -c "jq -s -e '([\"added\", \"removed\", \"up\", \"down\", \"port-joined\", \"port-left\", \"mac-changed\", \"bridge-mac-changed\"] - [.[].event]) == []' '$EV' >/dev/null"

# --- quick flips ----------------------------------------------------------
# A deleted TAP's DELLINK comes after the bridge's change, often in a later
# read: the join of uq0 a few ms before, with the new MAC, must not take the
# blame (it did: 'port-joined uq0' for most rounds).
$N link add brq type bridge
$N link add uq0 type veth peer name uq0p
$N link set uq0 address 02:00:00:00:00:20
for r in 1 2 3 4 5; do
	$N link set uq0 master brq
	$N tuntap add tapq mode tap
	$N link set tapq address 02:00:00:00:00:10
	$N link set tapq master brq
	$N link del tapq
	$N link set uq0 nomaster
done
check "quick flips: five TAP deletions seen" \
	wait_event '.event == "bridge-mac-changed" and .bridge == "brq" and .old_mac == "02:00:00:00:00:10"' 5
log "$(jq -c 'select(.event == "bridge-mac-changed" and .bridge == "brq") | [.cause, .port, .old_mac, .new_mac]' "$EV")"
check "quick flips: each is port-left tapq" \
	test "$(bmc 'select(.bridge == "brq" and .old_mac == "02:00:00:00:00:10") | .cause == "port-left" and .port == "tapq"')" -eq 5

# --- pin ----------------------------------------------------------------
out=$(ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups "$VMDECK" net pin br0 2>&1)
rc=$?
log "unprivileged pin: rc=$rc $out"
check "pin without CAP_NET_ADMIN: exit 4 and says why" bash -c "[ $rc -eq 4 ] && grep -q CAP_NET_ADMIN <<<'$out'"
check "watching needs no privilege" \
	bash -c "ip netns exec $NS setpriv --reuid=65534 --regid=65534 --clear-groups '$VMDECK' watch --dump | jq -e 'length >= 4' >/dev/null"

out=$(ip netns exec "$NS" "$VMDECK" net pin nosuchbr 2>&1)
rc=$?
check "pin of a missing bridge: exit 3, names it" bash -c "[ $rc -eq 3 ] && grep -q nosuchbr <<<'$out'"
out=$(ip netns exec "$NS" "$VMDECK" net pin up0 2>&1)
check "pin of a non-bridge refused" grep -q "not a bridge" <<<"$out"

ip netns exec "$NS" "$VMDECK" net pin br0 --arp-notify || fail "pin failed"
check "pinned: addr_assign_type 3" test "$(ip netns exec "$NS" cat /sys/class/net/br0/addr_assign_type)" = 3
check "arp_notify on" test "$(ip netns exec "$NS" cat /proc/sys/net/ipv4/conf/br0/arp_notify)" = 1
check "MAC kept" test "$(ip netns exec "$NS" cat /sys/class/net/br0/address)" = 02:00:00:00:00:05
n_before=$(jq -c 'select(.event == "bridge-mac-changed")' "$EV" | wc -l)
$N tuntap add tapy mode tap
$N link set tapy address 02:00:00:00:00:01
$N link set tapy master br0
wait_event '.event == "port-joined" and .ifname == "tapy"' || fail "no port-joined for tapy"
$N link del tapy
wait_event '.event == "removed" and .ifname == "tapy"' || fail "no removed for tapy"
n_after=$(jq -c 'select(.event == "bridge-mac-changed")' "$EV" | wc -l)
check "pinned bridge: lower-MAC TAP joining and leaving changes nothing" test "$n_before" -eq "$n_after"
check "pinned, so not at risk" \
	bash -c "ip netns exec $NS '$VMDECK' watch --dump | jq -e '.[] | select(.ifname == \"br0\") | .pinned == true and .at_risk == false' >/dev/null"

ip netns exec "$NS" "$VMDECK" net pin br0 02:00:00:00:00:99 || fail "pin to a given MAC failed"
check "pin to a given MAC: cause set" \
	wait_event '.event == "bridge-mac-changed" and .cause == "set" and .new_mac == "02:00:00:00:00:99" and .pinned == true'

# --- rates: one stats dump per interval, per-link bits/s and packets/s ------
# (polled for, not a fixed window: a slow start-up must not eat it)
ip netns exec "$NS" ping -q -i 0.01 -c 6000 127.0.0.1 >/dev/null 2>&1 &
ppid=$!
ip netns exec "$NS" "$VMDECK" watch --json --stats --interval 500 >"$T_TMP/rates" 2>/dev/null &
wpid=$!
check "rates lines for lo show the ping traffic" wait_for 30 \
	bash -c "jq -c 'select(.event == \"rates\" and .ifname == \"lo\" and .rx_pps > 0 and .rx_bps > 0)' '$T_TMP/rates' 2>/dev/null | grep -q ."
kill_pid "$wpid"
kill_pid "$ppid"
# The global --interval sets watch's default. Judged by the mean spacing of
# the rates lines, by their own timestamps (not by how many fit in a fixed
# window, which a slow, busy machine's start-up eats): about 200 ms, far from
# the default 1000 ms. A late tick is caught up by the next one (the loop's
# timers keep their phase), so the mean holds on a loaded machine; between
# 150 and 700 ms: never faster than asked, and clearly not the default.
ip netns exec "$NS" timeout 5 "$VMDECK" --interval 200 watch --json --stats >"$T_TMP/rates200" 2>/dev/null
mean=$(jq -r 'select(.event == "rates" and .ifname == "lo") | .ts_us' "$T_TMP/rates200" |
	awk 'NR == 1 { f = $1 } { l = $1; n++ } END { if (n > 1) print int((l - f) / (n - 1) / 1000); else print -1 }')
check "vmdeck --interval 200 watch: rates about every 200 ms (mean gap $mean ms)" test "$mean" -ge 150 -a "$mean" -le 700
"$VMDECK" --interval 50 watch >/dev/null 2>&1
check "--interval below 100 ms: usage error" test $? -eq 2

finish
