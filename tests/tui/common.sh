# tests/tui/common.sh — helpers shared by the TUI's tmux tests (source after lib.sh).

# The bundled profiles' names, from their files.
tui_profile_names() { sed -n 's/^name: *//p' "$@" | sort; }

# tui_run_in_pane CMD... : run vmdeck (or anything) in the tmux pane's shell,
# recording its pid in $T_TMP/pid and its exit code on screen as "EXIT=N".
tui_run_in_pane() {
	rm -f "$T_TMP/pid"
	tmux_keys "bash -c 'echo \$\$ > $T_TMP/pid; exec $*'; echo EXIT=\$?" Enter
	wait_for 10 test -s "$T_TMP/pid" || fail "vmdeck did not start"
	TUI_PID=$(<"$T_TMP/pid")
}

# tui_shell COLS ROWS : tmux (session "t") with a clean bash in its pane:
# only PATH, HOME=$T_TMP, the terminal, UTF-8 and the test's vmdeck
# directories; prompt "$ ". Then tui_run_in_pane.
tui_shell() {
	tmux_start "$1" "$2" env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM=xterm-256color \
		LANG=C.UTF-8 VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" bash --norc --noprofile
	tmux_keys "PS1='$ '" Enter
}

# A screen dump into the log when something is not there.
tui_dump() { log "screen:"; tmux_screen >&2; }

# Waits are bounded polls whose bound only costs time when the check fails,
# so they are generous: SECONDS at a call site is what it takes on a quiet
# machine, and the poll gives it at least TUI_WAIT_MIN seconds (30) — a
# test must pass on a machine half as fast with both cores busy.
TUI_WAIT_MIN=${TUI_WAIT_MIN:-30}
tui_secs() { (($1 > TUI_WAIT_MIN)) && echo "$1" || echo "$TUI_WAIT_MIN"; }

# tui_expect SECONDS REGEX WHAT : wait for REGEX on screen, count a failure if not.
tui_expect() {
	if tmux_wait "$(tui_secs "$1")" "$2"; then
		log "ok: $3"
	else
		log "NOT OK: $3 (no /$2/ on screen)"
		tui_dump
		T_FAILS=$((T_FAILS + 1))
	fi
}

# tui_expect_not SECONDS REGEX WHAT : wait until REGEX is gone.
tui_expect_not() {
	if wait_for "$(tui_secs "$1")" bash -c "! $T_TMUX capture-pane -p -t t | grep -Eq -- \"\$0\"" "$2"; then
		log "ok: $3"
	else
		log "NOT OK: $3 (/$2/ still on screen)"
		tui_dump
		T_FAILS=$((T_FAILS + 1))
	fi
}

# The row of the VM list that names VM.
tui_vm_row() { tmux_screen | grep -E "^.[^ ]* $1 " | head -n1; }

# The network pane (right of the VM pane) as one line: wrapped rows joined.
net_text() { tmux_screen | sed -n 's/^.*\xe2\x94\x82\xe2\x94\x82 *//p' | sed 's/ *\xe2\x94\x82$//' | tr '\n' ' ' | tr -s ' '; }
# net_expect SECONDS REGEX WHAT : wait for REGEX in the network pane (as net_text joins it).
net_expect() {
	if wait_for "$(tui_secs "$1")" bash -c "$(declare -f tmux_screen net_text); T_TMUX='$T_TMUX'; net_text | grep -Eq -- \"\$0\"" "$2"; then
		log "ok: $3"
	else
		log "NOT OK: $3 (no /$2/ in the network pane: $(net_text))"
		T_FAILS=$((T_FAILS + 1))
	fi
}

# tui_uplinked_br0 NS : an unpinned bridge br0 in NS whose MAC comes from an
# uplink port up0 with a high MAC (fe:ff:ff:ff:ff:fe): TAPs joining with a
# lower MAC change it, as on a lab host.
tui_uplinked_br0() {
	local ns=$1
	ip -n "$ns" link add br0 type bridge || fail "bridge br0 in $ns"
	ip -n "$ns" link set br0 up
	ip -n "$ns" link add up0 type veth peer name up0p
	ip -n "$ns" link set up0 address fe:ff:ff:ff:ff:fe
	ip -n "$ns" link set up0 master br0
	wait_for 30 bash -c "[ \$(ip -n $ns -j link show br0 | jq -r '.[0].address') = fe:ff:ff:ff:ff:fe ]" ||
		fail "br0 did not take its port's MAC"
}
