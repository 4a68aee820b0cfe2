#!/usr/bin/env bash
# 1,000 profiles of which 100 are broken in ten different ways: `vmdeck
# check` reports exactly the 100 (each by FILE:LINE:COL, one error each) and
# exits 1; `vmdeck list` lists exactly the 900 others and says there are
# problems. Prints how long each took.
. "$VMDECK_TESTS/lib.sh"
need jq
P=$T_TMP/prof
mkdir -p "$P"
export VMDECK_PROFILES=$P
disk=$T_TMP/disk.img
: >"$disk"
# Ten ways to break a profile, each giving exactly one error.
broken() { # broken KIND NAME
	local n=$2
	case $1 in
	0) printf 'name: %s\nmemory: lots\n' "$n" ;;
	1) printf 'name: %s\naccel: warp\n' "$n" ;;
	2) printf 'name: %s\nmemory: 64M\nmemroy: 64M\n' "$n" ;;                         # unknown key
	3) printf 'name: %s\nmemory: [64M\n' "$n" ;;                                     # YAML syntax
	4) printf 'name: ../../%s\n' "$n" ;;                                            # name leaves its dir
	5) printf 'name: "%s;rm -rf ~"\n' "$n" ;;                                         # name with shell
	6) printf 'name: %s\nmemory: 64M\nname: %s\n' "$n" "$n" ;;                        # duplicate key
	7) printf 'name: %s\nmemory: 64M\ndescription: "\xff\xfe"\n' "$n" ;;              # invalid UTF-8
	8) printf '' ;;                                                                   # empty
	9) printf 'name: %s\nnics:\n  - mac: 01:00:5e:00:00:01\n' "$n" ;;                 # multicast MAC
	esac
}
good_names=()
bad_files=()
for ((i = 0; i < 1000; i++)); do
	n=$(printf 'vm%04d' "$i")
	if ((i % 10 == 3)); then
		broken $(((i / 10) % 10)) "$n" >"$P/$n.yaml"
		bad_files+=("$P/$n.yaml")
	else
		printf 'name: %s\ndescription: good %d\naccel: tcg\nmemory: 64M\ndisks:\n  - file: %s\n    format: raw\n' \
			"$n" "$i" "$disk" >"$P/$n.yaml"
		good_names+=("$n")
	fi
done

t0=$(date +%s%N)
"$VMDECK" check "$P" >"$T_TMP/check.out" 2>"$T_TMP/check.err"
rc=$?
t1=$(date +%s%N)
log "check: $(cat "$T_TMP/check.out") (exit $rc, $(((t1 - t0) / 1000000)) ms)"
check "check exits 1" test $rc -eq 1
check "summary: 1000 files, 900 loaded, 100 errors" \
	grep -q '^1000 files checked: 900 profiles loaded, 100 errors' "$T_TMP/check.out"
grep -oE "^$P/vm[0-9]{4}\.yaml:[0-9]+:[0-9]+: " "$T_TMP/check.err" | cut -d: -f1 | sort -u >"$T_TMP/reported"
printf '%s\n' "${bad_files[@]}" | sort >"$T_TMP/expected"
check "exactly the 100 broken files are named (FILE:LINE:COL)" cmp -s "$T_TMP/reported" "$T_TMP/expected"
check "one line per broken file" test "$(grep -c "^$P/vm" "$T_TMP/check.err")" -eq 100
diff "$T_TMP/reported" "$T_TMP/expected" | head -5 >&2

t0=$(date +%s%N)
"$VMDECK" list --names >"$T_TMP/list.out" 2>"$T_TMP/list.err"
rc=$?
t1=$(date +%s%N)
log "list --names: $(wc -l <"$T_TMP/list.out") names, exit $rc, $(((t1 - t0) / 1000000)) ms; stderr: $(cat "$T_TMP/list.err")"
check "list exits 0" test $rc -eq 0
check "list names exactly the 900 good ones" cmp -s "$T_TMP/list.out" <(printf '%s\n' "${good_names[@]}")
check "list says there are problems" grep -q '100 problems.*vmdeck check' "$T_TMP/list.err"
check "list --json has 900 entries" test "$("$VMDECK" list --json 2>/dev/null | jq length)" -eq 900
check "status covers the 900" test "$("$VMDECK" status --json 2>/dev/null | jq length)" -eq 900
finish
