#!/usr/bin/env bash
# `vmdeck monitor NAME CMD` against a real QEMU (no-OS VM): a command's
# output on stdout and exit 0; HMP's error replies ("unknown command: ...",
# a parse error with 'Try "help ..."', "Error: ...") on stderr and exit 1;
# a long command line reaches QEMU whole (no cut at 511 bytes, or anywhere
# below QEMU's own 1023-byte argument limit); --help exits 0.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
profile_bare mon

check "monitor --help: usage, exit 0" bash -c "'$VMDECK' monitor --help | grep -q 'usage: vmdeck monitor'"
"$VMDECK" start mon >/dev/null 2>&1 || fail "start"

# mon CMD... : run the verb; its stdout, stderr and exit code in $out $err $rc
mon() {
	"$VMDECK" monitor mon "$@" >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	out=$(tr -d '\r' <"$T_TMP/out")
	err=$(tr -d '\r' <"$T_TMP/err")
}

mon info status
check "info status: exit 0" test "$rc" -eq 0
check "info status: the answer on stdout" grep -q '^VM status: running' <<<"$out"

mon foo
check "unknown command: exit 1 (got $rc)" test "$rc" -eq 1
check "unknown command: QEMU's words on stderr" grep -qF "unknown command: 'foo'" <<<"$err"
check "unknown command: nothing on stdout" test -z "$out"
mon info nosuchthing
check "unknown info subcommand: exit 1 (got $rc)" test "$rc" -eq 1
mon stop extra words
check "a parse error (extraneous characters): exit 1 (got $rc)" test "$rc" -eq 1
check "a parse error: QEMU's hint on stderr" grep -qF 'Try "help stop"' <<<"$err"
mon qom-get /machine/nosuch type
check "a failed command (Error: ...): exit 1 (got $rc)" test "$rc" -eq 1
mon info status
check "the VM still runs (the errors changed nothing)" grep -q '^VM status: running' <<<"$out"

# 1000 bytes: QEMU quotes the path back in its error, so what it got shows.
long=$(head -c 980 /dev/zero | tr '\0' x)
mon "qom-get /machine/$long type"
check "a 1000-byte command arrives whole (QEMU quotes all 980 x)" grep -qF "'/machine/$long'" <<<"$err"
check "the quoted path is not longer either" test "$(grep -o 'x*' <<<"$err" | awk '{ print length }' | sort -n | tail -1)" -eq 980

"$VMDECK" kill mon >/dev/null 2>&1
finish
