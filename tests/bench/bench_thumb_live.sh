#!/usr/bin/env bash
# bench_thumb_live.sh : bytes per second the live thumbnail writes to the
# terminal (100x50 cells, 4 fps cap) for a real guest screen that is still
# (SeaBIOS boot menu under QEMU, only the cursor blinks) and one that
# changes (the tiny Linux test guest printing a ping line every 0.5 s on
# its VGA console). Measured from `vmdeck screenshot --watch --cells`, whose
# stdout is the dirty-cell output a TUI refresh would write. Prints figures.
# Network: the Linux guest has user-mode networking with restrict=on (no
# traffic leaves QEMU).
set -uo pipefail
: "${VMDECK:?}" "${VMDECK_TESTS:?}"
secs=${BENCH_SECS:-8}
tmp=$(mktemp -d /tmp/vmdeck-bench-live.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu: skipped"; exit 0; }

wait_sock() { local i; for i in $(seq 200); do [[ -S $1 ]] && return 0; sleep 0.1; done; return 1; }

# measure LABEL SOCK COLORS : bytes/s of the live thumbnail after it settled.
measure() {
	local out=$tmp/out-$RANDOM
	"$VMDECK" screenshot --vnc "$2" --watch --cells 100x50 --colors "$3" --fps 4 >"$out" 2>/dev/null &
	local w=$!
	sleep 2 # the first full paint is not the steady state
	local b0 t0 b1 t1
	b0=$(stat -c %s "$out"); t0=$(date +%s%N)
	sleep "$secs"
	b1=$(stat -c %s "$out"); t1=$(date +%s%N)
	kill "$w"; wait "$w" 2>/dev/null
	[[ -n ${BENCH_KEEP:-} ]] && cp "$out" "/tmp/bench-live-$3-${1%% *}.out"
	awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v n="$1" -v c="$3" \
		'BEGIN { printf "%-34s %-6s %9.0f bytes/s\n", n, c, b / (t / 1e9) }'
}

echo "== live thumbnail, 100x50 cells, 4 fps cap, ${secs}s each =="
accel=(); [[ -w /dev/kvm ]] && accel+=(-accel kvm); accel+=(-accel tcg)
qemu-system-x86_64 "${accel[@]}" -m 64 -display none -nodefaults -vga std -net none \
	-vnc "unix:$tmp/still.sock" -boot menu=on,splash-time=65000 >/dev/null 2>&1 &
pids+=($!)
wait_sock "$tmp/still.sock" && sleep 3 # into SeaBIOS's text screen
for c in 24bit 256 8 mono; do measure "still (SeaBIOS, cursor blink)" "$tmp/still.sock" "$c"; done

if bash "$VMDECK_TESTS/guest/build.sh" >/dev/null 2>&1; then
	g=$VMDECK_TESTS/guest/out
	qemu-system-x86_64 -accel tcg -m 256 -display none -nodefaults -vga std \
		-kernel "$g/vmlinuz" -initrd "$g/initrd.img" \
		-append "console=tty0 quiet vmdeck.name=bench vmdeck.ip=10.0.2.15/24 vmdeck.gw=10.0.2.2 vmdeck.interval=0.5" \
		-nic user,restrict=on,model=virtio-net-pci -vnc "unix:$tmp/busy.sock" >/dev/null 2>&1 &
	pids+=($!)
	wait_sock "$tmp/busy.sock" && sleep 8 # boot, then the ping lines scroll
	for c in 24bit 256 8 mono; do measure "changing (Linux console, 2 lines/s)" "$tmp/busy.sock" "$c"; done
else
	echo "test guest not buildable here: changing-screen figure skipped"
fi
