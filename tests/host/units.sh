#!/usr/bin/env bash
# The systemd units in dist/systemd/ pass `systemd-analyze verify` with no
# complaint at all (it exits 0 on "ignoring" problems, so any output fails
# this test too; a deliberately broken copy shows the check can fail), and
# `cmake --install` puts each in lib/systemd/system with ExecStart naming
# the installed binary. Label unit: no root, nothing started.
. "$VMDECK_TESTS/lib.sh"
need systemd-analyze cmake
: "${VMDECK_BUILD:?}"
# The man page the units' Documentation= names, where `man` finds it.
mkdir -p "$T_TMP/man/man1"
cp "$VMDECK_SRC/docs/vmdeck.1" "$T_TMP/man/man1/"
export MANPATH=$T_TMP/man
bindir=$(dirname "$VMDECK")
# verify_quiet UNIT: exit 0 and not a word said.
verify_quiet() {
	local out rc
	out=$(cd "$T_TMP" && systemd-analyze verify "$1" 2>&1); rc=$?
	[[ $rc -eq 0 && -z $out ]] || { log "systemd-analyze verify $(basename "$1"): rc $rc: $out"; return 1; }
}
# NAME.service.in (configured with the install's bin directory) or a plain
# NAME.service; for the check, vmdeck is the one under test.
shopt -s nullglob
units=("$VMDECK_SRC"/dist/systemd/*.service.in "$VMDECK_SRC"/dist/systemd/*.service "$VMDECK_SRC"/dist/*.service.in)
check "dist/systemd has vmdeck-autostart.service.in" test -f "$VMDECK_SRC/dist/systemd/vmdeck-autostart.service.in"
for in in "${units[@]}"; do
	u=$(basename "$in" .in)
	sed -E "s|@(VMDECK_BINDIR\|CMAKE_INSTALL_FULL_BINDIR)@|$bindir|g; s|/usr(/local)?/bin/vmdeck|$bindir/vmdeck|g" "$in" >"$T_TMP/$u"
	check "$u: no @VARIABLE@ left" bash -c "! grep -q '@[A-Z_]*@' '$T_TMP/$u'"
	check "$u: systemd-analyze verify says nothing" verify_quiet "$T_TMP/$u"
done
# The check itself can fail: a typo in a key and a bad value.
sed 's/^Type=oneshot/Type=oneshoot/' "$T_TMP/vmdeck-autostart.service" >"$T_TMP/broken.service"
not_quiet() { ! verify_quiet "$1" 2>/dev/null; }
check "a broken unit is caught" not_quiet "$T_TMP/broken.service"
a=$T_TMP/vmdeck-autostart.service
check "autostart unit: oneshot, stays active, starts and stops the autostart VMs" bash -c "
	grep -qx 'Type=oneshot' '$a' && grep -qx 'RemainAfterExit=yes' '$a' &&
	grep -qx 'ExecStart=$bindir/vmdeck autostart' '$a' && grep -qx 'ExecStop=$bindir/vmdeck autostart --stop' '$a' &&
	grep -q '^After=.*network-online.target' '$a'"
# cmake --install: the units under lib/systemd/system, naming the installed vmdeck.
DESTDIR=$T_TMP/root cmake --install "$VMDECK_BUILD" >"$T_TMP/install.log" 2>&1 || fail "cmake --install: $(tail -5 "$T_TMP/install.log")"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$VMDECK_BUILD/CMakeCache.txt")
for in in "${units[@]}"; do
	u=$(basename "$in" .in)
	f=$(find "$T_TMP/root" -path "*/lib/systemd/system/$u" | head -n1)
	check "cmake --install put $u in lib/systemd/system" test -n "$f"
	[[ -n $f && $in == *.in ]] &&
		check "$u names the installed binary ($prefix/bin/vmdeck)" grep -q "^ExecStart=$prefix/bin/vmdeck " "$f"
done
# The prefix given at install time (CPack's /usr, `--prefix`) is the one
# the units name: they are configured when installed.
DESTDIR=$T_TMP/root2 cmake --install "$VMDECK_BUILD" --prefix /opt/vmdeck >"$T_TMP/install2.log" 2>&1 ||
	fail "cmake --install --prefix: $(tail -5 "$T_TMP/install2.log")"
check "cmake --install --prefix /opt/vmdeck: the unit names /opt/vmdeck/bin/vmdeck" \
	grep -qx "ExecStart=/opt/vmdeck/bin/vmdeck autostart" "$T_TMP/root2/opt/vmdeck/lib/systemd/system/vmdeck-autostart.service"
finish
