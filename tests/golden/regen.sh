#!/usr/bin/env bash
# tests/golden/regen.sh — the golden QEMU argv of every bundled profile.
#   regen.sh [VMDECK]          rewrite tests/golden/<name>.<mode>.argv
#   regen.sh --check [VMDECK]  compare instead (the profile_golden test)
# One argv element per line; the runtime dir is /RUN/<name>, the profiles
# directory is written as @PROFILES@ and the rest of the checkout as @SRC@. A profile without an
# install section has no .install.argv: `args --mode install` must fail.
# VMDECK defaults to $VMDECK, else build*/tui/vmdeck.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
check=false
[[ ${1:-} == --check ]] && { check=true; shift; }
vmdeck=${1:-${VMDECK:-}}
if [[ -z $vmdeck ]]; then
	vmdeck=$(ls -t "$src"/build*/tui/vmdeck 2>/dev/null | head -n1)
fi
[[ -x $vmdeck ]] || { echo "regen.sh: no vmdeck binary (pass it as an argument)" >&2; exit 1; }
profiles=$src/profiles
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
run() { # run NAME MODE -> stdout argv lines
	VMDECK_STATE_DIR=$tmp/state "$vmdeck" --profiles "$profiles" --runtime-dir /RUN args "$1" --mode "$2" --lines
}
names=$("$vmdeck" --profiles "$profiles" list --names 2>/dev/null)
nfiles=$(ls "$profiles"/*.yaml 2>/dev/null | wc -l)
nnames=$(printf '%s\n' $names | grep -c .)
if ((nfiles != nnames)); then
	echo "regen.sh: $nfiles profile files but $nnames loaded profiles; run: vmdeck --profiles $profiles check" >&2
	fails=$((fails + 1))
fi
for name in $names; do
	for mode in boot install; do
		gold=$here/$name.$mode.argv
		if out=$(run "$name" "$mode" 2>"$tmp/err"); then
			out=${out//$profiles/@PROFILES@}
			out=${out//$src\//@SRC@/}
			n=$((n + 1))
			if $check; then
				if [[ ! -f $gold ]]; then
					echo "MISSING golden $gold (run tests/golden/regen.sh)"; fails=$((fails + 1))
				elif ! diff -u "$gold" <(printf '%s\n' "$out") >"$tmp/diff"; then
					echo "DIFFERS $name $mode:"; cat "$tmp/diff"; fails=$((fails + 1))
				fi
			else
				printf '%s\n' "$out" >"$gold"
			fi
		elif [[ $mode == install ]] && grep -q "needs an 'install:' section" "$tmp/err"; then
			if $check && [[ -f $gold ]]; then
				echo "STALE golden $gold: $name has no install section now"; fails=$((fails + 1))
			fi
			$check || rm -f "$gold"
		else
			echo "FAILED: vmdeck args $name --mode $mode:"; cat "$tmp/err"; fails=$((fails + 1))
		fi
	done
done
# Goldens of profiles that are gone.
for gold in "$here"/*.argv; do
	[[ -e $gold ]] || continue
	base=$(basename "$gold"); name=${base%.*.argv}
	if ! grep -qx -- "$name" <<<"$names"; then
		if $check; then echo "STALE golden $gold: no profile '$name'"; fails=$((fails + 1)); else rm -f "$gold"; fi
	fi
done
if $check; then
	echo "golden: $n command lines compared, $fails problem(s)"
	((fails == 0))
else
	echo "golden: $n command lines written to $here"
	((fails == 0))
fi
