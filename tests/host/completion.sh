#!/usr/bin/env bash
# Bash completion (dist/bash-completion/vmdeck) driven as bash drives it:
# COMP_WORDS/COMP_CWORD set, the function `complete` names called, COMPREPLY
# read back — once with bash-completion's helpers loaded, once without.
# Verbs, every verb's options (compared with its own --help, so completion
# cannot drift from the code), option values, VM names (from --profiles on
# the line too), lab network names, this namespace's bridges, snapshot tags
# (qemu-img info -U of the VM's first disk), paths.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip
bc=/usr/share/bash-completion/bash_completion
[[ -f $bc ]] || skip "needs bash-completion ($bc)"
netns_new ns
ip -n "$ns" link add vdcbr0 type bridge || fail "bridge"
ip -n "$ns" link add vdcveth0 type veth peer name vdcveth1 || fail "veth pair"
prof=$T_TMP/prof
mkdir -p "$prof/networks" "$T_TMP/other" "$T_TMP/cwd/subdir"
for n in alpha beta; do printf 'name: %s\nmemory: 64M\n' "$n" >"$prof/$n.yaml"; done
# alpha has a disk with two snapshots (their tags are completed)
need qemu-img
qemu-img create -q -f qcow2 "$T_TMP/alpha.qcow2" 16M || fail "qemu-img create"
for t in before-upgrade t2; do qemu-img snapshot -c "$t" "$T_TMP/alpha.qcow2" || fail "qemu-img snapshot $t"; done
printf 'disks:\n  - file: %s\n    format: qcow2\n' "$T_TMP/alpha.qcow2" >>"$prof/alpha.yaml"
printf 'name: gamma\nmemory: 64M\n' >"$T_TMP/other/gamma.yaml"
printf 'bridge: vdlab0\naddress: 172.16.95.1/24\nnat: false\n' >"$prof/networks/labnet.yaml"
touch "$T_TMP/cwd/file1.yaml" "$T_TMP/cwd/file2.iso"
export VMDECK_PROFILES=$prof
bindir=$(dirname "$VMDECK")
[[ $(basename "$VMDECK") == vmdeck ]] || fail "the binary is not called vmdeck: $VMDECK"

# The driver: a bash that sources the completion (and bash-completion's
# helpers when WITH_BC=1), splits a command line as readline would, calls
# the function registered for vmdeck, prints COMPREPLY sorted, one a line.
cat >"$T_TMP/drive.sh" <<'DRIVE'
line=$1
[[ ${WITH_BC:-0} == 1 ]] && . /usr/share/bash-completion/bash_completion
. "$VMDECK_SRC/dist/bash-completion/vmdeck"
fn=$(complete -p vmdeck | sed -E 's/.*-F ([^ ]+) .*/\1/')
read -ra COMP_WORDS <<<"$line"
[[ $line == *' ' || -z $line ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line COMP_POINT=${#line}
COMPREPLY=()
"$fn" vmdeck "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}" | sort
DRIVE
# comp LINE: the candidates (in the test namespace, from $T_TMP/cwd).
comp() { (cd "$T_TMP/cwd" && ip netns exec "$ns" env PATH="$bindir:$PATH" WITH_BC="$WITH_BC" bash "$T_TMP/drive.sh" "$1"); }
# expect LINE WORD...: the candidates are exactly these.
expect() {
	local line=$1; shift
	local got want
	got=$(comp "$line" | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[[ $got == "$want" ]] && return 0
	log "'$line': got [$got], want [$want]"
	# What the binary itself says to that line (the script hides its errors).
	local w=($line)
	[[ $line == *' ' ]] && w+=("")
	local said rc
	said=$(cd "$T_TMP/cwd" && ip netns exec "$ns" "$VMDECK" __complete $((${#w[@]} - 1)) "${w[@]}" 2>&1); rc=$?
	log "  vmdeck __complete itself: rc $rc: $(tr '\n' ' ' <<<"$said")"
	return 1
}
# The verbs and each one's options, read from --help (the code's own text).
verbs=$("$VMDECK" --help | awk '/^Verbs:/{ on = 1; next } on && /^$/{ exit } on && /^  [a-z]/ { print $1 }')
need python3
code_vo=$(python3 "$VMDECK_TESTS/docs/verb_options.py" "$VMDECK_SRC") || fail "cannot read the verbs' options from the code"
opts_of() { grep -oE -- '(^|[^a-z-])--[a-z][a-z0-9-]*' | sed -E 's/^[^-]//' | sort -u; }

for WITH_BC in 0 1; do
	log "--- bash-completion helpers loaded: $WITH_BC"
	check "[$WITH_BC] all verbs" expect "vmdeck " $verbs
	check "[$WITH_BC] a verb by prefix" expect "vmdeck aut" autostart
	check "[$WITH_BC] global options" expect "vmdeck --r" --read-only --runtime-dir
	for v in $verbs; do
		[[ $v == net ]] && continue
		# The code's own getopt tables (tests/docs/verb_options.py, as the
		# docs test reads them); new's --disk-size is an old name kept
		# working but deliberately not offered.
		want=$( (awk -v v="$v" '$1 == v && NF == 2 { print $2 }' <<<"$code_vo"; echo --help) |
			grep -vx -- "$([[ $v == new ]] && echo --disk-size || echo -)")
		check "[$WITH_BC] $v: its options are those of the code" expect "vmdeck $v --" $want
	done
	# The sub-verbs as `net --help` lists them (the table completion reads).
	mapfile -t net_subs < <("$VMDECK" net --help 2>&1 | awk 'NR > 1 && /^  [a-z]/ { print $1 }')
	for s in "${net_subs[@]}"; do
		want=$( ("$VMDECK" net "$s" --help | grep '^usage:'; echo " --help") | opts_of)
		check "[$WITH_BC] net $s: its options are those of 'net $s --help'" expect "vmdeck net $s --" $want
	done
	check "[$WITH_BC] net sub-verbs: those of 'net --help' (${#net_subs[@]})" expect "vmdeck net " "${net_subs[@]}"
	check "[$WITH_BC] VM names" expect "vmdeck start " alpha beta
	check "[$WITH_BC] VM names by prefix, options before" expect "vmdeck stop --force a" alpha
	check "[$WITH_BC] VM names from --profiles on the line" expect "vmdeck --profiles $T_TMP/other status " gamma
	check "[$WITH_BC] an option's choices" expect "vmdeck args alpha --mode " install boot
	check "[$WITH_BC] --accel choices" expect "vmdeck args alpha --accel " kvm tcg kvm:tcg
	check "[$WITH_BC] mode's second argument" expect "vmdeck mode alpha " install boot
	check "[$WITH_BC] lab networks" expect "vmdeck net up " labnet
	check "[$WITH_BC] bridges of this namespace (not the veth pair)" expect "vmdeck net pin " vdcbr0
	check "[$WITH_BC] net grant: a bridge" expect "vmdeck net grant vdc" vdcbr0
	check "[$WITH_BC] net grant: then a user of the host" expect "vmdeck net grant vdcbr0 nobo" nobody
	check "[$WITH_BC] --network: user, bridges, lab networks" expect "vmdeck new x --network " user vdcbr0 labnet
	check "[$WITH_BC] files" expect "vmdeck check " file1.yaml file2.iso subdir
	check "[$WITH_BC] files by prefix" expect "vmdeck check file1" file1.yaml
	check "[$WITH_BC] directories only for --out" expect "vmdeck new x --out " subdir
	check "[$WITH_BC] nothing for a value it cannot know (--memory SIZE)" expect "vmdeck new x --memory "
	check "[$WITH_BC] nothing after an unknown verb" expect "vmdeck frobnicate "
	# Usages with ways through them ("NAME [--json] | resize NAME DISK SIZE",
	# "NAME [list | add RULE | remove RULE]"): each way's words.
	check "[$WITH_BC] snapshot NAME: its actions" expect "vmdeck snapshot alpha " create revert delete
	check "[$WITH_BC] snapshot NAME create: a new TAG, nothing to offer" expect "vmdeck snapshot alpha create "
	check "[$WITH_BC] disk: VM names or resize" expect "vmdeck disk " alpha beta resize
	check "[$WITH_BC] disk resize: VM names" expect "vmdeck disk resize " alpha beta
	check "[$WITH_BC] forward NAME: its actions" expect "vmdeck forward alpha " list add remove
	check "[$WITH_BC] forward NAME add RULE: that way's options" expect "vmdeck forward alpha add tcp:2222:22 --" --nic --help
	check "[$WITH_BC] clone SRC: VM names" expect "vmdeck clone " alpha beta
	check "[$WITH_BC] snapshot tags to revert to" expect "vmdeck snapshot alpha revert " before-upgrade t2
	check "[$WITH_BC] snapshot tags to delete, by prefix" expect "vmdeck snapshot alpha delete b" before-upgrade
	check "[$WITH_BC] a VM without snapshots: none" expect "vmdeck snapshot beta revert "
	check "[$WITH_BC] clone --from-snapshot: the source's tags" expect "vmdeck clone alpha new --from-snapshot " before-upgrade t2
done
finish
