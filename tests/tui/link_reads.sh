#!/usr/bin/env bash
# A link event reads no file: with a stopped VM whose NIC joins a bridge
# selected (its prediction shown, the TAP MAC policy coming from a lab
# network), 1,000 link changes on that bridge open no networks/*.yaml and no
# profile (strace -f -e trace=openat, in a namespace of the test's own). The
# lab networks load with the profiles, so the prediction follows an edit of
# the lab network's file (the profiles' inotify), not link events.
# strace attaches once the screen is up and detaches before vmdeck quits:
# LeakSanitizer (the ASan pass) cannot work in a traced process.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need_root
need ip jq tmux strace

netns_new NS
N="ip -n $NS"
tui_uplinked_br0 "$NS"

prof=$T_TMP/profiles
mkdir -p "$prof/networks"
# No tap_mac_policy on the NIC: the lab network whose bridge it joins gives it.
printf 'name: pa\nmemory: 64M\nnics:\n  - model: e1000\n    mac: "52:54:00:00:00:07"\n    bridge: br0\n' >"$prof/pa.yaml"
printf 'name: pb\nmemory: 64M\n' >"$prof/pb.yaml"
labnet() { printf 'name: %s\nbridge: %s\naddress: %s\npin: false\ntap_mac_policy: %s\n' "$@"; }
labnet lab br0 10.77.0.1/24 kernel >"$prof/networks/lab.yaml"
labnet other br9 10.78.0.1/24 derived >"$prof/networks/other.yaml"
labnet third br8 10.79.0.1/24 fixed >"$prof/networks/third.yaml"

trace=$T_TMP/openat.trace
strace_pid=
tmux_start 160 45 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" VMDECK_TUI_STATS=1 bash --norc --noprofile
tmux_keys "PS1='$ '" Enter
tui_run_in_pane ip netns exec "$NS" "$VMDECK" --profiles "$prof"
tui_expect 20 " pa +stopped" "the list shows pa (selected: the first VM)"
net_expect 20 "policy kernel\) may change br0's MAC" \
	"the prediction for pa takes the TAP MAC policy from lab network 'lab' (kernel)"
strace -f -ttt -e trace=openat -o "$trace" -p "$TUI_PID" 2>"$T_TMP/strace.err" &
strace_pid=$!
on_exit "kill_pid $strace_pid"
wait_for 10 grep -q "attached" "$T_TMP/strace.err" || fail "strace did not attach to vmdeck: $(cat "$T_TMP/strace.err")"

# openat calls of profile or lab network files between two wall-clock times.
files_opened() { # FROM TO
	awk -v from="$1" -v to="$2" -v dir="$prof/" '
		{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/) { t = $i; break } }
		t >= from && t <= to && index($0, "openat(") && index($0, "\"" dir) { print }' "$trace"
}

# 1,000 link changes on br0: veth ports (MACs above up0's, so br0 keeps its
# MAC; this kernel has no dummy links) are made, enslaved, brought up and
# deleted, 250 times.
{
	for i in $(seq 1 250); do
		echo "link add d$i address fe:ff:ff:ff:ff:ff type veth peer name e$i"
		echo "link set d$i master br0"
		echo "link set d$i up"
		echo "link del d$i"
	done
} >"$T_TMP/batch"
t0=$(date +%s.%N)
$N -batch "$T_TMP/batch" || fail "the link changes failed"
# The last change: once it is on screen, every one before it was handled.
$N link add last0 address fe:ff:ff:ff:ff:ff type veth peer name last1
$N link set last0 master br0
tui_expect 300 "[└├] last0" "the TUI saw the last of the link changes (last0 under br0)"
t1=$(date +%s.%N)
tui_expect_not 5 "[└├] d[0-9]+ " "no port of the churn is left on screen"
net_expect 5 "policy kernel\) may change br0's MAC" "the prediction is still shown after the changes"

# The lab network set reloads with the profiles: edit the file, and the
# prediction follows (derived: fe:54:00:00:00:07 is below br0's MAC).
labnet lab br0 10.77.0.1/24 derived >"$prof/networks/lab.yaml.tmp"
mv "$prof/networks/lab.yaml.tmp" "$prof/networks/lab.yaml"
net_expect 20 "starting VM pa \(TAP MAC fe:54:00:00:00:07\) will change br0's MAC" \
	"after the lab network's file changed, the prediction uses its new policy (derived)"
# Detach (SIGTERM: strace lets go and exits; the trace is complete then).
kill_pid "$strace_pid"
check "the trace sees vmdeck open files (the reload read networks/lab.yaml)" \
	grep -q "\"$prof/networks/lab.yaml\"" "$trace"

tmux_keys q
tui_expect 20 "EXIT=0" "q quits"
# Its counts on exit (VMDECK_TUI_STATS): the network half is rebuilt at most
# once per pass, and link events never rebuild the VM half (its rebuilds are
# the start, the reload and the like, far below the 1,000 changes).
stats=$(tmux_screen -J -S -100 | grep -o 'passes=[0-9]* vm_rebuilds=[0-9]* net_rebuilds=[0-9]*' | tail -n1)
read -r passes vm_rb net_rb < <(sed 's/[a-z_]*=//g' <<<"$stats")
log "loop: ${stats:-no stats line}"
check "the network half is rebuilt at most once per pass" test -n "$stats" -a "${net_rb:-1}" -le "${passes:-0}"
check "link events do not rebuild the VM half (${vm_rb:-?} rebuilds)" test -n "$stats" -a "${vm_rb:-99}" -lt 20
opened=$(files_opened "$t0" "$t1")
if [[ -z $opened ]]; then
	log "ok: no profile or lab network file opened during 1,000 link changes"
else
	log "NOT OK: $(wc -l <<<"$opened") opens of profile or lab network files during the link changes, e.g.:"
	head -n 5 <<<"$opened" >&2
	T_FAILS=$((T_FAILS + 1))
fi
finish
