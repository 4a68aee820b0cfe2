#!/usr/bin/env bash
# A damaged MAC history file costs only its damaged lines: three flips
# recorded by a real `vmdeck watch` in a namespace of the test's own, then a
# NUL byte put in the middle of the second record and a zero-filled tail
# appended (what a crash can leave); `vmdeck net history` still shows the
# first and third, and a later flip lands after the zeros and is shown too.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip jq stat head

netns_new NS
N="ip -n $NS"
in_ns() { ip netns exec "$NS" "$@"; }
F=$VMDECK_STATE_DIR/mac-history/net-$(in_ns stat -L -c '%d-%i' /proc/self/ns/net).jsonl

# watch_until LINES CMD... : run a watcher in NS, do CMD..., wait until the
# file holds LINES newline-terminated lines, stop the watcher.
watch_until() {
	local want=$1; shift
	in_ns "$VMDECK" watch >"$T_TMP/w.out" 2>"$T_TMP/w.err" &
	local pid=$!
	on_exit "kill_pid $pid"
	wait_for 20 grep -q watching "$T_TMP/w.err" || fail "watch did not start"
	"$@"
	wait_for 30 bash -c "[ \$(tr -cd '\n' <'$F' 2>/dev/null | wc -c) -ge $want ]" || fail "watch did not record $want lines"
	kill_pid "$pid"
}
flips() {
	$N link add br0 type bridge
	$N link set br0 up
	$N link add up0 type veth peer name up0p
	$N link set up0 address 02:00:00:00:00:20
	$N link set up0 master br0     # -> 20
	$N tuntap add tapx mode tap
	$N link set tapx address 02:00:00:00:00:10
	$N link set tapx master br0    # 20 -> 10
	$N link del tapx               # 10 -> 20
}
watch_until 3 flips
n0=$(wc -l <"$F")
check "the watcher recorded the three flips ($n0 lines)" test "$n0" -ge 3
in_ns "$VMDECK" net history >"$T_TMP/before.txt" || fail "net history failed on a clean file"
check "net history shows them all" test "$(wc -l <"$T_TMP/before.txt")" -eq "$n0"

# Damage: a NUL byte in the middle of line 2 (of n0), then 8 KiB of zeros.
{
	head -n 1 "$F"
	sed -n 2p "$F" | head -c 30
	printf '\0'
	sed -n 2p "$F" | tail -c +31
	sed -n '3,$p' "$F"
	head -c 8192 /dev/zero
} >"$T_TMP/damaged"
cat "$T_TMP/damaged" >"$F" # same inode, mode and owner
check "the file holds NUL bytes now" test "$(tr -cd '\0' <"$F" | wc -c)" -eq 8193

out=$(in_ns "$VMDECK" net history)
rc=$?
log "net history after the damage:"$'\n'"$out"
check "net history exits 0" test $rc -eq 0
check "only the damaged line is lost ($((n0 - 1)) of $n0 shown)" test "$(grep -c . <<<"$out")" -eq $((n0 - 1))
check "the records after the NUL are shown" bash -c "diff <(sed 2d '$T_TMP/before.txt') - <<<'$out'"
json=$(in_ns "$VMDECK" net history --json)
check "net history --json: $((n0 - 1)) records, valid JSON" test "$(jq -s length <<<"$json")" -eq $((n0 - 1))

# A later flip is written after the zeros, on a line of its own, and read.
watch_until $((n0 + 1)) $N link set up0 address 02:00:00:00:00:05
check "a later flip is shown after the zero-filled tail" bash -c \
	"[ \$(ip netns exec $NS '$VMDECK' net history | grep -c .) -eq $n0 ] && ip netns exec $NS '$VMDECK' net history | tail -n 1 | grep -q '02:00:00:00:00:05'"
finish
