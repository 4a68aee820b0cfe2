#!/usr/bin/env bash
# bench_tui_latency.sh — key -> screen latency of the real TUI (p50/p99/max,
# ms) while the selected VM's VNC peer misbehaves: accepts and never speaks,
# greets and then stalls, or its host name's lookup hangs; and a control
# with no VNC at all (the floor that tmux and capture-pane polling add).
# It runs tests/tui/latency.sh (which builds that setup in a network
# namespace of its own, see there) for BENCH_SECS seconds per case and
# prints its figures; the test's own verdict (a freeze of 1 s or more) is
# reported, not judged here. Needs root, tmux and python3 (else skipped).
set -uo pipefail
: "${VMDECK:?}" "${VMDECK_TESTS:?}" "${VMDECK_SRC:?}"
secs=${BENCH_SECS:-10}
log=$(mktemp /tmp/vmdeck-bench-latency.XXXXXX)
trap 'rm -f "$log"' EXIT
echo "== vmdeck TUI: key to screen change (tmux send-keys -> capture-pane), ${secs} s per case =="
env -u CI LATENCY_SECS="$secs" bash "$VMDECK_TESTS/tui/latency.sh" 2>"$log" | grep -a '^BENCH '
rc=${PIPESTATUS[0]}
if ((rc == 77)); then
	echo "skipped: $(grep -a 'SKIP' "$log" | tail -n1)"
	exit 0
fi
grep -a -E '\): [0-9]+ keys|all: [0-9]+ keys' "$log" | sed 's/^\[latency\] /  /'
((rc == 0)) || { echo "  (the test failed: a key waited 1 s or more, or its setup failed)"; grep -a -E 'NOT OK|FAIL' "$log" | sed 's/^/  /'; }
exit 0
