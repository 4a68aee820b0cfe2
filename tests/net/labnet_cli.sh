#!/usr/bin/env bash
# The `net` sub-verbs' command lines, in a namespace this test creates: every
# sub-verb answers --help (and does nothing else), a bad NAME or BRIDGE is a
# usage error (exit 2) that touches nothing, --read-only refuses only what
# changes something.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip jq

netns_new NS
prof="$T_TMP/prof"
mkdir -p "$prof/networks"
cat >"$prof/networks/clinet.yaml" <<'EOF'
bridge: vdcli0
address: 172.16.78.1/24
nat: false
EOF
vd() { ip netns exec "$NS" "$VMDECK" --profiles "$prof" "$@"; }
nothing_made() { test -z "$(ls -A "$VMDECK_RUNTIME_DIR")" && ! ip -n "$NS" link show vdcli0 >/dev/null 2>&1; }

# --- --help ------------------------------------------------------------------
for sub in up down status list pin history; do
	out=$(vd net "$sub" --help 2>&1); rc=$?
	check "net $sub --help: exit 0 (got $rc)" test "$rc" -eq 0
	check "net $sub --help: its usage" grep -q "^usage: vmdeck net $sub" <<<"$out"
	out=$(vd --read-only net "$sub" -h 2>&1); rc=$?
	check "net $sub -h, read-only: exit 0 (got $rc)" test "$rc" -eq 0
done
check "--help did nothing (no runtime files, no bridge)" nothing_made
out=$(vd net --help 2>&1); rc=$?
check "net --help: exit 0 (got $rc)" test "$rc" -eq 0
for sub in up down status list pin history; do
	check "net --help lists $sub" grep -q "^  $sub " <<<"$out"
done
vd net >/dev/null 2>&1
check "net alone: usage error" test $? -eq 2
vd net frobnicate >/dev/null 2>&1
check "net frobnicate: usage error" test $? -eq 2

# --- bad names: usage errors, nothing touched ----------------------------------
for args in "up ../x" "down ../x" "status ../x" "up a/b" "down ''" "status x.y" "up $(printf 'a%.0s' {1..33})" \
	"down -- -x" "pin ../x" "pin ." "history ../x"; do
	eval "set -- $args"
	out=$(vd net "$@" 2>&1); rc=$?
	check "net $args: exit 2 (got $rc: $out)" test "$rc" -eq 2
done
check "bad names touched nothing" nothing_made
for args in "up" "down" "up a b" "down a b" "status a b" "list x" "pin" "pin a b c" "up --bogus x" \
	"history --since" "history --since soon"; do
	eval "set -- $args"
	vd net "$@" >/dev/null 2>&1; rc=$?
	check "net $args: exit 2 (got $rc)" test "$rc" -eq 2
done
out=$(vd net status clinet --json); rc=$?
check "options after NAME: net status clinet --json" bash -c "(( $rc == 0 )) && jq -e '.name == \"clinet\"' <<<'$out' >/dev/null"

# --- --json: every output parses, broken inputs included ----------------------
# is_json FILE [JQ-FILTER]: a JSON document (or a stream of them) that
# satisfies the filter; an empty output is allowed only where noted.
is_json() { test -s "$1" && jq -e "${2:-.}" "$1" >/dev/null; }
vd net status --json >"$T_TMP/j" 2>/dev/null
check "status --json: an array of one" is_json "$T_TMP/j" 'type == "array" and length == 1 and .[0].name == "clinet"'
vd net list --json >"$T_TMP/j" 2>/dev/null
check "list --json: an array of names" is_json "$T_TMP/j" '. == ["clinet"]'
vd net history --json >"$T_TMP/j" 2>/dev/null
check "history --json: nothing recorded, nothing printed" test ! -s "$T_TMP/j"
# Broken files: one that does not load, and one whose name is listed (from
# another file) but whose NAME.yaml does not load — listed first.
printf 'address: 172.16.79.1/33\n' >"$prof/networks/broken.yaml"
printf 'address: [\n' >"$prof/networks/aaa.yaml"
printf 'name: aaa\nbridge: vdaaa0\naddress: 172.16.80.1/24\nnat: false\n' >"$prof/networks/zz.yaml"
vd net status --json >"$T_TMP/j" 2>"$T_TMP/e"; rc=$?
log "status --json with broken files: rc=$rc $(cat "$T_TMP/j")"
check "status --json with broken files: still an array" is_json "$T_TMP/j" 'type == "array"'
check "status --json with broken files: the good one in it" is_json "$T_TMP/j" 'any(.[]; .name == "clinet")'
check "status --json with broken files: exit 1, broken ones named" \
	bash -c "(( $rc == 1 )) && grep -q broken.yaml '$T_TMP/e' && grep -q aaa.yaml '$T_TMP/e'"
for nm in clinet broken aaa nosuch; do
	vd net status "$nm" --json >"$T_TMP/j" 2>/dev/null
	check "status $nm --json: one object or nothing" bash -c "! test -s '$T_TMP/j' || jq -e 'type == \"object\"' '$T_TMP/j' >/dev/null"
done
vd net list --json >"$T_TMP/j" 2>/dev/null
check "list --json with broken files: an array" is_json "$T_TMP/j" 'type == "array" and index("clinet") != null'
rm -f "$prof/networks/broken.yaml" "$prof/networks/aaa.yaml" "$prof/networks/zz.yaml"

# --- two files with one name: the first keeps it, the other is named ---------
printf 'name: clinet\nbridge: vdcli1\naddress: 172.16.81.1/24\n' >"$prof/networks/zz-again.yaml"
out=$(vd net list 2>"$T_TMP/e"); rc=$?
check "duplicate name: listed once" test "$out" = clinet
check "duplicate name: exit 1, the ignored file named with the first" bash -c "(( $rc == 1 )) && grep -q 'zz-again.yaml:1:7: duplicate lab network name \"clinet\": already defined in .*/clinet.yaml:1:1 (this file is ignored)' '$T_TMP/e'"
check "duplicate name: the first file's network is reached" \
	bash -c "ip netns exec $NS '$VMDECK' --profiles '$prof' net status clinet --json | jq -e '.bridge == \"vdcli0\"' >/dev/null"
vd check >/dev/null 2>&1
check "duplicate name: check fails" test $? -eq 1
rm -f "$prof/networks/zz-again.yaml"

# --- read-only ---------------------------------------------------------------
for sub in up down; do
	vd --read-only net "$sub" clinet >/dev/null 2>&1; rc=$?
	check "read-only net $sub: exit 4 (got $rc)" test "$rc" -eq 4
done
vd --read-only net status clinet >/dev/null 2>&1
check "read-only net status works" test $? -eq 0
check "read-only touched nothing" nothing_made

finish
