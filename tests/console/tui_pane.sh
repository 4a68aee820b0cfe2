#!/usr/bin/env bash
# The TUI's console pane (issue 14) against the test guest's serial shell
# (vmdeck.serial=shell), in tmux: c focuses it, a command typed there runs
# in the guest and its output shows in the pane; busybox top renders
# (its header) and q leaves it; Esc Esc gives the keyboard back to the list
# (a key then acts on vmdeck, not the guest); z then c fills the window with
# the console; a click on the pane focuses it; a read-only vmdeck shows the
# console but sends nothing; and the pane reconnects after the VM restarts.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
. "$VMDECK_TESTS/tui/common.sh"
need tmux python3
guest_build
GUEST_APPEND_EXTRA="vmdeck.serial=shell" profile_guest cp1
out=$("$VMDECK" start cp1 2>&1) || fail "start: $out"
wait_for 240 grep -q "guest# " "$VMDECK_RUNTIME_DIR/cp1/serial.log" || fail "no shell prompt on the serial console"

tui_shell 120 40
tui_run_in_pane "'$VMDECK' --profiles '$PROF'"
tui_expect 20 "console cp1" "the console pane shows the selected VM"

tmux_keys c
tui_expect 10 "console cp1 \(typing; Esc Esc leaves\)" "c focuses the console and holds it"
tmux_keys -l 'echo $((20+22))-pane'
tmux_keys Enter
tui_expect 30 "42-pane" "a command typed into the pane runs in the guest and shows"
check "and reaches serial.log" wait_for 10 grep -q "42-pane" "$VMDECK_RUNTIME_DIR/cp1/serial.log"

# A second holder is refused while the pane holds the console.
out=$("$VMDECK" console cp1 </dev/null 2>&1)
check "vmdeck console is refused while the TUI holds it, naming it" grep -q "held by vmdeck (TUI) (pid $TUI_PID)" <<<"$out"

# A full-screen program: busybox top (its header), q leaves it. A serial
# line has no size: the guest is told the pane's with stty, as a user would.
top_row=$(tmux_screen | grep -n "console cp1" | head -n1 | cut -d: -f1)
bot_row=$(tmux_screen | awk -v t="$top_row" 'NR > t && /^└/ { print NR; exit }')
rows=$((bot_row - top_row - 1)) cols=$((120 / 2 - 2))
log "the console pane is ${rows}x${cols}"
tmux_keys -l "stty rows $rows cols $cols"
tmux_keys Enter
tmux_keys -l 'top'
tmux_keys Enter
tui_expect 30 "Mem: .*used" "busybox top renders its header in the pane"
tui_expect 10 "CPU: .*usr" "and its CPU line"
tmux_keys q
tui_expect 20 "^│guest# +│" "q leaves top, the prompt is back"

# Esc Esc leaves: the next key is vmdeck's (? opens the help), not the guest's.
tmux_keys Escape
tmux_keys Escape
tui_expect 10 "console cp1 *[─-]" "Esc Esc leaves the console (title without typing)"
tmux_keys '?'
tui_expect 10 "this help" "a key after Esc Esc reaches vmdeck (the help)"
tmux_keys '?'
tui_expect_not 10 "this help" "help closed"
check "the ? was not typed into the guest" bash -c "! tail -c 300 '$VMDECK_RUNTIME_DIR/cp1/serial.log' | grep -q 'guest# ?'"

# Zoomed: z then c, the console fills the window; Esc Esc un-zooms.
tmux_keys z
tmux_keys c
tui_expect 10 "console cp1 \(typing" "z then c: the console zoomed, typing"
tmux_keys -l 'echo zoomed-$((3*3))'
tmux_keys Enter
tui_expect 20 "zoomed-9" "typing into the zoomed console works"
tmux_keys Escape
tmux_keys Escape
tui_expect 10 "┌ VMs " "Esc Esc un-zooms: the VM list is back"

# A click on the pane focuses it (SGR mouse report at the pane's middle).
row=$(tmux_screen | grep -n "console cp1" | head -n1 | cut -d: -f1)
if [[ -n $row ]]; then
	tmux_keys -l $'\e[<0;10;'"$((row + 2))"'M'
	tui_expect 10 "console cp1 \(typing" "a click on the pane focuses the console"
	tmux_keys Escape
	tmux_keys Escape
	tui_expect 10 "console cp1 *[─-]" "Esc Esc again"
else
	check "the console pane's title row" false
fi

# The VM restarts: the pane reconnects and shows the new boot.
"$VMDECK" kill cp1 >/dev/null 2>&1
tui_expect 30 "the VM stopped|cp1 is not running" "the pane says the VM stopped"
"$VMDECK" start cp1 >/dev/null 2>&1 || fail "restart"
tmux_keys c
tui_expect 60 "console cp1 \(typing" "after a restart c holds the new console"
tui_expect 240 "^│guest# +│" "the restarted guest's prompt shows in the pane"
tmux_keys -l 'echo again-$((5+5))'
tmux_keys Enter
tui_expect 120 "again-10" "the reconnected pane types into the restarted guest"
tmux_keys Escape
tmux_keys Escape
tmux_keys q
tui_expect 10 "EXIT=0" "vmdeck quits"

# Read-only: the pane shows the console; keys are not sent.
tui_run_in_pane "'$VMDECK' --read-only --profiles '$PROF'"
tui_expect 20 "console cp1" "read-only: the console pane"
tmux_keys c
tui_expect 10 "read-only: watching" "read-only: c focuses the pane to watch"
tmux_keys -l 'echo readonly-$((1+1))'
tmux_keys Enter
tui_expect 10 "read-only: the console only shows" "read-only: typing is refused with a message"
sleep_check() { ! grep -q "readonly-2" "$VMDECK_RUNTIME_DIR/cp1/serial.log"; }
# Nothing reaches the guest: a later command from a real holder is answered,
# the read-only one never is.
out=$(printf 'echo probe-$((7*6))\r\x1d' | "$VMDECK" console cp1 2>&1)
check "another console still holds it while the read-only TUI watches" wait_for 20 grep -q "probe-42" "$VMDECK_RUNTIME_DIR/cp1/serial.log"
check "the read-only TUI sent nothing" sleep_check
tmux_keys Escape
tmux_keys Escape
tmux_keys q
tui_expect 10 "EXIT=0" "read-only vmdeck quits"
"$VMDECK" kill cp1 >/dev/null 2>&1
finish
