#!/usr/bin/env bash
# tests/libvirt/hosts.sh [unix|ssh] — libvirt hosts next to this host's VMs
# (core/lvhost, tui/src_lv, tui/cmd_lv) against a real libvirtd 9
# (tests/bench/libvirt_env.sh: root, its own network and mount namespaces,
# nothing of the host's libvirt). A no-OS domain from `vmdeck export
# --libvirt` (stop_timeout 3 in vmdeck's metadata: its guest never answers
# the power button, so a graceful stop escalates).
#   unix: over libvirt's UNIX socket URI (qemu+unix:///system?socket=…);
#   ssh:  over qemu+ssh://root@10.251.0.2/system to an sshd of the test's
#         own (private config with -f, -D, keys made here, stopped by PID) in
#         a second network namespace and libvirtd's mount namespace, reached
#         from a client namespace over a veth pair; vmdeck runs in the client
#         namespace; ssh is told the test's key and known_hosts through the
#         URI's command= (a wrapper): root's ~/.ssh is never read or written.
#   1. CLI: status [--json] lists HOST/NAME, monitor HOST/NAME (HMP through
#      libvirt) (config.yaml's `name:` and
#      --connect's URI host part); start, pause, resume, reset, stop (shutdown,
#      then destroy after the timeout, printed like a local stop's escalation),
#      stop --force act through libvirt and virsh agrees; unknown host or
#      domain exit 3; an unreachable URI says libvirt's error, exit 1; a bad
#      config.yaml is named by file:line:col; nothing of libvirt is loaded by
#      a verb without connections (hardening_lazy_libs checks the rest).
#   2. TUI (tmux): the domain under its host's header; s starts it, x stops
#      it, the monitor pane answers `info status`; libvirtd (unix) or sshd (ssh) killed -> "lab: unreachable: …"
#      within 5 s, the domain greyed with its last known state ("running?"),
#      keys still answer; the daemon back -> the header and the live state
#      come back by themselves; libvirtd hung (SIGSTOP) with a stop in
#      flight -> keys answered at once, the host dropped by libvirt's
#      keepalive, back after SIGCONT; X y force-stops.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/tui/common.sh"
TRANSPORT=${1:-unix}
need virsh libvirtd virtlogd qemu-system-x86_64 python3 tmux cc nsenter
[[ $TRANSPORT == ssh ]] && need ssh ssh-keygen /usr/sbin/sshd
need_root
. "$VMDECK_SRC/tests/bench/libvirt_env.sh"
LVD=$T_TMP/lv
on_exit "lv_down '$LVD'"
lv_up "$LVD" || skip "no private libvirtd: $LV_WHY"
U=$LV_URI # virsh's way in, for the checks
lv() { virsh -q -c "$U" "$@"; }
domstate() { lv domstate "$1" 2>/dev/null | head -n1; }

P=$T_TMP/prof
mkdir -p "$P" "$T_TMP/cfg/vmdeck"
export VMDECK_RUNTIME_DIR=$T_TMP/run VMDECK_STATE_DIR=$T_TMP/state XDG_CONFIG_HOME=$T_TMP/cfg
printf 'name: lvh1\naccel: tcg\nmachine: q35\nmemory: 32M\nstop_timeout: 3\n' >"$P/lvh1.yaml"
printf 'name: here1\naccel: tcg\nmachine: q35\nmemory: 32M\n' >"$P/here1.yaml"
"$VMDECK" --profiles "$P" export lvh1 --libvirt --out "$T_TMP/lvh1.xml" 2>/dev/null || fail "export lvh1"
lv define "$T_TMP/lvh1.xml" >/dev/null || fail "virsh define lvh1"
on_exit "virsh -c '$U' destroy lvh1"
rm "$P/lvh1.yaml" # the domain is libvirt's now; this host keeps here1

# The way vmdeck reaches libvirtd: VU, run through IN (a client namespace for ssh).
IN=()
if [[ $TRANSPORT == ssh ]]; then
	S=$T_TMP/ssh
	mkdir -p "$S"
	ssh-keygen -q -t ed25519 -N '' -f "$S/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$S/id" ||
		fail "ssh-keygen"
	cp "$S/id.pub" "$S/authorized_keys"
	NSC=vmdeck-lvc-$T_ID NSS=vmdeck-lvs-$T_ID
	ip netns add "$NSC" && on_exit "ip netns del $NSC" || fail "ip netns add $NSC"
	ip netns add "$NSS" && on_exit "ip netns del $NSS" || fail "ip netns add $NSS"
	ip link add vc0 netns "$NSC" type veth peer name vs0 netns "$NSS" || fail "veth pair"
	ip -n "$NSC" addr add 10.251.0.1/30 dev vc0 && ip -n "$NSS" addr add 10.251.0.2/30 dev vs0 || fail "addresses"
	for ns in "$NSC" "$NSS"; do ip -n "$ns" link set lo up; done
	ip -n "$NSC" link set vc0 up && ip -n "$NSS" link set vs0 up || fail "veth up"
	cat >"$S/sshd_config" <<-EOF
		ListenAddress 10.251.0.2
		HostKey $S/hostkey
		PidFile $S/sshd.pid
		AuthorizedKeysFile $S/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		StrictModes no
	EOF
	echo "10.251.0.2 $(cut -d' ' -f1-2 "$S/hostkey.pub")" >"$S/known_hosts"
	cat >"$S/ssh" <<-EOF
		#!/bin/sh
		exec ssh -F /dev/null -o UserKnownHostsFile=$S/known_hosts -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentityFile=$S/id -o IdentitiesOnly=yes "\$@"
	EOF
	chmod +x "$S/ssh"
	LVP=$(cat "$LVD/subreaper.pid")
	# sshd in libvirtd's mount namespace (virt-ssh-helper there finds the
	# private daemon's socket at libvirt's own path) and the server namespace.
	nsenter -t "$LVP" -m mkdir -p /run/sshd || fail "mkdir /run/sshd in libvirtd's namespace"
	sshd_up() {
		nsenter --mount="/proc/$LVP/ns/mnt" --net="/run/netns/$NSS" /usr/sbin/sshd -D -f "$S/sshd_config" -E "$S/sshd.log" &
		SSHD=$!
		on_exit "kill_pid $SSHD"
		wait_for 10 ip netns exec "$NSS" bash -c "exec 3<>/dev/tcp/10.251.0.2/22" || fail "sshd did not listen: $(tail -3 "$S/sshd.log")"
	}
	# sshd and the sessions it forked (each an sshd child of the listener).
	sshd_down() {
		local p
		for p in $(pgrep -P "$SSHD") "$SSHD"; do kill "$p" 2>/dev/null; done
	}
	sshd_up
	VU="qemu+ssh://root@10.251.0.2/system?command=$S/ssh"
	IN=(ip netns exec "$NSC")
else
	VU=$U
fi
printf 'connections:\n  - uri: "%s"\n    name: lab\n' "$VU" >"$T_TMP/cfg/vmdeck/config.yaml"
vd() { "${IN[@]}" "$VMDECK" --profiles "$P" "$@"; }

# ---- 1. the verbs -------------------------------------------------------------
jstate() { # jstate NAME : the state status --json gives NAME
	vd status --json 2>/dev/null | python3 -c 'import json,sys
for v in json.load(sys.stdin):
    if v["name"] == sys.argv[1]: print(v["state"], v.get("host", "-"), v.get("libvirt_state", "-"))' "$1"
}
check "status --json lists lab/lvh1 (config.yaml's name), stopped" test "$(jstate lab/lvh1)" = "stopped lab shut off"
check "status --json keeps this host's VMs" test "$(jstate here1)" = "stopped - -"
vd status >"$T_TMP/status.out" 2>&1
check "status lists lab/lvh1 in the table" grep -Eq '^lab/lvh1 +shut off +libvirt' "$T_TMP/status.out"
XDG_CONFIG_HOME=$T_TMP/none "${IN[@]}" "$VMDECK" --profiles "$P" --connect "$VU" status --json >"$T_TMP/c.json" 2>&1
if [[ $TRANSPORT == ssh ]]; then
	check "--connect URI: named by the URI's host part" grep -q '"name":"10.251.0.2/lvh1"' "$T_TMP/c.json"
else
	check "--connect URI: named by the URI's host part (none here: local)" grep -q '"name":"local/lvh1"' "$T_TMP/c.json"
fi

vd start lab/lvh1 >"$T_TMP/start.out" 2>"$T_TMP/start.err"
check "start lab/lvh1 exits 0 and says running ($(cat "$T_TMP/start.err"))" grep -qx "lab/lvh1: running" "$T_TMP/start.out"
check "virsh: running" test "$(domstate lvh1)" = running
check "status --json: running" test "$(jstate lab/lvh1)" = "running lab running"
vd monitor lab/lvh1 info status >"$T_TMP/mon.out" 2>&1
check "monitor lab/lvh1 'info status': HMP through libvirt" grep -q "^VM status: running" "$T_TMP/mon.out"
vd monitor lab/lvh1 info bogus >/dev/null 2>"$T_TMP/mon.err"
check "monitor: an HMP error is a failure on stderr" bash -c "test $? = 1 && grep -q \"unknown command: 'info bogus'\" '$T_TMP/mon.err'"
vd pause lab/lvh1 >/dev/null 2>&1
check "pause lab/lvh1: virsh says paused" test "$(domstate lvh1)" = paused
vd resume lab/lvh1 >/dev/null 2>&1
check "resume lab/lvh1: virsh says running" test "$(domstate lvh1)" = running
check "reset lab/lvh1 exits 0" vd reset lab/lvh1
vd stop lab/lvh1 >"$T_TMP/stop.out" 2>"$T_TMP/stop.err"
rc=$?
check "stop lab/lvh1 exits 0 (rc $rc)" test $rc = 0
check "stop: shutdown first, with the export's stop_timeout" grep -q "lab/lvh1: shutdown sent, waiting up to 3 s for the guest" "$T_TMP/stop.err"
check "stop: then destroy, said like a local escalation" grep -q "lab/lvh1: the guest did not shut down within 3 s, destroying" "$T_TMP/stop.err"
check "stop: says shut off" grep -qx "lab/lvh1: shut off" "$T_TMP/stop.out"
check "virsh: shut off" test "$(domstate lvh1)" = "shut off"
vd start lab/lvh1 >/dev/null 2>&1
vd stop --force lab/lvh1 >"$T_TMP/force.out" 2>&1
check "stop --force lab/lvh1: destroyed at once" bash -c "grep -qx 'lab/lvh1: shut off' '$T_TMP/force.out' && test \"\$(virsh -q -c '$U' domstate lvh1 | head -n1)\" = 'shut off'"
vd start nohost/lvh1 2>/dev/null
check "an unknown host -> exit 3" test $? = 3
vd start lab/nosuch 2>/dev/null
check "an unknown domain -> exit 3" test $? = 3
XDG_CONFIG_HOME=$T_TMP/none "$VMDECK" --profiles "$P" --connect "qemu+unix:///system?socket=$T_TMP/nosuch" status >"$T_TMP/un.out" 2>&1
rc=$?
check "an unreachable host: status exits 1 (rc $rc)" test $rc = 1
check "... and says libvirt's error" grep -q "local: unreachable: Failed to connect socket to '$T_TMP/nosuch'" "$T_TMP/un.out"
printf 'connections:\n  - url: qemu:///system\n' >"$T_TMP/bad.yaml"
VMDECK_CONFIG=$T_TMP/bad.yaml "$VMDECK" --profiles "$P" status >/dev/null 2>"$T_TMP/bad.err"
check "a bad config.yaml is named by file:line:col" grep -q "bad.yaml:2:5: unknown key 'url' in 'connections'; did you mean 'uri'" "$T_TMP/bad.err"
loaded=$(XDG_CONFIG_HOME=$T_TMP/none LD_DEBUG=files "$VMDECK" --profiles "$P" status 2>&1 >/dev/null | grep -c 'file=[^ ]*libvirt')
check "no connection: status loads no libvirt" test "$loaded" = 0
loaded=$(LD_DEBUG=files "${IN[@]}" "$VMDECK" --profiles "$P" status 2>&1 >/dev/null | grep -c 'file=[^ ]*libvirt\.so')
check "with a connection: status loads libvirt (dlopen)" test "$loaded" -ge 1

# ---- 2. the TUI ---------------------------------------------------------------
tmux_start 120 36 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" HISTFILE=/dev/null TERM=xterm-256color \
	LANG=C.UTF-8 VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" \
	XDG_CONFIG_HOME="$XDG_CONFIG_HOME" bash --norc --noprofile
tmux_keys "PS1='$ '" Enter
tui_run_in_pane "${IN[*]}" "$VMDECK" --profiles "$P"
tui_expect 10 "this host \\(" "this host's header"
HDR="│lab  qemu\\+$TRANSPORT"
tui_expect 10 "$HDR" "the libvirt host's header"
tui_expect 10 "lab/lvh1 +stopped .*libvirt" "the domain under it, stopped"
row() { tmux_screen | grep -n -- "$1" | head -n1 | cut -d: -f1; }
check "this host's VMs come first, then the host header, then its domain" \
	bash -c "test $(row 'here1 ') -lt $(row '│lab  qemu') && test $(row '│lab  qemu') -lt $(row 'lab/lvh1 ')"
tmux_keys G # the last row: lab/lvh1
tui_expect 5 "┌ lab/lvh1 " "G selects lab/lvh1 (its details)"
tmux_keys s
tui_expect 20 "lab/lvh1 +running" "s starts the domain through libvirt"
check "virsh: running" wait_for 10 bash -c "test \"\$(virsh -q -c '$U' domstate lvh1 | head -n1)\" = running"
tmux_keys x
tui_expect 30 "lab/lvh1 +stopped" "x stops it (shutdown, destroy after 3 s)"
check "virsh: shut off" test "$(domstate lvh1)" = "shut off"
tmux_keys s
tui_expect 20 "lab/lvh1 +running" "s starts it again"
tmux_keys m
tmux_keys "info status" Enter
tui_expect 10 "│ VM status: running" "the monitor pane asks the domain's QEMU through libvirt (HMP)"
tmux_keys Escape
# The screen: virDomainOpenGraphicsFD hands libvirt's VNC socket to the VNC
# worker; zoomed, SeaBIOS's text is read back from the pixels.
if [[ $TRANSPORT == ssh ]]; then
	# libvirt passes the socket only over a UNIX socket connection: the
	# pane says libvirt's reason.
	tui_expect 20 "│ .*lab/lvh1: no screen: libvirt hands" "the screen pane says why libvirt gives no screen over ssh"
else
	tmux_keys z
	tui_expect 60 "SeaBIOS \\(version" "the screen through virDomainOpenGraphicsFD: SeaBIOS's text, zoomed"
	tmux_keys z
	tui_expect 5 "┌ VMs " "z again: back"
fi

# libvirtd (or the sshd in front of it) goes away: the header says so
# within 5 s, the domain keeps its last known state (greyed), keys answer.
if [[ $TRANSPORT == ssh ]]; then sshd_down; else kill "$(cat "$LVD/run/libvirtd.pid")"; fi
t0=$(date +%s%N)
if tmux_wait 5 "│lab: unreachable: "; then
	log "ok: $TRANSPORT daemon killed -> 'lab: unreachable: …' after $((($(date +%s%N) - t0) / 1000000)) ms"
else
	log "NOT OK: no 'lab: unreachable' within 5 s"; tui_dump; T_FAILS=$((T_FAILS + 1))
fi
tui_expect 5 "lab/lvh1 +running\\? " "the domain keeps its last known state, marked '?'"
tmux_keys k
tui_expect 5 "┌ lab: |┌ details" "k answers while the host is unreachable (the header is selected)"
tmux_keys j
tui_expect 5 "┌ lab/lvh1 " "j answers too"
tmux_keys x
tui_expect 5 "unreachable" "x on a domain of an unreachable host says so"
# The daemon back (libvirtd in its namespaces, or sshd): vmdeck reconnects by itself.
if [[ $TRANSPORT == ssh ]]; then
	sshd_up
else
	nsenter -t "$(cat "$LVD/subreaper.pid")" -m -n libvirtd -d -p /run/libvirt/libvirtd.pid ||
		fail "cannot start libvirtd again"
fi
tui_expect 40 "$HDR" "the daemon back: the header recovers by itself"
tui_expect 10 "lab/lvh1 +running [0-9]" "the domain's live state is back"
# A hung libvirtd (SIGSTOP): x waits in the host's worker, never in the
# loop: every key is answered at once; libvirt's keepalive drops the host
# (unreachable within seconds); SIGCONT -> it reconnects by itself.
LVPID=$(cat "$LVD/run/libvirtd.pid")
kill -STOP "$LVPID"
on_exit "kill -CONT $LVPID"
tmux_keys x
key_ms() { # key_ms KEY REGEX : press KEY, the ms until REGEX is on screen (10000: never)
	local t0=$(date +%s%N)
	tmux_keys "$1"
	wait_for 10 bash -c "$T_TMUX capture-pane -p -t t | grep -Eq -- \"\$0\"" "$2" || { echo 10000; return; }
	echo $((($(date +%s%N) - t0) / 1000000))
}
worst=0
for i in 1 2 3; do
	for kr in "k|┌ details " "j|┌ lab/lvh1 "; do
		ms=$(key_ms "${kr%%|*}" "${kr#*|}")
		((ms > worst)) && worst=$ms
	done
done
log "keys while libvirtd hangs: the slowest answered in $worst ms"
check "keys answer while libvirtd hangs (slowest $worst ms; a loop waiting on the host would take seconds)" test "$worst" -lt 1000
tui_expect 20 "│lab: unreachable: connection lost: keepalive timeout" "a hung host is dropped by libvirt's keepalive"
kill -CONT "$LVPID"
tui_expect 40 "$HDR" "the hung daemon back: the header recovers by itself"
tui_expect 10 "lab/lvh1 +running [0-9]" "its domain still running"
tmux_keys X
tui_expect 5 "Force stop lab/lvh1 now\\?" "X asks first"
tmux_keys y
tui_expect 20 "lab/lvh1 +stopped" "X y force-stops it through libvirt"
tmux_keys q
tui_expect 10 "EXIT=0" "q quits"
finish
