#!/usr/bin/env bash
# The VNC client against a server that is not QEMU: x11vnc on an Xvfb
# display, over a UNIX socket (x11vnc -unixsock) and over loopback TCP
# (HOST::PORT and HOST:DISPLAY). Everything runs in a private network
# namespace: no listener on the host's network, X's abstract socket too.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/thumb/common.sh"
need_root
need Xvfb x11vnc wish od

netns_new ns
# Not a function for background jobs: `ip netns exec` execs, so $! is the
# server's own PID (a function would put a subshell in between).
nsx() { ip netns exec "$ns" "$@"; }

# Xvfb picks a free display and says which on fd 3 when it is ready.
ip netns exec "$ns" Xvfb -displayfd 3 -screen 0 800x600x24 -br -nolisten tcp 3>"$T_TMP/display" 2>"$T_TMP/xvfb.log" &
xpid=$!
on_exit "kill_pid $xpid"
wait_for 20 test -s "$T_TMP/display" || fail "Xvfb did not start (see $T_TMP/xvfb.log)"
export DISPLAY=:$(head -1 "$T_TMP/display")
log "Xvfb on $DISPLAY"

# x11vnc: UNIX socket only (no TCP at all: -rfbport 0 -rfbportv6 -1). Note
# x11vnc's -localhost rejects UNIX-socket clients, so it is not used here.
# -nocursor: vmdeck asks for no cursor-shape encoding, so x11vnc would paint
# the X server's cursor (centre of the root window) into the framebuffer and
# the black root would not be blank.
sock=$T_TMP/x.sock
start_x11vnc() {
	ip netns exec "$ns" x11vnc -display "$DISPLAY" -rfbport 0 -rfbportv6 -1 -noipv6 -unixsock "$sock" \
		-nocursor -forever -shared -nopw -quiet >>"$T_TMP/x11vnc.log" 2>&1 &
	vpid=$!
	on_exit "kill_pid $vpid"
}
start_x11vnc
wait_for 20 test -S "$sock" || fail "x11vnc made no socket (see $T_TMP/x11vnc.log)"

"$VMDECK" screenshot --vnc "$sock" "$T_TMP/x.png" || fail "screenshot over x11vnc's UNIX socket failed"
check "PNG has the X screen's size (800x600)" test "$(png_size "$T_TMP/x.png")" = 800x600

before=$(cells "$sock")
# (in this shell: nonblank is a function, a `bash -c` child would not have it)
blank() { ! nonblank <<<"$1"; }
check "the thumbnail has 25 rows" test "$(wc -l <<<"$before")" -eq 25
check "black root: blank thumbnail" blank "$before"
# A window, drawn with Tk's wish (tk is a dependency of x11vnc).
cat >"$T_TMP/window.tcl" <<'TCL'
wm geometry . 500x300+150+150
label .l -text "vmdeck thumbnail test" -bg white -fg black -font {Helvetica 24}
pack .l -fill both -expand 1
TCL
ip netns exec "$ns" wish "$T_TMP/window.tcl" &
mpid=$!
on_exit "kill_pid $mpid"
# x11vnc refreshes its copy of the screen by polling while a client is
# connected: stay connected a while (a loaded machine polls slowly).
changed() { cells "$sock" --settle 1500 | nonblank; }
check "a window appears in the thumbnail" wait_for 30 changed
"$VMDECK" screenshot --vnc "$sock" "$T_TMP/x2.png" >/dev/null 2>&1
check "and in the PNG" bash -c "! cmp -s $T_TMP/x.png $T_TMP/x2.png"

# Loopback TCP inside the namespace: display 1 = port 5901.
ip netns exec "$ns" x11vnc -display "$DISPLAY" -localhost -rfbport 5901 -rfbportv6 -1 -noipv6 \
	-forever -shared -nopw -quiet >"$T_TMP/x11vnc-tcp.log" 2>&1 &
tpid=$!
on_exit "kill_pid $tpid"
tcp_up() { nsx "$VMDECK" screenshot --vnc 127.0.0.1::5901 "$T_TMP/t.png"; }
check "TCP HOST::PORT works" wait_for 20 tcp_up
check "TCP PNG has 800x600" test "$(png_size "$T_TMP/t.png")" = 800x600
check "TCP HOST:DISPLAY works" nsx "$VMDECK" screenshot --vnc 127.0.0.1:1 "$T_TMP/t2.png"
check "an unreachable port is a clear error" bash -c \
	"ip netns exec $ns $VMDECK screenshot --vnc 127.0.0.1::5999 $T_TMP/t3.png 2>&1 | grep -q 'Connection refused'"

# VNC authentication (x11vnc -passwd): the password from a file.
ip netns exec "$ns" x11vnc -display "$DISPLAY" -localhost -rfbport 5902 -rfbportv6 -1 -noipv6 \
	-passwd s3cret -forever -shared -quiet >"$T_TMP/x11vnc-pw.log" 2>&1 &
ppid_=$!
on_exit "kill_pid $ppid_"
printf 's3cret\n' >"$T_TMP/pw"
printf 'wrong\n' >"$T_TMP/badpw"
pw_up() { nsx "$VMDECK" screenshot --vnc 127.0.0.1::5902 --password-file "$T_TMP/pw" "$T_TMP/pw.png"; }
check "password from --password-file: screenshot works" wait_for 20 pw_up
check "password PNG has 800x600" test "$(png_size "$T_TMP/pw.png")" = 800x600
out=$(nsx "$VMDECK" screenshot --vnc 127.0.0.1::5902 --password-file "$T_TMP/badpw" "$T_TMP/bad.png" 2>&1)
log "wrong password: $out"
check "a wrong password fails with a reason that says so" bash -c "[[ '$out' == *password* || '$out' == *uthenticat* ]]"

# The frame cap: a window redrawn 50 times a second reaches the client at
# most --fps times a second (an upper bound: a slow machine only lowers it).
cat >"$T_TMP/busy.tcl" <<'TCL'
wm geometry . 300x100+0+0
label .l -text 0 -font {Helvetica 30}
pack .l
proc tick {n} { .l configure -text $n; after 20 [list tick [expr {$n + 1}]] }
tick 0
TCL
ip netns exec "$ns" wish "$T_TMP/busy.tcl" &
bpid=$!
on_exit "kill_pid $bpid"
"$VMDECK" screenshot --vnc "$sock" --watch --fps 2 >/dev/null 2>"$T_TMP/cap.err" &
cpid=$!
on_exit "kill_pid $cpid"
frames() { grep -c '^vnc: frame' "$T_TMP/cap.err"; }
wait_for 10 bash -c "(( \$(grep -c '^vnc: frame' $T_TMP/cap.err) >= 2 ))"
f0=$(frames) t0=$(date +%s%N)
sleep 4 # a measuring window, not a synchronisation
f1=$(frames) t1=$(date +%s%N)
rate=$(awk -v f=$((f1 - f0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.2f", f / (t / 1e9) }')
log "frame cap 2 fps: $((f1 - f0)) frames in $(((t1 - t0) / 1000000)) ms = $rate/s"
check "frames arrive" test $((f1 - f0)) -ge 1
check "at most 2 frames a second (+1 for the window's edges)" test $((f1 - f0)) -le $(((t1 - t0) / 500000000 + 1))
kill_pid "$cpid"
kill_pid "$bpid"

# Reconnection does not depend on QEMU either.
"$VMDECK" screenshot --vnc "$sock" --watch >/dev/null 2>"$T_TMP/watch.err" &
wpid=$!
on_exit "kill_pid $wpid"
check "watch connects to x11vnc" wait_for 10 grep -q '^vnc: connected 800x600' "$T_TMP/watch.err"
kill_pid "$vpid"
check "x11vnc stopped: gone" wait_for 10 grep -q '^vnc: gone' "$T_TMP/watch.err"
rm -f "$sock"
start_x11vnc
reconnected() { (($(grep -c '^vnc: connected' "$T_TMP/watch.err") >= 2)); }
check "x11vnc back: reconnected" wait_for 30 reconnected
check "the client survived" kill -0 "$wpid"
finish
