#!/usr/bin/env bash
# bench_metrics_scrape: the time of one scrape of `vmdeck metrics` at 1,000
# links (500 veth pairs, 250 on 10 bridges) in a namespace of its own, next
# to node_exporter's netdev collector alone (--collector.disable-defaults
# --collector.netdev) on the same namespace when prometheus-node-exporter is
# installed, else vmdeck alone. Median and worst of N sequential scrapes
# (curl's time_total), the answer's size, and the exporter's CPU over them.
# Prints figures, judges nothing.
# Usage: bench_metrics_scrape.sh [SCRAPES] (200)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export VMDECK_TESTS=${VMDECK_TESTS:-$here/..} VMDECK_SRC=${VMDECK_SRC:-$here/../..}
export VMDECK=${VMDECK:-$VMDECK_SRC/build/tui/vmdeck}
n=${1:-200}
. "$VMDECK_TESTS/lib.sh"
need_root
need ip curl

netns_new NS
{
	for b in $(seq 0 9); do echo "link add br$b type bridge"; echo "link set br$b up"; done
	for i in $(seq 1 500); do
		echo "link add p$i type veth peer name q$i"
		((i <= 250)) && echo "link set p$i master br$((i % 10))"
		echo "link set p$i up"
		echo "link set q$i up"
	done
} >"$T_TMP/batch"
ip -n "$NS" -batch "$T_TMP/batch" || fail "setup failed"
links=$(ip -n "$NS" -o link | wc -l)
log "namespace: $links links"

cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat"; }

# scrape NAME PID URL : n sequential scrapes; prints the figures.
scrape() {
	local name=$1 pid=$2 url=$3
	ip netns exec "$NS" curl -s -o /dev/null "$url" # warm
	local c0; c0=$(cpu "$pid")
	for _ in $(seq 1 "$n"); do
		ip netns exec "$NS" curl -s -o /dev/null -w '%{time_total}\n' "$url"
	done >"$T_TMP/$name.times"
	local c1; c1=$(cpu "$pid")
	local size; size=$(ip netns exec "$NS" curl -s "$url" | wc -c)
	local med worst
	med=$(sort -n "$T_TMP/$name.times" | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] * 1000 }')
	worst=$(sort -n "$T_TMP/$name.times" | tail -1 | awk '{ printf "%.2f", $1 * 1000 }')
	local per; per=$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN { printf "%.3f", (b - a) * 1000 / n }')
	printf '%-14s %5d links  median %7s ms  worst %7s ms  %8d bytes  CPU %s ms/scrape\n' \
		"$name" "$links" "$med" "$worst" "$size" "$per"
	echo "$name|$med|$worst|$per" >>"$T_TMP/rows"
}

ip netns exec "$NS" "$VMDECK" metrics --listen 127.0.0.1:9177 2>"$T_TMP/vd.err" &
vd=$!
on_exit "kill_pid $vd"
wait_for 20 grep -q serving "$T_TMP/vd.err" || fail "vmdeck metrics did not start: $(cat "$T_TMP/vd.err")"
wait_for 10 bash -c "ip netns exec $NS curl -s http://127.0.0.1:9177/metrics | grep -q 'link=\"q500\"'"
scrape vmdeck "$vd" http://127.0.0.1:9177/metrics

ne=""
for c in prometheus-node-exporter node_exporter; do command -v "$c" >/dev/null && ne=$c && break; done
if [[ -n $ne ]]; then
	ip netns exec "$NS" "$ne" --collector.disable-defaults --collector.netdev \
		--web.listen-address=127.0.0.1:9100 >"$T_TMP/ne.log" 2>&1 &
	np=$!
	on_exit "kill_pid $np"
	wait_for 20 ip netns exec "$NS" curl -sf -o /dev/null http://127.0.0.1:9100/metrics ||
		fail "node_exporter did not start: $(tail -3 "$T_TMP/ne.log")"
	scrape node_exporter "$np" http://127.0.0.1:9100/metrics
else
	log "node_exporter is not installed (Debian prometheus-node-exporter): vmdeck alone"
fi

IFS='|' read -r _ vmed vworst vcpu < <(grep '^vmdeck|' "$T_TMP/rows")
IFS='|' read -r _ nmed nworst ncpu < <(grep '^node_exporter|' "$T_TMP/rows" 2>/dev/null || echo "-|-|-|-")
echo "BENCH scrape at $links links, median|$vmed|$nmed|ms"
echo "BENCH scrape at $links links, worst|$vworst|$nworst|ms"
echo "BENCH exporter CPU per scrape at $links links|$vcpu|$ncpu|ms"
