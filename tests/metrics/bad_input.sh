#!/usr/bin/env bash
# `vmdeck metrics` against bad input, in a namespace of the test's own with
# 400 links (an answer of ~150 KB, more than socket buffers hold): a
# malformed or foreign --listen (exit 2), a port in use (exit 1, the address
# named), a non-loopback address (served, with a warning), and scrapers that
# connect and never send, send half a request, or never read their answer —
# while they hang, 100 concurrent scrapes all get the whole exposition, the
# loop keeps publishing, silent connections are closed by the server, and
# SIGTERM still ends it at once.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip python3 curl

# --- the command line ------------------------------------------------------
for a in 9177 1.2.3:4 127.0.0.1:65536 "[::1" example.com:80 127.0.0.1:x; do
	"$VMDECK" metrics --listen "$a" 2>"$T_TMP/err"
	rc=$?
	check "--listen '$a': exit 2 ($rc), the value named" bash -c "[[ $rc == 2 ]] && grep -qF -- \"'$a'\" '$T_TMP/err'"
done
"$VMDECK" metrics extra 2>/dev/null
check "a stray argument is a usage error" test $? -eq 2

netns_new NS
in_ns() { ip netns exec "$NS" "$@"; }
# 200 veth pairs: 400 links, ~150 KB of exposition.
for i in $(seq 1 200); do echo "link add mv$i type veth peer name mvp$i"; done >"$T_TMP/batch"
in_ns ip -batch "$T_TMP/batch" || fail "could not make 400 links"

in_ns "$VMDECK" metrics --listen 10.77.0.1:9177 2>"$T_TMP/foreign.err"
check "an address not of this host: exit 2" test $? -eq 2
check "... named, said why" grep -q "10.77.0.1:9177: not an address of this host" "$T_TMP/foreign.err"

ip netns exec "$NS" "$VMDECK" metrics 2>"$T_TMP/m1.err" &
m1=$!
on_exit "kill_pid $m1"
wait_for 20 grep -q "serving http://127.0.0.1:9177/metrics" "$T_TMP/m1.err" || fail "metrics did not start: $(cat "$T_TMP/m1.err")"
in_ns "$VMDECK" metrics 2>"$T_TMP/m2.err"
rc=$?
check "port in use: exit 1 ($rc)" test $rc -eq 1
check "port in use: the address and the cause named" grep -q "127.0.0.1:9177: address already in use" "$T_TMP/m2.err"

# A non-loopback address: served, with a warning.
in_ns ip link set mv1 up
in_ns ip addr add 10.77.0.1/24 dev mv1
ip netns exec "$NS" "$VMDECK" metrics --listen 10.77.0.1:0 2>"$T_TMP/m3.err" &
m3=$!
on_exit "kill_pid $m3"
check "non-loopback: served" wait_for 20 grep -q "serving http://10.77.0.1:" "$T_TMP/m3.err"
check "non-loopback: warned about" grep -q "warning: listening on 10.77.0.1:0, not loopback" "$T_TMP/m3.err"
kill_pid "$m3"

# --- stuck and concurrent scrapers -----------------------------------------
size=$(in_ns curl -s http://127.0.0.1:9177/metrics | wc -c)
log "exposition: $size bytes"
check "the exposition is larger than a socket buffer holds (> 100 KB)" test "$size" -gt 100000
coproc SLOW { in_ns python3 "$VMDECK_TESTS/metrics/slow_clients.py" 127.0.0.1 9177 60 100 2>"$T_TMP/slow.err"; }
on_exit "kill -9 $SLOW_PID"
res=""
read -r -t 120 res <&"${SLOW[0]}" || fail "slow_clients gave no result: $(cat "$T_TMP/slow.err")"
log "result: $res"
check "100 concurrent scrapes with 60 stuck clients: every one whole" \
	bash -c "[[ \$(jq '.ok' <<<'$res') == 100 ]]"
check "the loop kept publishing while they hung" bash -c "jq -e '.after > .before + 1' <<<'$res'"
check "the server closed every silent or half-sent connection (timeout)" bash -c "jq -e '.closed == .silent' <<<'$res'"
# The 20 never-reading clients are still connected: SIGTERM ends it anyway.
kill -TERM "$m1"
check "SIGTERM ends it within 5 s with never-reading clients connected" wait_for 5 bash -c "! kill -0 $m1"
wait "$m1"
check "... exit 0" test $? -eq 0
finish
