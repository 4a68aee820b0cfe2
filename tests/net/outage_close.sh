#!/usr/bin/env bash
# The outage observer's packet sockets are closed off the loop. Closing one
# waits in the kernel for an RCU grace period (packet_release ->
# synchronize_net: ~10 ms, and on this 6.18 kernel now and then a wait that is
# not woken for minutes — it froze `vmdeck watch` in CI's link-churn soak).
# So when the bridge of 300 watched ports is deleted, `vmdeck watch` drops
# its sockets at once and answers a dump request within a second, every
# socket is closed in the end (by its closer process), and SIGTERM ends it
# cleanly.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip jq
PORTS=300

netns_new NS
N="ip -n $NS"
{
	echo "link add br0 type bridge"
	echo "link set br0 address 02:00:00:00:ff:00"
	for i in $(seq 1 $PORTS); do
		echo "link add va$i type veth peer name vb$i"
		printf 'link set va%d address 02:00:00:01:%02x:%02x\n' "$i" $((i / 256)) $((i % 256))
		echo "link set va$i master br0"
	done
	echo "link set br0 up"
} >"$T_TMP/setup.batch"
$N -batch "$T_TMP/setup.batch" || fail "setup batch failed"
$N link set br0 address 02:00:00:00:ff:00 2>/dev/null # explicit: stays put while ports come and go

ip netns exec "$NS" "$VMDECK" watch --json --dump-json "$T_TMP/model.json" >"$T_TMP/events.json" 2>"$T_TMP/watch.err" &
W=$!
on_exit "kill_pid $W"
wait_for 60 grep -q watching "$T_TMP/watch.err" || fail "watch did not start: $(cat "$T_TMP/watch.err")"

# packet sockets of the watcher (tests/soak/common.sh counts them)
. "$VMDECK_TESTS/soak/common.sh"
socks() { soak_packet_socks "$W"; }

# A bridge MAC change arms a socket on every port.
$N link set br0 address 02:00:00:00:fe:00
socks_at_least() { (($(socks) >= $1)); }
socks_none() { (($(socks) == 0)); }
check "a MAC change arms the observer on all $PORTS ports" wait_for 60 socks_at_least $PORTS
log "armed: $(socks) packet sockets"

# The bridge goes, and with it every watched port at once; the watcher must
# stay responsive meanwhile.
$N link del br0 || fail "could not delete br0"
t0=$(date +%s%N)
rm -f "$T_TMP/model.json"
kill -USR1 "$W"
wait_for 60 test -s "$T_TMP/model.json" || fail "no dump within 60 s of SIGUSR1"
ms=$((($(date +%s%N) - t0) / 1000000))
log "dump written ${ms} ms after the bridge of $PORTS watched ports went (and SIGUSR1)"
check "the watcher answered within 1 s while $PORTS packet sockets closed (${ms} ms)" test "$ms" -lt 1000
check "the watcher holds no packet socket any more" wait_for 10 socks_none
ns_socks() { (($(awk 'NR > 1' "/proc/$W/net/packet" | wc -l) == 0)); }
check "every port's socket is closed in the end (none left in the namespace)" wait_for 120 ns_socks

kill -TERM "$W"
wait_for 60 bash -c "! kill -0 $W 2>/dev/null" || fail "watch still runs 60 s after SIGTERM"
wait "$W"
check "exits 0 on SIGTERM" test $? -eq 0
finish
