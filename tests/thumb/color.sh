#!/usr/bin/env bash
# The thumbnail's colour modes end to end: the real vmdeck in tmux with a
# QEMU that has no OS (SeaBIOS text on the VGA console), the thumbnail in
# its normal pane (zoomed over text mode, characters are drawn instead of
# blocks: tests/thumb/text.sh) of a 200x60 window. capture-pane -e
# shows what the program sent, as tmux understood it:
#   TERM=tmux-direct                      24-bit: 38;2;R;G;B / 48;2;... on the
#   TERM=tmux-256color COLORTERM=truecolor  thumbnail's half blocks, and the
#                                         chrome keeps the 256-colour look (as RGB)
#   VMDECK_COLORS=256                     only 38;5 / 48;5
#   VMDECK_COLORS=8                       only 30-37 / 40-47
#   VMDECK_COLORS=bogus                   an error naming the variable, no TUI
#   VMDECK_COLORS=24bit, TERM=screen      falls back, says so on exit
# No network: the VM has no NIC.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need tmux qemu-system-x86_64 infocmp perl python3
infocmp tmux-direct >/dev/null 2>&1 || skip "no tmux-direct terminfo entry (Debian package ncurses-term)"

prof=$T_TMP/profiles
mkdir -p "$prof"
cat >"$prof/bios.yaml" <<'YAML'
name: bios
description: no OS - SeaBIOS waits in its boot menu
accel: kvm:tcg
machine: pc
memory: 64M
extra_args: ["-boot", "menu=on,splash-time=60000"]
YAML
# A 640x480 gradient boot splash (as in tests/thumb/text.sh): SeaBIOS shows
# it in a graphics mode for a minute; zoomed at 160x50 it needs thousands
# of distinct colour pairs at once.
python3 - "$T_TMP/splash.bmp" <<'PY'
import struct, sys
w, h = 640, 480
data = bytearray()
for y in range(h - 1, -1, -1):  # bottom-up rows: SeaBIOS reads no other kind
    data += bytes(b for x in range(w) for b in ((x * 255) // w, (y * 255) // h, (x ^ y) & 255))
hdr = b'BM' + struct.pack('<IHHI', 54 + len(data), 0, 0, 54) + struct.pack('<IiiHHIIiiII', 40, w, h, 1, 24, 0, len(data), 2835, 2835, 0, 0)
open(sys.argv[1], 'wb').write(hdr + data)
PY
cat >"$prof/splash.yaml" <<YAML
name: splash
description: no OS - SeaBIOS shows a gradient boot splash
accel: kvm:tcg
machine: pc
memory: 64M
extra_args: ["-boot", "menu=on,splash=$T_TMP/splash.bmp,splash-time=60000"]
YAML
vd() { "$VMDECK" --profiles "$prof" "$@"; }
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [[ -f $f ]] && kill -9 "$(<"$f")"; done'

vd start bios >"$T_TMP/start.log" 2>&1 || { cat "$T_TMP/start.log" >&2; fail "vmdeck start bios"; }
wait_for 20 test -S "$VMDECK_RUNTIME_DIR/bios/vnc.sock" || fail "no VNC socket for bios"

# A text console gives the picture something to show: wait for it (80x25
# text is 720x400), then let SeaBIOS settle into its "Press ESC" screen.
. "$VMDECK_TESTS/thumb/common.sh"
text_mode() { vd screenshot bios "$T_TMP/now.png" 2>/dev/null && [[ $(png_size "$T_TMP/now.png") == 720x400 ]]; }
wait_for 30 text_mode || fail "the guest never reached its text console"
vd monitor bios "sendkey esc" >/dev/null 2>&1 || log "monitor sendkey failed"

tmux_start 200 60 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" bash --norc --noprofile
tmux_keys "PS1='$ '" Enter

# The colours on screen, from capture-pane -e: counts of
#   blocks_rgb blocks_256 blocks_8  (half/quadrant block cells by fg kind)
#   rgb pal256 pal8                 (SGR colour settings of each kind)
#   blocks_default                  (block cells in the default colour)
# followed by the distinct colours seen, one "fg:SPEC" / "bg:SPEC" a line.
colour_stats() {
	$T_TMUX capture-pane -e -p -t t | perl -CS -e '
		my ($fg, %n, %seen) = ("");
		while (my $line = <STDIN>) {
			for my $tok (split /(\e\[[0-9;:]*m)/, $line) {
				if ($tok =~ /^\e\[([0-9;:]*)m$/) {
					my @p = split /[;:]/, $1;
					@p = (0) unless @p;
					for (my $i = 0; $i < @p; $i++) {
						my $v = $p[$i];
						if (($v == 38 || $v == 48) && ($p[$i + 1] // 0) == 2) {
							my $s = join(";", @p[$i + 2 .. $i + 4]);
							$n{rgb}++; $seen{($v == 38 ? "fg" : "bg") . ":2;$s"} = 1;
							$fg = "rgb" if $v == 38; $i += 4;
						} elsif (($v == 38 || $v == 48) && ($p[$i + 1] // 0) == 5) {
							$n{pal256}++; $seen{($v == 38 ? "fg" : "bg") . ":5;$p[$i + 2]"} = 1;
							$fg = "256" if $v == 38; $i += 2;
						} elsif (($v >= 30 && $v <= 37) || ($v >= 40 && $v <= 47)) {
							$n{pal8}++; $seen{($v < 40 ? "fg" : "bg") . ":$v"} = 1;
							$fg = "8" if $v < 40;
						} elsif ($v >= 90 && $v <= 107) {
							$n{bright}++; $seen{"bright:$v"} = 1;
						} elsif ($v == 0 || $v == 39) {
							$fg = "";
						}
					}
					next;
				}
				my $b = () = $tok =~ /[\x{2580}-\x{259f}]/g;
				$n{"blocks_" . ($fg eq "" ? "default" : $fg)} += $b;
			}
		}
		printf "%d %d %d %d %d %d %d\n", map { $n{$_} // 0 }
			qw(blocks_rgb blocks_256 blocks_8 rgb pal256 pal8 blocks_default);
		print "$_\n" for sort keys %seen;'
}
stats() { colour_stats | head -n1; }
# off_palette : the "fg:2;R;G;B" / "bg:2;..." lines on stdin whose colour
# is none of the xterm palette's 16..255 (6x6x6 cube, grey ramp).
off_palette() {
	perl -ne 'BEGIN { my @l = (0, 95, 135, 175, 215, 255);
		for my $r (@l) { for my $g (@l) { for my $b (@l) { $p{"$r;$g;$b"} = 1 } } }
		for my $i (0 .. 23) { my $v = 8 + 10 * $i; $p{"$v;$v;$v"} = 1 } }
		print if /^[fb]g:2;(\d+;\d+;\d+)$/ && !$p{$1}'
}
seen() { colour_stats | tail -n +2; }
# blocks KIND MIN : at least MIN block cells drawn in a KIND (rgb/256/8) foreground.
blocks() {
	local s; read -ra s <<<"$(stats)"
	case $1 in rgb) ((s[0] >= $2)) ;; 256) ((s[1] >= $2)) ;; 8) ((s[2] >= $2)) ;; esac
}

# run_tui WHAT ENV... : vmdeck in the pane with ENV; wait for the picture.
run_tui() {
	local what=$1; shift
	tmux_keys clear Enter
	tui_run_in_pane env "$@" "$VMDECK" --profiles "$prof"
	tui_expect 10 " bios +running" "$what: bios listed"
	tui_expect 10 "screen bios" "$what: the screen pane is there"
}
quit_tui() {
	tmux_keys q
	tui_expect 10 "EXIT=0" "$1: vmdeck quits cleanly"
}
# expect_24bit WHAT : the chrome in the 256 theme's colours as RGB, the
# zoomed thumbnail in RGB. The theme's ANSI black (0, the focused title's
# text) stays a palette colour on purpose, so 30-37 may appear; 38;5 never.
expect_24bit() {
	local what=$1 s
	# The selection bar (256-colour 25 = #005faf) and the borders
	# (240 = #585858) look as before, just sent as RGB.
	check "$what: selection bar = palette 25 as RGB (48;2;0;95;175)" bash -c 'grep -qx "bg:2;0;95;175" <<<"$1"' _ "$(seen)"
	check "$what: borders = palette 240 as RGB (38;2;88;88;88)" bash -c 'grep -qx "fg:2;88;88;88" <<<"$1"' _ "$(seen)"
	check "$what: the thumbnail's block cells have 24-bit colours (38;2 / 48;2)" wait_for 10 blocks rgb 30
	log "$what: $(stats) (blocks in rgb/256/8 fg, SGR rgb/256/8)"
	read -ra s <<<"$(stats)"
	check "$what: no 256-colour SGR at all" test "${s[4]}" -eq 0
	# Real 24-bit, not the 256 palette sent as RGB: the averaged greys of
	# the text include colours the xterm palette does not have.
	local off; off=$(seen | off_palette | wc -l)
	log "$what: $off distinct colours off the xterm 256 palette"
	check "$what: at least 3 colours off the 256 palette" test "$off" -ge 3
}

# 1. A direct-colour terminfo entry.
run_tui "TERM=tmux-direct" TERM=tmux-direct
expect_24bit "TERM=tmux-direct"
$T_TMUX capture-pane -e -p -t t >"$T_TMP/direct.ans"

# Zoomed over the gradient splash (a graphics mode: pixels, quadrant
# blocks): thousands of colour pairs at once, every block cell coloured.
vd start splash >"$T_TMP/start-splash.log" 2>&1 || { cat "$T_TMP/start-splash.log" >&2; fail "vmdeck start splash"; }
tmux_keys j
tui_expect 20 " splash +running" "splash runs"
tmux_keys z
tui_expect 10 "screen splash.*pixels" "zoomed: the splash is drawn as pixels"
pairs() { colour_stats | tail -n +2 | wc -l; }
many() { (($(colour_stats | head -n1 | cut -d' ' -f1) >= 2000)); }
check "zoomed splash: at least 2000 block cells in 24-bit colour" wait_for 15 many
read -ra s <<<"$(stats)"
log "zoomed splash: $(stats); $(pairs) distinct colours"
check "zoomed splash: no block cell fell back to the default colours" test "${s[6]}" -eq 0
check "zoomed splash: over 1000 distinct colours" test "$(pairs)" -ge 1000
tmux_keys z
vd stop --force splash >/dev/null 2>&1 || vd stop splash >/dev/null 2>&1
quit_tui "TERM=tmux-direct"

# 2. A 256-colour TERM, COLORTERM=truecolor: the tmux-direct sibling.
run_tui "TERM=tmux-256color COLORTERM=truecolor" TERM=tmux-256color COLORTERM=truecolor
expect_24bit "COLORTERM=truecolor"
quit_tui "COLORTERM=truecolor"

# 3. VMDECK_COLORS=256 beats COLORTERM and a direct entry: 38;5 only.
for term in tmux-256color tmux-direct; do
	what="VMDECK_COLORS=256 TERM=$term"
	run_tui "$what" TERM=$term COLORTERM=truecolor VMDECK_COLORS=256
	check "$what: the selection bar is 48;5;25" bash -c 'grep -qx "bg:5;25" <<<"$1"' _ "$(seen)"
	check "$what: block cells in 256 colours" wait_for 10 blocks 256 30
	log "$what: $(stats)"
	read -ra s <<<"$(stats)"
	check "$what: no 24-bit SGR" test "${s[3]}" -eq 0
	quit_tui "$what"
done

# 4. VMDECK_COLORS=8: only the 8 ANSI colours (30-37 / 40-47).
run_tui "VMDECK_COLORS=8" TERM=tmux-direct VMDECK_COLORS=8
check "VMDECK_COLORS=8: block cells in 8 colours" wait_for 10 blocks 8 8
log "VMDECK_COLORS=8: $(stats)"
read -ra s <<<"$(stats)"
check "VMDECK_COLORS=8: no 24-bit or 256-colour SGR" test "${s[3]}" -eq 0 -a "${s[4]}" -eq 0
check "VMDECK_COLORS=8: nothing but 30-37/40-47" bash -c '! grep -v "^[fb]g:[34][0-7]$" <<<"$1" | grep -q .' _ "$(seen)"
quit_tui "VMDECK_COLORS=8"

# 5. An invalid value: a clear error before the screen is taken over.
tmux_keys clear Enter
tmux_keys "env VMDECK_COLORS=16m $VMDECK --profiles $prof; echo EXIT=\$?" Enter
tui_expect 10 "VMDECK_COLORS='16m' is not one of: 24bit, 256, 8, mono" "VMDECK_COLORS=16m: the error names the variable and the values"
tui_expect 5 "EXIT=[1-9]" "VMDECK_COLORS=16m: vmdeck fails"

# 6. Forced 24-bit where terminfo has no direct entry: vmdeck still runs (in
# the terminal's own colours) and says so on exit.
run_tui "VMDECK_COLORS=24bit TERM=screen" TERM=screen VMDECK_COLORS=24bit
read -ra s <<<"$(stats)"
check "VMDECK_COLORS=24bit TERM=screen: no 24-bit SGR" test "${s[3]}" -eq 0
quit_tui "VMDECK_COLORS=24bit TERM=screen"
tui_expect 5 "VMDECK_COLORS=24bit: terminal type 'screen' has no direct-colour terminfo entry" \
	"VMDECK_COLORS=24bit TERM=screen: the fallback is reported on exit"
finish
