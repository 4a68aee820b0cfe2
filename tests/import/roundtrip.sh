#!/usr/bin/env bash
# tests/import/roundtrip.sh [CASE...] — `vmdeck import` against the real QEMU.
# For each script tests/import/scripts/CASE.sh:
#   1. bash runs it with a fake qemu-system-x86_64 (and sudo) first in PATH
#      that only writes down its argv: what the script really starts (the
#      test's oracle; vmdeck itself never runs a script);
#   2. every medium that argv names gets an empty placeholder;
#   3. `vmdeck import` writes the profile, and `vmdeck check` must pass;
#   4. the original argv and `vmdeck args` of the profile (install mode when
#      there is an installer) are started in QEMU 7.2 paused under TCG in a
#      private network namespace, and their machines compared over QMP
#      (roundtrip.py: devices, CPU, topology, memory, drives). A difference
#      fails with a diff, unless CASE.allow names it with its reason.
# A script's "# import-args: …" line gives import options (--set, --name);
# "# env: VAR=VALUE" lines set the variables bash sees.
. "$VMDECK_TESTS/lib.sh"
need qemu-system-x86_64 qemu-img python3
need_root
here=$VMDECK_TESTS/import
netns_new NS
P=$T_TMP/profiles
mkdir -p "$P"
fake=$T_TMP/fakebin
mkdir -p "$fake"
cat >"$fake/qemu-system-x86_64" <<'EOF'
#!/bin/sh
for a in "$0" "$@"; do printf '%s\0' "$a"; done >"$CAPTURE"
EOF
cat >"$fake/sudo" <<'EOF'
#!/bin/sh
while [ "${1#-}" != "$1" ]; do shift; done
exec "$@"
EOF
chmod +x "$fake"/*

cases=("$@")
((${#cases[@]})) || for s in "$here"/scripts/*.sh; do cases+=("$(basename "$s" .sh)"); done

roundtrip() {
	local c=$1 dir=$T_TMP/cases/$1 script name mode
	mkdir -p "$dir"
	cp "$here/scripts/$c.sh" "$dir/"
	script=$dir/$c.sh
	local -a iargs envs
	read -ra iargs < <(sed -n 's/^# import-args: //p' "$script")
	mapfile -t envs < <(sed -n 's/^# env: //p' "$script")
	(cd "$dir" && env "${envs[@]}" CAPTURE="$dir/orig.argv" PATH="$fake:$PATH" HOME="$dir" \
		timeout 20 bash "$script" </dev/null >"$dir/bash.out" 2>&1)
	[[ -s $dir/orig.argv ]] || { log "$c: bash never started QEMU: $(head -c 300 "$dir/bash.out")"; return 1; }
	(cd "$dir" && python3 "$here/roundtrip.py" media "$dir/orig.argv") || { log "$c: placeholders failed"; return 1; }
	HOME=$dir "$VMDECK" --profiles "$P" import "$script" --out "$P" "${iargs[@]}" >"$dir/import.out" 2>"$dir/import.err" ||
		{ log "$c: import failed: $(cat "$dir/import.err")"; return 1; }
	name=$(basename "$(cat "$dir/import.out")" .yaml)
	local pw=$P/$name.vnc-password
	grep -q "password_file:" "$P/$name.yaml" && printf 'secret' >"$pw"
	"$VMDECK" --profiles "$P" check "$P/$name.yaml" >"$dir/check.out" 2>&1 ||
		{ log "$c: check fails: $(cat "$dir/check.out")"; return 1; }
	mode=boot
	grep -q '^install:' "$P/$name.yaml" && mode=install
	"$VMDECK" --profiles "$P" args "$name" --mode "$mode" --accel tcg --lines >"$dir/imported.argv" ||
		{ log "$c: args failed"; return 1; }
	mkdir -p "$VMDECK_RUNTIME_DIR/$name"
	python3 "$here/roundtrip.py" compare --netns "$NS" --cwd "$dir" --run "$dir" \
		"$dir/orig.argv" "$dir/imported.argv" "$here/scripts/$c.allow" >"$dir/compare.out" 2>&1
	local rc=$?
	sed "s/^/[$c] /" "$dir/compare.out" >&2
	return $rc
}

for c in "${cases[@]}"; do
	check "round trip: $c" roundtrip "$c"
done

# The comparison must be able to fail: the minimal case's imported command
# line with another memory size and NIC MAC is told apart, with a diff.
tampered() {
	local dir=$T_TMP/cases/minimal
	sed 's/^256$/320/; s/mac=52:54:00:12:34:56/mac=52:54:00:12:34:99/' "$dir/imported.argv" >"$dir/tampered.argv"
	python3 "$here/roundtrip.py" compare --netns "$NS" --cwd "$dir" --run "$dir" \
		"$dir/orig.argv" "$dir/tampered.argv" /dev/null >"$dir/tampered.out" 2>&1
	local rc=$?
	sed "s/^/[tampered] /" "$dir/tampered.out" >&2
	((rc == 1)) && grep -q "DIFF    +memory 320 MiB" "$dir/tampered.out" &&
		grep -q "DIFF    +device e1000 .*mac=52:54:00:12:34:99" "$dir/tampered.out"
}
[[ " ${cases[*]} " == *" minimal "* ]] && check "a tampered profile fails the comparison, with a diff" tampered
finish
