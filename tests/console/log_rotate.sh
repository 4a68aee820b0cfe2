#!/usr/bin/env bash
# serial.log is bounded: with VMDECK_SERIAL_LOG_MAX=8192 the guest's pings
# (every 0.1 s on the serial console) make the supervisor rotate
# serial.log -> serial.log.1 again and again; neither passes 8192 bytes, the
# newest lines are in serial.log, nothing is lost at a rotation (ping
# sequence numbers run on from .1 into the log), and a new start begins a
# fresh log without an old .1.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
guest_build
GUEST_APPEND_EXTRA="vmdeck.interval=0.1" profile_guest r1
run=$VMDECK_RUNTIME_DIR/r1
max=8192

out=$(VMDECK_SERIAL_LOG_MAX=$max "$VMDECK" start r1 2>&1) || fail "start: $out"
check "serial.log.1 appears (a rotation)" wait_for 300 test -s "$run/serial.log.1"
first=$(head -c 200 "$run/serial.log.1" | md5sum)
changed() { [[ -s $run/serial.log.1 && $(head -c 200 "$run/serial.log.1" | md5sum) != "$first" ]]; }
check "it rotates again" wait_for 300 changed
size() { stat -c %s "$1"; }
check "serial.log stays within $max bytes" test "$(size "$run/serial.log")" -le $max
check "serial.log.1 stays within $max bytes" test "$(size "$run/serial.log.1")" -le $max
check "no serial.log.2" test ! -e "$run/serial.log.2"
# Sequence numbers: the last in .1 and the first in the log follow on.
seqs() { grep -ao 'seq=[0-9]*' "$1" | cut -d= -f2; }
# Both sides of one rotation: the two files read between two looks at .1's
# inode (a rotation renames the log onto .1), once the log holds a whole
# ping line (just after a rotation it may hold none yet).
both_sides() {
	local i1 i2
	i1=$(stat -c %i "$run/serial.log.1") || return 1
	last1=$(seqs "$run/serial.log.1" | tail -n1)
	firstlog=$(seqs "$run/serial.log" | head -n1)
	i2=$(stat -c %i "$run/serial.log.1") || return 1
	[[ $i1 == "$i2" && -n $last1 && -n $firstlog ]]
}
if wait_for 60 both_sides; then
	check "no ping lost at the rotation ($last1 then $firstlog)" test "$firstlog" -le $((last1 + 1))
else
	check "ping lines on both sides of a rotation" false
fi
check "the newest pings go on in serial.log" wait_for 120 bash -c "test \$(grep -ao 'seq=[0-9]*' '$run/serial.log' | tail -n1 | cut -d= -f2) -gt $((last1 + 2))"

"$VMDECK" kill r1 >/dev/null 2>&1
check "the VM is gone" wait_for 30 bash -c "! '$VMDECK' status --json r1 | grep -q '\"running\"'"
out=$("$VMDECK" start r1 2>&1) || fail "second start: $out"
check "a new start has no old serial.log.1" test ! -e "$run/serial.log.1"
check "and a fresh serial.log" wait_for 180 grep -q "ping .* ok" "$run/serial.log"
"$VMDECK" kill r1 >/dev/null 2>&1
finish
