#!/usr/bin/env bash
# The demo lab: vmdeck on a self-contained copy of the seed's lab, in a
# network namespace of its own.
#   bash tests/demo/demo.sh BUILD/tui/vmdeck          open vmdeck on the lab
#   bash tests/demo/demo.sh VMDECK --run CMD ARGS...  run CMD inside the lab instead
#                                                     (tests; env: DEMO_NS, DEMO_LAB,
#                                                     VMDECK_RUNTIME_DIR, VMDECK_STATE_DIR)
# The lab: namespace vmdeck-demo-PID with the seed's virbr0 (172.16.1.1/24,
# dnsmasq DHCP), deliberately UNPINNED and with TAP MAC policy "kernel"
# (tests/demo/lab/networks/virbr0.yaml), and three tiny test guests
# (tests/demo/lab/testguest*.yaml) that ping the gateway twice a second.
# Start two guests (s), watch the bridge MAC flip in the network pane and the
# pings stall in the details pane; Tab to the network pane, pin the bridge
# (P), and the flips stop. Leaving removes everything the demo created: the
# VMs it started (by PID), the lab network, the namespace, the temp dir.
set -euo pipefail

vmdeck=$(readlink -f "${1:?usage: demo.sh PATH/TO/vmdeck [--run CMD...]}")
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
lab=$here/lab

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[[ -x $vmdeck ]] || die "no vmdeck binary at $vmdeck (./bootstrap.sh build)"
[[ $(id -u) -eq 0 ]] || die "the demo makes a network namespace, a bridge and TAPs: run it as root (sudo ./bootstrap.sh demo)"
for c in ip qemu-system-x86_64 dnsmasq; do
	command -v "$c" >/dev/null || die "needs '$c' (./bootstrap.sh deps)"
done
if [[ $# -eq 0 ]]; then
	[[ -t 0 && -t 1 ]] || die "the demo is interactive: run it in a terminal (or use --run CMD)"
fi

say "building the test guest (tests/guest/build.sh; cached)"
bash "$src/tests/guest/build.sh"

ns=vmdeck-demo-$$
work=$(mktemp -d /tmp/vmdeck-demo.XXXXXX)
export VMDECK_RUNTIME_DIR=$work/run VMDECK_STATE_DIR=$work/state
mkdir -p "$VMDECK_RUNTIME_DIR" "$VMDECK_STATE_DIR"

in_ns() { ip netns exec "$ns" "$@"; }

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	set +e # every step runs, whatever the one before said
	say "cleaning up the demo lab"
	# The VMs this demo started: their pids are in our private runtime dir.
	local pids=() f p
	for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do
		[[ -f $f ]] || continue
		p=$(<"$f")
		[[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null && pids+=("$p")
	done
	if ((${#pids[@]})); then
		kill -TERM "${pids[@]}" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "${pids[@]}" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "${pids[@]}" 2>/dev/null || true
	fi
	if ip netns list | grep -qw "$ns"; then
		in_ns "$vmdeck" --profiles "$lab" net down virbr0 >/dev/null 2>&1 || true
		# Anything still inside the namespace is ours: it is unique to this run.
		p=$(ip netns pids "$ns" 2>/dev/null || true)
		[[ -n $p ]] && kill -KILL $p 2>/dev/null
		ip netns del "$ns"
	fi
	rm -rf "$work"
	say "demo lab removed"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

say "network namespace $ns"
ip netns add "$ns"
ip -n "$ns" link set lo up

say "lab network virbr0 (unpinned, TAP MACs random: the seed's problem)"
if ! in_ns "$vmdeck" --profiles "$lab" net up virbr0 >"$work/net-up.log" 2>&1; then
	cat "$work/net-up.log" >&2
	say "'vmdeck net up virbr0' failed (above): the demo lab needs it"
	exit 1
fi

export DEMO_NS=$ns DEMO_LAB=$lab
if [[ ${1:-} == --run ]]; then
	shift
	"$@"
	exit $?
fi

cat <<'TXT'

  vmdeck demo lab
  ---------------
  s  start the selected guest (start two or three: j/k to move)
     watch the network pane: virbr0's MAC follows the lowest port MAC (AT RISK)
     and the guests' consoles (details pane) show pings LOST after a flip.
     TAP MACs are random: if a start did not flip it, stop (x) and start (s)
     that guest again
  H  history of every bridge MAC change, with its cause
  Tab, then P   pin virbr0's MAC: no more flips
  m  QEMU monitor (try: info status), Esc to leave
  x  stop a guest;  ?  all keys;  q  leave (the demo then removes the lab)

TXT
read -r -t 10 -p "  press Enter to start (or wait 10 s) " _ || true
in_ns "$vmdeck" --profiles "$lab" || true
