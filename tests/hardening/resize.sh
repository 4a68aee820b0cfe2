#!/usr/bin/env bash
# The terminal resized ~100 times a second for 5 s through tmux, then 120 a
# second for 5 s on the pane's tty directly (sizes from 1x1 to 200x60) while vmdeck's TUI runs with a VM running: vmdeck stays alive,
# ends up drawing the right size, its state is still true, and it quits
# normally. The sanitizer options pass into the pane (the ASan pass sees
# reports from in there too).
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need tmux
profile_bare rz
"$VMDECK" start rz >/dev/null 2>&1 || fail "cannot start the no-OS VM"
qp=$(qemu_pid rz)

tmux_start 100 30 env TERM=xterm-256color LANG=C.UTF-8 ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
	bash -c "echo \$\$ >'$T_TMP/pid'; '$VMDECK' --profiles '$PROF'; echo EXIT=\$? >'$T_TMP/exit'; sleep 600"
wait_for 10 test -s "$T_TMP/pid" || fail "the pane did not start"
check "the TUI shows the running VM" tmux_wait 15 " rz .*running"
tpid=$(pgrep -P "$(<"$T_TMP/pid")" -f -- "$VMDECK" | head -n1)
[[ -n $tpid ]] || tpid=$(<"$T_TMP/pid") # bash may have exec'd

n=0
t0=$(date +%s%N)
end=$((t0 + 5000000000))
while (($(date +%s%N) < end)); do
	$T_TMUX resize-window -t t -x $((1 + RANDOM % 200)) -y $((1 + RANDOM % 60)) 2>/dev/null
	n=$((n + 1))
	# about 100 a second: a tmux call takes a few ms, pace the rest
	(($(date +%s%N) < t0 + n * 10000000)) && sleep 0.004
done
t1=$(date +%s%N)
log "$n resizes in $(((t1 - t0) / 1000000)) ms ($((n * 1000000000 / (t1 - t0)))/s)"
check "at least 300 resizes happened" test $n -ge 300
check "vmdeck alive after the storm" kill -0 "$tpid"
# A tmux call costs a few ms, so the storm above reaches ~60-100 a second.
# The pane's tty resized directly (TIOCSWINSZ, a SIGWINCH each) makes sure
# of 100 a second and more: 600 in 5 s.
need python3
tty=$($T_TMUX display -p -t t '#{pane_tty}')
out=$(python3 - "$tty" <<'PY'
import fcntl, os, random, struct, sys, termios, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
random.seed(11)
t0 = time.monotonic()
for i in range(600):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", random.randint(1, 60), random.randint(1, 200), 0, 0))
    delay = t0 + (i + 1) / 120 - time.monotonic()
    if delay > 0:
        time.sleep(delay)
print(f"600 {time.monotonic() - t0:.2f}")
PY
)
log "tty resizes: $out (count, seconds)"
check "600 tty resizes at 100 a second or more" awk -v o="$out" 'BEGIN { split(o, a, " "); exit !(a[1] == 600 && a[2] <= 6.0) }'
check "vmdeck alive after the tty storm" kill -0 "$tpid"
$T_TMUX resize-window -t t -x 99 -y 29 # tmux sets the tty's size again only when it changes
$T_TMUX resize-window -t t -x 100 -y 30
check "redrawn at 100x30 with the VM running" tmux_wait 10 " rz .*running"
fits() {
	local LC_ALL=C.UTF-8 l
	while IFS= read -r l; do ((${#l} > 100)) && return 1; done < <(tmux_screen)
	return 0
}
check "nothing wider than the screen" fits
check "the VM is still running" vm_state_is rz running
check "the same QEMU ($qp)" test "$(qemu_pid rz)" = "$qp"
check "that QEMU is alive" kill -0 "$qp"
tmux_keys q
check "q quits normally" wait_for 10 grep -qx 'EXIT=0' "$T_TMP/exit"
"$VMDECK" kill rz >/dev/null 2>&1
finish
