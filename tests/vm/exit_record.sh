#!/usr/bin/env bash
# A dead VM's last exit is part of its state until the next start, for every
# vmdeck that looks — not only the first one, which tidies the leftovers:
# cause, signal / exit code, time, error and the log's last lines, and the
# log of a failed start stays in the runtime dir (bounded).
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
run=$VMDECK_RUNTIME_DIR
profile_bare dead
profile_bare badopt 'extra_args: ["-frobnicate", "yes"]'

sig9() { # NAME : status --json says exited, signal 9, with a time
	"$VMDECK" status --json "$1" >"$T_TMP/$1.json" 2>/dev/null &&
		jq -e '.[0].state == "exited" and .[0].cause == "signal 9" and .[0].signal == 9 and
			(.[0].status | test("exited, signal 9")) and (.[0].exit_time | type == "string")' \
			"$T_TMP/$1.json" >/dev/null
}

# ---- 1. kill -9, then look three times, from three vmdeck processes -------
out=$("$VMDECK" start dead 2>&1) || fail "start dead: $out"
qp=$(qemu_pid dead)
kill -9 "$qp"
check "first look: exited, signal 9" wait_for 10 sig9 dead
log "first: $(cat "$T_TMP/dead.json")"
check "second look: still exited, signal 9" sig9 dead
log "second: $(cat "$T_TMP/dead.json")"
check "text status: still exited, signal 9" bash -c "'$VMDECK' status dead | grep -q 'exited, signal 9'"
check "exit-status kept on disk" grep -qx 'signal 9' "$run/dead/exit-status"
check "leftovers tidied (no sockets, no pidfile)" bash -c "! ls '$run/dead/' | grep -Eq '\\.sock\$|^qemu\\.pid\$'"
check "third look: still exited, signal 9" sig9 dead
# A TUI started now (read-only, so it changes nothing) knows it too.
need tmux
tmux_start 120 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$run" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" "$VMDECK" --read-only --profiles "$PROF"
check "a new TUI lists dead as exited (signal 9)" tmux_wait 30 " dead +exited \(signal 9\)"
tmux_keys Down # badopt, then dead
check "and its details say when" tmux_wait 30 "ended at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}"
$T_TMUX kill-server

# ---- 2. a failed start: its error and log are kept ------------------------
out=$("$VMDECK" start badopt 2>&1)
check "badopt: start fails" test $? -ne 0
log "badopt: $out"
failed() {
	"$VMDECK" status --json badopt >"$T_TMP/badopt.json" 2>/dev/null &&
		jq -e '.[0].state == "exited" and .[0].cause == "start failed" and
			(.[0].error | test("-frobnicate")) and (.[0].error | test("badopt")) and
			(.[0].log | map(select(test("invalid option"))) | length > 0)' "$T_TMP/badopt.json" >/dev/null
}
check "badopt: status --json keeps error and log lines" failed
log "badopt: $(cat "$T_TMP/badopt.json")"
check "badopt: status --json keeps them on a second look" failed
check "badopt: qemu.log kept in the runtime dir" grep -q 'invalid option' "$run/badopt/qemu.log"
check "badopt: no QEMU left" test "$(qemu_count badopt)" -eq 0
check "badopt: nothing else left (sockets, pidfile)" bash -c "! ls '$run/badopt/' | grep -Eq '\\.sock\$|^qemu\\.pid\$'"

# ---- 3. the next start forgets the last exit ------------------------------
out=$("$VMDECK" start dead 2>&1) || fail "restart dead: $out"
check "restarted: running, no cause, no error" bash -c \
	"'$VMDECK' status --json dead | jq -e '.[0].state == \"running\" and .[0].cause == \"\" and (.[0].error == null) and (.[0].exit_time == null)'"
out=$("$VMDECK" stop --force dead 2>&1)
log "stop: $out"
check "stopped: exited, quit (also on a second look)" bash -c \
	"'$VMDECK' status dead | grep -q 'exited, quit' && '$VMDECK' status dead | grep -q 'exited, quit'"
finish
