#!/usr/bin/env bash
# A resize storm while vmdeck's TUI runs with a VM running: 300 resizes
# through tmux (sizes 1x1 to 200x60), then 600 on the pane's tty directly
# (TIOCSWINSZ, a SIGWINCH each), both as fast as this machine goes, with no
# pacing. What is judged is behaviour, never speed: vmdeck stays alive,
# ends up drawing the right size (nothing wider than the screen, the VM row
# and the key bar in place), its state is still true (the same QEMU, still
# running), and it quits normally. How many resizes a second a machine
# manages is a figure of tmux and the kernel, printed by
# tests/bench/bench_resize.sh. The sanitizer options pass into the pane (the
# ASan pass sees reports from in there too).
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need tmux
profile_bare rz
"$VMDECK" start rz >/dev/null 2>&1 || fail "cannot start the no-OS VM"
qp=$(qemu_pid rz)

tmux_start 100 30 env TERM=xterm-256color LANG=C.UTF-8 ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
	bash -c "echo \$\$ >'$T_TMP/pid'; '$VMDECK' --profiles '$PROF'; echo EXIT=\$? >'$T_TMP/exit'; sleep 600"
wait_for 30 test -s "$T_TMP/pid" || fail "the pane did not start"
check "the TUI shows the running VM" tmux_wait 60 " rz .*running"
tpid=$(pgrep -P "$(<"$T_TMP/pid")" -f -- "$VMDECK" | head -n1)
[[ -n $tpid ]] || tpid=$(<"$T_TMP/pid") # bash may have exec'd

# Storm 1: tmux resizes the window (and its pane's tty) back to back.
for ((n = 0; n < 300; n++)); do
	$T_TMUX resize-window -t t -x $((1 + RANDOM % 200)) -y $((1 + RANDOM % 60)) 2>/dev/null
done
check "vmdeck alive after 300 tmux resizes" kill -0 "$tpid"
# Storm 2: the pane's tty resized directly, 600 times back to back: far more
# SIGWINCHs than tmux can deliver, several per pass of vmdeck's loop.
need python3
tty=$($T_TMUX display -p -t t '#{pane_tty}')
out=$(python3 - "$tty" <<'PY'
import fcntl, os, random, struct, sys, termios
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
random.seed(11)
for i in range(600):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", random.randint(1, 60), random.randint(1, 200), 0, 0))
print(600)
PY
)
check "600 tty resizes done ($out)" test "$out" = 600
check "vmdeck alive after the tty storm" kill -0 "$tpid"
$T_TMUX resize-window -t t -x 99 -y 29 # tmux sets the tty's size again only when it changes
$T_TMUX resize-window -t t -x 100 -y 30
check "redrawn at 100x30 with the VM running" tmux_wait 30 " rz .*running"
fits() {
	local LC_ALL=C.UTF-8 l
	while IFS= read -r l; do ((${#l} > 100)) && return 1; done < <(tmux_screen)
	return 0
}
check "nothing wider than the screen" fits
# The whole layout is drawn for 100x30: the header on the first row, the
# panes' bottom border on row 29 from the first column to the last, the key
# bar on the last row.
laid_out() {
	tmux_screen >"$T_TMP/screen"
	local LC_ALL=C.UTF-8 r29
	r29=$(sed -n 29p "$T_TMP/screen")
	[[ $(wc -l <"$T_TMP/screen") -eq 30 && $(sed -n 1p "$T_TMP/screen") == " vmdeck "* &&
		$r29 == "└"*"┘" && ${#r29} -eq 100 && $(sed -n 30p "$T_TMP/screen") == *"q quit" ]]
}
check "the layout is drawn for 100x30" wait_for 30 laid_out
laid_out || { log "the screen after the storm:"; cat "$T_TMP/screen" >&2; }
check "the VM is still running" vm_state_is rz running
check "the same QEMU ($qp)" test "$(qemu_pid rz)" = "$qp"
check "that QEMU is alive" kill -0 "$qp"
tmux_keys q
check "q quits normally" wait_for 30 grep -qx 'EXIT=0' "$T_TMP/exit"
"$VMDECK" kill rz >/dev/null 2>&1
finish
