#!/usr/bin/env bash
# Every broken profile in tests/profiles/broken/ (and every broken lab
# network: net-*/networks/lab.yaml) gives exactly the messages
# in its .expected file, at least one, each FILE:LINE:COL: message (checked:
# a message without its place fails the case) (stderr of `vmdeck check`,
# the fixture directory written as @DIR@) and check exits 1 (0 for warn-*,
# which only warn); a directory is checked as one set (duplicates across files); the good ones
# check clean; one bad file never keeps a good one from loading. With a
# sanitizer build (VMDECK from -DVMDECK_SANITIZE=ON) any ASan/UBSan/leak
# report fails the run.
#   VMDECK_REGEN=1 rewrites the .expected files (review the diff!).
. "$VMDECK_TESTS/lib.sh"
need jq
dir=$VMDECK_TESTS/profiles/broken
cd "$dir" || fail "no $dir"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

sanitizer_clean() { ! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$1"; }

# run_check OUT ARGS...: vmdeck check, stderr to OUT with the paths masked.
run_check() {
	local out=$1; shift
	"$VMDECK" check "$@" >/dev/null 2>"$T_TMP/raw"
	local rc=$?
	sed -e "s#$dir#@DIR@#g" -e "s#$T_TMP#@TMP@#g" "$T_TMP/raw" >"$out"
	return $rc
}

n=0
for f in *.yaml */; do
	f=${f%/}
	exp=${f%.yaml}.expected
	run_check "$T_TMP/out" "$f"
	rc=$?
	n=$((n + 1))
	if [[ -n ${VMDECK_REGEN:-} ]]; then
		cp "$T_TMP/out" "$exp"
		continue
	fi
	# warn-*: only warnings, which do not fail check.
	want=1
	[[ $f == warn-* ]] && want=0
	check "$f: check exits $want (got $rc)" test "$rc" -eq "$want"
	check "$f: no sanitizer report" sanitizer_clean "$T_TMP/out"
	# Every message of every case names its place: FILE:LINE:COL.
	check "$f: every message has FILE:LINE:COL" \
		bash -c '[[ -s $0 ]] && ! grep -Ev "^[^ :]+:[0-9]+:[0-9]+: " "$0"' "$T_TMP/out"
	if [[ ! -f $exp ]]; then
		check "$f: has $exp" false
	elif ! diff -u "$exp" "$T_TMP/out" >"$T_TMP/diff"; then
		cat "$T_TMP/diff" >&2
		check "$f: messages as expected" false
	else
		check "$f: $(head -n1 "$exp" | cut -c1-110)" true
	fi
done
log "$n broken fixtures"
((n >= 20)) || fail "only $n broken fixtures (want at least 20)"

# Twins: a lab network (net-*/networks/lab.yaml, next to a good profile)
# fails the way its profile twin does — one schema walker, one set of
# words. Compared: the messages with the file and place, quoted keys and
# values, MACs, numbers, the list of known keys and the kind of file masked.
shape() {
	sed -E -e 's/^[^ ]+:[0-9]+:[0-9]+: //' -e "s/'[^']*'/'Q'/g" -e 's/[0-9a-f]{2}(:[0-9a-f]{2}){5}/MAC/g' \
		-e 's/[0-9]+/N/g' -e 's/\(known keys: [^)]*\)/(known keys: K)/' \
		-e 's/(a lab network|a profile|lab network|profile)/FORMAT/g' "$1"
}
twins=0
while read -r pcase ncase; do
	twins=$((twins + 1))
	shape "$pcase.expected" >"$T_TMP/twin.p"
	shape "$ncase.expected" >"$T_TMP/twin.n"
	if [[ -s $T_TMP/twin.p ]] && diff -u "$T_TMP/twin.p" "$T_TMP/twin.n" >"$T_TMP/twin.diff"; then
		check "twins $pcase / $ncase: $(head -n1 "$T_TMP/twin.p" | cut -c1-80)" true
	else
		cat "$T_TMP/twin.diff" >&2
		check "twins $pcase / $ncase: the same words" false
	fi
	check "twin $ncase names its lab network file" grep -q "^$ncase/networks/lab.yaml:" "$ncase.expected"
done <<'TWINS'
duplicate-key net-duplicate-key
bool-case net-bool-case
unknown-key net-unknown-key
unknown-nested-key net-unknown-nested-key
wrong-type-scalar net-wrong-type-scalar
wrong-type-list-map net-wrong-type-list-map
item-not-mapping net-item-not-mapping
multicast-mac net-multicast-mac
empty net-empty
tabs net-tabs
TWINS
log "$twins profile / lab network twins"

# Generated ones: a 10 MB file and a file we may not read.
head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' '#' >"$T_TMP/huge.yaml"
run_check "$T_TMP/out" "$T_TMP/huge.yaml"
check "10 MB file exits 1" test $? -eq 1
check "10 MB file: refused unread" grep -qx '@TMP@/huge.yaml:1:1: file too large: 10485760 bytes (a profile may be at most 1048576 bytes)' "$T_TMP/out"
# 100,000 nested lists (200 KB, under the cap): libyaml took over 30 s on
# them; they are refused at the 65th level. `timeout` is a hang guard, not a
# speed check; the message is what is judged. Lab networks share the YAML
# layer: the same for one in DIR/networks/.
deep() { printf '%s' "$1"; head -c "$2" /dev/zero | tr '\0' '['; head -c "$2" /dev/zero | tr '\0' ']'; echo; }
deep 'foo: ' 100000 >"$T_TMP/deep.yaml"
timeout 20 "$VMDECK" check "$T_TMP/deep.yaml" >/dev/null 2>"$T_TMP/raw"
check "100,000 levels deep: check exits 1" test $? -eq 1
check "100,000 levels deep: refused at the 65th" grep -qx "$T_TMP/deep.yaml:1:69: lists and mappings nested more than 64 levels deep: not read further (a profile needs only a few)" "$T_TMP/raw"
mkdir -p "$T_TMP/deepnet/networks"
printf 'name: deepnet\n' >"$T_TMP/deepnet/vm.yaml"
deep 'address: ' 30000 >"$T_TMP/deepnet/networks/lab.yaml"
timeout 20 "$VMDECK" check "$T_TMP/deepnet" >/dev/null 2>"$T_TMP/raw"
check "lab network 30,000 levels deep: check exits 1" test $? -eq 1
check "lab network 30,000 levels deep: refused at the 65th" grep -qx "$T_TMP/deepnet/networks/lab.yaml:1:73: lists and mappings nested more than 64 levels deep: not read further (a lab network needs only a few)" "$T_TMP/raw"
run_check "$T_TMP/out" "$T_TMP/no-such-file.yaml"
check "missing path exits 1" test $? -eq 1
check "missing path named" grep -qx '@TMP@/no-such-file.yaml: cannot open: No such file or directory' "$T_TMP/out"

# Good fixtures: clean, exit 0.
run_check "$T_TMP/out" "$VMDECK_TESTS/profiles/good"
check "good fixtures check clean" test $? -eq 0 -a ! -s "$T_TMP/out"

# Isolation: all the broken files and a good one in one directory; the
# good one still loads and `args` works.
mix=$T_TMP/mix
mkdir -p "$mix"
cp "$dir"/*.yaml "$mix/"
cp "$VMDECK_TESTS/profiles/good/full.yaml" "$mix/zz-good.yaml"
names=$("$VMDECK" --profiles "$mix" list --names 2>"$T_TMP/list.err")
check "good profile loads next to broken ones" grep -qx good-full <<<"$names"
check "list warns about the broken ones" grep -q "run 'vmdeck check'" "$T_TMP/list.err"
check "args works next to broken ones" bash -c '"$VMDECK" --profiles "$0" args good-full --mode install >/dev/null' "$mix"
check "args: unknown VM exits 3" bash -c '"$VMDECK" --profiles "$0" args no-such-vm 2>/dev/null; test $? -eq 3' "$mix"
check "args: bad mode exits 2" bash -c '"$VMDECK" --profiles "$0" args good-full --mode nope 2>/dev/null; test $? -eq 2' "$mix"
# The default mode is the VM's saved mode (lifecycle's state file).
mkdir -p "$VMDECK_STATE_DIR/modes"
echo install >"$VMDECK_STATE_DIR/modes/good-full"
check "args defaults to the saved mode" bash -c '"$VMDECK" --profiles "$0" args good-full --lines | grep -qx "ide-cd,bus=ide.0,drive=install,id=install-cd,bootindex=1"' "$mix"
check "list shows the saved mode" bash -c '"$VMDECK" --profiles "$0" list 2>/dev/null | grep -Eq "^good-full +install "' "$mix"
check "--mode boot overrides it" bash -c '"$VMDECK" --profiles "$0" args good-full --mode boot --lines | grep -qx "ide-cd,bus=ide.0,drive=install,id=install-cd"' "$mix"
check "list --json is valid JSON" bash -c '"$VMDECK" --profiles "$0" list --json 2>/dev/null | jq -e "map(.name) | index(\"good-full\") != null" >/dev/null' "$mix"

# The verbs' command lines (tui/cmd_*.c): options before or after NAME; a
# VM name is checked before it is looked up or becomes a path; numeric
# options (and VMDECK_THUMB_FPS) are whole numbers in range, else usage
# (exit 2).
vd() { "$VMDECK" --profiles "$mix" "$@"; }
# says RC TEXT CMD...: CMD exits RC and its output (stdout and stderr) has TEXT.
says() {
	local want=$1 text=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[[ $rc -eq $want ]] && grep -qF -- "$text" <<<"$out" && return 0
	log "got rc=$rc: $out"
	return 1
}
check "status NAME --json (options after NAME)" says 0 '"name":"good-full"' vd status good-full --json
check "status --json NAME" says 0 '"state":"stopped"' vd status --json good-full
check "stop NAME --help (options after NAME)" says 0 'usage: vmdeck stop' vd stop good-full --help
check "mode NAME shows the saved mode" test "$(vd mode good-full)" = install
check "mode no-such-vm: no such VM (exit 3)" says 3 "no VM named 'no-such-vm'" vd mode no-such-vm
echo install >"$T_TMP/x" # where STATE/modes/../../x would point
check "mode ../../x: refused (exit 2), never read as a path" says 2 "mode: '../../x' is not a valid VM name" vd mode ../../x
check "mode ../../x printed no mode" bash -c '! "$VMDECK" mode ../../x 2>/dev/null | grep -q .'
check "mode net: reserved (exit 2)" says 2 "'net' is reserved" vd mode net
check "start -- -rf: a name may not start with '-' (exit 2)" says 2 "may not start with '-'" vd start -- -rf
check "screenshot ../../x f.png: refused (exit 2)" says 2 "screenshot: '../../x' is not a valid VM name" vd screenshot ../../x f.png
check "screenshot --fps -1: usage (exit 2)" says 2 "--fps wants a whole number from 1 to 60, not '-1'" vd screenshot good-full --watch --fps -1
check "screenshot --fps x: usage (exit 2)" says 2 "--fps wants a whole number" vd screenshot good-full --watch --fps x
check "screenshot --timeout 0: usage (exit 2)" says 2 "--timeout wants a whole number" vd screenshot good-full f.png --timeout 0
check "screenshot --settle -5: usage (exit 2)" says 2 "--settle wants a whole number" vd screenshot good-full f.png --settle -5
check "watch --interval 0: usage (exit 2)" says 2 "--interval wants a whole number from 10 to 3600000, not '0'" vd watch --interval 0
check "watch --interval garbage: usage (exit 2)" says 2 "not 'garbage'" vd watch --interval garbage
check "watch --rcvbuf -1: usage (exit 2)" says 2 "--rcvbuf wants a whole number" vd watch --rcvbuf -1 --dump
# Environment variables too: a bad VMDECK_THUMB_FPS was taken silently as the
# default 4; now the TUI refuses it before touching the terminal, as a bad
# VMDECK_MOUSE.
for v in 0 61 4x -1 ' 5'; do
	check "VMDECK_THUMB_FPS='$v': usage (exit 2)" \
		says 2 "VMDECK_THUMB_FPS='$v': use a whole number from 1 to 60" env VMDECK_THUMB_FPS="$v" "$VMDECK" --profiles "$mix"
done
# screenshot --watch without --fps takes the same cap, checked the same way.
check "screenshot --watch: VMDECK_THUMB_FPS='0': usage (exit 2)" \
	says 2 "VMDECK_THUMB_FPS='0': use a whole number from 1 to 60" env VMDECK_THUMB_FPS=0 "$VMDECK" --profiles "$mix" screenshot --watch x
check "VMDECK_THUMB_FPS=60 passes the check (then wants a terminal)" \
	says 1 "the interface needs a terminal" env VMDECK_THUMB_FPS=60 "$VMDECK" --profiles "$mix"
finish
