#!/usr/bin/env bash
# `vmdeck metrics` reads files once per interval, never per link event: with
# a VM running (no OS, TCG: its /proc/PID/stat is read per sample) and a
# bridge, 1,000 link changes (250 veth ports made, enslaved, brought up and
# deleted) make it open no more files per second than it does idle
# (strace -f -e trace=openat, in a namespace of the test's own); and the
# snapshot still follows them (the last port is exported at once).
. "$VMDECK_TESTS/lib.sh"
need_root
need ip curl strace qemu-system-x86_64

netns_new NS
N="ip -n $NS"
$N link add br0 type bridge
$N link add up0 address 02:00:00:00:00:01 type veth peer name up1
$N link set up0 master br0
$N link set br0 up

PROF=$T_TMP/prof
mkdir -p "$PROF"
export VMDECK_PROFILES=$PROF
printf 'name: spin\naccel: tcg\nmachine: q35\nmemory: 64M\nstop_timeout: 3\n' >"$PROF/spin.yaml"
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")"; done'
"$VMDECK" start spin >/dev/null || fail "start spin"

ip netns exec "$NS" "$VMDECK" metrics 2>"$T_TMP/m.err" &
mpid=$!
on_exit "kill_pid $mpid"
wait_for 20 grep -q serving "$T_TMP/m.err" || fail "metrics did not start: $(cat "$T_TMP/m.err")"
scrape() { ip netns exec "$NS" curl -s http://127.0.0.1:9177/metrics; }
check "the VM's CPU is exported" wait_for 10 bash -c "ip netns exec $NS curl -s http://127.0.0.1:9177/metrics | grep -q '^vmdeck_vm_cpu_seconds_total{vm=\"spin\"}'"

trace=$T_TMP/openat.trace
strace -f -ttt -e trace=openat -o "$trace" -p "$mpid" 2>"$T_TMP/strace.err" &
spid=$!
on_exit "kill_pid $spid"
wait_for 10 grep -q attached "$T_TMP/strace.err" || fail "strace did not attach: $(cat "$T_TMP/strace.err")"
opens() { awk -v from="$1" -v to="$2" '{ t = $2 + 0 } t >= from && t <= to && /openat\(/' "$trace" | wc -l; }

# Idle: what it opens per second on its own (the VM manager's rescan, the sample).
i0=$(date +%s.%N)
wait_for 10 bash -c "[ \$(grep -c 'stat\"' '$trace') -ge 4 ]" # a few samples seen: 3 s or more
i1=$(date +%s.%N)
idle=$(opens "$i0" "$i1")
idle_rate=$(awk -v n="$idle" -v a="$i0" -v b="$i1" 'BEGIN { printf "%.1f", n / (b - a) }')

{
	for i in $(seq 1 250); do
		echo "link add d$i address fe:ff:ff:ff:ff:ff type veth peer name e$i"
		echo "link set d$i master br0"
		echo "link set d$i up"
		echo "link del d$i"
	done
} >"$T_TMP/batch"
b0=$(date +%s.%N)
$N -batch "$T_TMP/batch" || fail "the link changes failed"
$N link add last0 address fe:ff:ff:ff:ff:ff type veth peer name last1
$N link set last0 master br0
check "the last port is exported (the churn was seen)" \
	wait_for 120 bash -c "ip netns exec $NS curl -s http://127.0.0.1:9177/metrics | grep -q 'link=\"last0\",bridge=\"br0\"'"
b1=$(date +%s.%N)
kill_pid "$spid"
burst=$(opens "$b0" "$b1")
allowed=$(awk -v r="$idle_rate" -v a="$b0" -v b="$b1" 'BEGIN { printf "%d", r * (b - a + 2) + 5 }')
log "idle: $idle opens in $(awk -v a="$i0" -v b="$i1" 'BEGIN { printf "%.1f", b - a }') s ($idle_rate/s); 1,001 link changes: $burst opens in $(awk -v a="$b0" -v b="$b1" 'BEGIN { printf "%.1f", b - a }') s (allowed $allowed)"
check "no file read per link event (opens during the burst <= the idle rate over its duration + 2 s)" \
	test "$burst" -le "$allowed"
check "not one churned port is left in the snapshot" bash -c "! ip netns exec $NS curl -s http://127.0.0.1:9177/metrics | grep -q 'link=\"d[0-9]'"
"$VMDECK" kill spin >/dev/null 2>&1
finish
