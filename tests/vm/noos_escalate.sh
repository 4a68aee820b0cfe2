#!/usr/bin/env bash
# A VM with no OS ignores the ACPI power button: a graceful stop must
# escalate to quit within its stop timeout (3 s here).
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
profile_bare bare

"$VMDECK" start bare >/dev/null 2>&1 || fail "start"
t0=$(date +%s%N)
out=$("$VMDECK" stop bare 2>&1) || fail "stop: $out"
ms=$((($(date +%s%N) - t0) / 1000000))
log "$out"
log "stop took $ms ms"
check "POWERDOWN seen, VM kept running" grep -q "POWERDOWN" <<<"$out"
check "escalated to quit after 3 s" grep -q "did not shut down within 3 s, sending quit" <<<"$out"
check "exited by quit" grep -q "exited, quit" <<<"$out"
check "within the timeout plus a margin" test "$ms" -lt 8000
check "at least the timeout" test "$ms" -ge 2900
check "no QEMU left" test "$(qemu_count bare)" -eq 0
finish
