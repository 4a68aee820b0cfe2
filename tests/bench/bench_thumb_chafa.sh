#!/usr/bin/env bash
# bench_thumb_chafa.sh [BUILD_DIR] : chafa rendering the 1920x1080 frame
# bench_thumb uses at the same size (100x50 cells), to set next to
# bench_thumb's own figures (tests/bench/run runs both).
# chafa's time includes starting the process and decoding the PPM, so the
# script also times `chafa --help` (start-up alone) and reports the
# difference. Prints figures; asserts nothing.
set -euo pipefail
build=${1:-${VMDECK_BUILD:-build}}
bench=$build/tests/bench_thumb
[[ -x $bench ]] || bench=$build/bench_thumb
[[ -x $bench ]] || { echo "no bench_thumb under $build (cmake --build $build --target bench_thumb)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/vmdeck-bench-thumb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$bench" --write-ppm "$tmp/frame.ppm" --ppm-only
command -v chafa >/dev/null || { echo "chafa not installed: no comparison" >&2; exit 0; }

# median_ms CMD... : median wall time of 11 runs, in milliseconds
median_ms() {
	local i t0 t1 v=()
	for i in $(seq 11); do
		t0=$(date +%s%N); "$@" >"$tmp/out" 2>/dev/null; t1=$(date +%s%N)
		v+=($(((t1 - t0) / 1000)))
	done
	printf '%s\n' "${v[@]}" | sort -n | sed -n 6p | awk '{printf "%.2f", $1 / 1000}'
}

echo "== chafa $(chafa --version | head -1 | awk '{print $3}') on the same frame, 100x50 cells, 1 thread, median of 11 =="
start=$(median_ms chafa --help)
printf '%-44s %8s ms\n' "chafa start-up alone (--help)" "$start"
for mode in "full vhalf" "256 vhalf" "8 vhalf" "full all"; do
	set -- $mode
	ms=$(median_ms chafa --threads 1 --size 100x50 --colors "$1" --symbols "$2" -f symbols "$tmp/frame.ppm")
	bytes=$(wc -c <"$tmp/out")
	printf '%-44s %8s ms  (%s bytes of output; minus start-up: %s ms)\n' \
		"chafa --colors $1 --symbols $2" "$ms" "$bytes" "$(awk -v a="$ms" -v b="$start" 'BEGIN{printf "%.2f", a-b}')"
	# tests/bench/run's table: chafa (start-up subtracted) beside bench_thumb's row
	case "$1 $2" in
	"full vhalf") echo "BENCH thumbnail 1920x1080 -> 100x50, 24bit colours, half blocks|-|$(awk -v a="$ms" -v b="$start" 'BEGIN{printf "%.2f", a-b}')|ms" ;;
	"256 vhalf") echo "BENCH thumbnail 1920x1080 -> 100x50, 256 colours, half blocks|-|$(awk -v a="$ms" -v b="$start" 'BEGIN{printf "%.2f", a-b}')|ms" ;;
	esac
done
