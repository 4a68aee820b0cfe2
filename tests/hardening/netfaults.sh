#!/usr/bin/env bash
# Network faults, all inside a namespace this test creates (lab network
# virbr0 from the bundled profiles, a no-OS VM with a TAP on it):
#   1. a running VM's TAP deleted behind vmdeck's back: the VM keeps
#      running, status stays true, stop works and reports no error, no TAP
#      left;
#   2. dnsmasq killed: `net status` says it is not running; `net down`
#      still removes everything (bridge, nft table, files) and succeeds;
#   3. the bridge deleted while up: `net down` cleans the rest, no error.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need_root
need ip nft dnsmasq jq

netns_new NS
cp -r "$VMDECK_SRC/profiles/networks" "$PROF/"
vd() { ip netns exec "$NS" "$VMDECK" "$@"; }
taps() { ip -n "$NS" -o link show type tun 2>/dev/null | wc -l; }
profile_bare tapvm 'nics:' '  - network: tap' '    bridge: virbr0'

out=$(vd net up virbr0 2>&1) || fail "net up: $out"

# ---- 1. TAP deleted under a running VM --------------------------------------
out=$(vd start tapvm 2>&1) || fail "start tapvm: $out"
tap=$(ip -n "$NS" -o link show master virbr0 | awk -F': ' '{print $2}' | cut -d@ -f1 | head -n1)
check "the VM's TAP joined virbr0 ($tap)" test -n "$tap"
ip -n "$NS" link del "$tap"
check "TAP gone" bash -c "! ip -n $NS link show '$tap' >/dev/null 2>&1"
check "VM still running after its TAP vanished" vm_state_is tapvm running
check "QEMU still alive" kill -0 "$(qemu_pid tapvm)"
out=$(vd kill tapvm 2>&1); rc=$?
log "kill after TAP deleted (exit $rc): $(tr '\n' ' ' <<<"$out")"
check "kill succeeds" test $rc -eq 0
check "stopped" wait_for 20 vm_state_is tapvm exited
check "no TAP left" test "$(taps)" -eq 0

# ---- 2. dnsmasq killed -------------------------------------------------------
pid=$(vd net status virbr0 --json | jq -r .dnsmasq_pid)
check "dnsmasq running ($pid)" kill -0 "$pid"
kill -9 "$pid"
check "dnsmasq gone" wait_for 10 bash -c "! kill -0 $pid"
check "net status: dnsmasq not running" \
	wait_for 10 bash -c "ip netns exec $NS \"\$VMDECK\" net status virbr0 --json | jq -e '.dnsmasq_running == false' >/dev/null"
out=$(vd net down virbr0 2>&1); rc=$?
log "net down after dnsmasq died (exit $rc): $(tr '\n' ' ' <<<"$out")"
check "net down succeeds" test $rc -eq 0
check "bridge removed" bash -c "! ip -n $NS link show virbr0 >/dev/null 2>&1"
check "nft table removed" bash -c "! ip netns exec $NS nft list table ip vmdeck-virbr0 >/dev/null 2>&1"
check "state removed" test ! -e "$VMDECK_RUNTIME_DIR/net/virbr0/state.json"

# ---- 3. bridge deleted while up -------------------------------------------
out=$(vd net up virbr0 2>&1) || fail "net up again: $out"
pid=$(vd net status virbr0 --json | jq -r .dnsmasq_pid)
ip -n "$NS" link del virbr0
out=$(vd net down virbr0 2>&1); rc=$?
log "net down after the bridge vanished (exit $rc): $(tr '\n' ' ' <<<"$out")"
check "net down succeeds" test $rc -eq 0
check "its dnsmasq stopped" wait_for 10 bash -c "! kill -0 $pid 2>/dev/null"
check "nft table removed" bash -c "! ip netns exec $NS nft list table ip vmdeck-virbr0 >/dev/null 2>&1"
check "nothing of ours left in the namespace" test -z "$(ip netns pids "$NS")"
finish
