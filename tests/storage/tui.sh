#!/usr/bin/env bash
# tests/storage/tui.sh — the storage view (D) and its keys in the real TUI
# under tmux: the selected VM's disk with its sizes and file; c makes a
# snapshot (the tag asked for, empty: the time now) of the stopped VM and
# of the running one (then with its VM state); d asks y/n (n keeps it, y
# deletes it); v asks y/n and reverts the running VM; + grows the disk; C
# clones the stopped VM under the name asked for, and the clone appears in
# the list. Every job runs as a child verb: the screen answers meanwhile.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
. "$VMDECK_TESTS/vm/common.sh"
. "$VMDECK_TESTS/storage/common.sh"
need tmux
img=$PROF/data.qcow2
qemu-img create -q -f qcow2 "$img" 64M
profile_disk g1 '  - id: data' '    file: data.qcow2' '    format: qcow2'
tui_shell 140 44
tui_run_in_pane "$VMDECK" --profiles "$PROF"
tui_expect 10 " g1 +stopped" "the list shows g1"

tmux_keys D
tui_expect 10 "storage: g1" "D opens the storage view"
tui_expect 10 "data  qcow2  64 MiB, .* on the host" "it shows the disk with its sizes"
tui_expect 10 "file $img" "... and its file"
tmux_keys S
tui_expect 5 "snapshot tag \\(empty: the time now\\): _" "S asks for a tag"
tmux_keys Enter
tui_expect 20 "snapshot [0-9]{8}-[0-9]{6} .* disk only" "empty: a snapshot named by the time, disk only (stopped)"
check "qemu-img sees it" bash -c "qemu-img snapshot -l '$img' | grep -Eq '[0-9]{8}-[0-9]{6}'"
tmux_keys S
tmux_keys -l "keep1"
tmux_keys Enter
tui_expect 20 "snapshot keep1 " "a named snapshot"
# The rows: data, file, <time>, keep1: select keep1 (the last).
tmux_keys G d
tui_expect 5 "Delete this snapshot of g1\\? .*\\[y/n\\]" "d asks y/n"
tmux_keys n
tui_expect 5 "cancelled" "n keeps it"
check "keep1 is still there" bash -c "qemu-img snapshot -l '$img' | grep -q keep1"
tmux_keys d
tui_expect 5 "\\[y/n\\]" "d asks again"
tmux_keys y
tui_expect 20 "snapshot 'keep1' deleted" "y deletes it"
# The view reads the disk again after each job (keys wait for that): its row goes.
check "the view drops keep1" wait_for "$(tui_secs 20)" bash -c "! $T_TMUX capture-pane -p -t t | grep -q 'snapshot keep1 '"
check "qemu-img no longer lists keep1" bash -c "! qemu-img snapshot -l '$img' | grep -q keep1"
tmux_keys g +
tui_expect 5 "grow the disk to \\(64G, or \\+10G\\): _" "+ on the disk row asks the size"
tmux_keys -l "+64M"
tmux_keys Enter
tui_expect 20 "data  qcow2  128 MiB" "the disk grew to 128 MiB"

# C: clone the stopped VM; the clone appears in the list.
tmux_keys D
tui_expect 5 "┌ g1 " "D again: back to the details"
tmux_keys C
tui_expect 5 "clone as \\(a new VM name\\): _" "C asks for the name"
tmux_keys -l "g1copy"
tmux_keys Enter
tui_expect 30 " g1copy +stopped" "the clone is in the list"
check "its profile and disk exist" test -f "$PROF/g1copy.yaml" -a -f "$PROF/g1copy-data.qcow2"

# Running: a snapshot with the VM state, and a revert that asks first.
tmux_keys k
"$VMDECK" start g1 >/dev/null 2>&1 || fail "start g1"
guest_ready g1 || fail "no shell in g1"
gsh g1 "printf tui-first | dd of=/dev/vda bs=9 count=1 conv=fsync 2>/dev/null" >/dev/null
tmux_keys D
tui_expect 10 "storage: g1" "D on the running VM"
# Keys wait while the view reads (they say so): wait for its rows.
tui_expect 20 "data  qcow2  128 MiB" "it has read the running VM's disk (query-block)"
tmux_keys S
tmux_keys -l "live1"
tmux_keys Enter
tui_expect 30 "snapshot live1 .*VM state" "a live snapshot carries the VM state"
gsh g1 "printf tui-other | dd of=/dev/vda bs=9 count=1 conv=fsync 2>/dev/null" >/dev/null
tmux_keys G v
tui_expect 5 "Revert g1 to this snapshot\\? .*\\[y/n\\]" "v asks y/n"
tmux_keys y
tui_expect 30 "reverted to snapshot 'live1' \\(memory and disks\\)" "y reverts the running VM"
check "the guest reads the first data again" test "$(gsh g1 'echo 3 >/proc/sys/vm/drop_caches; head -c 9 /dev/vda')" = "tui-first"
tmux_keys q
tui_expect 10 "EXIT=0" "q quits"
finish
