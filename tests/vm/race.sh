#!/usr/bin/env bash
# Two vmdecks start the same VM at the same instant, 20 times: always
# exactly one QEMU; the loser says why.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
profile_bare r1
# (a function, so wait_for counts again on every poll)
no_qemu() { (($(qemu_count "$1") == 0)); }
bad=0
for i in $(seq 1 20); do
	# Both spin on the same flag file, so they are released together.
	rm -f "$T_TMP/go"
	(until [[ -e $T_TMP/go ]]; do :; done; "$VMDECK" start r1 >"$T_TMP/a.out" 2>&1; echo $? >"$T_TMP/a.rc") &
	a=$!
	(until [[ -e $T_TMP/go ]]; do :; done; "$VMDECK" start r1 >"$T_TMP/b.out" 2>&1; echo $? >"$T_TMP/b.rc") &
	b=$!
	touch "$T_TMP/go"
	wait $a $b
	n=$(qemu_count r1)
	ok=$(cat "$T_TMP/a.rc" "$T_TMP/b.rc" | grep -c '^0$')
	if [[ $n -ne 1 || $ok -ne 1 ]]; then
		log "round $i: $n QEMU(s), $ok successful start(s)"
		cat "$T_TMP/a.out" "$T_TMP/b.out" >&2
		bad=$((bad + 1))
	fi
	loser=$(cat "$T_TMP/a.out" "$T_TMP/b.out" | grep -E "already running|being started" || true)
	[[ -n $loser ]] || { log "round $i: no clear message from the loser"; bad=$((bad + 1)); }
	((i == 1)) && log "loser said: $loser"
	"$VMDECK" kill r1 >/dev/null 2>&1 || { log "round $i: kill failed"; bad=$((bad + 1)); }
	wait_for 10 no_qemu r1 || { log "round $i: QEMU left"; bad=$((bad + 1)); }
done
check "20 races, exactly one QEMU and one clear loser each" test $bad -eq 0

# Ten vmdecks talk to one VM at once: one may own qmp.sock, the rest queue
# on ctl.sock (QEMU serves one client per socket) — all get their answer.
"$VMDECK" start r1 >/dev/null 2>&1 || fail "start r1"
pids=()
for i in $(seq 10); do
	"$VMDECK" monitor r1 info status >"$T_TMP/m$i.out" 2>&1 &
	pids+=($!)
done
okm=0
for i in $(seq 10); do
	wait "${pids[i - 1]}" && grep -q "VM status: running" "$T_TMP/m$i.out" && okm=$((okm + 1))
done
check "10 concurrent monitor commands all answered ($okm)" test $okm -eq 10
"$VMDECK" kill r1 >/dev/null 2>&1
finish
