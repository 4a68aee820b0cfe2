#!/usr/bin/env bash
# The install toggle on a running VM: `info block` shows the installer
# inserted into the always-present CD, then ejected after toggling back.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
truncate -s 2M "$T_TMP/installer.iso"
profile_bare inst 'install:' "  file: $T_TMP/installer.iso"

"$VMDECK" start inst >/dev/null 2>&1 || fail "start"
check "boot mode: CD empty" bash -c "'$VMDECK' monitor inst info block | grep -A1 '^install' | grep -q 'not inserted'"
out=$("$VMDECK" mode inst install 2>&1) || fail "mode install: $out"
check "mode saved" test "$("$VMDECK" mode inst)" = install
check "install: ISO inserted" bash -c "'$VMDECK' monitor inst info block | grep '^install' | grep -q installer.iso"
check "live mode is install" test "$(vm_json inst live_mode)" = install
out=$("$VMDECK" mode inst boot 2>&1) || fail "mode boot: $out"
check "boot again: ejected" bash -c "'$VMDECK' monitor inst info block | grep -A1 '^install' | grep -q 'not inserted'"
check "mode saved as boot" test "$("$VMDECK" mode inst)" = boot
"$VMDECK" stop --force inst >/dev/null 2>&1
# A stopped VM simply starts in its mode.
"$VMDECK" mode inst install >/dev/null || fail "mode install (stopped)"
"$VMDECK" start inst >/dev/null 2>&1 || fail "start in install mode"
check "started in install mode: ISO present" bash -c "'$VMDECK' monitor inst info block | grep '^install' | grep -q installer.iso"
"$VMDECK" kill inst >/dev/null 2>&1
finish
