#!/usr/bin/env bash
# Survival and re-attach: a long-lived vmdeck (status --follow, which owns the
# QMP connection) is killed with -9 — QEMU keeps running; a new vmdeck finds
# it with its uptime and stops it cleanly. Then kill -9 QEMU: the watching
# vmdeck reports "exited, signal 9" within a second, and leaves no zombie.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
guest_build
profile_guest g2

"$VMDECK" start g2 >/dev/null 2>&1 || fail "start"
pid=$(qemu_pid g2)

"$VMDECK" status --follow g2 >"$T_TMP/f1.out" 2>&1 &
f1=$!
on_exit "kill -9 $f1"
check "watcher becomes the QMP owner" wait_for 10 grep -q "running pid=$pid owner" "$T_TMP/f1.out"
kill -9 "$f1"
wait "$f1" 2>/dev/null
check "QEMU survives kill -9 of vmdeck" kill -0 "$pid"
check "QEMU is not vmdeck's child (own session)" test "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')"
check "serial shows the guest pinging" wait_for 60 grep -q "ping .* ok" "$VMDECK_RUNTIME_DIR/g2/serial.log"

# A new vmdeck re-attaches: running, right pid, an uptime.
sleep 1.1 # uptime is whole seconds; this is not synchronisation
json=$("$VMDECK" status --json g2)
check "re-attached as running" test "$(jq -r '.[0].state' <<<"$json")" = running
check "same pid" test "$(jq -r '.[0].pid' <<<"$json")" = "$pid"
check "uptime shown" test "$(jq -r '.[0].uptime_s' <<<"$json")" -ge 1
out=$("$VMDECK" stop g2 2>&1)
log "$out"
check "stopped cleanly by the new vmdeck" grep -q "exited, guest shutdown" <<<"$out"
check "QEMU gone" bash -c "! kill -0 $pid 2>/dev/null"

# kill -9 QEMU under a watching vmdeck.
"$VMDECK" start g2 >/dev/null 2>&1 || fail "start again"
pid=$(qemu_pid g2)
"$VMDECK" status --follow g2 >"$T_TMP/f2.out" 2>&1 &
f2=$!
on_exit "kill -9 $f2"
check "watcher sees it running" wait_for 10 grep -q "running pid=$pid owner" "$T_TMP/f2.out"
t0=$(date +%s%N)
kill -9 "$pid"
check "exited, signal 9 reported" wait_for 30 grep -q "exited, signal 9" "$T_TMP/f2.out"
ms=$((($(date +%s%N) - t0) / 1000000))
log "kill -9 QEMU -> 'exited, signal 9' in $ms ms"
check "no zombie anywhere under the watcher" bash -c "! ps -eo ppid=,stat= | awk '\$1==$f2 && \$2 ~ /Z/' | grep -q ."
check "no zombie QEMU" bash -c "! ps -eo pid=,stat= | awk '\$1==$pid && \$2 ~ /Z/' | grep -q ."
check "watcher holds no fd into the dead VM's dir" bash -c "! ls -l /proc/$f2/fd | grep -q '/g2/'"
kill_pid "$f2"
# A later vmdeck still knows why.
check "exit record kept" grep -q "signal 9" "$VMDECK_RUNTIME_DIR/g2/exit-status"

# A QEMU that dies while no vmdeck watches leaves leftovers; the next vmdeck
# recognises them, says why, cleans up and keeps the logs.
profile_bare lo
"$VMDECK" start lo >/dev/null 2>&1 || fail "start lo"
pid=$(qemu_pid lo)
sup=$(awk '{print $4}' "/proc/$pid/stat") # its supervisor holds vm.lock until it has recorded the exit
kill -9 "$pid"
wait_for 30 bash -c "! kill -0 $pid 2>/dev/null"
# until it lets go, the VM is "starting" (vm.lock held, no QEMU): not the case tested here
wait_for 30 bash -c "[[ ! -e /proc/$sup/stat || \$(awk '{print \$3}' /proc/$sup/stat) == Z ]]"
check "leftover socket present before" test -e "$VMDECK_RUNTIME_DIR/lo/qmp.sock"
json=$("$VMDECK" status --json lo)
log "$(jq -c '.[0] | {status, cause, signal}' <<<"$json")"
check "leftover recognised: exited, signal 9" test "$(jq -r '.[0].status' <<<"$json")" = "exited, signal 9"
check "leftovers cleaned" test ! -e "$VMDECK_RUNTIME_DIR/lo/qmp.sock" -a ! -e "$VMDECK_RUNTIME_DIR/lo/qemu.pid"
check "last log kept" test -f "$VMDECK_RUNTIME_DIR/lo/qemu.log"
check "starts again afterwards" "$VMDECK" start lo
"$VMDECK" kill lo >/dev/null 2>&1
finish
