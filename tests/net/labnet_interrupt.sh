#!/usr/bin/env bash
# `net up` killed (kill -9) in the middle, in a namespace this test creates:
# while nft runs (a wrapper applies the ruleset, then waits) and while
# dnsmasq starts (a wrapper starts it, then waits). What up had begun is in
# its record before it is begun, so `net down` afterwards removes the nft
# table and the dnsmasq (found by its pid file) too: no orphan. And an up
# whose record cannot be saved fails and undoes what it did.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip nft dnsmasq

netns_new HOST
prof="$T_TMP/prof"
mkdir -p "$prof/networks"
cat >"$prof/networks/cutnat.yaml" <<'EOF2'
bridge: vdcut0
address: 172.16.78.1/24
nat: true
EOF2
cat >"$prof/networks/cutdhcp.yaml" <<'EOF2'
bridge: vdcut1
address: 172.16.79.1/24
nat: false
dhcp:
  range: 172.16.79.100-172.16.79.150
EOF2
cat >"$prof/networks/norecord.yaml" <<'EOF2'
bridge: vdcut2
address: 172.16.80.1/24
nat: false
dhcp:
  range: 172.16.80.100-172.16.80.150
EOF2
vd() { ip netns exec "$HOST" "$VMDECK" --profiles "$prof" "$@"; }

# wrapper NAME REAL: runs REAL with its arguments (and stdin); once that
# succeeded, writes its pid to NAME.pid and turns into a long sleep.
wrapper() {
	printf '#!/bin/sh\n%s "$@" || exit $?\necho $$ >"%s"\nexec sleep 60\n' "$2" "$T_TMP/$1.pid" >"$T_TMP/$1"
	chmod +x "$T_TMP/$1"
	on_exit "[ -s '$T_TMP/$1.pid' ] && kill \$(cat '$T_TMP/$1.pid') 2>/dev/null"
}
wrapper slow-nft "$(command -v nft)"
wrapper slow-dnsmasq "$(command -v dnsmasq)"

# Every dnsmasq whose network namespace is ours (they all are ours).
ns_dnsmasqs() { netns_procs "$HOST" dnsmasq; }
no_dnsmasq() { [[ -z $(ns_dnsmasqs) ]]; }

# cut NET VAR WRAPPER: net up NET with VAR=WRAPPER, killed once the wrapper
# has done its part.
cut() {
	rm -f "$T_TMP/$3.pid"
	env "$2=$T_TMP/$3" ip netns exec "$HOST" "$VMDECK" --profiles "$prof" net up "$1" >"$T_TMP/up.out" 2>&1 &
	local up=$!
	wait_for 30 test -s "$T_TMP/$3.pid" || { log "$(cat "$T_TMP/up.out")"; fail "$3 never ran"; }
	kill -9 "$up"
	wait "$up" 2>/dev/null
	kill "$(cat "$T_TMP/$3.pid")" 2>/dev/null
}

cut cutnat VMDECK_NFT slow-nft
check "nft: the table was made before up was killed" ip netns exec "$HOST" nft list table ip vmdeck-cutnat
out=$(vd net down cutnat 2>&1)
check "nft: down after the killed up succeeds ($out)" test $? -eq 0
check "nft: down removed the table" bash -c "! ip netns exec $HOST nft list table ip vmdeck-cutnat >/dev/null 2>&1"
check "nft: down removed the bridge" bash -c "! ip -n $HOST link show vdcut0 >/dev/null 2>&1"

cut cutdhcp VMDECK_DNSMASQ slow-dnsmasq
check "dnsmasq: it runs after up was killed" test -n "$(ns_dnsmasqs)"
out=$(vd net down cutdhcp 2>&1)
check "dnsmasq: down after the killed up succeeds ($out)" test $? -eq 0
check "dnsmasq: down stopped it (no orphan)" wait_for 10 no_dnsmasq
check "dnsmasq: down removed the bridge and the files" \
	bash -c "! ip -n $HOST link show vdcut1 >/dev/null 2>&1 && test ! -e $VMDECK_RUNTIME_DIR/net/cutdhcp"

# dnsmasq starts, then the record can no longer be written (state.json
# turned into a directory): up fails, and stops dnsmasq and removes the
# bridge (it left both, with a record naming neither the pid nor completion).
recdir="$VMDECK_RUNTIME_DIR/net/norecord"
on_exit "rm -rf '$recdir'"
printf '#!/bin/sh\n%s "$@" || exit $?\nrm -f "%s/state.json"; mkdir "%s/state.json"\n' \
	"$(command -v dnsmasq)" "$recdir" "$recdir" >"$T_TMP/norecord-dnsmasq"
chmod +x "$T_TMP/norecord-dnsmasq"
out=$(VMDECK_DNSMASQ="$T_TMP/norecord-dnsmasq" vd net up norecord 2>&1)
check "no record: up fails" test $? -ne 0
log "$out"
check "no record: it says the record could not be written" grep -q "cannot write" <<<"$out"
check "no record: dnsmasq stopped" wait_for 10 no_dnsmasq
check "no record: bridge removed" bash -c "! ip -n $HOST link show vdcut2 >/dev/null 2>&1"
rm -rf "$recdir"

finish
