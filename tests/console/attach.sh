#!/usr/bin/env bash
# vmdeck console on a pty (tests/console/console_pty.py): the test guest's
# serial shell answers, Ctrl-] detaches and the VM keeps running, a second
# console is refused naming the holder, --force takes over, SIGTERM restores
# the terminal. The serial log still records the session.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need python3 pgrep stty
guest_build
GUEST_APPEND_EXTRA="vmdeck.serial=shell" profile_guest c1

out=$("$VMDECK" start c1 2>&1) || fail "start: $out"
check "the serial shell's prompt is in serial.log" wait_for 240 grep -q "guest# " "$VMDECK_RUNTIME_DIR/c1/serial.log"
check "console.sock is there" test -S "$VMDECK_RUNTIME_DIR/c1/console.sock"
check "a console on a VM nobody knows: exit 3" bash -c "'$VMDECK' console nosuchvm </dev/null; test \$? -eq 3"
check "console with no name: usage, exit 2" bash -c "'$VMDECK' console </dev/null 2>/dev/null; test \$? -eq 2"

python3 "$VMDECK_TESTS/console/console_pty.py" "$VMDECK" c1 >"$T_TMP/pty.out" 2>&1
rc=$?
while read -r l; do log "pty: $l"; done <"$T_TMP/pty.out"
check "the pty session passed" test "$rc" -eq 0

check "the VM keeps running after the consoles left" vm_state_is c1 running
check "serial.log recorded what was typed and answered" grep -q "42-answer" "$VMDECK_RUNTIME_DIR/c1/serial.log"

out=$("$VMDECK" stop c1 2>&1) || log "stop: $out"
check "console.sock is gone after the VM stopped" test ! -e "$VMDECK_RUNTIME_DIR/c1/console.sock"
check "a console on a stopped VM says it is not running" bash -c "'$VMDECK' console c1 </dev/null 2>&1 | grep -q 'VM c1 is not running'"
finish
