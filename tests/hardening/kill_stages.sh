#!/usr/bin/env bash
# QEMU killed (-9) at each lifecycle stage a watching vmdeck can be in —
# running, paused, stopping (graceful stop waiting on the guest) — while one
# long-lived vmdeck (status --follow, the QMP owner) watches. Each time the
# watcher reports "exited, signal 9", stays alive, its fd count stays flat,
# no QEMU or zombie is left, and the VM starts again. (Killed during
# start-up: tests/hardening/faults.sh.)
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
profile_bare ks
sed -i "s/^stop_timeout: 3$/stop_timeout: 30/" "$PROF/ks.yaml"

"$VMDECK" status --follow ks >"$T_TMP/w.out" 2>&1 &
w=$!
on_exit "kill -9 $w"
wait_for 10 grep -q "ks" "$T_TMP/w.out" || fail "watcher did not start: $(cat "$T_TMP/w.out")"
fds() { ls "/proc/$w/fd" | wc -l; }
# (a function, so wait_for counts again on every poll)
no_qemu() { (($(qemu_count "$1") == 0)); }

kills=0
kill_and_check() { # kill_and_check STAGE
	local stage=$1 pid
	pid=$(qemu_pid ks)
	kill -9 "$pid"
	kills=$((kills + 1))
	check "$stage: watcher reports exited, signal 9" wait_for 30 bash -c "[[ \$(grep -c 'exited, signal 9' '$T_TMP/w.out') -ge $kills ]]"
	check "$stage: watcher alive" kill -0 "$w"
	check "$stage: no QEMU left" wait_for 30 no_qemu ks
	# (its parent, the supervisor, reaps it as soon as it is scheduled)
	check "$stage: no zombie left" wait_for 10 bash -c "! ps -eo pid=,stat= | awk '\$1==$pid && \$2 ~ /Z/' | grep -q ."
}

# running
"$VMDECK" start ks >/dev/null 2>&1 || fail "start (running stage)"
check "running: watcher sees it" wait_for 10 grep -q "ks running pid=$(qemu_pid ks) owner" "$T_TMP/w.out"
fd0=$(fds)
kill_and_check running

# paused
"$VMDECK" start ks >/dev/null 2>&1 || fail "start (paused stage)"
"$VMDECK" pause ks >/dev/null 2>&1 || fail "pause"
check "paused: watcher sees it" wait_for 10 grep -q "ks paused" "$T_TMP/w.out"
kill_and_check paused

# stopping: a graceful stop waits up to 30 s for a guest that has no OS
"$VMDECK" start ks >/dev/null 2>&1 || fail "start (stopping stage)"
wait_for 10 vm_state_is ks running || fail "not running before the stop"
"$VMDECK" stop ks >"$T_TMP/stop.out" 2>&1 &
s=$!
on_exit "kill -9 $s"
check "stopping: the stop verb is waiting on the guest" wait_for 10 grep -q "system_powerdown sent" "$T_TMP/stop.out"
kill_and_check stopping
wait "$s"
rc=$?
check "stopping: the stop verb ends (rc $rc) and says why" grep -q "signal 9" "$T_TMP/stop.out"

check "the VM starts again afterwards" "$VMDECK" start ks
"$VMDECK" kill ks >/dev/null 2>&1
check "killed at the end: no QEMU left" wait_for 30 no_qemu ks
fd1=$(fds)
log "watcher fds: $fd0 -> $fd1"
check "watcher fds flat across the kills ($fd0 -> $fd1)" test "$fd1" -le "$fd0"
finish
