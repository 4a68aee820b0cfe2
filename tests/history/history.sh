#!/usr/bin/env bash
# The bridge MAC history on disk, in namespaces of the test's own: a running
# `vmdeck watch` records each flip in <state>/mac-history/net-DEV-INO.jsonl;
# a second watcher running at the same time adds no duplicate (and a flapping
# bridge's repeat is still kept); `vmdeck net history` prints it (text, JSON,
# filters); another namespace has its own; the real TUI started after the
# flips shows them in the network pane and the H view, and records new ones.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need_root
need ip jq tmux stat

netns_new NS
netns_new NS2
N="ip -n $NS"
in_ns() { ip netns exec "$NS" "$@"; }
HIST=$VMDECK_STATE_DIR/mac-history
F=$HIST/net-$(in_ns stat -L -c '%d-%i' /proc/self/ns/net).jsonl
F2=$HIST/net-$(ip netns exec "$NS2" stat -L -c '%d-%i' /proc/self/ns/net).jsonl
log "history files: $F, $F2"
[[ $F != "$F2" ]] || fail "two namespaces, one file name"

# start_watch NAME : a `vmdeck watch --json` in NS, registered for stopping.
start_watch() {
	ip netns exec "$NS" "$VMDECK" watch --json >"$T_TMP/$1.out" 2>"$T_TMP/$1.err" &
	local pid=$!
	printf -v "pid_$1" '%s' "$pid"
	on_exit "kill_pid $pid"
	wait_for 20 grep -q watching "$T_TMP/$1.err" || fail "watch $1 did not start"
}
# records JQ-FILTER : how many records in the file match
records() { jq -c "select($1)" "$F" 2>/dev/null | wc -l; }
# seen NAME JQ-FILTER : watcher NAME printed a bridge-mac-changed event matching
seen() { jq -e -c "select(.event == \"bridge-mac-changed\" and $2)" "$T_TMP/$1.out" >/dev/null 2>&1; }

# --- one watcher ----------------------------------------------------------
start_watch a
$N link add br0 type bridge
$N link set br0 up
$N link add up0 type veth peer name up0p
$N link set up0 address 02:00:00:00:00:20
$N link set up0 master br0
$N tuntap add tapx mode tap
$N link set tapx address 02:00:00:00:00:10
$N link set tapx master br0
check "the watcher records both flips" wait_for 10 bash -c "[ \$(jq -c . '$F' 2>/dev/null | wc -l) -eq 2 ]"
check "record: bridge, old, new, cause, port" test "$(records '.bridge == "br0" and .old_mac == "02:00:00:00:00:20" and .new_mac == "02:00:00:00:00:10" and .cause == "port-joined" and .port == "tapx" and .port_mac == "02:00:00:00:00:10" and .ifindex > 0')" -eq 1
check "record: time with microseconds, ts_us" test "$(records '(.time | test("^[0-9-]{10}T[0-9:]{8}\\.[0-9]{6}Z$")) and ((.ts_us / 1000000 | floor) - now | fabs < 120)')" -eq 2
ino=$(in_ns stat -L -c %i /proc/self/ns/net)
check "record: the namespace's identity" test "$(records ".netns.ino == $ino and .netns.cookie > 0 and (.netns.boot_id | length) == 36 and .pid == $pid_a")" -eq 2
check "file 0600, directory 0700" test "$(stat -c %a "$F") $(stat -c %a "$HIST")" = "600 700"

# --- a second watcher at the same time -----------------------------------
# flip JQ-FILTER CMD... : cause a flip, wait until both watchers printed it
# (linkwatch names the cause from the events it has seen, so one at a time).
flip() {
	local filter=$1; shift
	"$@" || fail "$*"
	wait_for 10 seen a "$filter" || fail "watch a did not see: $filter"
	wait_for 10 seen b "$filter" || fail "watch b did not see: $filter"
}
start_watch b
$N tuntap add tapy mode tap
$N link set tapy address 02:00:00:00:00:01
$N tuntap add tapz mode tap
$N link set tapz address 02:00:00:00:00:01
flip '.cause == "port-left" and .port == "tapx"' $N link del tapx                     # 10 -> 20
flip '.cause == "port-mac-changed" and .port == "up0"' $N link set up0 address 02:00:00:00:00:05 # 20 -> 05
flip '.cause == "port-joined" and .port == "tapy"' $N link set tapy master br0         # 05 -> 01
flip '.cause == "port-left" and .port == "tapy"' $N link del tapy                      # 01 -> 05
flip '.cause == "port-joined" and .port == "tapz"' $N link set tapz master br0         # 05 -> 01 again, within 2 s
jq -c '[.time, .cause, .port, .old_mac, .new_mac, .pid] | @text' "$F" >&2
check "seven changes, each recorded once" test "$(jq -c . "$F" | wc -l)" -eq 7
check "the file matches what each watcher saw, in order" bash -c "
	want=\$(jq -c 'select(.event == \"bridge-mac-changed\") | [.cause, .port, .old_mac, .new_mac]' '$T_TMP/a.out')
	[ \"\$want\" = \"\$(jq -c 'select(.event == \"bridge-mac-changed\") | [.cause, .port, .old_mac, .new_mac]' '$T_TMP/b.out' | tail -n 5 | cat <(head -n 2 <<<\"\$want\") -)\" ] &&
	[ \"\$want\" = \"\$(jq -c '[.cause, .port, .old_mac, .new_mac]' '$F')\" ]"
check "the flap's repeat (05 -> 01 twice) kept" test "$(records '.old_mac == "02:00:00:00:00:05" and .new_mac == "02:00:00:00:00:01"')" -eq 2
kill_pid "$pid_a"
kill_pid "$pid_b"

# --- vmdeck net history ---------------------------------------------------
out=$(in_ns "$VMDECK" net history)
log "net history:"$'\n'"$out"
check "net history: seven lines, oldest first" test "$(wc -l <<<"$out")" -eq 7
check "net history: causes and ports" bash -c "grep -q 'br0 port-joined: .*port tapx' <<<'$out' && grep -q 'br0 port-left: .*tapx' <<<'$out' && grep -q 'br0 port-mac-changed: ' <<<'$out'"
check "net history --json: the records" test "$(in_ns "$VMDECK" net history --json | jq -s '[.[].cause] | join(",")')" = \
	'"port-joined,port-joined,port-left,port-mac-changed,port-joined,port-left,port-joined"'
check "net history BRIDGE --since 1h" test "$(in_ns "$VMDECK" net history br0 --since 1h | wc -l)" -eq 7
check "net history --since 0s: nothing" test -z "$(in_ns "$VMDECK" net history --since 0s)"
check "net history of another bridge: nothing" test -z "$(in_ns "$VMDECK" net history nosuch)"
in_ns "$VMDECK" net history --since soon 2>/dev/null
check "a bad duration: usage error" test $? -eq 2
check "read-only may read it" test "$(in_ns "$VMDECK" --read-only net history | wc -l)" -eq 7

# --- another namespace ------------------------------------------------------
check "another namespace: no history" test -z "$(ip netns exec "$NS2" "$VMDECK" net history)"
ip netns exec "$NS2" "$VMDECK" watch --json >"$T_TMP/c.out" 2>"$T_TMP/c.err" &
pid_c=$!
on_exit "kill_pid $pid_c"
wait_for 20 grep -q watching "$T_TMP/c.err" || fail "watch c did not start"
ip -n "$NS2" link add br0 type bridge
ip -n "$NS2" link add v0 type veth peer name v0p
ip -n "$NS2" link set v0 address 02:00:00:00:00:99
ip -n "$NS2" link set v0 master br0
check "its own file" wait_for 10 bash -c "[ \$(jq -c . '$F2' 2>/dev/null | wc -l) -eq 1 ]"
kill_pid "$pid_c"
check "each namespace sees only its own" bash -c "
	[ \$(ip netns exec $NS2 '$VMDECK' net history | wc -l) -eq 1 ] && [ \$(ip netns exec $NS '$VMDECK' net history | wc -l) -eq 7 ]"

# --- the TUI, started after the flips ---------------------------------------
mkdir -p "$T_TMP/profiles"
tmux_start 200 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" bash --norc --noprofile
tmux_keys "PS1='$ '" Enter
tui_run_in_pane ip netns exec "$NS" "$VMDECK" --profiles "$T_TMP/profiles"
tui_expect 10 "br0 02:00:00:00:00:01" "the network pane shows br0"
tui_expect 5 "7 MAC changes, last [0-9:]+ \(before this session\) 02:00:00:00:00:05 -> 02:00:00:00:00:01" "the pane counts the recorded changes"
tmux_keys H
tui_expect 5 "bridge MAC history \(7\)" "H: seven in the history"
tui_expect 5 "br0 02:00:00:00:00:20 .{1,2} 02:00:00:00:00:10 +\(before this session\) " "H: an earlier change, marked"
check "H: not the other namespace's" bash -c "! $T_TMUX capture-pane -p -t t | grep -q 02:00:00:00:00:99"
tmux_keys H
# A change not among the last 2 s of records (a repeat of one would be taken
# for another watcher's: docs/network.md).
$N tuntap add tapw mode tap
$N link set tapw address 02:00:00:00:00:00
$N link set tapw master br0                   # port-joined: 01 -> 00, seen by the TUI
tui_expect 5 "8 MAC changes, last [0-9:]+ 02:00:00:00:00:01 -> 02:00:00:00:00:00: port tapw" "a new flip counts on, unmarked"
check "the TUI records it" wait_for 10 bash -c "[ \$(jq -c . '$F' | wc -l) -eq 8 ]"
check "the TUI's record: port-joined tapw" test "$(records '.cause == "port-joined" and .port == "tapw" and .pid != '"$pid_a"' and .pid != '"$pid_b"'')" -eq 1
tmux_keys q
tui_expect 10 "EXIT=0" "q quits"
finish
