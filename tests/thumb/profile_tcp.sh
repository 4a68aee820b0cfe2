#!/usr/bin/env bash
# `vmdeck screenshot NAME` for a profile whose VNC is TCP with a password
# (display.vnc: 127.0.0.1:DISPLAY, display.password_file): vmdeck start
# gives QEMU the password as a secret, screenshot reads the same file. All
# inside a private network namespace (QEMU's listener is on its loopback).
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/thumb/common.sh"
need_root
need qemu-system-x86_64 od

netns_new ns
prof=$T_TMP/profiles
mkdir -p "$prof"
printf 's3cret\n' >"$T_TMP/vncpw"
cat >"$prof/tcpvm.yaml" <<YAML
name: tcpvm
description: no OS, VNC on TCP with a password
accel: kvm:tcg
machine: pc
memory: 64M
display:
  vnc: "127.0.0.1:7"
  password_file: $T_TMP/vncpw
extra_args: ["-boot", "menu=on,splash-time=60000"]
YAML
vd() { ip netns exec "$ns" "$VMDECK" --profiles "$prof" "$@"; }
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [[ -f $f ]] && kill -9 "$(<"$f")"; done'

vd start tcpvm >"$T_TMP/start.log" 2>&1 || { cat "$T_TMP/start.log" >&2; fail "vmdeck start tcpvm"; }
shot() { vd screenshot tcpvm "$T_TMP/tcp.png" 2>"$T_TMP/shot.err"; }
check "screenshot NAME over TCP with the profile's password" wait_for 20 shot
cat "$T_TMP/shot.err" >&2
size=$(png_size "$T_TMP/tcp.png" 2>/dev/null)
log "PNG: ${size:-none}"
check "the PNG has QEMU's size" bash -c "[[ '$size' == 640x480 || '$size' == 720x400 ]]"
cells_ok() { vd screenshot tcpvm --cells 80x25 --colors mono 2>/dev/null | nonblank; }
check "--cells by NAME shows the screen" wait_for 20 cells_ok
printf 'wrong\n' >"$T_TMP/badpw"
out=$(vd screenshot tcpvm --password-file "$T_TMP/badpw" "$T_TMP/bad.png" 2>&1)
log "wrong password: $out"
check "a wrong --password-file is refused with a reason" bash -c "[[ '$out' == *'no screen'* ]]"
check "outside the namespace nothing listens (loopback of the netns only)" \
	bash -c "! $VMDECK screenshot --vnc 127.0.0.1:7 --timeout 2 $T_TMP/outside.png 2>/dev/null"
vd stop --force tcpvm >/dev/null 2>&1
finish
