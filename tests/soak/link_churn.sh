#!/usr/bin/env bash
# Soak: SOAK_EVENTS (default 10,000) link churn events (at least as many operations) — veths added and
# deleted, moved between bridges, MACs changed, up/down — in a private
# namespace, in batches of 1,000 (`ip -batch`, for speed), while ONE
# long-lived `vmdeck watch --json` runs there. Its fds are sampled after the
# first batch and at the end and must stay flat; its RSS is sampled after
# every batch and its floor must stay flat (soak_rss_flat: the lowest of
# batches 3-6 against the lowest of the last 4, slack 128 kB — over the ~11
# batches between the windows of the default run, a leak of about 12 bytes
# per operation exceeds it; the cache of ~200 links is filled by then); its model
# must equal `ip -j -d link` after the first batch and at the end (the
# comparison of tests/net/model_eq.sh). SOAK_VALGRIND=1: the watcher runs
# under valgrind (tests/soak/common.sh).
. "$VMDECK_TESTS/lib.sh"
need_root
need ip jq
. "$VMDECK_TESTS/soak/common.sh"
EVENTS=${SOAK_EVENTS:-10000}
BATCH=1000

netns_new NS
N="ip -n $NS"

. "$VMDECK_TESTS/net/model.sh"
model_eq_once() { model_compare "$NS" "$T_TMP/model.json" "$W" "$T_TMP/model" 30; }
model_eq() { # model_eq WHAT : poll until equal (events may still be in flight)
	if wait_for 120 model_eq_once; then
		log "ok: model equals ip -j -d link $1 ($(jq length "$T_TMP/model.ip.json") links)"
	else
		diff "$T_TMP/model.vd.json" "$T_TMP/model.ip.json" | head -30 >&2
		if [[ -s $T_TMP/model.json ]]; then
			log "NOT OK: model differs from ip -j -d link $1"
		else
			log "NOT OK: the watcher wrote no model within 30 s of SIGUSR1 $1"
			soak_diag "$W"
		fi
		T_FAILS=$((T_FAILS + 1))
	fi
}

# The playground: 4 bridges, 100 veth pairs (not counted as churn).
{
	for b in 0 1 2 3; do
		echo "link add br$b type bridge"
		echo "link set br$b up"
	done
	for i in $(seq 1 100); do echo "link add va$i type veth peer name vb$i"; done
} >"$T_TMP/setup.batch"
$N -batch "$T_TMP/setup.batch" || fail "setup batch failed"

soak_spawn W "$NS" "$VMDECK" watch --json --dump-json "$T_TMP/model.json" \
	>"$T_TMP/events.json" 2>"$T_TMP/watch.err"
wait_for 120 grep -q "watching" "$T_TMP/watch.err" || fail "watcher did not start: $(cat "$T_TMP/watch.err")"

# One batch of random operations; a deleted pair is re-added later by op 1,
# so the set of links stays around 200 however long the churn runs.
RANDOM=7 # reproducible
churn_batch() {
	local k i
	for ((k = 0; k < BATCH; k++)); do
		i=$((RANDOM % 100 + 1))
		case $((RANDOM % 9)) in
		0) echo "link del va$i" ;;
		1) echo "link add va$i type veth peer name vb$i" ;;
		2) echo "link set va$i master br$((RANDOM % 4))" ;;
		3) echo "link set va$i nomaster" ;;
		4) printf 'link set va%d address 02:%02x:%02x:00:00:%02x\n' "$i" $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)) ;;
		5) echo "link set va$i up" ;;
		6) echo "link set vb$i up" ;;
		7) echo "link set va$i down" ;;
		8) echo "link set va$i mtu $((1280 + RANDOM % 200))" ;;
		esac
	done
}

# At least EVENTS operations, and on until the watcher has reported EVENTS
# link events (some operations hit deleted links and change nothing); at
# most 4 x EVENTS operations.
events() { wc -l <"$T_TMP/events.json"; }
t0=$(date +%s%N)
for ((done_ = 0; done_ < EVENTS || ($(events) < EVENTS && done_ < 4 * EVENTS); done_ += BATCH)); do
	churn_batch >"$T_TMP/churn.batch"
	$N -force -batch "$T_TMP/churn.batch" >/dev/null 2>&1 # some ops hit deleted links: fine
	kill -0 "$W" 2>/dev/null || fail "the watcher died after $done_ operations: $(cat "$T_TMP/watch.err")"
	soak_rss_record "$W" watcher
	if ((done_ == 0)); then
		model_eq "after $BATCH operations"
		soak_sample "$W" first
	fi
done
el=$(($(date +%s%N) - t0))
model_eq "after $done_ operations"
soak_sample "$W" end
soak_flat first end
# The outage observer's packet sockets (left out of the fd count): one per
# port of a bridge whose MAC changed in the last 5 minutes, never more.
pk=$(soak_packet_socks "$W") ports=$($N -o link show | grep -c ' master br')
check "packet sockets bounded by the bridge ports ($pk sockets, $ports ports)" test "$pk" -le "$ports"
soak_rss_flat watcher 2 4 128
log "$done_ operations in $((el / 1000000)) ms; the watcher printed $(events) events" \
	"($(grep -c '"event":"resync"' "$T_TMP/events.json") resyncs)"
check "at least $EVENTS link events went through the watcher" test "$(events)" -ge "$EVENTS"
soak_stop "$W"
finish
