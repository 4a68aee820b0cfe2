#!/usr/bin/env bash
# The network pane's prediction for a vmdeck without CAP_NET_ADMIN (user
# nobody): a start there takes a TAP root granted (`net grant`), a port of
# the bridge since the grant, or fails — so the MAC change a privileged
# vmdeck predicts for the same VM (its own TAP, lower MAC) is not predicted.
# In a namespace of the test's own; the bridge as in predict.sh.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need_root
need ip tmux jq setpriv

netns_new NS
tui_uplinked_br0 "$NS"

prof=$T_TMP/profiles
mkdir -p "$prof"
printf 'name: pa\nmemory: 64M\nnics:\n  - model: e1000\n    mac: "52:54:00:00:00:07"\n    bridge: br0\n' >"$prof/pa.yaml"
chmod 755 "$T_TMP" "$prof"
chmod 644 "$prof/pa.yaml"
RUNU=$T_TMP/run-nobody
mkdir -p "$RUNU" "$T_TMP/state-nobody" && chown 65534:65534 "$RUNU" "$T_TMP/state-nobody" && chmod 700 "$RUNU"
ip netns exec "$NS" "$VMDECK" net grant br0 nobody >/dev/null || fail "net grant br0 nobody"

tui_shell 160 45
# Privileged first: the change its own TAP would make is predicted.
tui_run_in_pane ip netns exec "$NS" "$VMDECK" --profiles "$prof"
tui_expect 10 " pa +stopped" "root: the list shows pa"
net_expect 5 "starting VM pa \(TAP MAC fe:54:00:00:00:07\) will change br0's MAC" "root: the change is predicted"
tmux_keys q
tui_expect 10 "EXIT=0" "q quits"
tmux_keys "clear" Enter
# The same VM as nobody: no warning under br0.
tui_run_in_pane ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	env VMDECK_RUNTIME_DIR="$RUNU" VMDECK_STATE_DIR="$T_TMP/state-nobody" "$VMDECK" --profiles "$prof"
tui_expect 10 " pa +stopped" "nobody: the list shows pa"
net_expect 5 "^br0 .* 0 MAC changes" "nobody: the network pane shows br0"
check "nobody: no prediction for pa (a granted TAP changes nothing)" \
	bash -c "! $T_TMUX capture-pane -p -t t | grep -Eq 'will change|starting VM pa'"
tmux_keys q
tui_expect 10 "EXIT=0" "q quits"
finish
