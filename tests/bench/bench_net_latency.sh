#!/usr/bin/env bash
# bench_net_latency: how long after the causing `ip link set` a bridge MAC
# change is reported — vmdeck watch (netlink events through the loop) next to
# `ip monitor link` (the kernel floor: a bare netlink listener) and a 1 s
# poller (bmon's default refresh: it polls the link cache every second).
# In a namespace of its own. Usage: bench_net_latency.sh [ITERATIONS] (20)
# Prints median and p99 in milliseconds for each.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export VMDECK_TESTS=${VMDECK_TESTS:-$here/..} VMDECK_SRC=${VMDECK_SRC:-$here/../..}
export VMDECK=${VMDECK:-$VMDECK_SRC/build/tui/vmdeck}
. "$VMDECK_TESTS/lib.sh"
need_root
need ip python3
iters=${1:-${ITERATIONS:-20}}

netns_new NS
N="ip -n $NS"
$N link add br0 type bridge
$N link set br0 up
$N link add phi type veth peer name phi-p
$N link set phi address 02:00:00:00:00:50
$N link set phi master br0
$N link add plo type veth peer name plo-p
$N link set plo address 02:00:00:00:00:10

# Each line is stamped when a reader gets it: the latency counts everything up
# to the line's arrival (the cause's attribution window included), not just
# the event's own ts_us.
ip netns exec "$NS" "$VMDECK" watch --json 2>"$T_TMP/vd.err" > >(python3 -u -c 'import sys, time
for l in sys.stdin: print(time.time_ns() // 1000, l, end="", flush=True)' >"$T_TMP/vd") &
on_exit "kill $!"
# ip monitor's lines are stamped by the same reader (and ip -ts stamps each
# message itself when it reads it): line against line, stamp against stamp.
ip netns exec "$NS" ip -ts monitor link 2>&1 > >(python3 -u -c 'import sys, time
for l in sys.stdin: print(time.time_ns() // 1000, l, end="", flush=True)' >"$T_TMP/mon") &
on_exit "kill $!"
ip netns exec "$NS" bash -c 'last=; while :; do m=$(cat /sys/class/net/br0/address); \
	[[ $m != "$last" ]] && echo "$(date +%s%N) $m"; last=$m; sleep 1; done' >"$T_TMP/poll" &
on_exit "kill $!"
wait_for 20 grep -q watching "$T_TMP/vd.err" || fail "watch did not start"
sleep 1.5

: >"$T_TMP/causes"
for ((i = 0; i < iters; i++)); do
	if ((i % 2 == 0)); then op=(master br0); want=02:00:00:00:00:10; else op=(nomaster); want=02:00:00:00:00:50; fi
	t0=$(date +%s%N)
	$N link set plo "${op[@]}"
	echo "$t0 $want" >>"$T_TMP/causes"
	sleep "$(printf "1.%02d" $((RANDOM % 100)))" # random phase against the poller
done
sleep 1.5

python3 - "$T_TMP" <<'PY'
import json, sys, datetime, statistics
d = sys.argv[1]
causes = [(int(a) // 1000, b) for a, b in (l.split() for l in open(f"{d}/causes"))]
vd, vd_ts = [], []
for line in open(f"{d}/vd"):
    arrived, js = line.split(" ", 1)
    e = json.loads(js)
    if e.get("event") == "bridge-mac-changed":
        vd.append((int(arrived), e["new_mac"]))
        vd_ts.append((e["ts_us"], e["new_mac"]))
mon, mon_ts, cur = [], [], None
for line in open(f"{d}/mon"):
    arrived, line = line.split(" ", 1)
    if line.startswith("[") and " br0:" in line:
        ts = datetime.datetime.fromisoformat(line[1:line.index("]")])
        cur = int(ts.timestamp() * 1e6)
    elif cur and "link/ether" in line:
        mac = line.split()[1]
        mon.append((int(arrived), mac)); mon_ts.append((cur, mac)); cur = None
poll = [(int(a) // 1000, b) for a, b in (l.split() for l in open(f"{d}/poll"))]
def lat(obs):
    out = []
    for t0, mac in causes:
        hits = [t for t, m in obs if m == mac and t >= t0]
        if hits: out.append((min(hits) - t0) / 1000.0)
    return out
def p99(v):
    v = sorted(v); return v[min(len(v) - 1, int(round(0.99 * (len(v) - 1))))]
print(f"bridge MAC change detection latency after `ip link set` ({len(causes)} changes), ms:")
for name, obs in (("ip monitor link, line read", mon), ("vmdeck watch --json, line read", vd),
                  ("ip monitor link, its -ts stamp", mon_ts), ("vmdeck, the event's ts_us", vd_ts),
                  ("1 s poller (bmon default)", poll)):
    v = lat(obs)
    if v: print(f"  {name:32s} median {statistics.median(v):8.2f}   p99 {p99(v):8.2f}   (n={len(v)})")
    else: print(f"  {name:32s} no observations")
# tests/bench/run's table: vmdeck against each peer
med = {n: (statistics.median(lat(o)) if lat(o) else float("nan")) for n, o in (("mon", mon), ("vd", vd), ("poll", poll))}
print(f"BENCH bridge MAC change latency, median (peer ip monitor link)|{med['vd']:.2f}|{med['mon']:.2f}|ms")
print(f"BENCH bridge MAC change latency, median (peer 1 s poller)|{med['vd']:.2f}|{med['poll']:.2f}|ms")
PY
