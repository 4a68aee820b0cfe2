#!/usr/bin/env bash
# Issue 17, scale: with 60 no-OS VMs running, a verb on one more VM touches
# only that VM (no other VM's socket connected, no other runtime dir opened),
# status --json lists all 60 right (a paused one as paused) from the
# supervisors' records, connecting to no QEMU; under a small open-files
# limit it is still right with the records, and without them (each QEMU
# asked) it fails loudly — state "unknown" with an error, exit code
# non-zero — and never calls them stopped.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need strace
N=${VMDECK_SCALE_N:-60}
# Also by the supervisor's record, which exists before QEMU's pidfile.
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.start; do [ -f "$f" ] && kill -9 "$(cut -d" " -f1 "$f")"; done'

names=()
for i in $(seq -w 1 "$N"); do names+=("s$i"); done
for n in "${names[@]}" sx; do
	printf 'name: %s\naccel: tcg\nmachine: q35\nmemory: 32M\nstop_timeout: 3\n' "$n" >"$PROF/$n.yaml"
done

# Start all N, eight at a time (2 cores: QEMU's start-up is CPU-bound).
t0=$(date +%s%N)
printf '%s\n' "${names[@]}" |
	xargs -P 8 -I{} sh -c '"$VMDECK" start {} >/dev/null 2>"$T_TMP/start-{}.err" || echo {} >>"$T_TMP/start-failed"'
log "started $N VMs in $((($(date +%s%N) - t0) / 1000000)) ms"
[[ -e $T_TMP/start-failed ]] && fail "start failed: $(tr '\n' ' ' <"$T_TMP/start-failed") ($(cat "$T_TMP"/start-*.err | head -n 3))"
running=$(ls "$VMDECK_RUNTIME_DIR"/*/qemu.pid 2>/dev/null | wc -l)
[[ $running -eq $N ]] || fail "$running QEMUs running, want $N"

# Each supervisor is the small vmdeck-supervisor program (not a fork of
# vmdeck keeping its heap), and only QEMU carries QEMU's command line.
sup=$(awk '{print $4}' "/proc/$(qemu_pid s01)/stat")
check "s01's supervisor runs vmdeck-supervisor" bash -c "readlink /proc/$sup/exe | grep -q '/vmdeck-supervisor\$'"
check "the supervisor's command line is only its dir" bash -c "tr '\\0' ' ' </proc/$sup/cmdline | grep -qvF qmp.sock"

# strace a vmdeck (LeakSanitizer cannot run under ptrace: the ASan pass).
traced() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -qq -e trace=connect,openat,pidfd_open "$@"; }

# What a verb on sx touched in the runtime dir besides sx's own dir.
others() { grep -E "(connect|open|pidfd)" "$1" | grep -F "$VMDECK_RUNTIME_DIR/" | grep -vF "$VMDECK_RUNTIME_DIR/sx/" | grep -vF "\"$VMDECK_RUNTIME_DIR/sx\""; }
own_connects() { grep -cF "$VMDECK_RUNTIME_DIR/sx/qmp.sock" "$1"; }

# start: vmdeck's own process makes every connection (the supervisor it
# forks outlives it with QEMU, so no -f here: strace would wait for QEMU).
traced -o "$T_TMP/start.trace" "$VMDECK" start sx >"$T_TMP/sx.out" 2>&1 ||
	fail "start sx: $(cat "$T_TMP/sx.out")"
check "start sx connected sx's qmp.sock ($(own_connects "$T_TMP/start.trace") attempts)" test "$(own_connects "$T_TMP/start.trace")" -ge 1
o=$(others "$T_TMP/start.trace")
[[ -z $o ]] || log "start sx touched: $(head -n 5 <<<"$o")"
check "start sx touched no other VM ($(grep -c . <<<"$o") calls)" test -z "$o"
check "start sx opened one pidfd" test "$(grep -c 'pidfd_open(' "$T_TMP/start.trace")" -eq 1

# pause, then status: the paused VM is paused, everyone else running.
traced -f -o "$T_TMP/pause.trace" "$VMDECK" pause s01 >/dev/null 2>&1 ||
	fail "pause s01"
o=$(grep -F "$VMDECK_RUNTIME_DIR/" "$T_TMP/pause.trace" | grep -vF "$VMDECK_RUNTIME_DIR/s01" || true)
check "pause s01 touched no other VM" test -z "$o"

t0=$(date +%s%N)
"$VMDECK" status --json >"$T_TMP/status.json" 2>"$T_TMP/status.err" || fail "status --json: $(cat "$T_TMP/status.err")"
log "status --json with $((N + 1)) VMs: $((($(date +%s%N) - t0) / 1000000)) ms"
jq empty "$T_TMP/status.json" || fail "status --json: not JSON"
check "status lists all $((N + 1)) VMs" test "$(jq length "$T_TMP/status.json")" -eq $((N + 1))
check "s01 is paused" test "$(jq -r '.[] | select(.name == "s01") | .state' "$T_TMP/status.json")" = paused
bad=0
for n in "${names[@]}" sx; do
	[[ $n == s01 ]] && continue
	st=$(jq -r --arg n "$n" '.[] | select(.name == $n) | "\(.state) \(.pid)"' "$T_TMP/status.json")
	[[ $st == "running $(qemu_pid "$n")" ]] || { log "$n: '$st', qemu.pid $(qemu_pid "$n")"; bad=$((bad + 1)); }
done
check "the other $N VMs running, each with its QEMU's pid" test $bad -eq 0
# No watcher runs: the supervisors' records (qemu-state) say it, no QEMU is asked.
traced -f -o "$T_TMP/status.trace" "$VMDECK" status --json >/dev/null 2>&1 || fail "status --json under strace"
n_conn=$(grep -F "$VMDECK_RUNTIME_DIR/" "$T_TMP/status.trace" | grep -c "connect(" || true)
check "status --json connected to no QEMU ($n_conn connects)" test "$n_conn" -eq 0

# The TUI over all of them: moving the selection reads no VM's mode file
# and opens nothing of the VMs it moves over (before: every VM's mode file
# on every move). Its 1 s scan may run meanwhile: it opens no mode file.
. "$VMDECK_TESTS/tui/common.sh"
need tmux
tmux_start 160 50 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" bash --norc --noprofile
tui_run_in_pane "$VMDECK" --profiles "$PROF"
tui_expect 20 "┌ s01 ─" "the TUI shows s01 selected"
tui_expect 20 " s0[0-9] +running" "the TUI lists running VMs"
# The TUI owns every VM's QMP (nobody else does) and records each one's
# state in its run-state once connected (docs/lifecycle.md): let it finish
# that before the window, which is about what a move reads. A record it
# writes all the same (a state it learns meanwhile) is its own output, not
# a look at the VM moved over: counted, not failed.
records() { ls "$VMDECK_RUNTIME_DIR"/*/run-state 2>/dev/null | wc -l; }
wait_for 60 bash -c "(( \$(ls '$VMDECK_RUNTIME_DIR'/*/run-state 2>/dev/null | wc -l) >= $((N + 1)) ))" ||
	log "the TUI recorded $(records) of $((N + 1)) states before the window"
strace -e trace=openat,open -o "$T_TMP/keys.trace" -p "$TUI_PID" 2>"$T_TMP/strace.err" &
spid=$!
wait_for 10 grep -q attached "$T_TMP/strace.err" || fail "strace did not attach to the TUI"
for want in s02 s03 s04 s05 s06; do
	tmux_keys j
	tui_expect 5 "┌ $want ─" "j selects $want"
done
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
modes=$(grep -c "/modes/" "$T_TMP/keys.trace")
own=$(grep -cE "/run-state\.tmp\.[0-9]+\"" "$T_TMP/keys.trace")
other=$(grep -F "$VMDECK_RUNTIME_DIR/" "$T_TMP/keys.trace" | grep -vE "/(s0[2-6])/serial.log|$VMDECK_RUNTIME_DIR/sx/|/run-state\.tmp\.[0-9]+\"" || true)
log "five moves: $(grep -c open "$T_TMP/keys.trace") opens, $modes of mode files, $own run-state records written"
[[ -z $other ]] || log "the TUI opened: $(head -n 5 <<<"$other")"
check "selection moves read no mode file" test "$modes" -eq 0
check "selection moves open only the selected VM's console" test -z "$other"
kill -TERM "$TUI_PID" 2>/dev/null
tui_expect 10 "EXIT=" "the TUI leaves"

# stop --force of sx: every process stops (-f), none touches another VM.
traced -f -o "$T_TMP/stop.trace" "$VMDECK" stop --force sx >/dev/null 2>&1 ||
	fail "stop --force sx"
o=$(others "$T_TMP/stop.trace")
[[ -z $o ]] || log "stop sx touched: $(head -n 5 <<<"$o")"
check "stop --force sx touched no other VM" test -z "$o"
check "sx stopped" vm_state_is sx exited

# Too few descriptors to ask them all, and no way to raise the limit
# (ulimit -n sets the hard limit too). With the supervisors' records
# (qemu-state) status asks no QEMU and needs no descriptor per VM: right.
bash -c 'ulimit -n 64 && exec "$VMDECK" status --json' >"$T_TMP/rec.json" 2>"$T_TMP/rec.err"
rc=$?
check "with the records, status under ulimit -n 64 exits 0 ($(head -n 1 "$T_TMP/rec.err"))" test $rc -eq 0
check "… with every running VM running" \
	test "$(jq '[.[] | select(.name != "sx" and .name != "s01" and .state == "running")] | length' "$T_TMP/rec.json")" -eq $((N - 1))
check "… and s01 paused" test "$(jq -r '.[] | select(.name == "s01") | .state' "$T_TMP/rec.json")" = paused
# Without them (removed: the supervisors write again only on a change)
# status asks each QEMU, and cannot ask them all: it must fail loudly.
rm -f "$VMDECK_RUNTIME_DIR"/*/qemu-state
bash -c 'ulimit -n 64 && exec "$VMDECK" status --json' >"$T_TMP/low.json" 2>"$T_TMP/low.err"
rc=$?
log "ulimit -n 64: exit $rc, stderr: $(head -n 2 "$T_TMP/low.err")"
check "status under ulimit -n 64 exits non-zero" test $rc -ne 0
check "it says why on stderr" grep -q "cannot watch" "$T_TMP/low.err"
check "its JSON is still JSON" jq empty "$T_TMP/low.json"
unknown=$(jq '[.[] | select(.state == "unknown" and (.error | test("open files|ulimit")))] | length' "$T_TMP/low.json")
stopped=$(jq -r '[.[] | select(.name != "sx" and (.state == "stopped" or .state == "exited")) | .name] | join(" ")' "$T_TMP/low.json")
log "under ulimit -n 64: $unknown unknown; stopped or exited: '${stopped}'"
check "some VMs unknown, with the reason" test "$unknown" -gt 0
check "no running VM reported stopped" test -z "$stopped"
check "every running VM present" test "$(jq '[.[] | select(.name != "sx")] | length' "$T_TMP/low.json")" -eq "$N"
finish
