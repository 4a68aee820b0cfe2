#!/usr/bin/env bash
# tests/import/tui.sh — the I key in the real TUI under tmux: it asks for a
# script path in the status bar, Tab completes directories and file names,
# Esc cancels, Enter imports (the profile lands in the profile directory)
# and the new VM appears in the list, selected; a broken script says why
# with its LINE:COL.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
. "$VMDECK_TESTS/vm/common.sh"
need tmux
# never_shows SECONDS REGEX : the screen does not show REGEX for SECONDS (polled).
never_shows() { ! wait_for "$1" bash -c "$T_TMUX capture-pane -p -t t | grep -Eq -- \"\$0\"" "$2"; }
PROF=$T_TMP/profiles
mkdir -p "$PROF" "$T_TMP/osx-scripts"
profile_bare aaa
cp "$VMDECK_TESTS/import/scripts/boot-macOS.sh" "$T_TMP/osx-scripts/"
printf 'qemu-system-x86_64 -m 1 -name "unclosed\n' >"$T_TMP/osx-scripts/zz-broken.sh"
tmux_start 120 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" bash --norc --noprofile
tmux_keys "PS1='$ '" Enter
tui_run_in_pane "$VMDECK" --profiles "$PROF"
tui_expect 10 " aaa +stopped" "the list shows aaa"

tmux_keys I
tui_expect 5 "import script: _" "I asks for a script path"
tmux_keys Escape
tui_expect 5 "cancelled" "Esc cancels"

tmux_keys I
tmux_keys -l "~/osx-s"
tmux_keys Tab
tui_expect 5 "import script: ~/osx-scripts/_" "Tab completes a directory (and ~)"
tmux_keys Tab
tui_expect 5 "\\(boot-macOS.sh zz-broken.sh\\)|\\(zz-broken.sh boot-macOS.sh\\)" "Tab again lists the candidates"
tmux_keys -l "bo"
tmux_keys Tab
tui_expect 5 "import script: ~/osx-scripts/boot-macOS.sh_" "Tab completes a file name"
tmux_keys Enter
tui_expect 10 " boot-macOS +stopped" "Enter imports: the new VM is in the list"
check "the profile is in the profile directory" test -f "$PROF/boot-macOS.yaml"
# Selected: the details pane shows the new VM's description.
tui_expect 5 "┌ boot-macOS ─" "the new VM is selected: its details pane"
tui_expect 5 "│ imported from /" "… with the description import wrote"

# The report stays: the file watcher's reload 250 ms later finds what the
# import loaded and says nothing ("profiles reloaded" replaced it).
printf 'qemu-system-x86_64 -m 256 -name clean\n' >"$T_TMP/clean.sh"
tmux_keys I
tmux_keys -l "~/clean.sh"
tmux_keys Enter
tui_expect 10 "imported clean \\(kept" "a clean import reports what it kept"
check "the watcher's reload does not replace the import's report" never_shows 1 "profiles reloaded"
tui_expect 5 "imported clean \\(kept" "… still on screen after the watcher fired"

# "-" (stdin: the terminal) and a FIFO would block the TUI: refused, and
# keys still answer.
mkfifo "$T_TMP/fifo.sh"
tmux_keys I
tmux_keys -l "~/fifo.sh"
tmux_keys Enter
tui_expect 5 "import: fifo.sh: not a regular file" "a FIFO is refused, never read"
tmux_keys I
tmux_keys -l "-"
tmux_keys Enter
tui_expect 5 "import: -: stdin is the terminal" "- is refused, never read"
tmux_keys I
tui_expect 5 "import script: _" "keys still answer"
tmux_keys Escape
tui_expect 5 "cancelled" "… and Esc cancels"

tmux_keys I
tmux_keys -l "$T_TMP/osx-scripts/zz-broken.sh"
tmux_keys Enter
tui_expect 5 "import: zz-broken.sh:1:31: unterminated double quote" "a broken script: why, with LINE:COL"
check "no profile for it" test ! -e "$PROF/zz-broken.yaml"
tmux_keys q
tui_expect 10 "EXIT=0" "q quits"
finish
