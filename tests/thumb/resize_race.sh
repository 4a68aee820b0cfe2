#!/usr/bin/env bash
# A one-shot screenshot across the resize libvncclient 0.9.14 drops the
# link on ("Rect too large": a VM switching video modes while the client
# connects, seen in CI as 'no screen: Rect too large: 720x400 at (0, 0)'
# from a screenshot right after a start). rfb_resize_race.py plays that
# server: its first client gets an update bigger than the screen it was
# told, later clients the real screen. vmdeck connects again and saves it.
# In a network namespace of the test's own (the server on its loopback).
. "$VMDECK_TESTS/lib.sh"
need_root
need python3 file ip

netns_new ns
ip netns exec "$ns" python3 "$VMDECK_TESTS/thumb/rfb_resize_race.py" "$T_TMP/port" &
srv=$!
on_exit "kill $srv"
wait_for 10 test -s "$T_TMP/port" || fail "the fake VNC server did not start"
port=$(<"$T_TMP/port")

out=$(ip netns exec "$ns" "$VMDECK" screenshot --vnc "127.0.0.1::$port" "$T_TMP/s.png" 2>&1)
rc=$?
log "screenshot: rc=$rc: $out"
check "screenshot across the dropped link: exit 0 (got $rc: $out)" test "$rc" -eq 0
check "the picture is the later, real screen (720x400)" grep -q "720 x 400" <<<"$(file "$T_TMP/s.png")"
check "no 'Rect too large' said to the user" bash -c "! grep -q 'Rect too large' <<<'$out'"
finish
