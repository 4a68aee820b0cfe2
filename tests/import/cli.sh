#!/usr/bin/env bash
# tests/import/cli.sh — the `vmdeck import` verb: broken scripts give a clear
# FILE:LINE:COL error and exit 1 (no QEMU command, an unbalanced quote,
# binary garbage, 10 MB), an existing profile is kept without --force, stdin
# (-), an argv after --, a running QEMU (--pid), --set, and the script is
# never executed.
. "$VMDECK_TESTS/lib.sh"
need qemu-system-x86_64 qemu-img
D=$T_TMP/s
P=$T_TMP/profiles
mkdir -p "$D" "$P"
vm() { "$VMDECK" --profiles "$P" "$@"; }

# expect_fail SCRIPT "FILE:LINE:COL: text": exit 1, that message, no file written.
expect_fail() {
	local s=$1 want=$2 rc
	vm import "$s" --out "$P" --name broken >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	if ((rc != 1)); then log "exit $rc, not 1: $(cat "$T_TMP/err")"; return 1; fi
	grep -qF -- "$want" "$T_TMP/err" || { log "wanted '$want', got: $(cat "$T_TMP/err")"; return 1; }
	[[ ! -e $P/broken.yaml ]] || { log "a profile was written"; return 1; }
}

printf 'echo starting\nls -l\n' >"$D/noqemu.sh"
check "no QEMU command: named at the end of the script" expect_fail "$D/noqemu.sh" "$D/noqemu.sh:3:1: no QEMU command"
printf 'qemu-system-x86_64 -m 1 \\\n  -name "oops \\\n  -smp 2\n' >"$D/quote.sh"
check "unbalanced quote: where it opens" expect_fail "$D/quote.sh" "$D/quote.sh:2:9: unterminated double quote"
printf '\x7fELF\x02\x01\x01\x00\x00\x00' >"$D/garbage.sh"
check "binary garbage: the NUL's place" expect_fail "$D/garbage.sh" "$D/garbage.sh:1:8: binary data"
printf 'qemu-system-x86_64 -m 1 -name caf\xe9\n' >"$D/latin1.sh"
check "not UTF-8: the byte's place" expect_fail "$D/latin1.sh" "$D/latin1.sh:1:34: not valid UTF-8"
truncate -s 10M "$D/big.sh"
check "10 MB: refused unread" expect_fail "$D/big.sh" "$D/big.sh:1:1: file too large: 10485760 bytes"
check "a missing script exits 3" bash -c '"$1" --profiles "$2" import "$3" --out "$2"; (($? == 3))' _ "$VMDECK" "$P" "$D/none.sh"

# Never executed: a script that would leave a mark.
mark=$T_TMP/executed
cat >"$D/trap.sh" <<SH
touch $mark
X=\$(touch $mark)
qemu-system-x86_64 -m 256 \`touch $mark\` -name trap
SH
check "the script is read, never run" bash -c 'cd "$1" && "$2" --profiles "$3" import trap.sh --out "$3" >/dev/null 2>&1 && [[ ! -e $4 ]]' \
	_ "$D" "$VMDECK" "$P" "$mark"
check "the name comes from -name" test -f "$P/trap.yaml"
check "an existing profile is kept without --force" bash -c '! "$1" import "$2" --out "$3" 2>"$4" && grep -q "exists: not overwritten" "$4"' \
	_ "$VMDECK" "$D/trap.sh" "$P" "$T_TMP/err"
check "--force replaces it" vm import "$D/trap.sh" --out "$P" --force
# A write that fails (files may hold 0 bytes here) leaves no NAME.yaml,
# not even a truncated one, and no file aside.
no_short_profile() {
	local err rc
	err=$(trap '' XFSZ; ulimit -f 0; "$VMDECK" --profiles "$P" import "$D/trap.sh" --out "$P" --name short 2>&1 >/dev/null)
	rc=$?
	((rc == 1)) || { log "exit $rc, not 1: $err"; return 1; }
	grep -q "File too large" <<<"$err" || { log "wanted 'File too large', got: $err"; return 1; }
	[[ -z $(find "$P" -name 'short.yaml*') ]] || { log "left: $(find "$P" -name 'short.yaml*')"; return 1; }
}
check "a failed write leaves no profile behind" no_short_profile

# stdin, --set, the report on stderr with LINE:COL, the profile passes check.
printf 'MEM=${MEM:-256}\nqemu-system-x86_64 -m $MEM -hda $DISK -monitor stdio\n' >"$D/stdin.sh"
qemu-img create -q -f raw "$D/x.img" 1M
(cd "$D" && vm import - --name fromstdin --out "$P" --set DISK=x.img --set MEM=300 <"$D/stdin.sh" >"$T_TMP/out" 2>"$T_TMP/err")
check "stdin import writes NAME.yaml" test -f "$P/fromstdin.yaml"
check "--set fills a variable and wins over a default" grep -q '^memory: 300M' "$P/fromstdin.yaml"
check "the report: summary and dropped option with LINE:COL" \
	bash -c 'grep -q "^kept 2 options, modernised 0, moved 0 to extra_args, dropped 1" "$1" && grep -q "^(stdin):2:39: -monitor stdio dropped" "$1"' _ "$T_TMP/err"
check "the imported profile passes check" vm check "$P/fromstdin.yaml"
printf 'qemu-system-x86_64 -m 256 -hda $DISK\n' >"$D/unset.sh"
vm import "$D/unset.sh" --out "$P" --name unset >/dev/null 2>"$T_TMP/err"
check "an unset variable: reported with LINE:COL, left as a placeholder" \
	bash -c 'grep -q "unset.sh:1:32: .DISK. is never assigned and has no default" "$1" && grep -q "file: \\\$DISK" "$2"' \
	_ "$T_TMP/err" "$P/unset.yaml"

# Two VMs in one script: the first is imported, the second named.
printf 'qemu-system-x86_64 -m 200 -nodefaults &\nqemu-system-x86_64 -m 300 -nodefaults\n' >"$D/two.sh"
vm import "$D/two.sh" --out "$P" --name two >/dev/null 2>"$T_TMP/err"
check "two QEMU commands: the first is imported, the second named with LINE:COL" \
	bash -c 'grep -q "^memory: 200M" "$1" && grep -q "two.sh:2:1: a second QEMU command is not imported" "$2"' \
	_ "$P/two.yaml" "$T_TMP/err"

# An argv after --.
check "import -- ARGV" vm import --out "$P" --name fromargv -- qemu-system-x86_64 -m 320 -machine q35 -nodefaults
check "… with its values" grep -q '^memory: 320M' "$P/fromargv.yaml"

# A running QEMU.
qemu-system-x86_64 -S -display none -nodefaults -machine q35 -m 272 -name running-vm -accel tcg &
qp=$!
on_exit "kill -9 $qp"
wait_for 30 grep -q running-vm /proc/$qp/cmdline || fail "QEMU did not start"
check "import --pid" vm import --pid "$qp" --out "$P"
check "… named by its -name, with its memory" grep -q '^memory: 272M' "$P/running-vm.yaml"
kill "$qp"
# A QEMU vmdeck itself runs: its own sockets, pid file and serial console
# are not copied (a copied console chardev was a duplicate id: the new VM
# could not start), and the new profile starts beside the old one.
printf 'name: own\naccel: tcg\nmachine: q35\nmemory: 64M\nstop_timeout: 3\n' >"$P/own.yaml"
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")"; done'
check "a vmdeck VM starts" vm start own
ownpid=$(cat "$VMDECK_RUNTIME_DIR/own/qemu.pid")
check "import --pid of a vmdeck VM" vm import --pid "$ownpid" --name owncopy --out "$P"
check "… without vmdeck's own console" bash -c '! grep -Eq "^ *- .*(serial\.sock|chardev:serial0)" "$1"' _ "$P/owncopy.yaml"
check "… nor the supervisor's monitor" bash -c '! grep -v "^ *#" "$1" | grep -Eq "vmdeck-rec|fd=4"' _ "$P/owncopy.yaml"
check "… that passes check" vm check "$P/owncopy.yaml"
check "… and starts beside it" vm start owncopy
{ vm stop --force own; vm stop --force owncopy; } >/dev/null 2>&1
check "--pid of no process exits 3" bash -c '"$1" import --pid 4194304 --out "$2"; (($? == 3))' _ "$VMDECK" "$P"
check "usage errors exit 2" bash -c '"$1" import; (($? == 2)) && "$1" import a b; (($? == 2))' _ "$VMDECK"
finish
