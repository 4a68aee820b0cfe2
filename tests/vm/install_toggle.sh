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

# A VM that boots a kernel (macos-sierra's Enoch, the test guest): QEMU gives
# the kernel's option ROM boot index 0, so the live toggle must use the same
# index as an install-mode start (1), or QEMU refuses it.
guest_build
profile_guest kern 'install:' "  file: $T_TMP/installer.iso"
"$VMDECK" start kern >/dev/null 2>&1 || fail "start kern"
out=$("$VMDECK" mode kern install 2>&1)
check "kernel VM: live switch to install succeeds ($out)" test $? -eq 0
check "kernel VM: ISO inserted" bash -c "'$VMDECK' monitor kern info block | grep '^install' | grep -q installer.iso"
bi=$("$VMDECK" monitor kern 'qom-get /machine/peripheral/install-cd bootindex' 2>&1 | tr -d '\r')
log "qom-get bootindex: $bi"
check "kernel VM: the CD boots first after the kernel (bootindex 1)" test "$bi" = 1
check "kernel VM: live mode is install" test "$(vm_json kern live_mode)" = install
out=$("$VMDECK" mode kern boot 2>&1) || fail "kern: mode boot: $out"
bi=$("$VMDECK" monitor kern 'qom-get /machine/peripheral/install-cd bootindex' 2>&1 | tr -d '\r')
check "kernel VM: bootindex removed ($bi)" test "$bi" = -1
"$VMDECK" kill kern >/dev/null 2>&1
finish
