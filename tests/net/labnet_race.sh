#!/usr/bin/env bash
# `net up` and `net down` of one lab network at the same time, in a namespace
# this test creates: up‖down and up‖up from down, down‖up from up, each
# ROUNDS times. After every pair the end state must be one of the two
# consistent ones — up (record, bridge, the recorded dnsmasq running) or down
# (none of them) — every dnsmasq in the namespace must be the one the record
# names (no orphan), and both commands must have succeeded: up twice and down
# of a network that is not up are harmless. Afterwards `net up` still works.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip dnsmasq jq timeout

ROUNDS=${VMDECK_RACE_ROUNDS:-50}
netns_new HOST
prof="$T_TMP/prof"
mkdir -p "$prof/networks"
# No NAT: the race is between the record, the bridge and dnsmasq; nft would
# only make each round slower.
cat >"$prof/networks/racenet.yaml" <<'EOF'
bridge: vdrace0
address: 172.16.77.1/24
nat: false
dhcp:
  range: 172.16.77.100-172.16.77.150
EOF
rec="$VMDECK_RUNTIME_DIR/net/racenet/state.json"
vd() { timeout 60 ip netns exec "$HOST" "$VMDECK" --profiles "$prof" "$@"; }

# Every dnsmasq whose network namespace is ours (they all are ours).
ns_dnsmasqs() { netns_procs "$HOST" dnsmasq; }

# consistent WHAT: the state is entirely up or entirely down, with no orphan.
consistent() {
	local what=$1 pids recpid
	pids=$(ns_dnsmasqs | sort | tr '\n' ' ')
	if [[ -e $rec ]]; then
		recpid=$(jq -r '.dnsmasq_pid // empty' "$rec" 2>/dev/null)
		[[ -n $recpid && $pids == "$recpid " ]] ||
			{ log "$what: record names dnsmasq '${recpid}', namespace has '${pids}'"; return 1; }
		ip -n "$HOST" link show vdrace0 >/dev/null 2>&1 ||
			{ log "$what: recorded up, but no bridge"; return 1; }
	else
		[[ -z $pids ]] || { log "$what: no record, but dnsmasq '${pids}' runs (orphan)"; return 1; }
		! ip -n "$HOST" link show vdrace0 >/dev/null 2>&1 ||
			{ log "$what: no record, but the bridge exists"; return 1; }
	fi
}

bad=0
# pair ORDER START FIRST SECOND: bring the network to START, run FIRST and
# SECOND at once, check both succeeded and the end state is consistent.
pair() {
	local what=$1 start=$2 a=$3 b=$4 pa pb ra rb
	vd net "$start" racenet >/dev/null 2>&1
	vd net "$a" racenet >"$T_TMP/a.out" 2>&1 &
	pa=$!
	vd net "$b" racenet >"$T_TMP/b.out" 2>&1 &
	pb=$!
	wait "$pa"; ra=$?
	wait "$pb"; rb=$?
	if ((ra != 0 || rb != 0)); then
		log "$what: exit $ra ($(cat "$T_TMP/a.out")) / $rb ($(cat "$T_TMP/b.out"))"
		bad=$((bad + 1))
		return
	fi
	# up‖up: both said up, so it is up.
	if [[ $a == up && $b == up && ! -e $rec ]]; then
		log "$what: both said up, nothing is up"
		bad=$((bad + 1))
		return
	fi
	consistent "$what" || bad=$((bad + 1))
}

for ((i = 1; i <= ROUNDS; i++)); do
	pair "round $i up||down" down up down
	pair "round $i up||up" down up up
	pair "round $i down||up" up down up
	((bad > 5)) && break # enough to show it; keep the run short
done
check "$ROUNDS rounds of up||down, up||up, down||up: consistent, no orphan dnsmasq ($bad bad)" test "$bad" -eq 0

vd net down racenet >/dev/null 2>&1
check "down at the end leaves no dnsmasq" test -z "$(ns_dnsmasqs)"
out=$(vd net up racenet 2>&1)
check "net up afterwards works ($out)" test $? -eq 0
check "and is consistent" consistent "after"
out=$(vd net down racenet 2>&1)
check "net down afterwards works" test $? -eq 0
check "nothing left" consistent "end"

finish
