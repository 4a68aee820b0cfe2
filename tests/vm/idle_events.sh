#!/usr/bin/env bash
# Idle watching is event-driven: a `status --follow` that owns a running
# VM's QMP connection sends QEMU no query-status while nothing happens (its
# state comes from QEMU's events), and a second watcher, which cannot own
# it, takes the state from the owner's DIR/run-state instead of asking QEMU
# every second. Both still see a pause and a resume made by a third vmdeck,
# a VM another vmdeck starts, and the second watcher becomes the owner when
# the first goes; an idle TUI sees a mode another vmdeck sets (its watch on
# the modes dir, made before the state dir exists). Counted with strace on
# the watchers' sends (behaviour, not speed).
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need strace
profile_bare iv
profile_bare iw
truncate -s 1M "$T_TMP/installer.iso"
profile_bare im 'install:' "  file: $T_TMP/installer.iso"
rm -rf "$VMDECK_STATE_DIR" # made by the first mode change, under the watchers' eyes

"$VMDECK" start iv >/dev/null 2>&1 || fail "start"
pid=$(qemu_pid iv)

watch() { # watch NAME: a status --follow of all VMs under strace (its sends)
	# (LeakSanitizer cannot run under ptrace: the ASan pass's watcher ends traced.)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=sendto,write -s 300 -o "$T_TMP/$1.trace" "$VMDECK" status --follow >"$T_TMP/$1.out" 2>&1 &
	echo $!
}
asked() { grep -c 'query-status' "$T_TMP/$1.trace" 2>/dev/null || true; }
# a line of NAME's output that says VM is STATE after line FROM
says() { tail -n +"$4" "$T_TMP/$1.out" | grep -q "$2 $3 "; }
lines() { wc -l <"$T_TMP/$1.out"; }

# stop_watch PID: the watcher under strace PID, then strace (a killed strace
# leaves its tracee running: ci29 left a `status --follow` behind).
stop_watch() {
	local c
	for c in $(pgrep -P "$1" -x vmdeck); do kill -9 "$c" 2>/dev/null; done
	kill -9 "$1" 2>/dev/null
}
o=$(watch owner)
on_exit "stop_watch $o"
check "the first watcher owns the VM" wait_for 20 grep -q "iv running pid=$pid owner" "$T_TMP/owner.out"
n=$(watch other)
on_exit "stop_watch $n"
check "the second watcher sees it running, not as owner" wait_for 20 grep -q "iv running pid=$pid\$" "$T_TMP/other.out"
# the owner's one query-status on connect has been answered by now
check "the owner asked query-status once, on connect" test "$(asked owner)" -eq 1

tmux_start 140 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" VMDECK_PROFILES="$PROF" "$VMDECK"
check "the TUI shows im in boot mode" tmux_wait 20 " im .* boot "

# A quiet window (observed, not waited on): no query-status from the owner,
# at most one from the other watcher (its slow safety poll, every 30 s).
o0=$(asked owner) n0=$(asked other)
sleep 5
check "owner: no query-status in 5 s idle (got $(($(asked owner) - o0)))" test "$(asked owner)" -eq "$o0"
check "other watcher: at most one query-status in 5 s idle (got $(($(asked other) - n0)))" \
	test "$(($(asked other) - n0))" -le 1

# Another vmdeck sets a mode: the idle TUI shows it (not at its 30 s rescan).
"$VMDECK" mode im install >/dev/null 2>&1 || fail "mode im install"
check "the idle TUI shows the mode another vmdeck set" tmux_wait 5 " im .* install"

# A third vmdeck pauses and resumes: both watchers see it.
lo=$(lines owner) ln=$(lines other)
"$VMDECK" pause iv >/dev/null 2>&1 || fail "pause"
check "the owner sees the pause" wait_for 10 says owner iv paused "$lo"
check "the other watcher sees the pause" wait_for 10 says other iv paused "$ln"
lo=$(lines owner) ln=$(lines other)
"$VMDECK" resume iv >/dev/null 2>&1 || fail "resume"
check "the owner sees the resume" wait_for 10 says owner iv running "$lo"
check "the other watcher sees the resume" wait_for 10 says other iv running "$ln"

# Another vmdeck starts a second VM: both list it running.
"$VMDECK" start iw >/dev/null 2>&1 || fail "start iw"
check "the first watcher sees a VM another vmdeck started" wait_for 10 grep -q "iw running pid=[1-9]" "$T_TMP/owner.out"
check "the other watcher sees it" wait_for 10 grep -q "iw running pid=[1-9]" "$T_TMP/other.out"

# The owner goes: a remaining watcher (the other one, or the TUI) takes
# over at once and records.
rec() { cut -d' ' -f2 "$VMDECK_RUNTIME_DIR/iv/run-state" 2>/dev/null; }
first=$(rec)
check "the owner records the state (QEMU pid, its own pid)" test -n "$first" -a "$(cut -d' ' -f1 "$VMDECK_RUNTIME_DIR/iv/run-state")" = "$pid"
kill_pid "$(pgrep -P "$o" -x vmdeck)" # the watcher, not strace
newrec() { local r; r=$(rec); [[ -n $r && $r != "$first" ]] && kill -0 "$r"; }
check "a remaining watcher becomes the owner and records the state" wait_for 10 newrec
ln=$(lines other)
"$VMDECK" pause iv >/dev/null 2>&1 || fail "pause again"
check "the other watcher sees a pause under the new owner" wait_for 10 says other iv paused "$ln"
finish
