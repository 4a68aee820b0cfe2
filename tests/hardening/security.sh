#!/usr/bin/env bash
# Security properties with the real binary:
#  - names never leave their directory: VM names, lab-network names from the
#    command line, interface names "." / ".." in profiles;
#  - no shell: a profile value full of shell syntax reaches QEMU as one
#    argv element (args shows it quoted; nothing runs);
#  - VNC: any TCP address needs a password, loopback too (every local user
#    can reach a loopback port), else the profile does not load;
#    "127.0.0.1.example" is a host name, not loopback; off loopback every
#    start warns visibly (run in a private netns: nothing listens on the
#    host), and QEMU refuses another user without the password (an empty
#    password file, which would let anyone in, is refused by check);
#  - the runtime dir and the VM's dir are 0700, sockets unreachable by
#    another user.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need_root # netns for the public-VNC start, runuser
need runuser

# ---- names -------------------------------------------------------------
printf 'name: ../evil\naccel: tcg\n' >"$PROF/evil.yaml"
printf 'name: brdot\naccel: tcg\nnics:\n  - network: tap\n    bridge: ..\n' >"$PROF/brdot.yaml"
printf 'name: tapdot\naccel: tcg\nnics:\n  - network: tap\n    tap: .\n' >"$PROF/tapdot.yaml"
out=$("$VMDECK" check 2>&1)
check "VM name ../evil refused" grep -q "evil.yaml:1:7: 'name': '../evil' is not a valid VM name" <<<"$out"
check "bridge .. refused" grep -q "brdot.yaml:5:13: 'bridge': '..' is not an interface name" <<<"$out"
check "tap . refused" grep -q "tapdot.yaml:5:10: 'tap': '.' is not an interface name" <<<"$out"
out=$("$VMDECK" start ../evil 2>&1); rc=$?
check "start ../evil: no such VM, nothing created" bash -c "(( $rc != 0 )) && [[ ! -e '$T_TMP/evil' && ! -e '$VMDECK_RUNTIME_DIR/../evil' ]]"
mkdir -p "$T_TMP/outside"
echo '{"name":"x"}' >"$T_TMP/outside/state.json" # records nothing to undo, whatever happens
for verb in "net down" "net up" "net status"; do
	out=$($VMDECK $verb "../../outside" 2>&1); rc=$?
	check "$verb ../../outside refused by name" bash -c "(( $rc != 0 )) && grep -q 'is not a lab network name' <<<'$out'"
done
check "the file outside is untouched" test -f "$T_TMP/outside/state.json"

# ---- no shell ------------------------------------------------------------
printf 'name: shell\naccel: tcg\nmemory: 64M\ndescription: "$(touch %s/pwned)"\nboot:\n  kernel: "%s/k;touch %s/pwned"\n' \
	"$T_TMP" "$T_TMP" "$T_TMP" >"$PROF/shell.yaml"
: >"$T_TMP/k;touch $T_TMP/pwned"
out=$("$VMDECK" args shell --lines 2>&1)
check "args: the kernel path is one argv element, verbatim" grep -qx -- "$T_TMP/k;touch $T_TMP/pwned" <<<"$out"
"$VMDECK" list >/dev/null 2>&1
"$VMDECK" status shell >/dev/null 2>&1
check "nothing ran" test ! -e "$T_TMP/pwned"

# ---- profiles another user can change, read as root ----------------------
# Like sshd's StrictModes: a profile names what QEMU runs and opens, so root
# reads it only when root (or the sudo user) owns it and its directory and
# no one else can write to them. Other profiles keep loading.
U="$T_TMP/untrusted"; mkdir -p "$U"; chmod 755 "$U"
for n in mine theirs open; do printf 'name: %s\naccel: tcg\nmemory: 64M\n' "$n" >"$U/$n.yaml"; done
chmod 644 "$U"/*.yaml
chown nobody "$U/theirs.yaml"
chmod 666 "$U/open.yaml"
out=$(env -u SUDO_UID -u SUDO_GID "$VMDECK" --profiles "$U" check 2>&1)
check "root: a profile owned by another user is refused, named" grep -q "theirs.yaml: not read as root: the file is owned by uid $(id -u nobody), not root" <<<"$out"
check "root: a world-writable profile is refused" grep -q "open.yaml: not read as root: the file is writable by everyone (mode 0666)" <<<"$out"
check "root: the others still load" grep -q "3 files checked: 1 profile loaded, 2 errors" <<<"$out"
out=$(SUDO_UID=$(id -u nobody) "$VMDECK" --profiles "$U" check 2>&1)
check "run by sudo from that user: their profile loads" bash -c "! grep -q theirs.yaml <<<'$out'"
chmod 644 "$U/open.yaml"; chown nobody "$U"
out=$(env -u SUDO_UID -u SUDO_GID "$VMDECK" --profiles "$U" check 2>&1)
check "root: a directory owned by another user is refused" grep -q "mine.yaml: not read as root: its directory is owned by uid" <<<"$out"
chown root "$U"; chmod 1777 "$U"
out=$(env -u SUDO_UID -u SUDO_GID "$VMDECK" --profiles "$U" check 2>&1)
check "root: a sticky world-writable directory (as /tmp) is accepted for root's files" bash -c "! grep -q mine.yaml <<<'$out'"
chmod 755 "$U"; chmod 711 "$T_TMP"
out=$(runuser -u nobody -- "$VMDECK" --profiles "$U" check 2>&1)
chmod 700 "$T_TMP"
check "not root: no such rule (the user trusts their own files)" grep -q "3 files checked: 3 profiles loaded" <<<"$out"

# ---- VNC -------------------------------------------------------------------
printf 'name: vncopen\naccel: tcg\nmemory: 64M\ndisplay:\n  vnc: 0.0.0.0:57\n' >"$PROF/vncopen.yaml"
printf 'name: vnctrick\naccel: tcg\nmemory: 64M\ndisplay:\n  vnc: 127.0.0.1.example.net:58\n' >"$PROF/vnctrick.yaml"
printf 'name: vnclo\naccel: tcg\nmemory: 64M\ndisplay:\n  vnc: 127.0.0.1:59\n' >"$PROF/vnclo.yaml"
: >"$T_TMP/empty.pw"
printf 'name: vncempty\naccel: tcg\nmemory: 64M\ndisplay:\n  vnc: 127.0.0.1:60\n  password_file: %s\n' "$T_TMP/empty.pw" >"$PROF/vncempty.yaml"
echo secret >"$T_TMP/vncpw"
chmod 600 "$T_TMP/vncpw"
profile_bare vncpub 'display:' '  vnc: 0.0.0.0:57' "  password_file: $T_TMP/vncpw"
out=$("$VMDECK" check 2>&1)
check "public VNC without password: error" grep -q "vncopen.yaml:5:8: VNC on 0.0.0.0:57 is reachable from the network: set display.password_file" <<<"$out"
check "127.0.0.1.example.net is not loopback" grep -q "vnctrick.yaml:5:8: VNC on 127.0.0.1.example.net:58 is reachable" <<<"$out"
check "public VNC with password: warning" grep -q "vncpub.yaml:.*warning: VNC on 0.0.0.0:57 is reachable from the network (password only" <<<"$out"
check "loopback VNC without password: error (other local users could connect)" grep -q "vnclo.yaml:5:8: VNC on 127.0.0.1:59 has no password: every local user can connect to a TCP port" <<<"$out"
check "start vncopen refused" bash -c '! "$VMDECK" start vncopen >/dev/null 2>&1'
check "start vnclo refused" bash -c '! "$VMDECK" start vnclo >/dev/null 2>&1'
check "an empty password file: error (an empty password lets anyone in)" grep -q "vncempty.yaml:6:18: VNC password file $T_TMP/empty.pw is empty" <<<"$out"
check "start vncempty refused" bash -c '! "$VMDECK" start vncempty >/dev/null 2>&1'
netns_new NS
out=$(ip netns exec "$NS" "$VMDECK" start vncpub 2>&1); rc=$?
log "start vncpub: $(tr '\n' ' ' <<<"$out")"
check "public VNC with password: starts" test $rc -eq 0
check "public VNC with password: start warns" grep -q "vncpub: warning: VNC listens on 0.0.0.0:57, reachable from the network" <<<"$out"
check "QEMU listens only inside the namespace" bash -c "ip netns exec $NS ss -ltn | grep -q ':5957 ' && ! ss -ltn | grep -q ':5957 '"
# The password is what keeps another local user out of a TCP VNC: QEMU's
# own answer, asked the way any client could (rfb_auth.py; libvncclient
# will not send an empty password). The control: a QEMU given an empty
# password file (what check now refuses) lets that same attempt in.
need python3 openssl
rfb() { ip netns exec "$NS" runuser -u nobody -- python3 "$VMDECK_TESTS/hardening/rfb_auth.py" "$@"; }
out=$(rfb 5957); rc=$?
check "another user, empty password: refused by QEMU ($out)" test $rc -eq 1 -a "$out" = refused
out=$(rfb 5957 guess); rc=$?
check "another user, a wrong password: refused by QEMU ($out)" test $rc -eq 1 -a "$out" = refused
ip netns exec "$NS" qemu-system-x86_64 -machine none -nodefaults -display none -S \
	-object secret,id=s0,file="$T_TMP/empty.pw" -vnc 127.0.0.1:61,password-secret=s0 >/dev/null 2>&1 &
ctl_qemu=$!
on_exit "kill $ctl_qemu 2>/dev/null"
check "control: a QEMU with an empty password file listens" wait_for 20 bash -c "ip netns exec $NS ss -ltn | grep -q ':5961 '"
out=$(rfb 5961); rc=$?
check "control: there the empty password gets in ($out)" test $rc -eq 0
kill "$ctl_qemu" 2>/dev/null
SHOT=$(mktemp -d /tmp/vmdeck-shot.XXXXXX)
on_exit "rm -rf '$SHOT'"
out=$(ip netns exec "$NS" "$VMDECK" screenshot vncpub "$SHOT/root.png" 2>&1); rc=$?
check "the owner, with the profile's password, gets the screen ($out)" test $rc -eq 0 -a -s "$SHOT/root.png"

# ---- runtime dirs and sockets ---------------------------------------------
check "runtime dir 0700" test "$(stat -c %a "$VMDECK_RUNTIME_DIR")" = 700
check "VM dir 0700" test "$(stat -c %a "$VMDECK_RUNTIME_DIR/vncpub")" = 700
# Open the way down to the VM dir (the test's own dirs are 0700), so only
# the VM dir's own mode can keep another user out.
chmod 711 "$T_TMP" "$VMDECK_RUNTIME_DIR"
check "another user can reach the runtime dir (the control)" runuser -u nobody -- test -x "$VMDECK_RUNTIME_DIR"
check "another user cannot reach qmp.sock" bash -c "! runuser -u nobody -- test -e '$VMDECK_RUNTIME_DIR/vncpub/qmp.sock'"
check "another user cannot list the VM dir" bash -c "! runuser -u nobody -- ls '$VMDECK_RUNTIME_DIR/vncpub' >/dev/null 2>&1"
chmod 700 "$T_TMP" "$VMDECK_RUNTIME_DIR"
# A TUI started later (not the one that started it) shows the exposure too.
need tmux
mkdir -p "$T_TMP/pubprof"
cp "$PROF/vncpub.yaml" "$T_TMP/pubprof/"
tmux_start 160 40 env -i "${T_SAN_ENV[@]}" PATH="$PATH" HOME="$T_TMP" TERM=xterm-256color LANG=C.UTF-8 \
	VMDECK_RUNTIME_DIR="$VMDECK_RUNTIME_DIR" VMDECK_STATE_DIR="$VMDECK_STATE_DIR" \
	ip netns exec "$NS" "$VMDECK" --read-only --profiles "$T_TMP/pubprof"
check "the TUI's details warn of the public VNC of a running VM" \
	tmux_wait 10 "display VNC on 0.0.0.0:57: reachable from the network"
$T_TMUX kill-server
ip netns exec "$NS" "$VMDECK" kill vncpub >/dev/null 2>&1
check "killed" wait_for 20 vm_state_is vncpub exited

# ---- without root ------------------------------------------------------------
# A user's VM (user-mode networking, no TAP) needs no privilege: start,
# status, monitor, screenshot, stop as user nobody, in directories of theirs.
NB=$(mktemp -d /tmp/vmdeck-nobody.XXXXXX)
on_exit "rm -rf '$NB'"
mkdir -p "$NB/prof" "$NB/run" "$NB/state"
printf 'name: mine\naccel: tcg\nmachine: q35\nmemory: 64M\nstop_timeout: 3\nnics:\n  - model: e1000\n    network: user\n' >"$NB/prof/mine.yaml"
chown -R nobody: "$NB"
chmod 755 "$NB"
as_nobody() { runuser -u nobody -- env VMDECK_PROFILES="$NB/prof" VMDECK_RUNTIME_DIR="$NB/run" VMDECK_STATE_DIR="$NB/state" HOME="$NB" "$VMDECK" "$@"; }
out=$(as_nobody start mine 2>&1); rc=$?
check "not root: start a user-networking VM ($out)" test $rc -eq 0
on_exit "[ -f '$NB/run/mine/qemu.pid' ] && kill -9 \$(cat '$NB/run/mine/qemu.pid')"
check "not root: QEMU runs as nobody" test "$(stat -c %U "/proc/$(cat "$NB/run/mine/qemu.pid" 2>/dev/null)" 2>/dev/null)" = nobody
check "not root: status says running" bash -c "$(declare -f as_nobody); NB='$NB' VMDECK='$VMDECK'; as_nobody status mine --json | jq -e '.[0].state == \"running\"'"
check "not root: monitor" bash -c "$(declare -f as_nobody); NB='$NB' VMDECK='$VMDECK'; as_nobody monitor mine 'info status' | grep -q 'VM status: running'"
check "not root: screenshot" bash -c "$(declare -f as_nobody); NB='$NB' VMDECK='$VMDECK'; as_nobody screenshot mine '$NB/s.png' && test -s '$NB/s.png'"
check "not root: the VM dir is theirs, 0700" test "$(stat -c '%U %a' "$NB/run/mine")" = "nobody 700"
out=$(as_nobody stop --force mine 2>&1); rc=$?
check "not root: stop ($out)" test $rc -eq 0
check "not root: stopped" test "$(as_nobody status mine --json | jq -r '.[0].state')" = exited
finish
