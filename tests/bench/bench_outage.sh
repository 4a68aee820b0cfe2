#!/usr/bin/env bash
# bench_outage: the guest-outage observer (net/outage.c) at many ports.
#   1. CPU of `vmdeck watch` while PORTS guests (network namespaces on veth
#      ports of one bridge) each ping the bridge 1,000 times a second, right
#      after a bridge MAC change armed a filtered packet socket on every port:
#      normal traffic must cost nothing in user space (the filters keep it in
#      the kernel: vmdeck's CPU time tells).
#   2. Stale-frame detection latency: the bridge MAC flips under that traffic;
#      for each guest, from the kernel time stamp of its first lost frame to
#      the moment its guest-outage-started line reached a reader.
# Prints, judges nothing. Usage: bench_outage.sh [PORTS] [SECONDS] (100 10)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export VMDECK_TESTS=${VMDECK_TESTS:-$here/..} VMDECK_SRC=${VMDECK_SRC:-$here/../..}
export VMDECK=${VMDECK:-$VMDECK_SRC/build/tui/vmdeck}
ports=${1:-100}
secs=${2:-10}
. "$VMDECK_TESTS/lib.sh"
need_root
need ip ping python3

netns_new NS
guests=()
on_exit 'for g in "${guests[@]}"; do ip netns del "$g" 2>/dev/null; done'
{
	echo "link add br0 type bridge"
	echo "addr add 10.8.0.1/16 dev br0"
	echo "link set br0 up"
	for i in $(seq 1 "$ports"); do
		echo "link add p$i address fe:00:00:00:$(printf '%02x:%02x' $((i / 256)) $((i % 256))) type veth peer name q$i"
		echo "link set p$i master br0"
		echo "link set p$i up"
	done
} >"$T_TMP/batch"
ip -n "$NS" -batch "$T_TMP/batch" || fail "setup failed"
for i in $(seq 1 "$ports"); do
	g="${NS}g$i"
	ip netns add "$g" && guests+=("$g")
	ip -n "$NS" link set "q$i" netns "$g"
	ip -n "$g" addr add "10.8.$((i / 250 + 1)).$((i % 250 + 1))/16" dev "q$i"
	ip -n "$g" link set "q$i" up
	ip netns exec "$g" sysctl -qw "net.ipv4.neigh.q$i.base_reachable_time_ms=2000"
done
log "$ports guests on br0"

cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }
# The reader stamps each line as it arrives (its own clock, CLOCK_REALTIME).
cat >"$T_TMP/stamp.py" <<'EOF'
import sys, time
for line in sys.stdin:
    sys.stdout.write("%d %s" % (int(time.time() * 1e6), line))
    sys.stdout.flush()
EOF
mkfifo "$T_TMP/evpipe"
python3 "$T_TMP/stamp.py" <"$T_TMP/evpipe" >"$T_TMP/ev" &
on_exit "kill_pid $!"
ip netns exec "$NS" "$VMDECK" watch --json >"$T_TMP/evpipe" 2>"$T_TMP/vd.err" &
vd=$! # ip netns exec execs vmdeck: the same process
on_exit "kill_pid $vd"
wait_for 30 grep -q watching "$T_TMP/vd.err" || fail "watch did not start"
# A lower-MAC port joins: the bridge's MAC changes, every port gets its socket.
ip -n "$NS" link add low address 02:00:00:00:00:01 type veth peer name low-p
ip -n "$NS" link set low master br0
ip -n "$NS" link set low up
wait_for 10 grep -q bridge-mac-changed "$T_TMP/ev" || fail "no bridge MAC change seen"
socks=$(find "/proc/$vd/fd" -lname 'socket:*' | wc -l)
log "vmdeck has $socks sockets open"
for i in $(seq 1 "$ports"); do
	ip netns exec "${NS}g$i" ping -q -i 0.001 10.8.0.1 >/dev/null 2>&1 &
	on_exit "kill_pid $!"
done
sleep 2
c0=$(cpu "$vd")
rx0=$(awk '$1 == "br0:" { print $3 }' <(ip netns exec "$NS" cat /proc/net/dev))
sleep "$secs"
c1=$(cpu "$vd")
rx1=$(awk '$1 == "br0:" { print $3 }' <(ip netns exec "$NS" cat /proc/net/dev))
pps=$(awk -v a="$rx0" -v b="$rx1" -v s="$secs" 'BEGIN { printf "%.0f", (b - a) / s }')
printf 'vmdeck watch, %s guests pinging the bridge (%s frames/s reached the bridge), filters on every port, %s s:\n' \
	"$ports" "$pps" "$secs"
printf '  CPU %.2f s (%s sockets)\n' "$(awk "BEGIN { print $c1 - $c0 }")" "$socks"
printf 'BENCH CPU of the outage observer at %s guests, %s frames/s of normal traffic, %s s|%.2f|-|s\n' "$ports" "$pps" \
	"$secs" "$(awk "BEGIN { print $c1 - $c0 }")"

# The flip back: every guest now sends to a former MAC.
n0=$(wc -l <"$T_TMP/ev")
ip -n "$NS" link del low
wait_for 20 bash -c "[ \$(tail -n +$((n0 + 1)) '$T_TMP/ev' | grep -c guest-outage-started) -ge $ports ]" ||
	log "only $(tail -n +$((n0 + 1)) "$T_TMP/ev" | grep -c guest-outage-started) of $ports guests' outages seen"
tail -n +$((n0 + 1)) "$T_TMP/ev" | grep guest-outage-started |
	python3 -c '
import sys, json
lat, since = [], []
for l in sys.stdin:
    t, j = l.split(" ", 1)
    e = json.loads(j)
    lat.append((int(t) - e["first_us"]) / 1000.0)
    since.append((e["first_us"] - e["change_ts_us"]) / 1000.0)
lat.sort(); since.sort()
if lat:
    m = lambda v, q: v[min(len(v) - 1, int(q * len(v)))]
    print("stale-frame detection latency (kernel time stamp -> line read), %d guests: median %.2f ms, p95 %.2f ms, max %.2f ms"
          % (len(lat), m(lat, .5), m(lat, .95), lat[-1]))
    print("  (first lost frame came %.1f ms after the change was read, median)" % m(since, .5))
    print("BENCH stale-frame detection latency, median|%.2f|-|ms" % m(lat, .5))
'
finish
