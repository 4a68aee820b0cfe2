#!/usr/bin/env bash
# --read-only observes and changes nothing: it never takes the persistent QMP
# connection (a normal vmdeck started later still becomes the owner), it
# refuses changing verbs, and it leaves a dead VM's leftovers for a vmdeck
# that is not read-only to clean.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
profile_bare ro

"$VMDECK" start ro >/dev/null 2>&1 || fail "start"
pid=$(qemu_pid ro)

"$VMDECK" --read-only status --follow ro >"$T_TMP/ro.out" 2>&1 &
w=$!
on_exit "kill -9 $w"
check "read-only watcher sees it running" wait_for 10 grep -q "running pid=$pid" "$T_TMP/ro.out"
check "read-only watcher is not the owner" bash -c "! grep -q 'running pid=$pid owner' '$T_TMP/ro.out'"
"$VMDECK" status --follow ro >"$T_TMP/rw.out" 2>&1 &
o=$!
on_exit "kill -9 $o"
check "a normal vmdeck still becomes the owner" wait_for 10 grep -q "running pid=$pid owner" "$T_TMP/rw.out"
kill_pid "$o"
check "read-only refuses stop" bash -c "! '$VMDECK' --read-only stop ro >/dev/null 2>&1"
check "VM still running after the refused stop" kill -0 "$pid"
for verb in "start ro" "stop ro" "net up virbr0" "net pin br0" "net down virbr0"; do
	"$VMDECK" --read-only $verb >/dev/null 2>&1
	check "read-only refuses '$verb' with exit 4" test $? -eq 4
done

kill -9 "$pid"
check "read-only watcher reports the exit" wait_for 30 grep -q "exited, signal 9" "$T_TMP/ro.out"
kill_pid "$w"
"$VMDECK" --read-only status ro >"$T_TMP/ro2.out" 2>&1
check "read-only status leaves the leftovers" test -e "$VMDECK_RUNTIME_DIR/ro/qemu.pid"
"$VMDECK" status ro >/dev/null 2>&1
check "a normal vmdeck cleans them" test ! -e "$VMDECK_RUNTIME_DIR/ro/qemu.pid"
check "qemu.log kept" test -e "$VMDECK_RUNTIME_DIR/ro/qemu.log"
finish
