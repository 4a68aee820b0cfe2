#!/usr/bin/env bash
# bench_thumb_tui.sh — bytes/s the real vmdeck writes to its terminal with
# the thumbnail pane showing a still guest screen (SeaBIOS, no OS) and a
# changing one (the tiny Linux test guest printing 2 ping lines a second on
# its VGA console), normal and zoomed, at the default 4 fps cap. Output is
# counted on a pty (util-linux `script`), like bench_tui.sh. The Linux guest
# has QEMU user-mode networking with restrict=on: no traffic leaves QEMU.
set -uo pipefail
: "${VMDECK:?}" "${VMDECK_TESTS:?}"
secs=${BENCH_SECS:-8}
cols=${BENCH_COLS:-120} rows=${BENCH_ROWS:-40}
tmp=$(mktemp -d /tmp/vmdeck-bench-thumb-tui.XXXXXX)
pids=()
export VMDECK_RUNTIME_DIR=$tmp/run VMDECK_STATE_DIR=$tmp/state
mkdir -p "$VMDECK_RUNTIME_DIR" "$VMDECK_STATE_DIR" "$tmp/profiles"
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [[ -f $f ]] && kill -9 "$(<"$f")" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
command -v script >/dev/null && command -v qemu-system-x86_64 >/dev/null || { echo "needs script and qemu: skipped"; exit 0; }

cat >"$tmp/profiles/a-bios.yaml" <<'YAML'
name: a-bios
accel: kvm:tcg
machine: pc
memory: 64M
extra_args: ["-boot", "menu=on,splash-time=60000"]
YAML
guest=no
if bash "$VMDECK_TESTS/guest/build.sh" >/dev/null 2>&1; then
	guest=yes
	g=$VMDECK_TESTS/guest/out
	cat >"$tmp/profiles/b-linux.yaml" <<YAML
name: b-linux
accel: tcg
memory: 192M
boot:
  kernel: $g/vmlinuz
  initrd: $g/initrd.img
  append: "console=tty0 quiet vmdeck.name=bench vmdeck.ip=10.0.2.15/24 vmdeck.gw=10.0.2.2 vmdeck.interval=0.5"
extra_args: ["-nic", "user,restrict=on,model=virtio-net-pci"]
YAML
fi
vd() { "$VMDECK" --profiles "$tmp/profiles" "$@"; }
vd start a-bios >/dev/null 2>&1 || { echo "cannot start a-bios"; exit 1; }
[[ $guest == yes ]] && vd start b-linux >/dev/null 2>&1

# measure TERM TAG : the figures with one terminal type (TAG ends the labels).
measure() {
local term=$1 tag=$2
rm -f "$tmp/in"; mkfifo "$tmp/in"
TERM=$term LANG=C.UTF-8 script -qfe -c "stty cols $cols rows $rows; exec $VMDECK --profiles $tmp/profiles" \
	"$tmp/out" <"$tmp/in" >/dev/null 2>&1 &
pids+=($!)
exec 9>"$tmp/in"
key() { printf '%s' "$1" >&9; }
size() { stat -c %s "$tmp/out" 2>/dev/null || echo 0; }
# rate LABEL : bytes/s over $secs after 3 s of settling.
rate() {
	sleep 3
	local a b; a=$(size); sleep "$secs"; b=$(size)
	printf '%-46s %8d bytes/s\n' "$1" $(((b - a) / secs))
	echo "BENCH TUI with thumbnail, ${cols}x${rows}: $1|$(((b - a) / secs))|-|bytes/s"
}
echo "== vmdeck TUI at ${cols}x${rows}, TERM=$term, thumbnail pane, default 4 fps cap, ${secs} s windows =="
sleep 8 # the Linux guest boots meanwhile
rate "a-bios selected: still SeaBIOS screen$tag"
key z; rate "a-bios zoomed (z): still$tag"; key z
if [[ $guest == yes ]]; then
	key j; rate "b-linux selected: console, 2 lines/s$tag"
	key z; rate "b-linux zoomed (z): console, 2 lines/s$tag"; key z
fi
key q
exec 9>&-
wait "${pids[-1]}" 2>/dev/null
}
measure xterm-256color ""
# The same in 24-bit colour (ncurses-term's direct-colour entry).
if infocmp xterm-direct >/dev/null 2>&1; then
	measure xterm-direct ", 24-bit colour"
else
	echo "no xterm-direct terminfo entry (ncurses-term): 24-bit figures skipped"
fi
