#!/usr/bin/env bash
# The watcher's model equals `ip -j -d link` after a 2,000-link burst and
# after random churn (links added, removed, moved between bridges, MACs
# changed, up/down) — in a namespace this test creates. A second watcher with
# a tiny receive buffer must overflow, notice it (a "resync" event), and still
# end up equal.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip jq

netns_new NS
N="ip -n $NS"

. "$VMDECK_TESTS/net/model.sh"

start_watcher() { # start_watcher NAME [ARGS...]
	local name=$1; shift
	ip netns exec "$NS" "$VMDECK" watch --json --dump-json "$T_TMP/$name.model" "$@" \
		>"$T_TMP/$name.events" 2>"$T_TMP/$name.err" &
	local pid=$!
	on_exit "kill_pid $pid"
	wait_for 20 grep -q "watching" "$T_TMP/$name.err" || fail "watcher $name did not start: $(cat "$T_TMP/$name.err")"
	printf -v "W_$name" '%s' "$pid"
}

# One comparison: ask for a dump (SIGUSR1), compare with ip's view.
model_eq_once() { model_compare "$NS" "$T_TMP/$1.model" "$2" "$T_TMP/$1" 10; } # NAME PID

model_eq() { # model_eq NAME PID WHAT : poll until equal (events may still be in flight)
	if wait_for 60 model_eq_once "$1" "$2"; then
		log "ok: $1: model equals ip -j -d link $3 ($(jq length "$T_TMP/$1.ip.json") links)"
	else
		diff "$T_TMP/$1.vd.json" "$T_TMP/$1.ip.json" | head -30 >&2
		log "NOT OK: $1: model differs from ip -j -d link $3"
		T_FAILS=$((T_FAILS + 1))
	fi
}

start_watcher big
start_watcher tiny --rcvbuf 4096

# --- the burst: 4 bridges and 998 veth pairs (2,000 links) in one batch -----
{
	for b in 0 1 2 3; do
		echo "link add br$b type bridge"
		echo "link set br$b up"
	done
	for i in $(seq 1 998); do
		echo "link add va$i type veth peer name vb$i"
	done
	# a quarter of them join bridges, some come up
	for i in $(seq 1 4 998); do
		echo "link set va$i master br$((i % 4))"
		echo "link set va$i up"
	done
} >"$T_TMP/burst.batch"
$N -batch "$T_TMP/burst.batch" || fail "burst batch failed"
check "2,000 links exist (and lo)" test "$($N -j link show | jq length)" -ge 2001

model_eq big "$W_big" "after the burst"
model_eq tiny "$W_tiny" "after the burst (tiny buffer)"
check "tiny buffer overflowed and resynced" grep -q '"event":"resync"' "$T_TMP/tiny.events"

# --- random churn -----------------------------------------------------------
RANDOM=42 # reproducible
{
	for k in $(seq 1 600); do
		i=$((RANDOM % 998 + 1))
		case $((RANDOM % 8)) in
		0) echo "link del va$i" ;;                                   # removes the pair
		1) echo "link add vc$k type veth peer name vd$k" ;;
		2) echo "link set va$i master br$((RANDOM % 4))" ;;          # join / move
		3) echo "link set va$i nomaster" ;;
		4) printf 'link set va%d address 02:%02x:%02x:00:00:%02x\n' "$i" $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)) ;;
		5) echo "link set va$i up" ;;
		6) echo "link set vb$i up" ;;
		7) echo "link set va$i down" ;;
		esac
	done
	echo "link set br1 address 02:00:00:00:01:01" # pin one bridge
	echo "link del br2"                           # a bridge with ports goes away
} >"$T_TMP/churn.batch"
$N -force -batch "$T_TMP/churn.batch" >/dev/null 2>&1 # some ops hit deleted links: fine

model_eq big "$W_big" "after random churn"
model_eq tiny "$W_tiny" "after random churn (tiny buffer)"

# Bridge MAC changes were seen and explained.
check "bridge MAC changes recorded" grep -q '"event":"bridge-mac-changed"' "$T_TMP/big.events"
check "bridge pinned by the churn shows pinned" \
	bash -c "jq -e '.[] | select(.ifname == \"br1\") | .pinned == true' '$T_TMP/big.model' >/dev/null"
log "events seen: big $(wc -l <"$T_TMP/big.events"), tiny $(wc -l <"$T_TMP/tiny.events") \
(resyncs: $(grep -c '"event":"resync"' "$T_TMP/tiny.events"))"

finish
