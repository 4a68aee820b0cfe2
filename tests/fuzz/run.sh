#!/usr/bin/env bash
# tests/fuzz/run.sh NAME SECONDS SOURCE... — build a libFuzzer target with
# clang straight from the sources (paths relative to the checkout; one of
# them defines LLVMFuzzerTestOneInput) and run it for at most SECONDS on a
# scratch copy of the seed corpus tests/fuzz/corpus/NAME/. Any crash, leak,
# sanitizer report or timeout fails; the reproducer is kept and named.
# Reusable by every area, e.g. from an NN-area.cmake:
#   vmdeck_script_test(fuzz_qmp fuzz/run.sh fuzz qmp 20 core/qmp.c core/util.c tests/fuzz/fuzz_qmp.c)
# Standalone: tests/fuzz/run.sh profile 30 core/profile.c core/profile_check.c core/profile_set.c core/schema.c core/yamldoc.c core/qemu_args.c core/forward.c core/util.c tests/fuzz/fuzz_profile.c
# Extra compiler flags: $FUZZ_CFLAGS; extra pkg-config modules: $FUZZ_PKGS;
# further seed directories (test inputs kept elsewhere): $FUZZ_SEEDS, ':'-separated,
# relative to the checkout.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${VMDECK_SRC:-$(cd "$here/../.." && pwd)}
name=${1:?usage: run.sh NAME SECONDS SOURCE...}
secs=${2:?usage: run.sh NAME SECONDS SOURCE...}
shift 2
(($# > 0)) || { echo "run.sh: no sources" >&2; exit 2; }

missing() { # no silent skips under CI
	if [[ ${CI:-} == true ]]; then echo "fuzz/$name: FAIL (CI=true): $*" >&2; exit 1; fi
	echo "fuzz/$name: SKIP: $*" >&2; exit 77
}
command -v clang >/dev/null || missing "needs clang"
pkgs="yaml-0.1 json-c ${FUZZ_PKGS:-}"
pkg-config --exists $pkgs || missing "needs pkg-config modules $pkgs"

work=$(mktemp -d "/tmp/vmdeck-fuzz.$name.XXXXXX")
keep=false
trap '$keep || rm -rf "$work"' EXIT
bin=$work/fuzz_$name
srcs=()
for s in "$@"; do srcs+=("$src/$s"); done
echo "fuzz/$name: building with clang -fsanitize=fuzzer,address,undefined"
# shellcheck disable=SC2046
if ! clang -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -D_GNU_SOURCE -DVMDECK_VERSION='"fuzz"' -I"$src" ${FUZZ_CFLAGS:-} \
	$(pkg-config --cflags $pkgs) "${srcs[@]}" $(pkg-config --libs $pkgs) -o "$bin" 2>"$work/build.log"; then
	cat "$work/build.log" >&2
	echo "fuzz/$name: FAIL: does not build" >&2
	exit 1
fi
seeds=$here/corpus/$name
mkdir -p "$work/corpus"
[[ -d $seeds ]] && cp -r "$seeds/." "$work/corpus/"
IFS=: read -ra more <<<"${FUZZ_SEEDS:-}"
for d in "${more[@]}"; do
	[[ -d $src/$d ]] || { echo "fuzz/$name: FAIL: no seed directory $d" >&2; exit 1; }
	cp -r "$src/$d/." "$work/corpus/"
done
echo "fuzz/$name: $(ls "$work/corpus" | wc -l) seeds, running for ${secs}s"
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" >"$work/fuzz.log" 2>&1
rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/fuzz.log" | sed "s/^/fuzz\/$name: /"
if ((rc != 0)); then
	keep=true
	tail -n 60 "$work/fuzz.log" >&2
	echo "fuzz/$name: FAIL (exit $rc); reproducers: $(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | tr '\n' ' ')" >&2
	echo "fuzz/$name: replay with: $bin FILE (kept in $work)" >&2
	exit 1
fi
echo "fuzz/$name: ok"
