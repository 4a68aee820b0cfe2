#!/usr/bin/env bash
# A start removes only the TAPs it created, and a stop removes exactly the
# TAPs its start created — recorded in the runtime dir, whatever the profile
# says by then (issue 10). No-OS VMs on a bridge, in a private namespace.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need_root
need ip
netns_new ns
ip -n "$ns" link add virbr0 type bridge || fail "bridge"
ip -n "$ns" link set virbr0 up
vd() { ip netns exec "$ns" "$VMDECK" "$@"; }
tap_nic() { printf 'nics:\n  - model: e1000\n    bridge: virbr0\n    tap: %s\n' "$1"; }
on_bridge() { [[ $(ip -n "$ns" -o link show "$1" 2>/dev/null) == *"master virbr0"* ]]; }
gone() { ! ip -n "$ns" link show "$1" >/dev/null 2>&1; }
running() { [[ $(vd status --json "$1" | jq -r '.[0].state') == running ]]; }

# ---- 1. two profiles naming one TAP: the failed start leaves it alone -----
profile_bare twina "$(tap_nic ttwin0)"
profile_bare twinb "$(tap_nic ttwin0)"
out=$(vd start twina 2>&1) || fail "start twina: $out"
check "twina: its TAP joined virbr0" on_bridge ttwin0
out=$(vd start twinb 2>&1)
check "twinb: start fails" test $? -ne 0
log "twinb: $out"
check "twinb: says the TAP is in use" grep -q 'ttwin0.*in use' <<<"$out"
check "twina's TAP still there, still on virbr0" on_bridge ttwin0
check "twina still running" running twina
out=$(vd stop --force twina 2>&1)
log "stop twina: $out"
check "twina's stop removed its TAP" gone ttwin0

# ---- 2. profile deleted while running: the stop still removes the TAP -----
profile_bare orphan "$(tap_nic torph0)"
out=$(vd start orphan 2>&1) || fail "start orphan: $out"
check "orphan: TAP up" on_bridge torph0
rm "$PROF/orphan.yaml"
out=$(vd stop --force orphan 2>&1)
log "stop orphan (no profile): $out"
check "orphan: stopped" grep -q 'exited' <<<"$out"
check "orphan: its TAP removed although the profile is gone" gone torph0

# ---- 3. tap: edited to another running VM's TAP: that one stays ----------
profile_bare edita "$(tap_nic tedit0)"
profile_bare other "$(tap_nic tother0)"
out=$(vd start edita 2>&1) || fail "start edita: $out"
out=$(vd start other 2>&1) || fail "start other: $out"
profile_bare edita "$(tap_nic tother0)"
out=$(vd stop --force edita 2>&1)
log "stop edita (profile now names tother0): $out"
check "edita: the TAP it made is removed" gone tedit0
check "other's TAP is still there, on virbr0" on_bridge tother0
check "other still running" running other
out=$(vd stop --force other 2>&1)
check "other: its TAP removed" gone tother0

# ---- 4. a dead VM tidied from another namespace: its TAPs are not there --
# (a TAP of the same name in that namespace is someone else's: it stays,
# and so does the record, for a vmdeck in the VM's own namespace).
netns_new ns2
ip -n "$ns2" tuntap add dev tfar0 mode tap || fail "tuntap in ns2"
profile_bare far "$(tap_nic tfar0)"
out=$(vd start far 2>&1) || fail "start far: $out"
check "far: its TAP joined virbr0" on_bridge tfar0
qp=$(qemu_pid far)
kill -9 "$qp"
wait_for 30 bash -c "! kill -0 $qp 2>/dev/null" || fail "far's QEMU did not die"
ip netns exec "$ns2" "$VMDECK" status far >/dev/null 2>&1
check "status from another namespace: that namespace's tfar0 is left alone" \
	ip -n "$ns2" link show tfar0
check "… and the record is kept" test -s "$VMDECK_RUNTIME_DIR/far/created"
# Its next start, in its own namespace, removes the leftover and starts anew.
out=$(vd start far 2>&1)
check "far starts again in its own namespace" test $? -eq 0
log "start far again: $out"
out=$(vd stop --force far 2>&1)
check "its stop removes its TAP" gone tfar0
check "… and the record" test ! -e "$VMDECK_RUNTIME_DIR/far/created"
check "the other namespace's tfar0 is still there" ip -n "$ns2" link show tfar0
finish
