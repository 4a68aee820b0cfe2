#!/usr/bin/env bash
# vmdeck under TERM=vt100, LANG=C and NO_COLOR=1: capture-pane shows no stray
# escape codes and no broken glyphs; colour only where it is allowed.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need tmux
locale -a 2>/dev/null | grep -qi '^c.utf-\?8$' || skip "needs the C.UTF-8 locale"

prof=$T_TMP/profiles
mkdir -p "$prof"
cp "$VMDECK_SRC"/profiles/*.yaml "$prof/"
first=$(tui_profile_names "$prof"/*.yaml | head -n1)
run=()
if [[ $(id -u) -eq 0 ]]; then
	netns_new ns
	run=(ip netns exec "$ns")
fi

# A colour SGR: 30-38, 40-48, 90-97 (38;5;N, 48;5;N included); 39/49 are
# "default colour" and allowed.
sgr_colour=$'\e\\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7])[;m]'

# What is left on screen of an escape sequence that lost its ESC (or was cut
# in two): CSI "[0m", "[38;5;…", "[?25l", "[3…m"; colour parameters
# "38;5;", "48:2:"; the charset switch "(B". Prints the lines found.
leftover='\[[0-9;:?]*[0-9?][0-9;:]*[A-Za-z@]|\[3([0-9;:]|$)|[34]8[;:][25][;:]|\(B|\[\?'
no_leftovers() { ! LC_ALL=C grep -En -- "$leftover" "$@" >&2; }

# one NAME TERM LANG NO_COLOR
one() {
	local name=$1 term=$2 lang=$3 nocolor=$4
	log "--- $name: TERM=$term LANG=$lang NO_COLOR=$nocolor"
	tmux_start 100 30 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM="$term" LANG="$lang" ${nocolor:+NO_COLOR=$nocolor} \
		VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" \
		"${run[@]}" "$VMDECK" --profiles "$prof"
	tui_expect 10 " $first " "$name: the list is drawn"
	tmux_keys '?' # the help screen too: every glyph and role on it
	tui_expect 5 "help: keys" "$name: help drawn"
	tmux_screen >"$T_TMP/$name.help.txt"
	tmux_keys Escape
	tui_expect_not 5 "help: keys" "$name: help closed"
	tmux_screen >"$T_TMP/$name.txt"
	tmux_screen -e >"$T_TMP/$name.esc"
	check "$name: no escape codes in the text" bash -c "! grep -q \$'\\e' '$T_TMP/$name.txt' '$T_TMP/$name.help.txt'"
	# tmux swallows a lone ESC, so a broken sequence shows as the rest of it.
	check "$name: no escape-sequence leftovers in the text" no_leftovers "$T_TMP/$name.txt" "$T_TMP/$name.help.txt"
	if [[ $lang == C ]]; then
		check "$name: 7-bit printable only" bash -c "! LC_ALL=C grep -q '[^ -~]' '$T_TMP/$name.txt' '$T_TMP/$name.help.txt'"
		check "$name: no byte >= 0x80" test -z "$(cat "$T_TMP/$name.txt" "$T_TMP/$name.help.txt" | LC_ALL=C tr -d '\000-\177')"
	else
		check "$name: UTF-8 line drawing" grep -q $'\u2500' "$T_TMP/$name.txt"
		check "$name: no replacement glyphs" bash -c "! grep -q \$'\\uFFFD' '$T_TMP/$name.txt'"
	fi
	if [[ -n $nocolor || $term == vt100 ]]; then
		check "$name: no colours" bash -c "! grep -Eq '$sgr_colour' '$T_TMP/$name.esc'"
		check "$name: attributes still mark the selection" grep -q $'\e\\[' "$T_TMP/$name.esc"
	else
		check "$name: colours in use" grep -Eq "$sgr_colour" "$T_TMP/$name.esc"
	fi
	tmux_keys q
	wait_for 10 bash -c "! $T_TMUX has-session -t t" || { log "NOT OK: $name: did not quit"; T_FAILS=$((T_FAILS + 1)); }
	$T_TMUX kill-server 2>/dev/null
}

one vt100 vt100 C.UTF-8 ""
one langc xterm-256color C ""
one nocolor xterm-256color C.UTF-8 1
one colour256 xterm-256color C.UTF-8 ""
one colour8 xterm C.UTF-8 ""
finish
