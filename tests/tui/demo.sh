#!/usr/bin/env bash
# `./bootstrap.sh demo` end to end: the demo script in tmux opens vmdeck on
# its lab (namespace, unpinned virbr0 with dnsmasq, test guests); starting two
# guests flips the bridge MAC (shown, with history and what it cost the
# guests); A heals the bridge; pinning stops the flips; quitting
# removes everything the demo created (VMs, network, namespace, temp dir).
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need tmux qemu-system-x86_64 dnsmasq ip
need_root

tmux_start 120 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM=xterm-256color LANG=C.UTF-8 bash --norc --noprofile
tmux_keys "PS1='$ '" Enter
tui_run_in_pane bash "$VMDECK_SRC/tests/demo/demo.sh" "$VMDECK"
ns=vmdeck-demo-$TUI_PID
# If the demo fails to clean up, the test must not leave its lab behind.
on_exit "netns_kill_all $ns; ip netns del $ns"

tui_expect 60 "press Enter" "the demo explains itself"
check "the demo namespace exists" wait_for 30 bash -c "ip netns list | grep -qw $ns"
tmux_keys Enter
tui_expect 15 " testguest3 " "vmdeck opens on the lab"
tui_expect 5 "virbr0 .*(AT RISK|unpinned)" "virbr0 is unpinned"
check "virbr0 is not pinned (sysfs)" bash -c "[[ \$(ip netns exec $ns cat /sys/class/net/virbr0/addr_assign_type) != 3 ]]"

tmux_keys s
tui_expect 60 " testguest1 +running" "testguest1 runs"
tui_expect 60 "testguest1: ping 172.16.1.1 seq=[0-9]+ ok" "its pings show"
tmux_keys j s
tui_expect 60 " testguest2 +running" "testguest2 runs"
# Two random TAP MACs: the bridge took the lower one at each join.
tui_expect 10 "[0-9]+ MAC changes?, last" "the bridge MAC changes are counted"
tui_expect 10 "cost: " "under the last change, what it cost the guests (measured from their frames)"
tmux_keys H
tui_expect 5 "bridge MAC history \([1-9]" "the history lists them"
tmux_keys H Tab A
tui_expect 10 "virbr0 [0-9a-f:]{17} (AT RISK|unpinned) healed" "A heals virbr0"
tmux_keys P
tui_expect 10 "virbr0 [0-9a-f:]{17} pinned" "P pins virbr0"
check "virbr0 is pinned (sysfs)" bash -c "[[ \$(ip netns exec $ns cat /sys/class/net/virbr0/addr_assign_type) == 3 ]]"
tmux_keys Tab
tmux_keys q
tui_expect 60 "EXIT=" "the demo ends"
check "the namespace is gone" wait_for 10 bash -c "! ip netns list | grep -qw $ns"
tui_dump
tui_expect 5 "demo lab removed" "the demo says it cleaned up"
finish
