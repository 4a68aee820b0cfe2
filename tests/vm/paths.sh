#!/usr/bin/env bash
# Where vmdeck looks when nothing is given: the profile directory
# (--profiles, $VMDECK_PROFILES, $XDG_CONFIG_HOME/vmdeck/profiles or
# ~/.config/vmdeck/profiles when it exists or /etc/vmdeck/profiles does not,
# else /etc/vmdeck/profiles), the runtime directory (--runtime-dir,
# $VMDECK_RUNTIME_DIR, /run/vmdeck as root, $XDG_RUNTIME_DIR/vmdeck) and the
# state directory ($VMDECK_STATE_DIR, $XDG_STATE_HOME/vmdeck,
# ~/.local/state/vmdeck). `status NAME` of an unknown VM names the first two.
# /etc and /run are a private tmpfs (unshare -m): nothing of the host's.
. "$VMDECK_TESTS/lib.sh"
need_root
need unshare runuser

H=$T_TMP/home
mkdir -p "$H"
chmod 755 "$T_TMP" "$H"
# dirs_of ENV... : "PROFILES RUNTIME" as `status nosuch` names them.
dirs_of() {
	env -i PATH="$PATH" ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		"$@" "$VMDECK" status nosuch 2>&1 |
		sed -n "s/.*no VM named 'nosuch' in \(.*\) (and none running under \(.*\)).*/\1 \2/p"
}
export -f dirs_of
# In a private mount namespace with an empty /etc and /run.
private() { unshare -m bash -c 'mount -t tmpfs none /etc && mount -t tmpfs none /run && "$@"' _ "$@"; }

check "--profiles and --runtime-dir win" test "$(env -i PATH="$PATH" "${T_SAN_ENV[@]}" VMDECK_PROFILES=/nope VMDECK_RUNTIME_DIR=/nope2 \
	"$VMDECK" --profiles "$T_TMP/p" --runtime-dir "$T_TMP/r" status nosuch 2>&1 |
	sed -n "s/.*no VM named 'nosuch' in \(.*\) (and none running under \(.*\)).*/\1 \2/p")" = "$T_TMP/p $T_TMP/r"
check "\$VMDECK_PROFILES and \$VMDECK_RUNTIME_DIR" \
	test "$(dirs_of HOME="$H" VMDECK_PROFILES="$T_TMP/vp" VMDECK_RUNTIME_DIR="$T_TMP/vr")" = "$T_TMP/vp $T_TMP/vr"
out=$(private dirs_of HOME="$H" XDG_CONFIG_HOME="$T_TMP/xdg")
check "\$XDG_CONFIG_HOME (missing, /etc's missing too); root: /run/vmdeck ($out)" \
	test "$out" = "$T_TMP/xdg/vmdeck/profiles /run/vmdeck"
out=$(private dirs_of HOME="$H")
check "~/.config/vmdeck/profiles without XDG_CONFIG_HOME ($out)" test "$out" = "$H/.config/vmdeck/profiles /run/vmdeck"
out=$(private bash -c 'mkdir -p /etc/vmdeck/profiles && "$@"' _ dirs_of HOME="$H")
check "/etc/vmdeck/profiles when it exists and the user's does not ($out)" test "$out" = "/etc/vmdeck/profiles /run/vmdeck"
mkdir -p "$H/.config/vmdeck/profiles"
out=$(private bash -c 'mkdir -p /etc/vmdeck/profiles && "$@"' _ dirs_of HOME="$H")
check "the user's directory when both exist ($out)" test "$out" = "$H/.config/vmdeck/profiles /run/vmdeck"
# Not root: $XDG_RUNTIME_DIR/vmdeck.
mkdir -p "$T_TMP/xrd"
chown nobody "$T_TMP/xrd" "$H"
out=$(runuser -u nobody -- env -i PATH="$PATH" "${T_SAN_ENV[@]}" HOME="$H" XDG_RUNTIME_DIR="$T_TMP/xrd" "$VMDECK" status nosuch 2>&1 |
	sed -n "s/.*(and none running under \(.*\)).*/\1/p")
check "not root: \$XDG_RUNTIME_DIR/vmdeck ($out)" test "$out" = "$T_TMP/xrd/vmdeck"

# The state directory: where `mode NAME install` keeps the mode.
P=$T_TMP/prof
mkdir -p "$P"
printf 'name: s1\nmemory: 64M\ninstall:\n  file: /dev/null\n' >"$P/s1.yaml"
st() { env -i PATH="$PATH" "${T_SAN_ENV[@]}" VMDECK_PROFILES="$P" VMDECK_RUNTIME_DIR="$T_TMP/run" "$@" "$VMDECK" mode s1 install >/dev/null 2>&1; }
st VMDECK_STATE_DIR="$T_TMP/vs" HOME="$H"
check "\$VMDECK_STATE_DIR" test -f "$T_TMP/vs/modes/s1"
st XDG_STATE_HOME="$T_TMP/xs" HOME="$H"
check "\$XDG_STATE_HOME/vmdeck" test -f "$T_TMP/xs/vmdeck/modes/s1"
st HOME="$H"
check "~/.local/state/vmdeck" test -f "$H/.local/state/vmdeck/modes/s1"
finish
