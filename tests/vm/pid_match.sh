#!/usr/bin/env bash
# "Its QEMU" is this VM's exact -qmp argument and the start time recorded at
# start, not a substring of some command line: a stale pidfile naming a
# user's process is never shown running and never killed (issue 10).
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need perl
run=$VMDECK_RUNTIME_DIR
profile_bare ghost
mkdir -m 700 "$run/ghost"

# decoy ARG : a process whose argv holds ARG (one process, no children).
decoy() {
	perl -e 'sleep 300' "$1" </dev/null >/dev/null 2>&1 &
	DECOY=$!
	on_exit "kill -9 $DECOY"
	wait_for 5 grep -qF -- "$1" "/proc/$DECOY/cmdline" || fail "decoy did not start"
}
# Not taken for running: status answers, and says stopped or exited.
not_running() { local st; st=$("$VMDECK" status --json ghost | jq -r '.[0].state') && [[ $st == stopped || $st == exited ]]; }

try() { # WHAT : with the decoy named by qemu.pid
	echo "$DECOY" >"$run/ghost/qemu.pid"
	"$VMDECK" status --json ghost >"$T_TMP/st.json" 2>&1
	log "$1: status: $(cat "$T_TMP/st.json")"
	check "$1: not shown running" not_running
	out=$("$VMDECK" kill ghost 2>&1)
	log "$1: kill: $out"
	check "$1: vmdeck kill leaves the process alone" kill -0 "$DECOY"
	kill -9 "$DECOY"
	wait "$DECOY" 2>/dev/null
}

decoy "UNIX-CONNECT:$run/ghost/qmp.sock"
try "socat-like argument"
decoy "unix:/elsewhere$run/ghost/qmp.sock,server=on,wait=off"
try "a QEMU of a dir ending with this one"
# The exact argument, but not the process this VM's start recorded.
decoy "unix:$run/ghost/qmp.sock,server=on,wait=off"
echo "$DECOY 1" >"$run/ghost/qemu.start"
try "exact argument, other start time"

# A real one is still recognised, by a second vmdeck too.
rm -rf "$run/ghost"
out=$("$VMDECK" start ghost 2>&1) || fail "start ghost: $out"
check "real QEMU: running for another vmdeck" vm_state_is ghost running
out=$("$VMDECK" kill ghost 2>&1)
check "real QEMU: killed" grep -q 'exited, signal 9' <<<"$out"
finish
