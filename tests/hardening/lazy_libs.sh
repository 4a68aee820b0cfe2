#!/usr/bin/env bash
# The commands that never look at a screen do not load libvncclient (and the
# GnuTLS, libgcrypt, nettle ... it brings): core/vnc_worker.c dlopen()s it
# when a screen is first wanted; nor libmicrohttpd (GnuTLS again), which
# core/promhttp.c dlopen()s when `vmdeck metrics` starts serving. `vmdeck screenshot` of a VM that runs still
# loads it and works (thumb_text covers the pictures themselves).
. "$VMDECK_TESTS/lib.sh"
need qemu-system-x86_64
P=$T_TMP/prof
mkdir -p "$P"
export VMDECK_PROFILES=$P VMDECK_RUNTIME_DIR=$T_TMP/run VMDECK_STATE_DIR=$T_TMP/state XDG_CONFIG_HOME=$T_TMP/cfg # no config.yaml: no connection
printf 'name: lz1\naccel: tcg\nmachine: q35\nmemory: 32M\nstop_timeout: 3\n' >"$P/lz1.yaml"

loaded() { # loaded ARGS... : the libraries the dynamic loader opened, one a line
	LD_DEBUG=files "$VMDECK" "$@" 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\) .*\[0\];  needed by.*/\1/p; s/.*file=\([^ ]*\) .*\[0\];  dynamically loaded by.*/\1/p' | sort -u
}
for args in "--version" "status --json" "list" "check lz1" "args lz1"; do
	libs=$(loaded $args)
	[[ -n $libs ]] || fail "LD_DEBUG=files showed no library for 'vmdeck $args'"
	grep -q 'libvncclient\|libgnutls\|libgcrypt\|libmicrohttpd' <<<"$libs" &&
		fail "'vmdeck $args' loaded $(grep 'vnc\|gnutls\|gcrypt\|microhttpd' <<<"$libs" | tr '\n' ' ')"
	grep -q 'libxml2\|libicu' <<<"$libs" && fail "'vmdeck $args' loaded $(grep 'xml\|icu' <<<"$libs" | tr '\n' ' ')"
	grep -q 'libvirt' <<<"$libs" && fail "'vmdeck $args' loaded $(grep 'libvirt' <<<"$libs" | tr '\n' ' ')"
done
check "commands without a screen load no VNC library, no HTTP server library, commands without XML no libxml2 (core/xmlso.c), and without a libvirt connection no libvirt (core/lvso.c)" true
# A libvirt connection loads libvirt (dlopen, core/lvso.c) when it opens:
# even one that fails (no daemon at that socket) has tried.
libs=$(loaded --connect "qemu+unix:///system?socket=$T_TMP/no-libvirtd" status)
check "status with --connect loads libvirt when it connects" grep -q 'libvirt\.so' <<<"$libs"
libs=$(loaded export lz1 --libvirt)
check "export --libvirt loads libxml2 when it needs it" grep -q libxml2 <<<"$libs"
# `vmdeck metrics` loads libmicrohttpd when it starts serving, and serves.
LD_DEBUG=files "$VMDECK" metrics --listen 127.0.0.1:0 2>"$T_TMP/metrics.err" &
mpid=$!
on_exit "kill_pid $mpid"
wait_for 20 grep -q "serving http://" "$T_TMP/metrics.err" || fail "vmdeck metrics did not start: $(tail -3 "$T_TMP/metrics.err")"
check "metrics loads libmicrohttpd when it serves" grep -q 'file=[^ ]*libmicrohttpd' "$T_TMP/metrics.err"
kill_pid "$mpid"

"$VMDECK" start lz1 >/dev/null || fail "start lz1"
on_exit "'$VMDECK' stop --force lz1 >/dev/null 2>&1"
LD_DEBUG=files "$VMDECK" screenshot --timeout 120 lz1 "$T_TMP/shot.png" 2>"$T_TMP/shot.err" >/dev/null
libs=$(grep -o 'file=[^ ]*libvncclient[^ ]*' "$T_TMP/shot.err" | head -n1)
# What screenshot itself said (the loader's lines left out), should it fail.
said=$(grep -Ev '^ *[0-9]+:' "$T_TMP/shot.err" | tr "\n" " ")
[[ -s $T_TMP/shot.png ]] || fail "screenshot of a running VM wrote no picture (it said: $said; status: $(LD_DEBUG= "$VMDECK" status lz1 2>&1 | head -n2 | tr "\n" " "))"
check "screenshot loads libvncclient when it needs it ($libs)" test -n "$libs"
"$VMDECK" stop --force lz1 >/dev/null
finish
