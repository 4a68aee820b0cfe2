#!/usr/bin/env bash
# bench_net_cpu: CPU seconds spent watching 1,000 bridge ports for 30 s with
# stats every second — vmdeck watch (events + one RTM_GETSTATS dump per
# second) next to bmon (netlink input, 1 s reads, null output) on the same
# namespace, run side by side. Then the TUI's CPU through 1,000 link changes
# on those bridges with a stopped VM with a bridged NIC selected (its TAP
# policy from a lab network), next to the binary in $VMDECK_BEFORE when given
# (e.g. one built from before "one rebuild per pass"), run one after the other.
# Usage: bench_net_cpu.sh [SECONDS] (30)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export VMDECK_TESTS=${VMDECK_TESTS:-$here/..} VMDECK_SRC=${VMDECK_SRC:-$here/../..}
export VMDECK=${VMDECK:-$VMDECK_SRC/build/tui/vmdeck}
secs=${1:-30}
. "$VMDECK_TESTS/lib.sh"
need_root
need ip bmon

netns_new NS
{
	for b in $(seq 0 9); do echo "link add br$b type bridge"; echo "link set br$b up"; done
	for i in $(seq 1 1000); do
		echo "link add p$i type veth peer name q$i"
		echo "link set p$i master br$((i % 10))"
		echo "link set p$i up"
		echo "link set q$i up"
	done
} >"$T_TMP/batch"
ip -n "$NS" -batch "$T_TMP/batch" || fail "setup failed"
log "namespace: $(ip -n "$NS" -o link | wc -l) links, $(ip -n "$NS" -o link show type veth | grep -c master) bridge ports"

cpu() { # utime+stime of PID in seconds
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}
ip netns exec "$NS" "$VMDECK" watch --interval 1000 >/dev/null 2>"$T_TMP/vd.err" &
vd=$!
on_exit "kill_pid $vd"
ip netns exec "$NS" bmon -i netlink -o null -r 1 >/dev/null 2>&1 &
bm=$!
on_exit "kill_pid $bm"
# The TUI on a 120x40 pty (util-linux script), its network pane on these bridges.
need script
mkdir -p "$T_TMP/prof"
mkfifo "$T_TMP/tui.in" # its keyboard: held open, never written
TERM=xterm-256color LANG=C.UTF-8 ip netns exec "$NS" script -qfe -c \
	"stty cols 120 rows 40; exec '$VMDECK' --profiles '$T_TMP/prof'" /dev/null <"$T_TMP/tui.in" >/dev/null 2>&1 &
on_exit "kill_pid $!"
exec 9>"$T_TMP/tui.in"
tui=
for _ in $(seq 100); do
	tui=$(pgrep -f -n -- "^$VMDECK --profiles $T_TMP/prof") && break
	sleep 0.1
done
[[ -n $tui ]] || fail "the TUI did not start"
on_exit "kill_pid $tui"
wait_for 30 grep -q watching "$T_TMP/vd.err" || fail "watch did not start"
sleep 2
v0=$(cpu "$vd"); b0=$(cpu "$bm"); t0=$(cpu "$tui")
log "watching for $secs s"
sleep "$secs"
v1=$(cpu "$vd"); b1=$(cpu "$bm"); t1=$(cpu "$tui")
printf 'CPU seconds watching 1,000 ports for %s s, 1 s stats (start-up excluded):\n' "$secs"
printf '  vmdeck watch   %6.2f s  (start-up dump %s s)\n' "$(awk "BEGIN { print $v1 - $v0 }")" "$v0"
printf '  bmon           %6.2f s  (start-up %s s)\n' "$(awk "BEGIN { print $b1 - $b0 }")" "$b0"
printf '  vmdeck TUI     %6.2f s  (start-up %s s; 120x40, network pane drawn)\n' "$(awk "BEGIN { print $t1 - $t0 }")" "$t0"
printf 'BENCH CPU watching 1,000 ports for %s s, 1 s stats (peer bmon)|%.2f|%.2f|s\n' "$secs" \
	"$(awk "BEGIN { print $v1 - $v0 }")" "$(awk "BEGIN { print $b1 - $b0 }")"
printf 'BENCH CPU of the TUI watching 1,000 ports for %s s, 1 s stats (peer bmon)|%.2f|%.2f|s\n' "$secs" \
	"$(awk "BEGIN { print $t1 - $t0 }")" "$(awk "BEGIN { print $b1 - $b0 }")"

# The TUI through 1,000 link changes: a stopped VM whose NIC joins br0 is
# selected (the first VM), its TAP MAC policy from lab network "lab" (br0).
kill_pid "$tui"
mkdir -p "$T_TMP/churn/networks"
printf 'name: pa\nmemory: 64M\nnics:\n  - model: e1000\n    mac: "52:54:00:00:00:07"\n    bridge: br0\n' >"$T_TMP/churn/pa.yaml"
for n in 0 1 2; do
	printf 'name: lab%s\nbridge: br%s\naddress: 10.7%s.0.1/24\npin: false\ntap_mac_policy: kernel\n' "$n" "$n" "$n" \
		>"$T_TMP/churn/networks/lab$n.yaml"
done
for i in $(seq 1 500); do echo "link set p$i down"; echo "link set p$i up"; done >"$T_TMP/churn.batch"
# churn BINARY : CPU seconds of a TUI of BINARY from the first of the 1,000
# changes until its CPU time stops growing (0.5 s samples; the 1 s stats
# go on meanwhile), and its rebuild counts (VMDECK_TUI_STATS).
churn() {
	local bin=$1 pid="" out=$T_TMP/churn.$RANDOM.out
	rm -f "$T_TMP/churn.in"
	mkfifo "$T_TMP/churn.in"
	TERM=xterm-256color LANG=C.UTF-8 VMDECK_TUI_STATS=1 ip netns exec "$NS" script -qfe -c \
		"stty cols 120 rows 40; exec '$bin' --profiles '$T_TMP/churn'" "$out" <"$T_TMP/churn.in" >/dev/null 2>&1 &
	local sp=$!
	exec 8>"$T_TMP/churn.in"
	for _ in $(seq 100); do
		pid=$(pgrep -f -n -- "^$bin --profiles $T_TMP/churn") && break
		sleep 0.1
	done
	[[ -n $pid ]] || { echo "?"; return; }
	sleep 3 # its start-up dump of 1,000 ports and the first frame
	local c0 c1 prev t0 t1
	c0=$(cpu "$pid")
	t0=$(date +%s%N)
	ip -n "$NS" -batch "$T_TMP/churn.batch"
	prev=$c0
	for _ in $(seq 240); do
		sleep 0.5
		c1=$(cpu "$pid")
		awk "BEGIN { exit !($c1 - $prev < 0.02) }" && break
		prev=$c1
	done
	t1=$(date +%s%N)
	printf 'q' >&8
	exec 8>&-
	wait_for 10 bash -c "! kill -0 $pid"
	kill_pid "$sp"
	local stats
	stats=$(grep -ao 'passes=[0-9]* vm_rebuilds=[0-9]* net_rebuilds=[0-9]*' "$out" | tail -n1)
	echo "$(awk "BEGIN { printf \"%.2f\", $c1 - $c0 }") $(((t1 - t0) / 1000000)) ${stats:-?}"
}
now=$(churn "$VMDECK")
before="-"
[[ -n ${VMDECK_BEFORE:-} ]] && before=$(churn "$VMDECK_BEFORE")
printf 'CPU seconds of the TUI through 1,000 link changes on 1,000 ports (stopped VM on br0 selected):\n'
read -r c ms stats <<<"$now"
printf '  now            %6s s  (%s ms until settled; %s)\n' "$c" "$ms" "$stats"
if [[ $before != - ]]; then
	read -r c ms stats <<<"$before"
	printf '  before         %6s s  (%s ms until settled; %s; %s)\n' "$c" "$ms" "$stats" "$VMDECK_BEFORE"
fi
printf 'BENCH CPU of the TUI through 1,000 link changes on 1,000 ports, stopped VM selected (peer: VMDECK_BEFORE)|%s|%s|s\n' \
	"${now%% *}" "${before%% *}"
