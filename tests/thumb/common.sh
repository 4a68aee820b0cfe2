# tests/thumb/common.sh — helpers for the thumbnail's script tests (sourced
# after tests/lib.sh).

# png_size FILE : print "WIDTHxHEIGHT" from the IHDR chunk.
png_size() {
	local b
	b=($(od -An -tu1 -j16 -N8 "$1")) || return 1
	echo "$(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]))x$(((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]))"
}

# cells TARGET [ARGS...] : the screen as a monochrome 80x25 thumbnail (ASCII).
cells() {
	local target=$1; shift
	"$VMDECK" screenshot --vnc "$target" --cells 80x25 --colors mono --settle 300 "$@" 2>/dev/null
}

# nonblank : stdin has a character other than a space or newline.
nonblank() { grep -q '[^[:space:]]'; }

# start_qemu VAR SOCK MONITOR : QEMU with no OS (SeaBIOS on the VGA console,
# its boot menu waiting), VNC on the UNIX socket SOCK, HMP on the pipes
# MONITOR.in / MONITOR.out; $QEMU_EXTRA is added (e.g. -S). Sets VAR to its
# PID (registered for cleanup).
start_qemu() {
	local __var=$1 sock=$2 mon=$3 accel=()
	[[ -e $mon.in ]] || mkfifo "$mon.in" "$mon.out"
	# KVM runs SeaBIOS here; TCG everywhere else.
	[[ -w /dev/kvm ]] && accel+=(-accel kvm)
	accel+=(-accel tcg)
	qemu-system-x86_64 "${accel[@]}" -m 64 -display none -nodefaults -vga std \
		-vnc "unix:$sock" -monitor "pipe:$mon" -boot menu=on,splash-time=60000 \
		-net none ${QEMU_EXTRA:-} >"$T_TMP/qemu.log" 2>&1 &
	local pid=$!
	on_exit "kill_pid $pid"
	# Drain the monitor's output so QEMU never blocks on the pipe.
	cat "$mon.out" >/dev/null &
	on_exit "kill_pid $!"
	printf -v "$__var" '%s' "$pid"
}

# hmp MONITOR CMD : one HMP command on the monitor pipe.
hmp() { printf '%s\n' "$2" >"$1.in"; }
