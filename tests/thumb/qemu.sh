#!/usr/bin/env bash
# The VNC client against QEMU (no OS: SeaBIOS text on the VGA console):
# screenshot size and content, the picture follows the guest's screen, QEMU
# killed -> the client says gone and survives, QEMU back -> it reconnects.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/thumb/common.sh"
need qemu-system-x86_64 od mkfifo

sock=$T_TMP/vnc.sock mon=$T_TMP/mon
# Paused at power-on (-S) the VGA shows 640x480; SeaBIOS then switches to
# 80x25 text (720x400): a server-side resize the live client must follow
# without dropping the connection.
QEMU_EXTRA=-S start_qemu qpid "$sock" "$mon"
wait_for 20 test -S "$sock" || fail "QEMU made no VNC socket (see $T_TMP/qemu.log)"
"$VMDECK" screenshot --vnc "$sock" --watch --fps 10 >/dev/null 2>"$T_TMP/resize.err" &
rpid=$!
on_exit "kill_pid $rpid"
check "connected at power-on size 640x480" wait_for 10 grep -q '^vnc: connected 640x480' "$T_TMP/resize.err"
hmp "$mon" "cont"
check "the client follows the resize to 720x400" wait_for 20 grep -q '^vnc: frame [0-9]* 720x400' "$T_TMP/resize.err"
check "on the same connection (never gone)" bash -c "! grep -q '^vnc: gone' $T_TMP/resize.err"
kill_pid "$rpid"

# A full-resolution PNG with something on it (SeaBIOS prints its banner).
has_text() { cells "$sock" | nonblank; }
check "SeaBIOS text appears" wait_for 30 has_text
# SeaBIOS starts in a 640x480 mode and switches to 80x25 text (720x400): a
# resize the client follows. Wait for the text mode.
text_mode() {
	"$VMDECK" screenshot --vnc "$sock" "$T_TMP/shot.png" 2>/dev/null && [[ $(png_size "$T_TMP/shot.png") == 720x400 ]]
}
wait_for 30 text_mode
"$VMDECK" screenshot --vnc "$sock" "$T_TMP/shot.png" || fail "screenshot failed"
size=$(png_size "$T_TMP/shot.png")
log "screenshot: $size, $(stat -c %s "$T_TMP/shot.png") bytes"
check "PNG is QEMU's full-resolution text screen (720x400)" test "$size" = 720x400
# An all-black 720x400 PNG is a few hundred bytes; text makes kilobytes.
check "PNG is not black" test "$(stat -c %s "$T_TMP/shot.png")" -gt 1500

# The picture follows the screen: ESC opens SeaBIOS's boot menu.
before=$(cells "$sock")
check "thumbnail has content" nonblank <<<"$before"
hmp "$mon" "sendkey esc"
changed() { [[ $(cells "$sock") != "$before" ]]; }
check "thumbnail changes when the guest screen changes" wait_for 20 changed
"$VMDECK" screenshot --vnc "$sock" "$T_TMP/shot2.png" >/dev/null 2>&1
check "PNG changes too" bash -c "! cmp -s $T_TMP/shot.png $T_TMP/shot2.png"

# --watch: the live client, as the TUI runs it.
"$VMDECK" screenshot --vnc "$sock" --watch --cells 80x25 --fps 4 >"$T_TMP/watch.out" 2>"$T_TMP/watch.err" &
wpid=$!
on_exit "kill_pid $wpid"
check "watch connects" wait_for 10 grep -q '^vnc: connected 720x400' "$T_TMP/watch.err"
check "watch gets frames" wait_for 10 grep -q '^vnc: frame' "$T_TMP/watch.err"
check "watch draws 256-colour half blocks on stdout" \
	wait_for 10 grep -q $'\xe2\x96\x80' "$T_TMP/watch.out"

kill_pid "$qpid"
check "QEMU killed: the client says gone" wait_for 10 grep -q '^vnc: gone' "$T_TMP/watch.err"
check "the client is still running" kill -0 "$wpid"
sed -n '/^vnc: gone/p' "$T_TMP/watch.err" | head -3 >&2

start_qemu qpid2 "$sock" "$mon"
reconnected() { (($(grep -c '^vnc: connected' "$T_TMP/watch.err") >= 2)); }
check "QEMU back: the client reconnects (backoff <= 2 s)" wait_for 30 reconnected
check "frames flow again" wait_for 10 bash -c "sed -n '/^vnc: gone/,\$p' $T_TMP/watch.err | grep -q '^vnc: frame'"
check "the client is still running" kill -0 "$wpid"
kill -TERM "$wpid"
wait "$wpid"
check "the client exits cleanly on SIGTERM" test $? -eq 0

# A hung QEMU (SIGSTOP) still accepts connections but never speaks: nothing
# blocks — a one-shot screenshot gives up by its connect timeout with a
# reason, and a live client stays responsive. Judged by what happens, not by
# how long it took (the times are logged).
kill -STOP "$qpid2"
on_exit "kill -CONT $qpid2"
t0=$(date +%s%N)
out=$(timeout 120 "$VMDECK" screenshot --vnc "$sock" "$T_TMP/hung.png" 2>&1)
rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
log "hung QEMU: exit $rc after $ms ms: $out"
check "hung QEMU: screenshot gives up with a reason (not killed by timeout(1))" bash -c '[[ $1 == 1 && $2 == *"no answer within"* ]]' _ "$rc" "$out"
"$VMDECK" screenshot --vnc "$sock" --watch >/dev/null 2>"$T_TMP/hung.err" &
hpid=$!
on_exit "kill_pid $hpid"
wait_for 30 grep -q '^vnc: connecting' "$T_TMP/hung.err"
t0=$(date +%s%N)
kill -TERM "$hpid"
# A loop blocked in the handshake would first sit out the 5 s connect
# timeout (and say so), then see the signal: a live client ends on the
# signal while still connecting.
check "hung QEMU: a live client ends on SIGTERM" wait_for 60 bash -c "! kill -0 $hpid 2>/dev/null"
wait "$hpid"
rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
log "hung QEMU: the live client ended $ms ms after SIGTERM (exit $rc)"
check "hung QEMU: ... cleanly (exit $rc), before its connect timeout (no 'no answer within')" \
	bash -c "[[ $rc == 0 ]] && ! grep -q 'no answer within' '$T_TMP/hung.err'"
kill -CONT "$qpid2"
finish
