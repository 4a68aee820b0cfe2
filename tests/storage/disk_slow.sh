#!/usr/bin/env bash
# tests/storage/disk_slow.sh — a size: disk is made from the loop (issue
# 13): with a qemu-img that does not finish until the test lets it (a
# wrapper through VMDECK_QEMU_IMG that writes a partial file, then waits
# for a go file), the TUI shows the VM "starting (creating disk 'data')"
# and answers keys (help opens and closes) while qemu-img is still at work;
# once it is let go, the VM runs with the disk. A stop while the disk is
# being made calls the start off: the wrapper is killed, nothing half-made
# is left, the VM can start again. The CLI start says "creating" first.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
. "$VMDECK_TESTS/vm/common.sh"
. "$VMDECK_TESTS/storage/common.sh"
need tmux
real=$(command -v qemu-img)
slow=$T_TMP/slow-qemu-img
cat >"$slow" <<SH
#!/bin/bash
# create -q -f FORMAT FILE SIZE: a partial file first, as a slow qemu-img would leave.
if [[ \$1 == create ]]; then
	echo "\$\$" >"$T_TMP/slow.pid"
	printf partial >"\$5"
	for ((i = 0; i < 3000; i++)); do [[ -e "$T_TMP/go" ]] && break; sleep 0.1; done
fi
exec "$real" "\$@"
SH
chmod +x "$slow"
img=$PROF/data.qcow2
profile_disk g1 '  - id: data' '    file: data.qcow2' '    size: 64M'

# The CLI waits, and says first what it is doing.
VMDECK_QEMU_IMG=$slow "$VMDECK" start g1 >"$T_TMP/cli.out" 2>&1 &
cli=$!
on_exit "kill $cli 2>/dev/null"
check "the CLI start says it is creating the disk" \
	wait_for 30 grep -q "g1: disk 'data': creating $img (qcow2, 64 MiB)" "$T_TMP/cli.out"
check "... while qemu-img is at work" wait_for 30 test -s "$T_TMP/slow.pid"
check "... and not done (it waits for the test)" bash -c "! grep -q created '$T_TMP/cli.out'"
touch "$T_TMP/go"
wait $cli
check "the CLI start succeeded" test $? -eq 0
check "... saying it made the disk: $(cat "$T_TMP/cli.out")" grep -q "g1: disk 'data': created $img (qcow2, 64 MiB)" "$T_TMP/cli.out"
"$VMDECK" stop --force g1 >/dev/null 2>&1 || fail "stop g1"
rm -f "$img" "$T_TMP/go" "$T_TMP/slow.pid"

tui_shell 140 44
tui_run_in_pane env VMDECK_QEMU_IMG="$slow" "$VMDECK" --profiles "$PROF"
tui_expect 10 " g1 +(stopped|exited)" "the list shows g1"

# A stop while the disk is being made calls the start off.
tmux_keys s
tui_expect 10 "g1 +starting \\(creating disk 'data'\\)" "the start shows its phase: creating disk 'data'"
check "the slow qemu-img runs" wait_for 10 test -s "$T_TMP/slow.pid"
spid=$(<"$T_TMP/slow.pid")
tmux_keys x
tui_expect 10 "start called off by a stop while creating disk 'data'" "x calls the start off, saying so"
check "the slow qemu-img was stopped" wait_for 10 bash -c "! kill -0 $spid"
check "no image and no partial file left" bash -c "test ! -e '$img' && ! ls '$PROF' | grep -q vmdeck-new"
rm -f "$T_TMP/slow.pid"

# Started again: the loop answers keys while qemu-img has not finished.
tmux_keys s
tui_expect 10 "g1 +starting \\(creating disk 'data'\\)" "started again: creating disk 'data'"
check "the slow qemu-img runs again" wait_for 10 test -s "$T_TMP/slow.pid"
for i in 1 2 3; do
	tmux_keys '?'
	tui_expect 5 "help: keys" "help opens while the disk is being made ($i)"
	tmux_keys Escape
	tui_expect_not 5 "help: keys" "... and closes ($i)"
done
check "qemu-img was still at work all that time" kill -0 "$(<"$T_TMP/slow.pid")"
check "... with the image not in place yet" test ! -e "$img"
touch "$T_TMP/go"
tui_expect 30 " g1 +running" "let go: the VM runs"
check "the image is a 64 MiB qcow2" bash -c "qemu-img info -U --output=json '$img' | jq -e '.format == \"qcow2\" and .\"virtual-size\" == 67108864'"
check "no temporary file left" no_leftovers "$PROF"
guest_ready g1 || fail "g1: no shell on the serial console"
check "the guest sees 64 MiB (131072 sectors)" guest_sectors_are g1 131072
"$VMDECK" stop --force g1 >/dev/null 2>&1 || fail "stop g1"
tmux_keys q
tui_expect 10 "EXIT=0" "q quits"
finish
