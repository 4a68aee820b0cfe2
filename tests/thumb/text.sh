#!/usr/bin/env bash
# The text view against the real thing: QEMU's VGA text console read back as
# characters with the installed console font.
#  - the tiny Linux test guest (TCG): `vmdeck screenshot NAME --text` prints
#    SeaBIOS's banner and the guest's own tty0 lines; in the TUI (tmux
#    160x50) `z` shows the same lines as characters (capture-pane -p).
#  - a guest with no OS whose SeaBIOS shows a boot splash (a graphics mode):
#    zoomed, pixels; ESC opens the boot menu in text mode and the zoomed
#    pane follows live, as text; --text on the splash fails, naming the VM
#    and the frame size.
# No network: the VMs have no NIC.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need tmux qemu-system-x86_64 python3

font=
for f in ${VMDECK_CONSOLE_FONT:+${VMDECK_CONSOLE_FONT//:/ }} /usr/share/consolefonts/default8x16.psf.gz \
	/usr/share/kbd/consolefonts/default8x16.psfu.gz /usr/share/consolefonts/Uni2-VGA16.psf.gz; do
	[[ -r $f ]] && { font=$f; break; }
done
[[ -n $font ]] || skip "no console font (apt-get install console-data)"
bash "$VMDECK_TESTS/guest/build.sh" >"$T_TMP/guest.log" 2>&1 || skip "cannot build the test guest (see $T_TMP/guest.log)"
guest=$VMDECK_TESTS/guest/out

# A 640x480 boot splash: SeaBIOS shows it in a graphics mode until the boot
# menu (ESC) switches to 80x25 text.
python3 - "$T_TMP/splash.bmp" <<'EOF'
import struct, sys
w, h = 640, 480
data = bytearray()
for y in range(h - 1, -1, -1):  # bottom-up rows: SeaBIOS reads no other kind
    data += bytes(b for x in range(w) for b in ((x * 255) // w, (y * 255) // h, (x ^ y) & 255))
hdr = b'BM' + struct.pack('<IHHI', 54 + len(data), 0, 0, 54) + struct.pack('<IiiHHIIiiII', 40, w, h, 1, 24, 0, len(data), 2835, 2835, 0, 0)
open(sys.argv[1], 'wb').write(hdr + data)
EOF

prof=$T_TMP/profiles
mkdir -p "$prof"
cat >"$prof/linux.yaml" <<YAML
name: linux
description: the tiny test guest on its VGA text console
accel: tcg
machine: q35
memory: 256M
boot:
  kernel: $guest/vmlinuz
  initrd: $guest/initrd.img
  append: "console=tty0 quiet vmdeck.name=textguest"
YAML
cat >"$prof/splash.yaml" <<YAML
name: splash
description: no OS - SeaBIOS boot splash, then its boot menu
accel: kvm:tcg
machine: pc
memory: 64M
extra_args: ["-boot", "menu=on,splash=$T_TMP/splash.bmp,splash-time=60000"]
YAML
vd() { "$VMDECK" --profiles "$prof" "$@"; }
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [[ -f $f ]] && kill -9 "$(<"$f")"; done'

for vm in linux splash; do
	vd start "$vm" >"$T_TMP/start-$vm.log" 2>&1 || { cat "$T_TMP/start-$vm.log" >&2; fail "vmdeck start $vm"; }
done
wait_for 20 test -S "$VMDECK_RUNTIME_DIR/linux/vnc.sock" || fail "no VNC socket for linux"

# (a) screenshot --text: the guest's lines as plain text.
text() { vd screenshot "$1" --text --settle 200 2>"$T_TMP/text.err"; }
guest_up() { text linux >"$T_TMP/linux.txt" && grep -q 'textguest: acpid started' "$T_TMP/linux.txt"; }
check "screenshot --text: the guest's tty0 line 'textguest: acpid started'" wait_for 60 guest_up
check "screenshot --text: SeaBIOS's banner, verbatim" grep -q '^SeaBIOS (version [0-9.]' "$T_TMP/linux.txt"
check "screenshot --text: 25 lines, trailing blanks trimmed" \
	bash -c "[[ \$(wc -l <'$T_TMP/linux.txt') == 25 ]] && ! grep -q ' \$' '$T_TMP/linux.txt'"
log "the guest's screen as text:"
grep . "$T_TMP/linux.txt" | sed 's/^/    | /' >&2

splash_up() { vd screenshot splash "$T_TMP/splash.png" 2>/dev/null && ! text splash >/dev/null; }
check "screenshot --text on a graphics screen (the splash) fails" wait_for 30 splash_up
check "... naming the VM and the frame size" grep -q "splash: the 640x480 screen is not a text screen" "$T_TMP/text.err"
cat "$T_TMP/text.err" >&2

# (b) the TUI at 160x50, zoomed.
tmux_start 160 50 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" \
	${VMDECK_CONSOLE_FONT:+VMDECK_CONSOLE_FONT="$VMDECK_CONSOLE_FONT"} bash --norc --noprofile
tmux_keys "PS1='$ '" Enter
tui_run_in_pane "$VMDECK" --profiles "$prof"
tui_expect 10 " linux +running" "the list shows linux running (selected first)"
tmux_keys z
tui_expect 10 "screen linux \\(z: back\\) - text 80x25" "z: the title says the screen is drawn as text 80x25"
tui_expect 10 "textguest: acpid started" "z: the guest's line, readable as characters (capture-pane -p)"
tui_expect 5 "SeaBIOS \\(version [0-9.]" "z: SeaBIOS's banner too"
# (SGR codes sit between the words: grep the word alone.)
check_cells() { $T_TMUX capture-pane -e -p -t t | grep 'textguest:' | grep -E $'\x1b\\[38;5;[0-9]+m' | grep -qE $'\x1b\\[48;5;[0-9]+m'; }
check "z: the text keeps its colours (256-colour SGR on those cells)" check_cells
$T_TMUX capture-pane -p -t t >"$T_TMP/zoom-linux.txt"
log "zoomed TUI, linux:"
grep '[A-Za-z]' "$T_TMP/zoom-linux.txt" | grep -v '^ *vmdeck \|screen linux\|quit' | sed 's/^/    /' >&2

# The splash VM: pixels while the splash shows, text once the menu is up.
tmux_keys z
tui_expect_not 5 "text 80x25" "z again: back to the normal layout"
tmux_keys j
tui_expect 5 "> *splash|splash +running" "splash selected"
tmux_keys z
tui_expect 10 "screen splash \\(z: back\\) - pixels 640x480" "z on the splash: pixels 640x480"
quads() { (($($T_TMUX capture-pane -p -t t | grep -c '[▖▗▘▙▚▛▜▝▞▟▌▐▄▀]') >= 40)); }
check "z on the splash: block-glyph pixels, at least 40 rows of them at 160x50" wait_for 30 quads
vd monitor splash "sendkey esc" >/dev/null 2>&1 || log "monitor sendkey failed"
tui_expect 15 "screen splash \\(z: back\\) - text 80x25" "ESC: the boot menu is text, the zoomed pane follows"
tui_expect 5 "Select boot device:" "the boot menu's text is readable"
vd monitor splash "system_reset" >/dev/null 2>&1 || log "monitor system_reset failed"
tui_expect 20 "screen splash \\(z: back\\) - pixels 640x480" "reset: the splash again, back to pixels"
tui_expect_not 5 "Select boot device:" "... and the old text is gone"

tmux_keys q
tui_expect 10 "EXIT=0" "vmdeck quits cleanly"

# A console font that is not there: pixels, and the title says why.
tmux_keys clear Enter
tui_run_in_pane env VMDECK_CONSOLE_FONT=/nonexistent/font.psf "$VMDECK" --profiles "$prof"
tui_expect 10 " linux +running" "bad VMDECK_CONSOLE_FONT: linux listed"
tmux_keys z
tui_expect 10 "pixels 720x400; no text view: VMDECK_CONSOLE_FONT: /nonexistent/font.psf" \
	"bad VMDECK_CONSOLE_FONT: zoomed pixels, the title names the font"
tmux_keys q
tui_expect 10 "EXIT=0" "vmdeck quits cleanly"
VMDECK_CONSOLE_FONT=/nonexistent/font.psf vd screenshot linux --text >/dev/null 2>"$T_TMP/nofont.err"
check "bad VMDECK_CONSOLE_FONT: screenshot --text fails (exit 1)" test $? -eq 1
check "... naming the VM and the font" grep -q "linux: cannot read the screen as text: VMDECK_CONSOLE_FONT: /nonexistent/font.psf" "$T_TMP/nofont.err"
cat "$T_TMP/nofont.err" >&2
finish
