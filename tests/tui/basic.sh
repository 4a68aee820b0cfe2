#!/usr/bin/env bash
# The real vmdeck in tmux without VMs: the list shows the bundled profiles,
# `i` changes the mode mark, help, resizes (80x24, 40x10), automatic reload
# when profile files change (a bad one shows file:line, the rest still load),
# quit says VMs keep running, and SIGHUP restores the terminal.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
need tmux

prof=$T_TMP/profiles
mkdir -p "$prof"
cp "$VMDECK_SRC"/profiles/*.yaml "$prof/"
names=$(tui_profile_names "$prof"/*.yaml)
first=$(head -n1 <<<"$names")
[[ -n $first ]] || fail "no bundled profiles"

# Watch a namespace of our own when we can (the network pane then is empty);
# else vmdeck only watches (reads) the current one.
run=()
if [[ $(id -u) -eq 0 ]]; then
	netns_new ns
	run=(ip netns exec "$ns")
fi

tmux_start 120 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" bash --norc --noprofile
tmux_keys "PS1='$ '; stty -g > $T_TMP/stty.before" Enter
tui_run_in_pane "${run[*]}" "$VMDECK" --profiles "$prof"

for n in $names; do
	tui_expect 10 " $n " "the list shows profile $n"
done
tui_expect 5 "VMs $(wc -w <<<"$names")" "the VM count"

# An idle screen writes nothing: what the program sends to its pane is
# recorded for 3 s (tmux pipe-pane -o) after the screen has settled (two
# captures a second apart agree: a poll, not a guess of how long drawing
# takes). The 3 s are the observation window, not a wait.
settled() { local a; a=$(tmux_screen | md5sum); sleep 1; [[ $(tmux_screen | md5sum) == "$a" ]]; }
wait_for 60 settled || log "the screen did not settle"
$T_TMUX pipe-pane -t t -o "cat >> $T_TMP/idle.out"
sleep 3 # the observation window
$T_TMUX pipe-pane -t t
check "an idle screen writes nothing ($(stat -c %s "$T_TMP/idle.out" 2>/dev/null || echo none) bytes in 3 s)" \
	test "$(stat -c %s "$T_TMP/idle.out" 2>/dev/null)" = 0
# ...and the recording works: moving the selection down writes. (j and k
# sent together can land in one read, one pass that changes nothing: back
# only once the move was written.)
$T_TMUX pipe-pane -t t -o "cat >> $T_TMP/moved.out"
tmux_keys j
check "a key that changes the screen writes (the recording works)" wait_for 30 test -s "$T_TMP/moved.out"
$T_TMUX pipe-pane -t t
tmux_keys k
tui_expect 5 "┌ $first " "k selects $first again"

# The mode mark: boot -> install -> boot, saved in the state dir.
check "$first starts in boot mode" bash -c "$T_TMUX capture-pane -p -t t | grep -E ' $first .* boot ' -q"
tmux_keys i
tui_expect 5 " $first .* install([ |]|$(printf '\u2502'))" "i sets install mode"
check "mode saved in the state dir" wait_for 30 grep -rqs install "$VMDECK_STATE_DIR"
tmux_keys i
tui_expect 5 " $first .* boot " "i sets boot mode again"

# Help from the key table, and back.
tmux_keys '?'
tui_expect 5 "help: keys" "? opens help"
tui_expect 1 "pin the selected bridge" "help lists the pin key"
tmux_keys Escape
tui_expect_not 5 "help: keys" "Esc closes help"

# Resizes: 80x24 (everything still there), 40x10 (too small), back.
$T_TMUX resize-window -t t -x 80 -y 24
tui_expect 5 " $first " "80x24 still shows the list"
fits() { # every captured line at most $1 characters wide?
	local LC_ALL=C.UTF-8 l
	while IFS= read -r l; do ((${#l} > $1)) && return 1; done < <(tmux_screen)
	return 0
}
check "80x24: nothing wider than the screen" fits 80
tui_expect 2 "q quit" "80x24: the status line"
$T_TMUX resize-window -t t -x 40 -y 10
tui_expect 5 "terminal too small: 40x10" "40x10 says too small"
$T_TMUX resize-window -t t -x 120 -y 40
tui_expect 5 " $first " "back to 120x40"
tui_expect_not 5 "too small" "the too-small note is gone"

# Reload when the files change: a new profile appears, a bad one shows its
# file:line message and the others stay.
cat >"$prof/zz-new.yaml" <<'YAML'
name: zz-new
memory: 64M
YAML
tui_expect 10 " zz-new " "a new profile file appears without a key"
printf 'name: zz-bad\nmemroy: 1G\n' >"$prof/zz-bad.yaml"
tui_expect 10 "zz-bad.yaml:2:1" "a bad profile shows file:line"
tui_expect 1 " $first " "the other profiles still load"
tui_expect 1 "profile problem" "the header counts profile problems"

# Quit: the exit message says what keeps running.
tmux_keys q
tui_expect 10 "vmdeck: quit; no VMs running" "quit message"
tui_expect 5 "EXIT=0" "exit code 0"

# SIGHUP (the ssh link dropping): the terminal is restored.
tui_run_in_pane "${run[*]}" "$VMDECK" --profiles "$prof"
tui_expect 10 " $first " "vmdeck again"
kill -HUP "$TUI_PID"
tui_expect 10 "hangup" "SIGHUP: vmdeck leaves"
tmux_keys "stty -g > $T_TMP/stty.after; cmp -s $T_TMP/stty.before $T_TMP/stty.after && echo STTY-\$((40+2))" Enter
tui_expect 10 "^STTY-42" "the shell is usable and the tty modes are restored"

# A crash (SIGSEGV) restores the terminal too.
tui_run_in_pane "${run[*]}" "$VMDECK" --profiles "$prof"
tui_expect 10 " $first " "vmdeck again"
kill -SEGV "$TUI_PID"
tui_expect 10 "crashed; the terminal was restored" "SIGSEGV: the crash handler restores the terminal"
tmux_keys "stty -g > $T_TMP/stty.after3; cmp -s $T_TMP/stty.before $T_TMP/stty.after3 && echo STTY-\$((60+6))" Enter
tui_expect 10 "^STTY-66" "tty restored after a crash"

# --read-only: everything is shown, nothing changes.
tui_run_in_pane "${run[*]}" "$VMDECK" --read-only --profiles "$prof"
tui_expect 10 "\[read-only\]" "--read-only says so"
tmux_keys i
tui_expect 5 "read-only: install/boot is off" "--read-only refuses the mode toggle"
check "--read-only: the mode did not change" bash -c "$T_TMUX capture-pane -p -t t | grep -E ' $first .* boot' -q"
tmux_keys q
tui_expect 10 "EXIT=0" "read-only quit"

# SIGTERM likewise.
tui_run_in_pane "${run[*]}" "$VMDECK" --profiles "$prof"
tui_expect 10 " $first " "vmdeck again"
kill -TERM "$TUI_PID"
tui_expect 10 "terminated" "SIGTERM: vmdeck leaves"
tmux_keys "stty -g > $T_TMP/stty.after2; cmp -s $T_TMP/stty.before $T_TMP/stty.after2 && echo STTY-\$((50+5))" Enter
tui_expect 10 "^STTY-55" "tty restored after SIGTERM"
finish
