#!/usr/bin/env bash
# A lab network root brought up, seen by another user (nobody) in the same
# namespace this test creates: the record of what `net up` did is in root's
# runtime directory, which nobody cannot read, but the bridge is visible to
# all. nobody's `net status` says up; nobody's `net up` is refused as not
# permitted (exit 4), not as a failure (1); nothing of root's is touched.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip jq runuser

netns_new NS
# A directory nobody can reach (T_TMP is root's, 0700): the profiles, root's,
# world-readable; nobody's own runtime and state directories.
NB=$(mktemp -d /tmp/vmdeck-nobody.XXXXXX)
on_exit "rm -rf '$NB'"
chmod 755 "$NB"
mkdir -p "$NB/prof/networks" "$NB/run" "$NB/state"
cat >"$NB/prof/networks/usernet.yaml" <<'EOF'
bridge: vdusr0
address: 172.16.82.1/24
nat: false
dhcp:
  range: 172.16.82.100-172.16.82.150
EOF
chmod -R a+rX "$NB/prof"
chown nobody "$NB/run" "$NB/state"
chmod 700 "$NB/run" "$NB/state"
vd() { ip netns exec "$NS" "$VMDECK" --profiles "$NB/prof" "$@"; }
as_nobody() {
	ip netns exec "$NS" runuser -u nobody -- env VMDECK_RUNTIME_DIR="$NB/run" VMDECK_STATE_DIR="$NB/state" \
		HOME="$NB" "$VMDECK" --profiles "$NB/prof" "$@"
}

out=$(as_nobody net status usernet 2>&1)
check "nobody, before: down" grep -q "^usernet: down" <<<"$out"

out=$(vd net up usernet 2>&1) || fail "root: net up: $out"
pid=$(vd net status usernet --json | jq -r .dnsmasq_pid)
check "root: up, dnsmasq running" kill -0 "$pid"
check "root's record is out of nobody's reach" bash -c "! runuser -u nobody -- test -r '$VMDECK_RUNTIME_DIR/net/usernet/state.json'"

out=$(as_nobody net status usernet 2>&1); rc=$?
log "nobody: net status: rc=$rc"$'\n'"$out"
check "nobody: net status says up (exit 0)" bash -c "(( $rc == 0 )) && grep -q '^usernet: up' <<<'$out'"
out=$(as_nobody net status usernet --json 2>/dev/null)
check "nobody: net status --json: up, not recorded here" jq -e '.up == true and .recorded == false' <<<"$out"
check "nobody: net status (all) --json: up" \
	bash -c "$(declare -f as_nobody); NS=$NS NB=$NB VMDECK=$VMDECK; as_nobody net status --json | jq -e '.[0].up == true' >/dev/null"

out=$(as_nobody net up usernet 2>&1); rc=$?
log "nobody: net up: rc=$rc $out"
check "nobody: net up exits 4 (not permitted; got $rc)" test "$rc" -eq 4
check "nobody: net up says who and what is needed" \
	bash -c "grep -q 'another user' <<<'$out' && grep -q CAP_NET_ADMIN <<<'$out'"
out=$(as_nobody net down usernet 2>&1); rc=$?
log "nobody: net down: rc=$rc $out"
check "nobody: net down exits 4, not 'was not up' (got $rc)" \
	bash -c "(( $rc == 4 )) && grep -q CAP_NET_ADMIN <<<'$out'"
check "root's network untouched: bridge, dnsmasq, record" \
	bash -c "ip -n $NS link show vdusr0 >/dev/null && kill -0 $pid && test -f '$VMDECK_RUNTIME_DIR/net/usernet/state.json'"
out=$(vd net status usernet --json)
check "root: still up, recorded, same dnsmasq" jq -e ".up and .recorded and .dnsmasq_pid == $pid" <<<"$out"

# root with another runtime directory has no record either: a clear refusal.
mkdir -p "$T_TMP/run2"
out=$(VMDECK_RUNTIME_DIR="$T_TMP/run2" vd net up usernet 2>&1); rc=$?
log "another runtime dir: net up: rc=$rc $out"
check "another runtime dir: net up refused (exit 1; got $rc)" test "$rc" -eq 1
check "another runtime dir: says so" grep -q "brought up by vmdeck with another runtime directory" <<<"$out"
VMDECK_RUNTIME_DIR="$T_TMP/run2" vd net down usernet >/dev/null 2>&1; rc=$?
check "another runtime dir: net down refused too (exit 1; got $rc)" test "$rc" -eq 1
check "root's network still untouched" \
	bash -c "ip -n $NS link show vdusr0 >/dev/null && kill -0 $pid && test -f '$VMDECK_RUNTIME_DIR/net/usernet/state.json'"

# Measuring outages and healing need CAP_NET_RAW: nobody is told so.
out=$(ip netns exec "$NS" runuser -u nobody -- env VMDECK_RUNTIME_DIR="$NB/run" VMDECK_STATE_DIR="$NB/state" \
	HOME="$NB" timeout 5 "$VMDECK" watch 2>&1 >/dev/null)
check "nobody's watch says it cannot measure guest outages, and why" \
	grep -q "cannot measure guest outages: .*need root or CAP_NET_RAW" <<<"$out"
out=$(as_nobody net heal vdusr0 on 2>&1); rc=$?
check "nobody: net heal on refused (exit 4; got $rc)" test "$rc" -eq 4
check "nobody: says it needs CAP_NET_RAW" grep -q "needs root or CAP_NET_RAW" <<<"$out"
out=$(vd net heal vdusr0 on 2>&1) || fail "root: net heal: $out"
healed() { vd net status usernet --json | jq -e '.healed == true' >/dev/null; }
check "root: net status says healed" healed

out=$(vd net down usernet 2>&1) || fail "root: net down: $out"
check "root: down, dnsmasq gone" wait_for 30 bash -c "! kill -0 $pid"
out=$(as_nobody net status usernet 2>&1)
check "nobody, after: down" grep -q "^usernet: down" <<<"$out"

finish
