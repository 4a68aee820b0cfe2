# tests/soak/common.sh — shared by the soak tests (source after lib.sh).
# One long-lived vmdeck process is watched while something churns around it:
# its open fds and RSS are sampled early (after warm-up) and at the end and
# must stay flat. SOAK_VALGRIND=1 runs that process under valgrind instead
# (memcheck, full leak check; children are not traced) and fails on any
# report; RSS is then meaningless and not compared.

# soak_spawn VAR NS CMD... : start CMD (the long-lived vmdeck) in namespace NS
# in the background, under valgrind when SOAK_VALGRIND=1 (valgrind goes after
# `ip netns exec`: it does not follow exec); VAR gets its pid (the same
# process: `ip netns exec` and valgrind both exec in place).
soak_spawn() {
	local __var=$1 ns=$2; shift 2
	local pre=()
	if [[ ${SOAK_VALGRIND:-0} == 1 ]]; then
		need valgrind
		pre=(valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,possible
			--errors-for-leak-kinds=definite,possible --log-file="$T_TMP/valgrind.log")
	fi
	ip netns exec "$ns" "${pre[@]}" "$@" &
	local pid=$!
	on_exit "kill -KILL $pid"
	printf -v "$__var" '%s' "$pid"
}

soak_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
soak_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# soak_sample PID LABEL : print and remember fds and RSS as S_FDS_LABEL/S_RSS_LABEL.
soak_sample() {
	local pid=$1 label=$2 fds rss
	fds=$(soak_fds "$pid")
	rss=$(soak_rss_kb "$pid")
	printf -v "S_FDS_$label" '%s' "$fds"
	printf -v "S_RSS_$label" '%s' "$rss"
	log "sample $label: fds=$fds rss=${rss} kB"
}

# soak_flat EARLY LATE : fds equal (slack 2), RSS within 2 MiB (not under valgrind,
# nor with SOAK_NO_RSS set).
soak_flat() {
	local a=$1 b=$2 fa fb ra rb
	fa=S_FDS_$a fb=S_FDS_$b ra=S_RSS_$a rb=S_RSS_$b
	check "open fds flat (${!fa} at $a, ${!fb} at $b)" test "${!fb}" -le $((${!fa} + 2))
	if [[ ${SOAK_VALGRIND:-0} != 1 && -z ${SOAK_NO_RSS:-} ]]; then
		check "RSS flat (${!ra} kB at $a, ${!rb} kB at $b; slack 2048 kB)" test "${!rb}" -le $((${!ra} + 2048))
	fi
}

# soak_stop PID : SIGTERM the long-lived process, wait; under valgrind its
# exit status carries the verdict, and the report is shown.
soak_stop() {
	local pid=$1 rc
	kill -TERM "$pid" 2>/dev/null
	wait_for 120 bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	if [[ ${SOAK_VALGRIND:-0} == 1 ]]; then
		[[ -s $T_TMP/valgrind.log ]] && cat "$T_TMP/valgrind.log" >&2
		check "valgrind clean (exit $rc, no report)" test "$rc" -eq 0 -a ! -s "$T_TMP/valgrind.log"
	else
		check "exited cleanly on SIGTERM (exit $rc)" test "$rc" -eq 0
	fi
}
