#!/usr/bin/env bash
# Start failures name their cause, in QEMU's own words where QEMU has them,
# and leave nothing behind but why: no process, only qemu.log and the exit
# record, which status shows until the next start.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
profile_bare nodisk 'disks:' "  - file: $T_TMP/no-such-disk.qcow2" '    format: qcow2'
profile_bare badopt 'extra_args: ["-frobnicate", "yes"]'
profile_bare nobin 'qemu: /nonexistent/qemu-system-x86_64'

expect_fail() { # NAME REGEX
	local name=$1 re=$2 out rc
	out=$("$VMDECK" start "$name" 2>&1)
	rc=$?
	log "$name: $out"
	check "$name: start fails" test $rc -ne 0
	check "$name: message names the cause" grep -Eq -- "$re" <<<"$out"
	check "$name: message names the VM" grep -q -- "$name" <<<"$out"
	check "$name: no QEMU left" test "$(qemu_count "$name")" -eq 0
	check "$name: only the log and the exit record left" bash -c \
		"! ls -A '$VMDECK_RUNTIME_DIR/$name' 2>/dev/null | grep -vqxE 'qemu\.log|last-exit'"
	check "$name: status shows the failed start and its error (docs/lifecycle.md)" bash -c \
		"'$VMDECK' status --json '$name' | jq -e '.[0].status == \"exited, start failed\" and (.[0].error | contains(\"$name\"))' >/dev/null"
}
expect_fail nodisk "no-such-disk.qcow2.*No such file or directory"
expect_fail badopt "invalid option.*-frobnicate|-frobnicate.*invalid option"
expect_fail nobin "cannot run QEMU binary '/nonexistent/qemu-system-x86_64': No such file or directory"
finish
