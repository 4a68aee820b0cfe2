#!/usr/bin/env bash
# The mouse, against the real binary in a real terminal (tmux): what mouse
# mode vmdeck asks the terminal for (tmux's own view of the pane), clicks and
# wheel notches sent as the bytes a terminal sends (xterm SGR 1006 with
# TERM=xterm-256color, X10 with TERM=tmux-256color) via send-keys -H, and the
# mode switched off again after q, SIGTERM, SIGHUP and a crash (the raw pty
# output, tests/tui/mouse_pty.py). --no-mouse and VMDECK_MOUSE=0 leave the
# mouse to the terminal; --read-only still selects and scrolls.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need tmux python3

# 200 profiles: the list scrolls.
prof=$T_TMP/profiles
mkdir -p "$prof"
for i in $(seq 1 200); do
	printf 'name: m%03d\nmemory: 64M\n' "$i" >"$prof/m$(printf %03d "$i").yaml"
done

# In a namespace of our own (as root) two bridges of ours: a click selects
# one, and P then pins that one (the effect shows which was selected).
run=()
if [[ $(id -u) -eq 0 ]]; then
	netns_new ns
	run=(ip netns exec "$ns")
	ip -n "$ns" link add br-a type bridge || fail "bridge br-a in $ns"
	ip -n "$ns" link add br-b type bridge || fail "bridge br-b in $ns"
fi

hex() { printf '%s' "$1" | od -An -tx1 | tr -s ' \n' ' '; }
send() { tmux_keys -H $(hex "$1"); }
# xterm SGR (1006): ESC [ < button ; x ; y M (press) / m (release); 1-based.
sgr_click() { send $'\e[<0;'"$1;$2"$'M\e[<0;'"$1;$2"'m'; }
sgr_wheel() { # sgr_wheel up|down X Y N
	local b=64 s='' i
	[[ $1 == down ]] && b=65
	for ((i = 0; i < $4; i++)); do s+=$'\e[<'"$b;$2;$3"'M'; done
	send "$s"
}
# X10 (1000 without 1006): ESC [ M, then 32 + button, x, y (1-based).
x10_click() {
	local x y
	x=$(printf '%02x' $((32 + $1)))
	y=$(printf '%02x' $((32 + $2)))
	tmux_keys -H 1b 5b 4d 20 "$x" "$y" 1b 5b 4d 23 "$x" "$y"
}
# tmux's record of the mouse mode the pane's program asked for.
mouse_mode() { $T_TMUX display -p -t t 'std=#{mouse_standard_flag} sgr=#{mouse_sgr_flag} any=#{mouse_any_flag}'; }
expect_mode() {
	if wait_for 30 bash -c "[[ \$($T_TMUX display -p -t t 'std=#{mouse_standard_flag} sgr=#{mouse_sgr_flag} any=#{mouse_any_flag}') == \"\$0\" ]]" "$1"; then
		log "ok: $2 ($1)"
	else
		log "NOT OK: $2 (want $1, tmux says $(mouse_mode))"
		T_FAILS=$((T_FAILS + 1))
	fi
}
# The screen line (1-based: the row a terminal reports) showing VM NAME in the list.
vm_line() { tmux_screen | grep -nE "^.[^ ] $1 " | head -n1 | cut -d: -f1; }
# 1-based column where TEXT starts on the status line.
status_col() { tmux_screen | tail -n1 | LC_ALL=C.UTF-8 awk -v t="$1" '{ i = index($0, t); print i }'; }

tmux_start 120 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" bash --norc --noprofile
tmux_keys "PS1='$ '" Enter
expect_mode "std=0 sgr=0 any=0" "the shell has no mouse mode"

# --- xterm-256color: SGR 1006 ---------------------------------------------
tui_run_in_pane "${run[*]}" "$VMDECK" --profiles "$prof"
tui_expect 10 " m001 " "the list"
tui_expect 5 "monitor m001" "m001 selected first"
expect_mode "std=1 sgr=1 any=1" "xterm-256color: clicks (1000) in SGR encoding (1006), no motion"

row=$(vm_line m002)
sgr_click 6 "$row"
tui_expect 5 "monitor m002" "a click on the second row selects m002"
tui_expect 2 "┌ m002 " "the details pane shows m002"

row1=$(vm_line m001)
sgr_wheel down 6 "$row1" 3
tui_expect_not 5 " m001 " "3 notches down: m001 scrolled off"
check "3 notches scroll the list 9 rows: m010 is on the first row" test "$(vm_line m010)" = "$row1"
tui_expect 2 "monitor m010" "the selection is dragged along (the list always shows it)"
sgr_wheel up 6 "$row1" 1
tui_expect 5 "^.[^ ] m007 " "a notch up: 3 rows back"
check "m007 is on the first row" test "$(vm_line m007)" = "$row1"
tui_expect 2 "monitor m010" "the selection stays while it is on screen"
sgr_wheel down 6 "$row1" 80
tui_expect 5 " m200 " "the wheel reaches the end of 200 profiles"

# The thumbnail pane: a click zooms (as z), another one comes back.
trow=$(tmux_screen | grep -n "┌ screen " | head -n1 | cut -d: -f1)
sgr_click 91 $((trow + 3))
tui_expect 5 "\(z: back\)" "a click on the screen pane zooms it"
sgr_click 60 20
tui_expect_not 5 "\(z: back\)" "a click on the zoomed screen goes back"

# The network pane takes the focus: the VM keys leave the status bar.
sgr_click 91 15 # below the bridges: br-a stays selected
tui_expect_not 5 "i install/boot" "a click on the network pane focuses it"
row=$(vm_line m200)
sgr_click 6 "$row"
tui_expect 5 "i install/boot" "a click on the list focuses it again"

# Status bar hints: harmless ones are keys, start/stop stay on the keyboard.
sgr_click "$(($(status_col "s start") + 1))" 40
tui_expect 5 "start: press s" "a click on 's start' only says to press s"
check "nothing started" bash -c "$T_TMUX capture-pane -p -t t | grep -E '^.[^ ] m200 +stopped' -q"
sgr_click "$(($(status_col "?/F1 help") + 1))" 40
tui_expect 5 "help: keys" "a click on '?/F1 help' opens help"
sgr_click "$(($(status_col "?/F1 help") + 1))" 40
tui_expect_not 5 "help: keys" "and a click on it again closes it"

if ((${#run[@]})); then
	brow=$(tmux_screen | grep -n " br-b " | head -n1 | cut -d: -f1)
	sgr_click 91 $((brow + 1)) # its second row: the whole block is the bridge
	tui_expect 5 "P pin MAC" "a click on br-b focuses the network pane"
	tmux_keys P
	tui_expect 10 " br-b [0-9a-f:]+ pinned" "P pins the clicked bridge br-b"
	check "br-a is not pinned" bash -c "$T_TMUX capture-pane -p -t t | grep -Eq ' br-a [0-9a-f:]+ (unpinned|AT RISK)'"
	sgr_wheel up 91 "$brow" 1
	tmux_keys P
	tui_expect 10 " br-a [0-9a-f:]+ pinned" "a notch up selects br-a (P pins it)"
else
	log "not root: no namespace of our own, the bridge clicks are not run"
fi

tmux_keys q
tui_expect 10 "EXIT=0" "quit"
expect_mode "std=0 sgr=0 any=0" "after q the terminal has no mouse mode left"

# SIGTERM from outside.
tui_run_in_pane "${run[*]}" "$VMDECK" --profiles "$prof"
expect_mode "std=1 sgr=1 any=1" "mouse on again"
kill -TERM "$TUI_PID"
tui_expect 10 "terminated" "SIGTERM: vmdeck leaves"
expect_mode "std=0 sgr=0 any=0" "after SIGTERM no mouse mode is left"

# --- --no-mouse, VMDECK_MOUSE=0: the terminal keeps its mouse ---------------
tui_run_in_pane "${run[*]}" "$VMDECK" --no-mouse --profiles "$prof"
tui_expect 10 "monitor m001" "--no-mouse: vmdeck runs"
expect_mode "std=0 sgr=0 any=0" "--no-mouse: no mouse mode asked for"
row=$(vm_line m003)
sgr_click 6 "$row"
tmux_keys j # input is read in order: once j shows, the click was seen too
tui_expect 5 "monitor m002" "--no-mouse: a click (should one arrive) selects nothing; j still moves"
tmux_keys q
tui_expect 10 "EXIT=0" "quit"
tmux_keys clear Enter

tui_run_in_pane env VMDECK_MOUSE=0 "${run[*]}" "$VMDECK" --profiles "$prof"
tui_expect 10 "monitor m001" "VMDECK_MOUSE=0: vmdeck runs"
expect_mode "std=0 sgr=0 any=0" "VMDECK_MOUSE=0: no mouse mode asked for"
tmux_keys q
tui_expect 10 "EXIT=0" "quit"
tmux_keys clear Enter

VMDECK_MOUSE=maybe "$VMDECK" --profiles "$prof" </dev/null >"$T_TMP/bad.out" 2>&1
check "VMDECK_MOUSE=maybe: exit 2 (usage)" test $? -eq 2
check "VMDECK_MOUSE=maybe: the message names the variable" grep -q "VMDECK_MOUSE='maybe'" "$T_TMP/bad.out"

# --- tmux-256color: X10 encoding, and --read-only still selects -------------
tui_run_in_pane env TERM=tmux-256color "${run[*]}" "$VMDECK" --read-only --profiles "$prof"
tui_expect 10 "monitor m001" "tmux-256color, --read-only: vmdeck runs"
expect_mode "std=1 sgr=0 any=1" "tmux-256color: clicks (1000) in X10 encoding"
row=$(vm_line m004)
x10_click 6 "$row"
tui_expect 5 "monitor m004" "an X10 click selects m004 under --read-only"
tmux_keys q
tui_expect 10 "EXIT=0" "quit"
expect_mode "std=0 sgr=0 any=0" "tmux-256color: no mouse mode left"

# --- the raw bytes: switched off on every way out ---------------------------
small=$T_TMP/small
mkdir -p "$small"
cp "$prof/m001.yaml" "$prof/m002.yaml" "$small/"
for term in xterm-256color tmux-256color; do
	for how in q TERM HUP SEGV; do
		out=$("${run[@]}" env -u VMDECK_MOUSE LANG=C.UTF-8 python3 "$VMDECK_TESTS/tui/mouse_pty.py" "$term" "$how" \
			"$VMDECK" --profiles "$small" 2>&1 | tail -n1)
		check "pty $term, $how: mouse mode off at the end: $out" grep -q '^on ' <<<"$out"
	done
done
finish
