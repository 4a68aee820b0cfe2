#!/usr/bin/env bash
# The network pane's prediction under the selected VM's bridge, by the
# kernel's rule (the lowest port MAC wins on an unpinned bridge), in a
# namespace of the test's own: a VM whose derived TAP MAC is lower than the
# bridge's will change it (shown with both MACs, wrapped in a narrow pane);
# one whose TAP MAC is fixed fe:ff:ff:ff:ff:ff keeps it (no warning); one with
# random TAP MACs may change it; after pinning, no warning.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need_root
need ip tmux jq

netns_new NS
N="ip -n $NS"
tui_uplinked_br0 "$NS"

prof=$T_TMP/profiles
mkdir -p "$prof"
nic() { printf 'name: %s\nmemory: 64M\nnics:\n  - model: e1000\n    mac: "%s"\n    bridge: br0\n    tap_mac_policy: %s\n' "$@"; }
nic pa 52:54:00:00:00:07 derived >"$prof/pa.yaml"
nic pb 52:54:00:00:00:08 fixed >"$prof/pb.yaml"
nic pc 52:54:00:00:00:09 kernel >"$prof/pc.yaml"

tmux_start 160 45 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" bash --norc --noprofile
tmux_keys "PS1='$ '" Enter
tui_run_in_pane ip netns exec "$NS" "$VMDECK" --profiles "$prof"
tui_expect 10 " pa +stopped" "the list shows pa"
net_expect 5 "starting VM pa \(TAP MAC fe:54:00:00:00:07\) will change br0's MAC from fe:ff:ff:ff:ff:fe to fe:54:00:00:00:07" \
	"derived: the change is predicted with both MACs"
check "the prediction wraps in an 80-column pane (its end is on screen)" bash -c "$T_TMUX capture-pane -p -t t | grep -q ' fe:ff:ff:ff:ff:fe to fe:54:00:00:00:07 '"
tmux_keys j
net_expect 5 "^br0 .* 0 MAC changes └ up0" "fixed: no change, so no warning under br0"
tmux_keys j
net_expect 5 "starting VM pc \(TAP MAC random, policy kernel\) may change br0's MAC fe:ff:ff:ff:ff:fe" \
	"kernel: a possible change"
# Pin it (the network pane's P), then: nothing will change.
tmux_keys Tab P
tui_expect 5 "br0 fe:ff:ff:ff:ff:fe pinned" "P pins br0"
tmux_keys BTab
tmux_keys k k
tui_expect 5 "┌ pa ─" "pa selected again (its details)"
net_expect 5 "^br0 fe:ff:ff:ff:ff:fe pinned 0 MAC changes └ up0" "pinned: no change, so no warning under br0"
tmux_keys q
tui_expect 10 "EXIT=0" "q quits"
finish
