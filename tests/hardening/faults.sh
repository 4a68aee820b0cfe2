#!/usr/bin/env bash
# Faults with real processes, each ending with vmdeck alive (it returns an
# error instead of hanging or crashing), its state true, nothing leaked:
#   1. QEMU killed during start-up (before QMP answered)
#   2. a monitor command that hangs (QEMU SIGSTOPped): bounded, clear error
#   3. the QMP connection closed mid-command (QEMU killed while one hangs)
#   4. the runtime directory full (a tiny tmpfs in a private mount
#      namespace — nothing on the host is touched): no inodes; no blocks
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need_root # mount namespaces
need unshare timeout

run=$VMDECK_RUNTIME_DIR
ours() { pgrep -f -- "$run/$1/qmp.sock"; }
no_qemu() { [[ -z $(ours "$1") ]]; }
# vmdeck's answer: exit code < 128 (no crash), within the time limit.
alive_rc() { (($1 > 0 && $1 < 124)); }
# No vmdeck (or supervisor) of this test left: other tests' vmdecks may run
# in parallel, so only those with our runtime dir in their environment count.
no_vmdeck_left() {
	local p
	for p in $(pgrep -f -- "^$VMDECK "); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "VMDECK_RUNTIME_DIR=$run" && return 1
	done
	return 0
}

# ---- 1. killed during start-up --------------------------------------------
cat >"$T_TMP/stopqemu" <<'SH'
#!/bin/sh
# Stop before becoming QEMU: the test kills us while vmdeck waits for QMP.
kill -STOP $$
exec qemu-system-x86_64 "$@"
SH
chmod +x "$T_TMP/stopqemu"
profile_bare early "qemu: $T_TMP/stopqemu"
timeout 90 "$VMDECK" start early >"$T_TMP/early.out" 2>&1 &
sp=$!
on_exit "kill -9 $sp"
# (a function: a `bash -c` carrying the pattern would match itself)
has_qemu() { [[ -n $(ours "$1") ]]; }
wait_for 20 has_qemu early || fail "the stopped QEMU never appeared"
qp=$(ours early)
check "start-up: QEMU is stopped before QMP" grep -q '^State:.*T' "/proc/$qp/status"
kill -9 $qp
wait $sp; rc=$?
log "killed at start-up -> exit $rc: $(tr '\n' ' ' <"$T_TMP/early.out")"
check "start-up kill: start fails (no crash, no hang)" alive_rc $rc
check "start-up kill: says QEMU was killed, names the VM" grep -q "VM early: QEMU failed to start (killed by signal 9)" "$T_TMP/early.out"
check "start-up kill: no QEMU" no_qemu early
check "start-up kill: status is not running" bash -c "! [[ \$(\"\$VMDECK\" status --json early | jq -r '.[0].state') =~ running|starting|paused ]]"
check "start-up kill: runtime dir holds only the log and the exit record" bash -c \
	"! ls -A '$run/early' | grep -vqxE 'qemu\.log|last-exit'"
check "start-up kill: status keeps the cause (docs/lifecycle.md)" bash -c \
	"'$VMDECK' status --json early | jq -e '.[0].status == \"exited, start failed\" and (.[0].error | test(\"killed by signal 9\"))' >/dev/null"
check "start-up kill: start returned promptly (pidfd, not the 60 s QMP wait)" \
	bash -c "! grep -q 'within 60 s' '$T_TMP/early.out'"

# ---- 2. a monitor command that hangs ---------------------------------------
profile_bare hang
"$VMDECK" start hang >/dev/null 2>&1 || fail "cannot start the no-OS VM"
qp=$(qemu_pid hang)
kill -STOP "$qp"
t0=$(date +%s)
timeout 60 "$VMDECK" pause hang >"$T_TMP/hang.out" 2>&1; rc=$?
t1=$(date +%s)
log "pause on a stopped QEMU -> exit $rc after $((t1 - t0)) s: $(tr '\n' ' ' <"$T_TMP/hang.out")"
check "hang: pause gives up by itself (not killed by timeout)" alive_rc $rc
check "hang: message names the VM and the monitor" grep -Eqi "hang.*(monitor|QMP|answer|time)" "$T_TMP/hang.out"
check "hang: in the user's words, the VM named once" bash -c "grep -q 'VM hang: pause (QMP stop) failed: the monitor did not answer' '$T_TMP/hang.out' && ! grep -q 'VM hang: .*VM hang' '$T_TMP/hang.out'"
kill -CONT "$qp"
check "hang: after SIGCONT the VM answers and is running" wait_for 20 vm_state_is hang running
check "hang: still one QEMU" test "$(ours hang | wc -l)" -eq 1

# ---- 3. QMP closed mid-command ---------------------------------------------
kill -STOP "$qp"
timeout 60 "$VMDECK" pause hang >"$T_TMP/mid.out" 2>&1 &
cp=$!
# The pause is waiting on the stopped QEMU once it holds a connection to one
# of the VM's sockets (the stopped QEMU never answers: it hangs by design).
wait_for 30 bash -c "c=\$(pgrep -P $cp) && ss -xp 2>/dev/null | grep -q \"pid=\$c,\"" || log "note: pause's connection not seen (it may still be starting)"
kill -9 "$qp"
wait $cp; rc=$?
log "QEMU killed mid-command -> exit $rc: $(tr '\n' ' ' <"$T_TMP/mid.out")"
check "mid-command: pause returns an error (no crash, no hang)" alive_rc $rc
# docs/security.md: this case ends with status "exited, signal 9".
exited_sig9() {
	"$VMDECK" status --json "$1" >"$T_TMP/$1.json" 2>/dev/null &&
		jq -e '.[0].state == "exited" and .[0].signal == 9 and (.[0].status | test("signal 9"))' "$T_TMP/$1.json" >/dev/null
}
if wait_for 10 exited_sig9 hang; then
	log "ok: mid-command: status says exited, signal 9"
else
	log "NOT OK: mid-command: status says exited, signal 9 (status --json: $(cat "$T_TMP/hang.json"))"
	T_FAILS=$((T_FAILS + 1))
fi
check "mid-command: no QEMU" no_qemu hang
check "mid-command: no stale sockets" bash -c "! ls '$run/hang/'*.sock 2>/dev/null | grep -q ."

# ---- 4. runtime directory full ---------------------------------------------
profile_bare full
# full_try MOUNTOPTS FILLCMD : in a private mount namespace, a tiny tmpfs on
# the runtime dir, filled, then start; prints vmdeck's output and rc, and
# what the runtime dir holds afterwards.
full_try() {
	unshare -m --propagation private bash -c '
		mount -t tmpfs -o "$1" vmdeck-test "$2" || exit 99
		eval "$3" 2>/dev/null
		timeout 60 "$VMDECK" start full; echo "rc=$?"
		echo "left:$(cd "$2" && find . -mindepth 1 ! -name "fill*" | sort | tr "\n" " ")"
		for f in "$2"/full/qemu.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")"; done
	' full_try "$1" "$run" "$2" 2>&1
}
out=$(full_try size=64k,nr_inodes=8,mode=0700 'for i in $(seq 20); do : >"$2/fill$i"; done')
log "no inodes: $(tr '\n' ' ' <<<"$out")"
check "no inodes: start fails" grep -q '^rc=[1-9]' <<<"$out"
check "no inodes: rc is an error, not a crash" bash -c "rc=\$(sed -n 's/^rc=//p' <<<'$out'); ((rc > 0 && rc < 124))"
check "no inodes: message names the VM and says why" grep -Eq "full.*(No space left|space)" <<<"$out"
check "no inodes: nothing left behind" grep -q '^left:$' <<<"$out"
out=$(full_try size=64k,mode=0700 'dd if=/dev/zero of="$2/fill" bs=4k 2>/dev/null')
log "no blocks: $(tr '\n' ' ' <<<"$out")"
check "no blocks: start fails" grep -q '^rc=[1-9]' <<<"$out"
check "no blocks: rc is an error, not a crash" bash -c "rc=\$(sed -n 's/^rc=//p' <<<'$out'); ((rc > 0 && rc < 124))"
check "no blocks: message says the runtime dir is full" grep -q "VM full: .*runtime directory .* is full" <<<"$out"
check "no blocks: no QEMU left" no_qemu full
check "no blocks: nothing left but logs" bash -c "grep '^left:' <<<'$out' | grep -Evq 'sock|pid|lock'"
check "host runtime dir untouched by the tmpfs" test ! -e "$run/fill"
check "no vmdeck of this test left running" no_vmdeck_left
finish
