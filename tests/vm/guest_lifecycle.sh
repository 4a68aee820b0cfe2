#!/usr/bin/env bash
# The Linux test guest: start -> running (QMP) -> pause -> resume -> graceful
# stop where the guest itself shuts down (SHUTDOWN, guest-shutdown).
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
guest_build
profile_guest g1

out=$("$VMDECK" start g1 2>&1) || fail "start: $out"
check "start reports running" grep -q "g1: running" <<<"$out"
check "status says running" vm_state_is g1 running
check "one QEMU" test "$(qemu_count g1)" -eq 1
check "runtime dir is 0700" test "$(stat -c %a "$VMDECK_RUNTIME_DIR/g1")" = 700
# The guest pings its gateway (user net: 10.0.2.2) on the serial console.
check "guest pings on the serial log" wait_for 60 grep -q "ping 10.0.2.2 seq=.* ok" "$VMDECK_RUNTIME_DIR/g1/serial.log"

"$VMDECK" pause g1 >/dev/null || fail "pause"
check "paused per QMP" bash -c "'$VMDECK' monitor g1 info status | grep -q 'VM status: paused'"
check "status says paused" vm_state_is g1 paused
"$VMDECK" resume g1 >/dev/null || fail "resume"
check "running again per QMP" bash -c "'$VMDECK' monitor g1 info status | grep -q 'VM status: running'"

pid=$(qemu_pid g1)
out=$("$VMDECK" stop g1 2>&1) || fail "stop: $out"
log "$out"
check "powerdown was sent" grep -q "system_powerdown sent" <<<"$out"
check "the guest's own shutdown is seen" grep -q "SHUTDOWN (guest-shutdown)" <<<"$out"
check "reported exited, guest shutdown" grep -q "exited, guest shutdown" <<<"$out"
check "no escalation" bash -c "! grep -q 'sending quit' <<<\"\$0\"" "$out"
check "QEMU is gone" bash -c "! kill -0 $pid 2>/dev/null"
check "logs kept" test -f "$VMDECK_RUNTIME_DIR/g1/qemu.log"
check "sockets removed" test ! -e "$VMDECK_RUNTIME_DIR/g1/qmp.sock"
finish
