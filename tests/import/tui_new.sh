#!/usr/bin/env bash
# tests/import/tui_new.sh — the N key in the real TUI under tmux: it asks in
# the status bar for the name, the installer ISO (Tab completes the path;
# empty: none), the disk size (empty: 20G) and the OS (Tab completes; empty:
# linux); Esc cancels at any step; the last Enter runs `vmdeck new`'s job
# (qemu-img in the background) and the new VM appears in the list, selected,
# in install mode; --read-only refuses N.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
. "$VMDECK_TESTS/vm/common.sh"
need tmux qemu-img jq
PROF=$T_TMP/profiles
mkdir -p "$PROF" "$T_TMP/isos"
profile_bare aaa
head -c 65536 /dev/zero >"$T_TMP/isos/debian-12-netinst.iso"
tui_shell 160 40
tui_run_in_pane "$VMDECK" --profiles "$PROF"
tui_expect 10 " aaa +stopped" "the list shows aaa"

# Esc cancels at every step, and nothing is written.
tmux_keys N
tui_expect 5 "new VM name: _" "N asks for the name"
tmux_keys Escape
tui_expect 5 "cancelled" "Esc cancels at the name"
tmux_keys N
tmux_keys -l "gone"
tmux_keys Enter
tui_expect 5 "installer ISO \\(Tab completes; empty: none\\): _" "then for the ISO"
tmux_keys Escape
tui_expect 5 "cancelled" "Esc cancels at the ISO"
tmux_keys N
tmux_keys -l "gone"
tmux_keys Enter Enter
tui_expect 5 "disk size \\[20G\\]: _" "then for the disk size"
tmux_keys Escape
tui_expect 5 "cancelled" "Esc cancels at the size"
tmux_keys N
tmux_keys -l "gone"
tmux_keys Enter Enter Enter
tui_expect 5 "OS \\(linux\\|macos\\|windows\\|other; Tab completes\\) \\[linux\\]: _" "then for the OS"
tmux_keys Escape
tui_expect 5 "cancelled" "Esc cancels at the OS"
check "nothing written after the cancels" bash -c '[[ ! -e $1/gone.yaml && ! -e $1/gone.qcow2 ]]' _ "$PROF"

# The whole way: name, ISO by Tab completion, size, OS by Tab completion.
tmux_keys N
tmux_keys -l "deb"
tmux_keys Enter
tmux_keys -l "~/is"
tmux_keys Tab
tui_expect 5 "\\): ~/isos/_" "Tab completes the ISO's directory"
tmux_keys Tab
tui_expect 5 "\\): ~/isos/debian-12-netinst.iso_" "… and its file name"
tmux_keys Enter
tmux_keys -l "3G"
tmux_keys Enter
tmux_keys -l "w"
tmux_keys Tab
tui_expect 5 "\\[linux\\]: windows_" "Tab completes the OS"
tmux_keys Enter
tui_expect 10 " deb +stopped" "the new VM is in the list"
tui_expect 5 "┌ deb ─" "… selected: its details pane"
tui_expect 5 "new VM deb: disk made; install mode: s boots the installer" "… and the report says so"
check "the profile is in the profile directory, for windows" grep -qx "description: new windows VM, installing from $T_TMP/isos/debian-12-netinst.iso" "$PROF/deb.yaml"
check "… its qcow2 disk of 3 GiB" bash -c 'i=$(qemu-img info --output=json "$1") && [[ $(jq -r .format <<<"$i") == qcow2 && $(jq -r ".\"virtual-size\"" <<<"$i") == 3221225472 ]]' _ "$PROF/deb.qcow2"
check "… in install mode" bash -c '[[ $("$1" --profiles "$2" mode deb) == install ]]' _ "$VMDECK" "$PROF"

# Defaults: no ISO, size and OS empty; a bad answer says why.
tmux_keys N
tmux_keys -l "plain"
tmux_keys Enter Enter Enter Enter
tui_expect 10 " plain +stopped" "empty answers: the defaults"
check "… linux, 20 GiB, no installer, boot mode" bash -c 'grep -q "new linux VM$" "$1/plain.yaml" && ! grep -q "^install:" "$1/plain.yaml" && [[ $(qemu-img info --output=json "$1/plain.qcow2" | jq ".\"virtual-size\"") == 21474836480 && $("$2" --profiles "$1" mode plain) == boot ]]' _ "$PROF" "$VMDECK"
tmux_keys N
tmux_keys -l "bad"
tmux_keys Enter Enter
tmux_keys -l "lots"
tmux_keys Enter Enter
tui_expect 5 "new bad: --disk must be a size such as 20G" "a bad size says why"
check "… and writes nothing" test ! -e "$PROF/bad.yaml"
tmux_keys q
tui_expect 10 "EXIT=0" "q quits"

# --read-only: N is refused like I.
tui_run_in_pane "$VMDECK" --read-only --profiles "$PROF"
tui_expect 10 " aaa +stopped" "read-only TUI"
tmux_keys N
tui_expect 5 "read-only: new is off" "N is refused in --read-only"
tmux_keys q
tui_expect 10 "EXIT=0" "q quits"
finish
