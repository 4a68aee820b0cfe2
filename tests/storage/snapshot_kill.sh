#!/usr/bin/env bash
# QEMU killed in the middle of a live snapshot (issue 13, "bad input,
# nothing lost"), against real QEMU and the test guest with a qcow2 disk:
# `vmdeck snapshot g1 create k1` runs; once the verb reports the job
# running, the VM's QEMU is killed -9 (its PID from the run dir). Then:
#   - the verb exits non-zero, naming the VM and the tag, and says what QEMU
#     left: no snapshot (the usual case: QEMU writes the VM state first, the
#     disks' snapshot entries last), or a snapshot that may be incomplete;
#   - qemu-img check finds no corruption (leaked clusters only, if any);
#   - the tag is not listed as a snapshot (or, if QEMU left it, the verb
#     said so);
#   - the VM is reported exited (signal 9);
#   - the stopped VM's snapshots list, and it starts again.
# The guest's memory is filled first (600 MiB of non-zero pages in its
# ramfs) so that saving it takes long enough to be caught. QEMU 7.2 runs
# the save holding its big lock: QMP (query-jobs, so the verb's progress
# lines) answers only once it is over. The save is seen running from the
# image instead: the VM state goes into the qcow2 first, so the file grows
# (by 32 MiB here, of about 600); the disks' snapshot entries come last.
# QEMU is then frozen (SIGSTOP) and killed -9, so the job cannot finish in
# between. An attempt whose job finished before the freeze (a fast machine)
# is undone and made again, 3 times at most.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
. "$VMDECK_TESTS/storage/common.sh"
img=$PROF/data.qcow2
qemu-img create -q -f qcow2 "$img" 512M
profile_disk g1 '  - id: data' '    file: data.qcow2' '    format: qcow2'
sed -i 's/^memory: 256M$/memory: 768M/' "$PROF/g1.yaml"
# qemu-img check: 0 clean, 3 only leaked clusters (a kill mid-write leaves
# those; no data is lost), 2 corrupt.
img_sound() { qemu-img check -q "$img" >/dev/null 2>&1; local rc=$?; [[ $rc -eq 0 || $rc -eq 3 ]]; }
has_k1() { qemu-img snapshot -U -l "$img" | awk 'NR > 2 { print $2 }' | grep -qx k1; }

# start_filled: start g1 and fill 600 MiB of its memory.
start_filled() {
	start_guest g1 >/dev/null
	local out
	out=$(gsh g1 'dd if=/dev/urandom of=/r bs=1M count=1 2>/dev/null; i=0; while [ $i -lt 600 ]; do cat /r; i=$((i+1)); done >/fill; echo filled')
	grep -q filled <<<"$out" || fail "the guest did not fill its memory: $out"
}
start_filled

# job_seen: the image grew by 32 MiB since $size0 (the save is writing the
# VM state), or the verb already ended. A tight bounded poll: the save
# takes about a second.
job_seen() {
	local deadline=$(($(date +%s) + 60))
	while (($(date +%s) < deadline)); do
		(($(stat -c %s "$img") > size0 + 32 * 1048576)) && return 0
		[[ -s $T_TMP/k1.rc ]] && return 0
		sleep 0.005
	done
	return 1
}
killed=0 try=0
while ((try < 3 && !killed)); do
	try=$((try + 1))
	qpid=$(qemu_pid g1)
	[[ -n $qpid ]] || fail "no QEMU pid for g1 in $VMDECK_RUNTIME_DIR/g1"
	rm -f "$T_TMP/k1.out" "$T_TMP/k1.rc"
	size0=$(stat -c %s "$img")
	("$VMDECK" snapshot g1 create k1 >"$T_TMP/k1.out" 2>&1; echo $? >"$T_TMP/k1.rc") &
	jobpid=$!
	job_seen || { kill "$jobpid" 2>/dev/null; fail "attempt $try: the verb never reported the job: $(cat "$T_TMP/k1.out")"; }
	kill -STOP "$qpid"
	if [[ -s $T_TMP/k1.rc ]]; then
		# Finished before the freeze: undo, go again.
		kill -CONT "$qpid"
		wait "$jobpid"
		log "attempt $try: the job ended before the kill ($(cat "$T_TMP/k1.rc")): $(cat "$T_TMP/k1.out")"
		"$VMDECK" snapshot g1 delete k1 >/dev/null 2>&1
		continue
	fi
	kill -9 "$qpid"
	killed=1
	wait_for 60 test -s "$T_TMP/k1.rc" || fail "the verb did not end within 60 s of the kill: $(cat "$T_TMP/k1.out")"
	wait "$jobpid"
	if [[ $(cat "$T_TMP/k1.rc") == 0 ]]; then
		# The job had concluded just before the freeze (only its dismissal
		# was cut short): undo, start again, go again.
		log "attempt $try: the job ended just before the kill: $(cat "$T_TMP/k1.out")"
		killed=0
		wait_for 10 bash -c "! '$VMDECK' status g1 | grep -q running"
		"$VMDECK" snapshot g1 delete k1 >/dev/null 2>&1
		start_filled
	fi
done
out=$(cat "$T_TMP/k1.out")
log "the verb said: $out"
check "QEMU was killed while its snapshot-save job ran (attempt $try)" test "$killed" = 1
check "the verb failed (exit $(cat "$T_TMP/k1.rc"))" test "$(cat "$T_TMP/k1.rc")" -ne 0
check "... naming the VM and the tag" grep -q "VM g1: QEMU exited during snapshot 'k1'" <<<"$out"
check "... and that the VM is not running" grep -q "the VM is not running" <<<"$out"
check "qemu-img check finds no corruption" wait_for 10 img_sound
log "qemu-img check: $(qemu-img check "$img" 2>&1 | tr '\n' ' ')"
if has_k1; then
	log "QEMU left k1 on the disk"
	check "QEMU left 'k1': the verb says so and how to delete it" \
		grep -q "It left a snapshot 'k1' on disk 'data' ($img) that may be incomplete: delete it (vmdeck snapshot g1 delete k1)" <<<"$out"
else
	check "no snapshot 'k1' was made, and the verb says so" grep -q "No snapshot 'k1' was made" <<<"$out"
fi
sig9() { "$VMDECK" status --json g1 | jq -e '.[0].state == "exited" and (.[0].status | test("signal 9"))' >/dev/null; }
check "the VM is reported exited, signal 9: $("$VMDECK" status g1 2>&1)" wait_for 10 sig9
out=$("$VMDECK" snapshot g1 2>&1)
check "the stopped VM's snapshots list: $out" test $? -eq 0
if has_k1; then
	out=$("$VMDECK" snapshot g1 delete k1 2>&1)
	check "the left snapshot is deleted offline: $out" grep -q "snapshot 'k1' deleted" <<<"$out"
else
	check "... without k1" bash -c "! grep -qw k1 <<<'$out'"
fi
start_guest g1 >/dev/null
check "a fresh start runs" vm_state_is g1 running
out=$("$VMDECK" snapshot g1 create k2 2>&1)
check "a live snapshot works again: $out" grep -q "snapshot 'k2' created (memory and disks)" <<<"$out"
"$VMDECK" kill g1 >/dev/null 2>&1
finish
