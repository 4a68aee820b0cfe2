#!/usr/bin/env bash
# tests/docs/check.sh — README.md and docs/vmdeck.1 stay true to the code.
# Facts are taken from the real binary (--help, each verb's --help/usage,
# --version) and from the sources that define them (tui/keys.c: the key
# table; tui/cmd.h: the exit codes; getenv calls in core/ net/ tui/), then
# looked up in both documents:
#   - README's quick start is exactly `./bootstrap.sh demo` and `./bootstrap.sh test`
#     and every bootstrap.sh verb and VMDECK_* variable is in README
#   - the verbs and options are read from the code's tables (cmd_table, each
#     verb's getopt table: tests/docs/verb_options.py); every verb answers
#     --help with exit 0, and every option of every verb is in `vmdeck --help`,
#     `vmdeck VERB --help`, the verb's README rows and its man paragraphs;
#     no documented verb or option is missing from the code; the net
#     sub-verbs likewise (from README and the man page), and the global options
#   - every ctest label the areas use appears as `ctest ... -L LABEL`
#   - the key tables of README and the man page list exactly keys.c's keys,
#     and say "asks y/n" exactly where keys.c confirms
#   - exit codes, environment variables, the minimum terminal size, the version in .TH
#   - every docs/*.md is linked from README, and every linked file exists
#   - the man page uses only known man macros, and cmake --install puts it
#     in share/man/man1
# Label unit: no root, no QEMU, no network.
. "$VMDECK_TESTS/lib.sh"

readme=$VMDECK_SRC/README.md
man=$VMDECK_SRC/docs/vmdeck.1
[[ -f $readme ]] || fail "no README.md"
[[ -f $man ]] || fail "no docs/vmdeck.1"

# The man page as plain text: fonts and escapes removed, so "\fB\-\-json\fR"
# reads "--json". Comment lines dropped.
man_text() {
	grep -v '^\.\\"' "$man" | sed -E 's/\\f[BIRP]//g; s/\\-/-/g; s/\\\(aq/'"'"'/g; s/\\&//g; s/\\ / /g'
}
# Lines of one man section (.SH NAME up to the next .SH), as plain text.
man_section() {
	man_text | awk -v s="$1" '/^\.SH /{ on = ($0 == ".SH " s || $0 == ".SH \"" s "\"") ; next } on'
}
# Lines of one README section: the heading line that starts with $1 up to the
# next heading of the same or a higher level.
readme_section() {
	awk -v h="$1" '
		/^#+ / { lvl = index($0, " ") - 1
			if (on && lvl <= onlvl) on = 0
			if (index($0, h) == 1) { on = 1; onlvl = lvl; next } }
		on' "$readme"
}
man_txt=$T_TMP/vmdeck.1.txt
man_text >"$man_txt"
in_readme() { grep -qF -- "$1" "$readme"; }
in_man() { grep -qF -- "$1" "$man_txt"; }

# ---- quick start ------------------------------------------------------------
qs=$(readme_section "## Quick start")
check "README has a Quick start section" test -n "$qs"
# The commands: indented code lines or lines inside ``` fences.
qs_cmds=$(printf '%s\n' "$qs" | awk '/^```/{ f = !f; next } f || /^    [^ -]/' | sed -E 's/^ +//; /^$/d')
check "quick start is exactly './bootstrap.sh demo' then './bootstrap.sh test' (got: $(echo $qs_cmds))" \
	test "$qs_cmds" = $'./bootstrap.sh demo\n./bootstrap.sh test'
check "bootstrap.sh has the demo verb" grep -qE '^demo\)' "$VMDECK_SRC/bootstrap.sh"
check "bootstrap.sh has the test verb" grep -qE '^test\)' "$VMDECK_SRC/bootstrap.sh"
# Every bootstrap.sh verb and every VMDECK_* variable it reads is in README.
for b in $(grep -oE '^[a-z]+\)' "$VMDECK_SRC/bootstrap.sh" | tr -d ')'); do
	check "README documents './bootstrap.sh $b'" in_readme "./bootstrap.sh $b"
done
for e in $(grep -oE '\$\{?VMDECK_[A-Z_]+' "$VMDECK_SRC/bootstrap.sh" | tr -d '${' | sort -u); do
	check "README documents bootstrap.sh's $e" in_readme "$e"
done

# ---- verbs --------------------------------------------------------------------
# The verbs and their options come from the code's own tables
# (tests/docs/verb_options.py: cmd_table, each entry's getopt table and the
# "--x" its parser compares), not from the help texts under test. Each one
# must appear in all three: `vmdeck --help` (the verb's line; `vmdeck VERB
# --help` too), README (the verb's table rows and its "`VERB` options:"
# paragraph) and the man page (the verb's COMMANDS paragraphs).
need python3
# The verbs run below with --help only; should one not know --help, it must
# find nothing to act on: no profiles, and (as root) a network namespace of
# its own for the net sub-verbs.
export VMDECK_PROFILES=$T_TMP/no-profiles
mkdir -p "$VMDECK_PROFILES"
own_netns=()
[[ $(id -u) -eq 0 ]] && command -v unshare >/dev/null && unshare -n true 2>/dev/null && own_netns=(unshare -n)
help=$("$VMDECK" --help) || fail "vmdeck --help failed"
code_vo=$(python3 "$VMDECK_TESTS/docs/verb_options.py" "$VMDECK_SRC") || fail "cannot read the verbs from the code"
code_verbs=$(awk '$1 != "-" { print $1 }' <<<"$code_vo" | uniq)
nverbs=$(grep -c . <<<"$code_verbs")
check "cmd_table has verbs (found $nverbs)" test "$nverbs" -ge 10
check "the options are found in the code (args: $(grep -c '^args ' <<<"$code_vo"), screenshot: $(grep -c '^screenshot ' <<<"$code_vo"))" \
	test "$(grep -c '^args --' <<<"$code_vo")" -ge 3 -a "$(grep -c '^screenshot --' <<<"$code_vo")" -ge 10
# A verb's line in --help starts with two spaces and the verb; longer usages
# go on over lines indented deeper.
help_verbs=$(printf '%s\n' "$help" | awk '/^Verbs:/{ on = 1; next } on && /^$/{ exit } on && /^  [a-z]/ { print $1 }')
check "vmdeck --help lists exactly cmd_table's verbs, in its order" \
	diff <(printf '%s\n' "$code_verbs") <(printf '%s\n' "$help_verbs")
verbs=$code_verbs
help_verb() {
	printf '%s\n' "$help" | awk -v v="$1" '/^Verbs:/{ on = 1; next } on && /^$/{ exit }
		on && /^  [a-z]/ { cur = $1 } on && cur == v'
}
# README: the rows of the verb's command tables, and its options paragraph.
readme_verb() { # VERB [SUB]
	local pre="vmdeck $1${2:+ $2}"
	grep -E "^\| \`$pre( |\`)" "$readme"
	awk -v p="\`$1\` options:" 'index($0, p) == 1 { on = 1 } on && /^$/ { exit } on' "$readme"
}
# The man page: the COMMANDS paragraphs (.TP or .PP) whose first words name
# the verb ("net up NAME": VERB net, SUB up).
man_verb() { # VERB [SUB]
	man_section COMMANDS | awk -v v="$1" -v sub_="${2:-}" '
		/^\.(TP|PP|SS)/ { want = 1; on = 0; next }
		want { want = 0; line = $0; sub(/^\.[A-Z]+ +/, "", line); gsub(/"/, "", line)
			split(line, w, /[ \t]+/)
			on = (w[1] == v && (sub_ == "" || w[2] == sub_)) }
		on'
}
# Whole options only: --dump is not found in --dump-json.
has_opt() { grep -qE -- "(^|[^a-z-])$1([^a-z0-9-]|\$)"; }
opts_of() { grep -oE -- '(^|[^a-z-])--[a-z][a-z0-9-]*' | sed -E 's/^[^-]//' | grep -vx -- '--help' | sort -u; }

for v in $verbs; do
	check "README documents verb '$v'" grep -qE "\`vmdeck $v( |\`)" "$readme"
	check "vmdeck.1 COMMANDS documents verb '$v'" test -n "$(man_verb "$v")"
	# (for net: DEPENDS ON the labnet branch, see the net sub-verbs below)
	vh=$(timeout 10 "${own_netns[@]}" "$VMDECK" "$v" --help 2>"$T_TMP/vh.err" </dev/null)
	rc=$?
	check "'vmdeck $v --help' exits 0 (got $rc: $(head -c 200 "$T_TMP/vh.err"))" test "$rc" -eq 0
	check "'vmdeck $v --help' prints its usage on stdout" grep -q "usage: vmdeck $v" <<<"$vh"
	hv=$(help_verb "$v") rv=$(readme_verb "$v") mv=$(man_verb "$v")
	for o in $(awk -v v="$v" '$1 == v && NF == 2 { print $2 }' <<<"$code_vo"); do
		[[ $v == net ]] && continue # per sub-verb, below
		check "vmdeck --help shows '$v $o'" has_opt "$o" <<<"$hv"
		check "'vmdeck $v --help' shows $o" has_opt "$o" <<<"$vh"
		check "README documents '$v $o' (its rows or options paragraph)" has_opt "$o" <<<"$rv"
		check "vmdeck.1 documents '$v $o' (its COMMANDS paragraphs)" has_opt "$o" <<<"$mv"
	done
	# The other way round: no option documented for a verb that lacks it.
	[[ $v == net ]] && continue
	for o in $( (printf '%s\n' "$hv" "$vh" "$rv" "$mv") | opts_of); do
		check "'$v $o' (in its docs) is an option of the code" grep -qxF "$v $o" <<<"$code_vo"
	done
done
# No documented verb the binary lacks.
for v in $(grep -oE '^\| `vmdeck [a-z]+' "$readme" | awk '{ print $3 }' | sort -u); do
	check "README verb '$v' exists in the binary" grep -qxF "$v" <<<"$verbs"
done
man_cmd_tags=$(man_section COMMANDS | awk 'prev ~ /^\.TP/ { print } { prev = $0 }' |
	sed -E 's/^\.[A-Z]+ +//; s/^"//' | awk '{ print $1 }' | tr -d '"' | sort -u)
for v in $man_cmd_tags; do
	check "vmdeck.1 verb '$v' exists in the binary" grep -qxF "$v" <<<"$verbs"
done

# ---- net sub-verbs ---------------------------------------------------------------
# DEPENDS ON the labnet branch (net's sub-verbs as a table, each answering
# --help with exit 0): on the cli branch alone the "'net SUB --help' exits 0"
# checks fail, and with them the option checks that read that help.
subs=$( (grep -oE '^\| `vmdeck net [a-z]+' "$readme" | awk '{ print $4 }'
	man_section COMMANDS | awk 'prev ~ /^\.TP/ { print } { prev = $0 }' | sed -E 's/^\.[A-Z]+ +//' | tr -d '"' |
		awk '$1 == "net" { print $2 }') | sort -u)
check "README and vmdeck.1 document net sub-verbs (found: $(echo $subs))" test "$(grep -c . <<<"$subs")" -ge 5
net_opts=""
for s in $subs; do
	sh=$(timeout 10 "${own_netns[@]}" "$VMDECK" net "$s" --help 2>"$T_TMP/sh.err" </dev/null)
	rc=$?
	check "'vmdeck net $s --help' exits 0 (got $rc: $(head -c 200 "$T_TMP/sh.err"))" test "$rc" -eq 0
	check "'vmdeck net $s --help' prints its usage on stdout" grep -q "usage: vmdeck net $s" <<<"$sh"
	check "README documents 'net $s'" test -n "$(readme_verb net "$s")"
	check "vmdeck.1 documents 'net $s'" test -n "$(man_verb net "$s")"
	for o in $(printf '%s\n' "$sh" | opts_of); do
		net_opts+="$o"$'\n'
		check "README documents 'net $s $o'" has_opt "$o" <<<"$(readme_verb net "$s")"
		check "vmdeck.1 documents 'net $s $o'" has_opt "$o" <<<"$(man_verb net "$s")"
	done
done
for o in $(awk '$1 == "net" && NF == 2 { print $2 }' <<<"$code_vo"); do
	check "'net $o' (code) shows in some 'vmdeck net SUB --help'" grep -qxF -- "$o" <<<"$net_opts"
done

# Every ctest label the areas use is in README's test commands (ctest -L LABEL).
labels=$( (echo unit
	sed -nE 's/^[[:space:]]*vmdeck_script_test\([^ ]+ [^ ]+ ([a-z]+).*/\1/p' "$VMDECK_TESTS"/*.cmake
	grep -ohE 'LABELS +"?[a-z;]+' "$VMDECK_TESTS"/*.cmake | sed -E 's/LABELS +"?//' | tr ';' '\n') | grep -vx 'LABELS' | sort -u)
for l in $labels; do
	check "README shows 'ctest ... -L $l'" grep -qE -- "-L $l( |\$)" "$readme"
done

# ---- global options ---------------------------------------------------------------
for o in $( (awk '$1 == "-" { print $2 }' <<<"$code_vo"; printf '%s\n' "$help" | opts_of) | sort -u); do
	check "vmdeck --help documents global option $o" has_opt "$o" <<<"$help"
	check "README documents global option $o" in_readme "$o"
	check "vmdeck.1 documents global option $o" in_man "$o"
done

# ---- keys ---------------------------------------------------------------------
keys_c=$VMDECK_SRC/tui/keys.c
# The table rows: { KEY, ALT, "keyname", "label", "help", ACT_X, WHEN, "question" or NULL, status },
rows=$(awk '/keys_table\[\] *= *\{/{ on = 1; next } on && /^\};/{ exit } on && /^[ \t]*\{/' "$keys_c")
code_keys=$(printf '%s\n' "$rows" | sed -E 's/^[^"]*"([^"]*)".*/\1/' | sort)
confirm_keys=$(printf '%s\n' "$rows" |
	sed -nE 's/^[^"]*"([^"]*)".*ACT_[A-Z_]+, *[^,]*, *"[^"]*", *(true|false) *\},?.*$/\1/p' | sort)
nkeys=$(printf '%s\n' "$code_keys" | grep -c .)
check "keys.c has a key table (found $nkeys keys)" test "$nkeys" -ge 10
# README: the first column of the key table in the Keys section.
rk=$(readme_section "### Keys")
readme_keys=$(printf '%s\n' "$rk" | grep -E '^\| `' | sed -E 's/^\| `([^`]*)`.*/\1/' | sort)
check "README's key table lists exactly keys.c's keys" \
	diff <(printf '%s\n' "$code_keys") <(printf '%s\n' "$readme_keys")
readme_confirm=$(printf '%s\n' "$rk" | grep -E '^\| `' | grep -F 'asks y/n' | sed -E 's/^\| `([^`]*)`.*/\1/' | sort)
check "README says 'asks y/n' exactly for keys.c's confirmed keys ($(echo $confirm_keys))" \
	diff <(printf '%s\n' "$confirm_keys") <(printf '%s\n' "$readme_confirm")
man_keys=$(man_section KEYS | awk 'prev ~ /^\.TP/ { print } { prev = $0 }' | sed -E 's/^\.B +//; s/^"(.*)"$/\1/' | sort)
check "vmdeck.1 KEYS lists exactly keys.c's keys" \
	diff <(printf '%s\n' "$code_keys") <(printf '%s\n' "$man_keys")

# The minimum terminal size the documents quote (tui/ui.h).
minw=$(awk '/#define UI_MIN_W/{ print $3 }' "$VMDECK_SRC/tui/ui.h")
minh=$(awk '/#define UI_MIN_H/{ print $3 }' "$VMDECK_SRC/tui/ui.h")
check "README quotes the minimum terminal size ${minw}x${minh}" in_readme "${minw}x${minh}"
check "vmdeck.1 quotes the minimum terminal size ${minw}x${minh}" in_man "${minw}x${minh}"

# ---- exit codes ---------------------------------------------------------------
codes=$(grep -oE 'EXIT_[A-Z]+ *= *[0-9]+' "$VMDECK_SRC/tui/cmd.h" | grep -oE '[0-9]+$' | sort -n)
check "tui/cmd.h defines exit codes" test -n "$codes"
readme_codes=$(readme_section "## Exit status" | grep -oE '^\| [0-9]+ \|' | grep -oE '[0-9]+' | sort -n)
check "README's exit status table lists exactly tui/cmd.h's codes" \
	diff <(printf '%s\n' "$codes") <(printf '%s\n' "$readme_codes")
man_codes=$(man_section "EXIT STATUS" | awk 'prev ~ /^\.TP/ { print } { prev = $0 }' | sed -E 's/^\.B +//' | sort -n)
check "vmdeck.1 EXIT STATUS lists exactly tui/cmd.h's codes" \
	diff <(printf '%s\n' "$codes") <(printf '%s\n' "$man_codes")

# ---- environment --------------------------------------------------------------
# Every variable the code reads: the names given to getenv and its wrappers
# (env, sudo_id, find_prog), and every "VMDECK_..." string (a name kept in a
# variable or a macro before getenv sees it).
envs=$( (cat "$VMDECK_SRC"/core/*.[ch] "$VMDECK_SRC"/net/*.[ch] "$VMDECK_SRC"/tui/*.[ch] |
	grep -oE '(getenv|env|sudo_id)\("[A-Z_]+"\)|prog_find\("[^"]*", *"[A-Z_]+"\)' |
	grep -oE '"[A-Z_]+"\)$' | tr -d '")'
	cat "$VMDECK_SRC"/core/*.[ch] "$VMDECK_SRC"/net/*.[ch] "$VMDECK_SRC"/tui/*.[ch] | grep -oE '"VMDECK_[A-Z_]+"' | tr -d '"') |
	sort -u)
check "the code reads VMDECK_* variables (found $(grep -c VMDECK_ <<<"$envs"))" test "$(grep -c VMDECK_ <<<"$envs")" -ge 8
for e in $envs; do
	check "README documents environment variable $e" in_readme "$e"
	check "vmdeck.1 documents environment variable $e" in_man "$e"
done
# ... and no variable documented that nothing reads (bootstrap.sh's and the
# tests' own are documented elsewhere in README, not in these tables).
# setlocale(LC_ALL, "") reads the locale variables for the code.
read_envs=$envs
grep -q 'setlocale(LC_ALL, "")' "$VMDECK_SRC/tui/main.c" && read_envs+=$'\nLANG\nLC_ALL\nLC_CTYPE'
for e in $(readme_section "## Environment" | grep -E '^\| `' | sed -E 's/^\| ([^|]*)\|.*/\1/' | grep -oE '`[A-Z_]+`' | tr -d '`' | sort -u); do
	check "README's environment variable $e is read by the code" grep -qxF "$e" <<<"$read_envs"
done
for e in $(man_section ENVIRONMENT | awk 'prev ~ /^\.TP/ { print } { prev = $0 }' | grep -oE '[A-Z][A-Z_]{2,}' | sort -u); do
	check "vmdeck.1's environment variable $e is read by the code" grep -qxF "$e" <<<"$read_envs"
done

# ---- quoted messages ------------------------------------------------------------
# The permission errors README's troubleshooting quotes are the code's own:
# every net/tap.c message naming CAP_NET_ADMIN appears there, word for word
# (its %s filled in).
while IFS= read -r fmt; do
	re=$(printf '%s' "$fmt" | sed -E 's/[][\.^$*+?(){}|/]/\\&/g; s/%s/[^`]+/g')
	check "README quotes net/tap.c's message '$fmt' exactly" grep -qE -- "\`[^\`]*$re\`" "$readme"
done < <(grep -oE 'error_set\(err, "[^"]*CAP_NET_ADMIN[^"]*"' "$VMDECK_SRC/net/tap.c" | sed -E 's/^error_set\(err, "//; s/"$//')

# ---- figures ---------------------------------------------------------------------
# Benchmark figures live in docs/BENCHMARKS.md only: README links to it and
# quotes none (a quoted figure goes stale with the next run).
figs=$(readme_section "## Building and testing" | grep -nE '[0-9][0-9.,]* ?(ms|us|µs|bytes/s|CPU seconds|KiB|MiB)\b')
check "README's build section quotes no benchmark figure${figs:+: $figs}" test -z "$figs"
check "README links docs/BENCHMARKS.md from its build section" bash -c "grep -qF '](docs/BENCHMARKS.md)' <<<\"\$1\"" _ "$(readme_section "## Building and testing")"

# ---- version, links -----------------------------------------------------------
ver=$("$VMDECK" --version | awk '{ print $2 }')
check "vmdeck.1 .TH carries the version ($ver)" grep -qE "^\.TH VMDECK 1 .*\"vmdeck $ver\"" "$man"
for f in "$VMDECK_SRC"/docs/*.md; do
	[[ -e $f ]] || continue
	check "README links docs/$(basename "$f")" grep -qF "](docs/$(basename "$f"))" "$readme"
done
for l in $(grep -oE '\]\((docs/[^)#]+)' "$readme" | sed 's/^](//' | sort -u); do
	check "README link $l exists" test -e "$VMDECK_SRC/$l"
done

# ---- man page form --------------------------------------------------------------
bad=$(grep -nE '^[.'"'"']' "$man" | grep -vE '^[0-9]+:\.(\\"|TH|SH|SS|TP|TQ|PP|P|LP|IP|RS|RE|EX|EE|B|I|BR|RB|BI|IB|IR|RI|br|sp|nf|fi|UR|UE)( |$)')
check "vmdeck.1 uses only man(7) macros${bad:+: $bad}" test -z "$bad"
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS KEYS FILES ENVIRONMENT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
	check "vmdeck.1 has section $s" grep -qE "^\.SH \"?$s\"?$" "$man"
done
if [[ -n ${VMDECK_BUILD:-} && -f $VMDECK_BUILD/cmake_install.cmake ]]; then
	need cmake
	DESTDIR=$T_TMP/inst cmake --install "$VMDECK_BUILD" --prefix /usr/local >"$T_TMP/install.log" 2>&1 ||
		{ cat "$T_TMP/install.log" >&2; fail "cmake --install failed"; }
	check "cmake --install puts vmdeck.1 in share/man/man1" \
		cmp -s "$man" "$T_TMP/inst/usr/local/share/man/man1/vmdeck.1"
	check "cmake --install puts vmdeck in bin" test -x "$T_TMP/inst/usr/local/bin/vmdeck"
else
	fail "VMDECK_BUILD (the build dir) is not set: cannot check cmake --install"
fi

finish
