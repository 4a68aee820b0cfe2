#!/usr/bin/env bash
# Port forwards of a user-mode NIC with the real test guest (TCG): its TCP
# echo service (vmdeck.echo=7) answers through the profile's forward; a
# start whose host port is taken is refused naming the holder (another of
# our VMs, a python listener); `vmdeck forward` adds a forward live (the
# echo answers through it) and removes it (the port is closed); status
# --json and the TUI's details pane list the forwards (red on every address);
# the TUI's f adds and removes one; `vmdeck ssh` runs ssh (a fake one on PATH that
# prints its argv) at the forward of guest port 22. Ports are picked free
# at run time.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need python3
guest_build

# free_ports N: N distinct TCP ports free on 127.0.0.1 now.
free_ports() {
	python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}
# echo_ok PORT: a line sent to 127.0.0.1:PORT comes back.
echo_ok() {
	python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.sendall(b"vmdeck-echo\n")
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(100)
    if not d: break
    buf += d
sys.exit(0 if buf == b"vmdeck-echo\n" else 1)' "$1"
}
# port_closed PORT: nothing listens on 127.0.0.1:PORT.
port_closed() {
	python3 -c '
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)' "$1"
}

read -r P1 P2 P3 P4 P5 P6 <<<"$(free_ports 6)"
log "ports: profile $P1, python $P2, live $P3, ssh $P4, TUI $P5, public $P6"

# profile_fwd NAME RULE...: the test guest with its echo service, on user networking.
profile_fwd() {
	local name=$1; shift
	local rules
	rules=$(printf '"%s", ' "$@")
	{
		printf 'name: %s\naccel: tcg\nmachine: q35\nmemory: 256M\nssh_user: tester\n' "$name"
		printf 'boot:\n  kernel: %s/vmlinuz\n  initrd: %s/initrd.img\n' "$GUEST_OUT" "$GUEST_OUT"
		printf '  append: "console=ttyS0 quiet vmdeck.name=%s vmdeck.echo=7"\n' "$name"
		printf 'nics:\n  - model: virtio-net-pci\n    user: true\n    forwards: [%s]\n' "${rules%, }"
		printf 'stop_timeout: 30\n'
	} >"$PROF/$name.yaml"
}
profile_fwd fw1 "tcp:$P1:7"
profile_fwd fw2 "tcp:127.0.0.1:$P1:7"
profile_fwd fw3 "tcp:$P2:7"
profile_fwd fw4 "tcp:0.0.0.0:$P6:7" # never started: shown in red

out=$("$VMDECK" start fw1 2>&1) || fail "start fw1: $out"
check "the guest's echo service is up" wait_for 90 grep -q "echo service on tcp port 7" "$VMDECK_RUNTIME_DIR/fw1/serial.log"
check "echo answers through the profile's forward 127.0.0.1:$P1" wait_for 30 echo_ok "$P1"
check "status --json lists the forward" test "$("$VMDECK" status --json fw1 |
	jq -c '.[0].nics[0].forwards')" = "[{\"proto\":\"tcp\",\"host\":\"127.0.0.1\",\"host_port\":$P1,\"guest_port\":7,\"public\":false}]"

# A clash with one of our VMs: refused before QEMU runs, naming it.
out=$("$VMDECK" start fw2 2>&1)
rc=$?
log "$out"
check "start of fw2 on fw1's port fails" test "$rc" -ne 0
check "… naming the port and VM fw1" grep -q "tcp port $P1 on 127.0.0.1 is in use by VM 'fw1' (QEMU pid $(qemu_pid fw1))" <<<"$out"
check "… and no QEMU for fw2" test "$(qemu_count fw2)" -eq 0
check "… status says why" bash -c "'$VMDECK' status --json fw2 | jq -r '.[0].error' | grep -q \"in use by VM 'fw1'\""

# A clash with another program: a python listener on P2.
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
open(sys.argv[2], "w").write("ready")
time.sleep(600)' "$P2" "$T_TMP/py.ready" &
pypid=$!
on_exit "kill $pypid"
wait_for 30 test -s "$T_TMP/py.ready" || fail "the python listener did not start"
out=$("$VMDECK" start fw3 2>&1)
rc=$?
log "$out"
check "start of fw3 on python's port fails" test "$rc" -ne 0
check "… naming the port and the python process" grep -q "tcp port $P2 on 127.0.0.1 is in use by python3 (pid $pypid)" <<<"$out"

# Live: add, use, remove.
out=$("$VMDECK" forward fw1 add "tcp:$P3:7" 2>&1) || fail "forward add: $out"
check "echo answers through the live forward $P3" wait_for 30 echo_ok "$P3"
check "status --json lists both, live" test "$("$VMDECK" status --json fw1 |
	jq -r '.[0].nics[0] | "\(.forwards_live) \([.forwards[].host_port] | join(","))"')" = "true $P1,$P3"
check "forward list shows it" bash -c "'$VMDECK' forward fw1 list | grep -q 'net0 *tcp:127.0.0.1:$P3:7'"
out=$("$VMDECK" forward fw1 add "tcp:$P2:7" 2>&1)
rc=$?
check "a live add on python's port fails ($rc)" test "$rc" -ne 0
check "… naming python" grep -q "is in use by python3 (pid $pypid)" <<<"$out"
out=$("$VMDECK" forward fw1 add "tcp:$P1:9" 2>&1)
check "a live add on a port the VM forwards already fails" grep -q "already forwards tcp:127.0.0.1:$P1:7" <<<"$out"
out=$("$VMDECK" forward fw1 remove "tcp:$P3:7" 2>&1) || fail "forward remove: $out"
check "after remove, $P3 is closed" wait_for 10 port_closed "$P3"
check "… and the profile's forward still answers" echo_ok "$P1"
out=$("$VMDECK" forward fw1 remove "tcp:$P3:7" 2>&1)
rc=$?
check "removing it again fails (exit 3)" test "$rc" -eq 3
check "… saying there is no such forward" grep -q "has no forward of tcp port $P3 on 127.0.0.1" <<<"$out"
out=$("$VMDECK" forward fw1 add "sctp:$P3:7" 2>&1)
check "a bad rule is refused in its words" grep -q "protocol 'sctp' is not tcp or udp" <<<"$out"

# The TUI: the details pane lists the forwards; f adds and removes one live.
need tmux
tmux_start 160 50 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" "$VMDECK" --profiles "$PROF"
check "TUI: fw1's details list its forward" tmux_wait 30 "fwd tcp 127\.0\.0\.1:$P1 .+ guest 7"
tmux_keys f
check "TUI: f asks add or remove" tmux_wait 10 "forward \(add\|remove RULE"
tmux_keys "add tcp:$P5:7" Enter
check "TUI: echo answers through the forward added with f" wait_for 30 echo_ok "$P5"
check "TUI: … and the details pane shows it" tmux_wait 30 "fwd tcp 127\.0\.0\.1:$P5 .+ guest 7"
tmux_keys f
tmux_wait 10 "forward \(add\|remove RULE" || fail "f did not ask again"
tmux_keys "remove tcp:$P5:7" Enter
check "TUI: after remove with f, $P5 is closed" wait_for 30 port_closed "$P5"
check "TUI: the status bar says it is done" tmux_wait 30 "fw1: forward remove done"
check "TUI: … and it is gone from the details pane" bash -c "! $T_TMUX capture-pane -p -t t | grep -q ':$P5 '"
tmux_keys Down Down Down # fw2, fw3, fw4
check "TUI: a forward on every address says so" tmux_wait 30 "fwd tcp 0\.0\.0\.0:$P6 .+ guest 7 +reachable from the network"
check "TUI: … in red (colour 196)" bash -c "$T_TMUX capture-pane -e -p -t t | grep 'reachable from the network' | grep -q '38;5;196'"
$T_TMUX kill-server

# vmdeck ssh, with a fake ssh first on PATH.
mkdir -p "$T_TMP/bin"
printf '#!/bin/sh\necho "fake-ssh argv: $*"\n' >"$T_TMP/bin/ssh"
chmod +x "$T_TMP/bin/ssh"
out=$(PATH=$T_TMP/bin:$PATH "$VMDECK" ssh fw1 uname -a 2>&1)
rc=$?
check "ssh without a forward of port 22 fails ($rc)" test "$rc" -ne 0
check "… saying so" grep -q "forwards no host port to guest port 22" <<<"$out"
"$VMDECK" forward fw1 add "tcp:$P4:22" >/dev/null 2>&1 || fail "forward add 22"
out=$(PATH=$T_TMP/bin:$PATH "$VMDECK" ssh fw1 uname -a 2>&1)
check "ssh runs 'ssh -p $P4 tester@127.0.0.1 uname -a' ($out)" test "$out" = "fake-ssh argv: -p $P4 tester@127.0.0.1 uname -a"

out=$("$VMDECK" stop fw1 2>&1) || fail "stop: $out"
check "RUN/forwards is gone with the VM" test ! -e "$VMDECK_RUNTIME_DIR/fw1/forwards"
check "status --json of a stopped VM: the profile's forwards" test "$("$VMDECK" status --json fw1 |
	jq -r '.[0].nics[0] | "\(.forwards_live) \([.forwards[].host_port] | join(","))"')" = "false $P1"
finish
