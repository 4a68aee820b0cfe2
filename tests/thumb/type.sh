#!/usr/bin/env bash
# Typing into the guest's screen, against the real thing: the tiny Linux test
# guest (TCG) with a shell on its VGA console (vmdeck.tty=1), vmdeck's TUI in
# tmux (160x50). Zoomed, Enter takes the keyboard; a command typed through
# tmux reaches the guest as VNC key events (not the serial port: the VM has
# none wired to a shell) and its output is read back from the screen by the
# text view. Ctrl-C reaches the guest (the terminal is raw), Ctrl-] leaves.
# A click lands on the framebuffer pixel under the cell: QEMU's own trace of
# the input events it got (-trace input_event_*; a virtio tablet, whose
# guest driver makes QEMU's pointer absolute) is compared with the pixel the layout puts under that cell.
# --read-only sends nothing. No network: the VM has no NIC.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need tmux qemu-system-x86_64

font=
for f in ${VMDECK_CONSOLE_FONT:+${VMDECK_CONSOLE_FONT//:/ }} /usr/share/consolefonts/default8x16.psf.gz \
	/usr/share/kbd/consolefonts/default8x16.psfu.gz /usr/share/consolefonts/Uni2-VGA16.psf.gz; do
	[[ -r $f ]] && { font=$f; break; }
done
[[ -n $font ]] || skip "no console font (apt-get install console-data)"
bash "$VMDECK_TESTS/guest/build.sh" >"$T_TMP/guest.log" 2>&1 || skip "cannot build the test guest (see $T_TMP/guest.log)"
guest=$VMDECK_TESTS/guest/out

prof=$T_TMP/profiles
mkdir -p "$prof"
cat >"$prof/linux.yaml" <<YAML
name: linux
description: the tiny test guest with a shell on its VGA console
accel: tcg
machine: q35
memory: 256M
boot:
  kernel: $guest/vmlinuz
  initrd: $guest/initrd.img
  append: "console=tty0 quiet vmdeck.name=typeguest vmdeck.tty=1"
extra_args: ["-device", "virtio-tablet-pci", "-trace", "input_event_*", "-D", "$T_TMP/qemu-trace.log"]
YAML
vd() { "$VMDECK" --profiles "$prof" "$@"; }
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [[ -f $f ]] && kill -9 "$(<"$f")"; done'

vd start linux >"$T_TMP/start.log" 2>&1 || { cat "$T_TMP/start.log" >&2; fail "vmdeck start linux"; }
wait_for 20 test -S "$VMDECK_RUNTIME_DIR/linux/vnc.sock" || fail "no VNC socket for linux"
screen_text() { vd screenshot linux --text --settle 200 2>/dev/null; }
guest_up() { screen_text | grep -q 'typeguest: no network interface'; }
check "the guest is up (its tty0 line, read back with screenshot --text)" wait_for 90 guest_up

tui_shell 160 50
tui_run_in_pane ${VMDECK_CONSOLE_FONT:+VMDECK_CONSOLE_FONT="$VMDECK_CONSOLE_FONT"} "$VMDECK" --profiles "$prof"
tui_expect 10 " linux +running" "the list shows linux running"
tmux_keys z
tui_expect 10 "screen linux \\(z: back\\) - text 80x25 \\[Enter: type\\]" "z: text 80x25, the title offers Enter"
tmux_keys Enter
tui_expect 5 "screen linux - text 80x25 \\[input: keyboard and mouse - Ctrl-\\] leaves\\]" \
	"Enter: the title shows the input mode and the way out"
tui_expect 5 "Ctrl-\\] leave" "... and the status line only the way out"

# Typed through the screen: the shell's output, read back from the zoomed
# pane's characters. (The echoed command line says hi\$((6*7)), not hi42.)
tmux_keys -l 'echo hi$((6*7))'
tmux_keys Enter
tui_expect 30 "│ +hi42 +│" "a command typed into the guest's screen ran: its output hi42 is on the screen"
check "... and on the guest's own screen (screenshot --text)" bash -c "$(declare -f screen_text vd); VMDECK='$VMDECK' prof='$prof' screen_text | grep -qx 'hi42'"
screen_text >"$T_TMP/after-echo.txt"
check "... the command line, with \$ ( * ) typed with Shift" grep -q 'echo hi\$((6\*7))' "$T_TMP/after-echo.txt"

# A paste: 240 capitals (Shift each: 960 key events) in one burst from
# the terminal reach the guest whole.
tmux_keys -l "x=$(printf 'VMDECK%.0s' $(seq 40)); echo len\${#x}"
tmux_keys Enter
tui_expect 60 "│ +len240 +│" "a pasted line of 240 capitals reached the guest whole"

# Ctrl-C is the guest's (raw terminal): it interrupts sleep; vmdeck stays.
# (Pressed once zz9 shows: the sleep runs by then. In a child sh: busybox
# ash runs sleep inside itself, where SIGINT only ends a nanosleep that
# sleep then resumes.)
tmux_keys -l "sh -c 'echo zz\$((3*3)); sleep 600'"
tmux_keys Enter
tui_expect 30 "│ +zz9 +│" "a long command runs in the guest"
tmux_keys C-c
tmux_keys -l 'echo done$((1+1))'
tmux_keys Enter
tui_expect 30 "│ +done2 +│" "Ctrl-C interrupted the guest's sleep; the next command ran"
check "vmdeck is still running" kill -0 "$TUI_PID"

# Up (a special key, an X11 keysym of its own) recalls the shell's last
# line; Enter runs it again: done2 twice.
tmux_keys Up Enter
twice() { (($(screen_text | grep -cx 'done2') == 2)); }
check "Up recalled the last command in the guest's shell, Enter ran it again" wait_for 30 twice

# A click: cell (x, y) of the 160x50 window. The pane's inside is 158x46 at
# (1, 2); the 80x25 text is centred in it at (39, 10): cell (1+39+10, 2+10+5)
# is character (10, 5), whose 9x16 cell's centre is pixel (94, 88) of the
# 720x400 screen. QEMU scales an absolute pointer to 0..32767 (input_event_abs).
: >"$T_TMP/qemu-trace.log"
printf '\e[<0;%d;%dM\e[<0;%d;%dm' 51 18 51 18 >"$T_TMP/click"
tmux_keys -H $(od -An -tx1 "$T_TMP/click")
clicked() { grep -q 'input_event_btn.*button left, down 0' "$T_TMP/qemu-trace.log" 2>/dev/null; }
check "the click reached QEMU (its trace shows a left button event)" wait_for 30 clicked
log "QEMU's input trace:"
sed 's/^/    | /' "$T_TMP/qemu-trace.log" | head -20 >&2
near() { # near AXIS PIXEL SIZE: the last absolute value on AXIS is within a pixel of PIXEL
	local v
	v=$(sed -n "s/.*input_event_abs.*axis $1, value \\(0x[0-9a-f]*\\|[0-9]*\\).*/\\1/p" "$T_TMP/qemu-trace.log" | tail -n1)
	[[ -n $v ]] || return 1
	v=$((v))
	local want=$(($2 * 32767 / ($3 - 1))) tol=$((32767 / $3 + 1))
	log "axis $1: QEMU got $v, pixel $2 of $3 is $want (± $tol)"
	((v >= want - tol && v <= want + tol))
}
check "the click landed at x = 94 of 720" near x 94 720
check "the click landed at y = 88 of 400" near y 88 400

# Ctrl-] leaves: keys are vmdeck's again (? opens the help).
tmux_keys C-]
tui_expect 5 "\\[Enter: type\\]" "Ctrl-]: back to vmdeck's keys, the title offers Enter again"
tmux_keys '?'
tui_expect 5 "help: keys" "? is vmdeck's again (the help)"
tmux_keys '?'
tui_expect_not 5 "help: keys" "? closes it"
tmux_keys z
tmux_keys q
tui_expect 10 "EXIT=0" "vmdeck quits cleanly"

# --read-only: Enter is off, nothing reaches the guest, a click zooms back.
screen_text >"$T_TMP/before-ro.txt"
tmux_keys clear Enter
tui_run_in_pane ${VMDECK_CONSOLE_FONT:+VMDECK_CONSOLE_FONT="$VMDECK_CONSOLE_FONT"} "$VMDECK" --profiles "$prof" --read-only
tui_expect 10 " linux +running" "read-only: linux listed"
tmux_keys z
tui_expect 10 "screen linux \\(z: back\\) - text 80x25 \\[read-only: no input\\]" "read-only: the title says no input"
tmux_keys Enter
tui_expect 5 "read-only: type is off" "read-only: Enter says typing is off"
tmux_keys -l 'ekwo'
tmux_keys Enter
: >"$T_TMP/qemu-trace.log"
tmux_keys -H $(od -An -tx1 "$T_TMP/click")
tui_expect_not 5 "\\(z: back\\)" "read-only: a click on the zoomed screen zooms back"
tmux_keys q
tui_expect 10 "EXIT=0" "vmdeck quits cleanly"
screen_text >"$T_TMP/after-ro.txt"
check "read-only: the guest's screen is unchanged (nothing typed)" cmp -s "$T_TMP/before-ro.txt" "$T_TMP/after-ro.txt"
check "read-only: QEMU got no input event" bash -c "! grep -q 'input_event' '$T_TMP/qemu-trace.log'"
finish
