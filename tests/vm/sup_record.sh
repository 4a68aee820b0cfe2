#!/usr/bin/env bash
# Issue 17, status with no watcher: each VM's supervisor holds a QMP monitor
# of its own (fd 4) and keeps RUN/qemu-state from QEMU's events, so `status`
# with no TUI and no `status --follow` reads records and connects to no QEMU
# — right about a pause made behind vmdeck's back (QMP on ctl.sock) and by
# `vmdeck pause`. When the record cannot be believed (its supervisor stopped
# or killed) status asks QEMU and is still right; a stopped QEMU does not
# hold status up nor the serial relay of the others.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need strace python3
guest_build
GUEST_APPEND_EXTRA="vmdeck.serial=shell" profile_guest g1
for n in r1 r2 r3; do profile_bare "$n"; done
stopped=()
on_exit 'for p in "${stopped[@]}"; do kill -CONT "$p" 2>/dev/null; done'

rec() { cat "$VMDECK_RUNTIME_DIR/$1/qemu-state" 2>/dev/null; }
rec_word() { rec "$1" | cut -d" " -f5; }
sup_pid() { awk '{print $4}' "/proc/$(qemu_pid "$1")/stat"; }
state() { jq -r --arg n "$2" '.[] | select(.name == $n) | .state' "$1"; }
# One QMP command on the VM's ctl.sock, as any client could (not vmdeck).
qmp() {
	python3 - "$VMDECK_RUNTIME_DIR/$1/ctl.sock" "$2" <<-'EOF'
		import json, socket, sys
		s = socket.socket(socket.AF_UNIX)
		s.settimeout(10)
		s.connect(sys.argv[1])
		f = s.makefile("rwb")
		f.readline()
		for cmd in ("qmp_capabilities", sys.argv[2]):
		    f.write(json.dumps({"execute": cmd}).encode() + b"\r\n")
		    f.flush()
		    while "return" not in (m := json.loads(f.readline())):
		        if "error" in m:
		            sys.exit(m["error"]["desc"])
	EOF
}
# status --json under strace: the JSON, and the runtime-dir sockets it connected.
traced_status() { # OUT TRACE [NAME]
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 30 \
		strace -qq -f -e trace=connect -o "$2" "$VMDECK" status --json ${3:+"$3"} >"$1" 2>"$1.err" ||
		fail "status --json: $(cat "$1.err")"
}
connects() { grep -F "$VMDECK_RUNTIME_DIR/" "$1" | grep -oE '[^/"]+/[^/"]+\.sock' | sort | tr '\n' ' '; }

for n in g1 r1 r2 r3; do
	out=$("$VMDECK" start "$n" 2>&1) || fail "start $n: $out"
done
for n in g1 r1 r2 r3; do
	check "$n's supervisor records its state" wait_for 30 bash -c "grep -q ' running\$' '$VMDECK_RUNTIME_DIR/$n/qemu-state'"
done
read -r qp qt sp st word < <(rec r1)
check "the record names r1's QEMU (pid, start time) and its supervisor" \
	test "$qp $qt $sp" = "$(qemu_pid r1) $(cut -d' ' -f2 "$VMDECK_RUNTIME_DIR/r1/qemu.start") $(sup_pid r1)"

# Paused behind vmdeck's back: the supervisor sees QEMU's STOP.
qmp r1 stop || fail "QMP stop on r1"
check "r1's record says paused" wait_for 10 bash -c "grep -q ' paused\$' '$VMDECK_RUNTIME_DIR/r1/qemu-state'"
traced_status "$T_TMP/s1.json" "$T_TMP/s1.trace"
check "status: r1 paused" test "$(state "$T_TMP/s1.json" r1)" = paused
check "status: r2, r3, g1 running" test "$(state "$T_TMP/s1.json" r2) $(state "$T_TMP/s1.json" r3) $(state "$T_TMP/s1.json" g1)" = "running running running"
check "status connected to no QEMU ($(connects "$T_TMP/s1.trace"))" test -z "$(connects "$T_TMP/s1.trace")"

# vmdeck pause / resume, then status at once: the record is already right.
for i in 1 2 3; do
	"$VMDECK" pause r2 >/dev/null 2>&1 || fail "pause r2"
	a=$(vm_json r2 state)
	"$VMDECK" resume r2 >/dev/null 2>&1 || fail "resume r2"
	b=$(vm_json r2 state)
	check "pause then status: paused, resume then status: running ($i)" test "$a $b" = "paused running"
done
qmp r1 cont || fail "QMP cont on r1"
check "r1's record says running again" wait_for 10 bash -c "grep -q ' running\$' '$VMDECK_RUNTIME_DIR/r1/qemu-state'"

# A stopped QEMU: status answers from the record; the relay of the others
# (g1's serial shell) goes on.
check "g1's serial shell is up" wait_for 300 grep -q "guest# " "$VMDECK_RUNTIME_DIR/g1/serial.log"
q3=$(qemu_pid r3)
kill -STOP "$q3" && stopped+=("$q3")
traced_status "$T_TMP/s2.json" "$T_TMP/s2.trace"
check "QEMU r3 stopped: status still answers, r3 running (its run state)" test "$(state "$T_TMP/s2.json" r3)" = running
check "… connecting to no QEMU ($(connects "$T_TMP/s2.trace"))" test -z "$(connects "$T_TMP/s2.trace")"
check "g1's serial shell answers through its relay meanwhile" \
	bash -c "python3 '$VMDECK_TESTS/console/console_sh.py' '$VMDECK_RUNTIME_DIR/g1' 120 'echo rec-\$((40+2))' | grep -q rec-42"
kill -CONT "$q3"

# A stopped supervisor writes nothing: its record is not believed. Paused
# meanwhile, r2 is paused all the same (asked on ctl.sock).
s2=$(sup_pid r2)
kill -STOP "$s2" && stopped+=("$s2")
wait_for 10 bash -c "awk '{print \$3}' /proc/$s2/stat | grep -q T" || fail "r2's supervisor did not stop"
qmp r2 stop || fail "QMP stop on r2"
check "r2's record is stale (says running)" test "$(rec_word r2)" = running
traced_status "$T_TMP/s3.json" "$T_TMP/s3.trace"
check "supervisor stopped: status says r2 paused" test "$(state "$T_TMP/s3.json" r2)" = paused
check "… asking r2's QEMU only ($(connects "$T_TMP/s3.trace"))" test "$(connects "$T_TMP/s3.trace")" = "r2/ctl.sock "
kill -CONT "$s2"
check "r2's supervisor catches up: paused" wait_for 10 bash -c "grep -q ' paused\$' '$VMDECK_RUNTIME_DIR/r2/qemu-state'"

# A killed supervisor: its record names a dead writer.
s1=$(sup_pid r1)
kill -KILL "$s1"
qmp r1 stop || fail "QMP stop on r1"
traced_status "$T_TMP/s4.json" "$T_TMP/s4.trace" r1
check "supervisor killed: status r1 says paused" test "$(state "$T_TMP/s4.json" r1)" = paused
check "… asking r1's QEMU ($(connects "$T_TMP/s4.trace"))" test "$(connects "$T_TMP/s4.trace")" = "r1/ctl.sock "

# The record goes with QEMU.
"$VMDECK" stop --force r3 >/dev/null 2>&1 || fail "stop r3"
check "r3 stopped, its record gone" test ! -e "$VMDECK_RUNTIME_DIR/r3/qemu-state"
finish
