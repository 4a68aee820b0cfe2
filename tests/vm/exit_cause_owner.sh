#!/usr/bin/env bash
# The cause of an exit is the owner's to know: QEMU's SHUTDOWN event (guest
# shutdown, quit, ...) goes only to the vmdeck that owns qmp.sock. Another
# vmdeck that sees QEMU exit first must wait for the owner to record the
# reason, not settle on a bare 'exit code 0' and keep that as the VM's last
# exit for everyone (soak_vm_cycles failed so under load: "exited, exit code
# 0" after the guest's own shutdown).
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need jq
guest_build
profile_guest g1

out=$("$VMDECK" start g1 2>&1) || fail "start: $out"
wait_for 120 grep -q "ping 10.0.2.2 seq=.* ok" "$VMDECK_RUNTIME_DIR/g1/serial.log" || fail "the guest did not come up"
# A long-lived watcher takes over the events (it owns qmp.sock).
"$VMDECK" status --follow >"$T_TMP/follow.log" 2>&1 &
follower=$!
on_exit "kill -CONT $follower; kill_pid $follower"
wait_for 30 grep -q ' g1 running .*owner' "$T_TMP/follow.log" || fail "the watcher did not own g1: $(cat "$T_TMP/follow.log")"
pid=$(qemu_pid g1)
# The owner is held up (a loaded machine, made certain): it has not read the
# SHUTDOWN event when the stopping vmdeck sees QEMU exit.
kill -STOP "$follower"
"$VMDECK" stop g1 >"$T_TMP/stop.out" 2>&1 &
stopper=$!
on_exit "kill_pid $stopper"
wait_for 90 bash -c "! kill -0 $pid 2>/dev/null" || fail "the guest did not shut down: $(cat "$T_TMP/stop.out")"
kill -CONT "$follower"
wait_for 60 bash -c "! kill -0 $stopper 2>/dev/null" || fail "stop did not return: $(cat "$T_TMP/stop.out")"
wait "$stopper"
rc=$?
out=$(cat "$T_TMP/stop.out")
log "$out"
check "stop succeeded" test "$rc" -eq 0
check "stop reports the guest's own shutdown" grep -q "exited, guest shutdown" <<<"$out"
check "the kept last exit says guest shutdown" \
	bash -c "'$VMDECK' status --json g1 | jq -e '.[0].cause == \"guest shutdown\"' >/dev/null"
check "the watcher saw it so too" wait_for 10 grep -q ' g1 exited, guest shutdown' "$T_TMP/follow.log"
finish
