#!/usr/bin/env bash
# The thumbnail pane end to end: the real vmdeck in tmux with a QEMU that
# has no OS (SeaBIOS text on the VGA console). Selecting the running VM
# shows its screen within 2 s as colour half-block cells (capture-pane -e);
# the picture follows the guest's screen (sendkey); QEMU killed -> the pane
# says so and vmdeck survives; started again -> the picture returns; z zooms
# the thumbnail to a 160x50 window. No network: the VMs have no NIC.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need tmux qemu-system-x86_64

prof=$T_TMP/profiles
mkdir -p "$prof"
# "aaa" sorts first and stays stopped, so the TUI starts with it selected.
cat >"$prof/aaa.yaml" <<'YAML'
name: aaa
description: never started
memory: 64M
YAML
cat >"$prof/bios.yaml" <<'YAML'
name: bios
description: no OS - SeaBIOS waits in its boot menu
accel: kvm:tcg
machine: pc
memory: 64M
extra_args: ["-boot", "menu=on,splash-time=60000"]
YAML
vd() { "$VMDECK" --profiles "$prof" "$@"; }
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [[ -f $f ]] && kill -9 "$(<"$f")"; done'

vd start bios >"$T_TMP/start.log" 2>&1 || { cat "$T_TMP/start.log" >&2; fail "vmdeck start bios"; }
wait_for 20 test -S "$VMDECK_RUNTIME_DIR/bios/vnc.sock" || fail "no VNC socket for bios"

tmux_start 120 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" bash --norc --noprofile
tmux_keys "PS1='$ '" Enter
tui_run_in_pane "$VMDECK" --profiles "$prof"
tui_expect 10 " bios +running" "the list shows bios running"

HB=$(printf '\u2580')
# The picture in the colour screen dump: for each row, the cells drawn on a
# 256-colour background from the xterm cube/grey ramp (the thumbnail's
# palette; vmdeck's own UI colours are not black 16). Prints "CELLS TEXT"
# per row that has picture cells.
thumb_lines() {
	$T_TMUX capture-pane -e -p -t t | perl -CS -ne '
		my ($bg, $n, $seen16) = ("", 0, 0);
		for my $tok (split /(\e\[[0-9;]*m)/) {
			if ($tok =~ /^\e\[([0-9;]*)m$/) {
				my @p = split /;/, $1;
				for (my $i = 0; $i < @p; $i++) {
					if ($p[$i] == 48 && ($p[$i + 1] // 0) == 5) { $bg = $p[$i + 2]; $i += 2; }
					elsif ($p[$i] == 38 && ($p[$i + 1] // 0) == 5) { $i += 2; }
					elsif ($p[$i] == 49 || $p[$i] == 0 || $p[$i] eq "") { $bg = ""; }
				}
				next;
			}
			next if $bg eq "" || $bg < 16;
			$seen16 = 1 if $bg == 16;
			$n += length($tok);
		}
		chomp; print "$n $_\n" if $n > 0 && $seen16;'
}
has_thumb() { (($(thumb_lines | wc -l) >= 5)); }
# check_screen WHAT CMD... : check, with a screen dump when it fails.
check_screen() {
	local what=$1; shift
	"$@" && { log "ok: $what"; return; }
	log "NOT OK: $what"
	tui_dump
	T_FAILS=$((T_FAILS + 1))
}
# Half blocks with a 256-colour foreground: the "cells with colour attributes".
has_half_blocks() { $T_TMUX capture-pane -e -p -t t | grep -E $'\x1b\\[[0-9;]*38;5;[0-9]+' | grep -q "$HB"; }

tui_expect 5 " aaa " "aaa is listed (and selected first)"
t0=$(date +%s%N)
tmux_keys j
# (how soon is a figure, logged here and measured in bench_thumb_tui.sh; the
# bound only has to be generous for a slow, busy machine)
if wait_for 30 has_thumb; then
	log "ok: the thumbnail appears after selecting bios ($((($(date +%s%N) - t0) / 1000000)) ms)"
else
	log "NOT OK: no thumbnail within 30 s of selecting bios"
	tui_dump
	T_FAILS=$((T_FAILS + 1))
fi
check_screen "capture-pane -e shows half blocks with colour attributes" wait_for 10 has_half_blocks
log "thumbnail rows: $(thumb_lines | wc -l)"

# The picture follows the guest: ESC opens SeaBIOS's boot menu.
# Let SeaBIOS settle first: two dumps a second apart agree.
settled() { local a; a=$(thumb_lines | md5sum); sleep 1; [[ $(thumb_lines | md5sum) == "$a" ]]; }
wait_for 20 settled
before=$(thumb_lines | md5sum)
vd monitor bios "sendkey esc" >/dev/null 2>&1 || log "monitor sendkey failed"
changed() { [[ $(thumb_lines | md5sum) != "$before" ]]; }
check "the thumbnail changes when the guest's screen changes" wait_for 10 changed

# QEMU killed while its thumbnail is shown.
qpid=$(<"$VMDECK_RUNTIME_DIR/bios/qemu.pid")
kill -9 "$qpid"
# The screen pane's own message (tui/src_thumb.c: the VNC connection is gone;
# tui/view_misc.c: once the list knows the VM exited) — not the list's
# " bios exited" row.
tui_expect 10 "VM screen is gone|not running: no screen" "QEMU killed: the pane says the VM is gone"
check "vmdeck survives" kill -0 "$TUI_PID"
tui_expect 15 " bios +(exited|stopped)" "the list shows bios exited"

# Started again (from the TUI: s on the selected VM): the picture returns.
tmux_keys s
tui_expect 30 " bios +running" "bios runs again"
check_screen "the thumbnail returns" wait_for 15 has_thumb

# Zoom at 160x50 on the 80x25 text console (720x400; SeaBIOS starts in a
# 640x480 mode): the characters themselves (core/textscr; pixels zoomed on a
# graphics screen are tested in thumb/text.sh).
. "$VMDECK_TESTS/thumb/common.sh"
text_mode() { vd screenshot bios "$T_TMP/now.png" 2>/dev/null && [[ $(png_size "$T_TMP/now.png") == 720x400 ]]; }
check "the restarted guest reaches its text console (screenshot by NAME: 720x400)" wait_for 30 text_mode
$T_TMUX resize-window -t t -x 160 -y 50
wait_for 30 has_thumb
tmux_keys z
tui_expect 10 "screen bios \\(z: back\\) - text 80x25" "z: the text console is drawn as characters (title: text 80x25)"
tui_expect 5 "SeaBIOS \\(version [0-9.]" "z: SeaBIOS's banner is readable (capture-pane -p)"
$T_TMUX capture-pane -e -p -t t >"$T_TMP/zoom.ans"
tmux_keys z
tui_expect_not 5 "text 80x25" "z again: back to the normal layout"

tmux_keys q
tui_expect 10 "EXIT=0" "vmdeck quits cleanly"

# A monochrome ASCII terminal: the thumbnail is a brightness ramp.
tmux_keys clear Enter
tui_run_in_pane env TERM=vt100 LANG=C "$VMDECK" --profiles "$prof"
tui_expect 10 " bios +running" "TERM=vt100 LANG=C: bios listed"
tmux_keys j
tui_expect 10 "[.:=*#%@]{4}" "TERM=vt100 LANG=C: the thumbnail is an ASCII brightness ramp"
check "TERM=vt100 LANG=C: no half blocks" bash -c "! $T_TMUX capture-pane -p -t t | grep -q '$HB'"
tmux_keys q
tui_expect 10 "EXIT=0" "vmdeck quits cleanly"
finish
