# tests/soak/common.sh — shared by the soak tests (source after lib.sh).
# One long-lived vmdeck process is watched while something churns around it:
# its open fds are sampled early (after warm-up) and at the end and must stay
# flat; its RSS is recorded after every round of churn and its floor must
# stay flat (soak_rss_flat). SOAK_VALGRIND=1 runs that process under valgrind instead
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
		# --child-silent-after-fork: the fork()ed closer (core/closer.h) ends
		# with _exit() holding a copy of the watcher's heap, which is no leak.
		pre=(valgrind -q --child-silent-after-fork=yes --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,possible
			--errors-for-leak-kinds=definite,possible --log-file="$T_TMP/valgrind.log")
	elif [[ -n ${SOAK_WATCHER_WRAP:-} ]]; then
		read -ra pre <<<"$SOAK_WATCHER_WRAP" # a profiler (heaptrack -o FILE): diagnostics only
	fi
	ip netns exec "$ns" "${pre[@]}" "$@" &
	local pid=$!
	on_exit "kill -KILL $pid"
	printf -v "$__var" '%s' "$pid"
}

# Open fds, less the packet sockets the outage observer (net/outage.c) keeps
# on each port of a bridge whose MAC changed lately: their number follows
# the ports there are, not time (soak_packet_socks counts them).
soak_fds() {
	local all pk
	all=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	pk=$(soak_packet_socks "$1")
	echo $((all - pk))
}
# soak_packet_socks PID : how many of its fds are packet sockets (their
# inodes listed in its namespace's /proc/net/packet).
soak_packet_socks() {
	local inodes
	inodes=$(awk 'NR > 1 { print $9 }' "/proc/$1/net/packet" 2>/dev/null | sort -u)
	[[ -z $inodes ]] && { echo 0; return; }
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' |
		sort -u | comm -12 - <(echo "$inodes") | wc -l
}
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

# soak_flat EARLY LATE : open fds equal (slack 2) between two soak_samples.
# (RSS: soak_rss_flat, below.)
soak_flat() {
	local a=$1 b=$2 fa fb
	fa=S_FDS_$a fb=S_FDS_$b
	check "open fds flat (${!fa} at $a, ${!fb} at $b)" test "${!fb}" -le $((${!fa} + 2))
}

# RSS as a series: one sample per round of churn (a VM cycle, a batch of
# link operations), taken when the process is quiet (the caller waits for
# that). soak_rss_record PID NAME appends PID's VmRSS (kB) to series NAME.
soak_rss_record() { soak_rss_kb "$1" >>"$T_TMP/rss.$2"; }

# soak_rss_flat NAME WARMUP WINDOW SLACK_KB : the series' floor must not rise.
# Compared: the lowest sample of the WINDOW rounds right after WARMUP rounds,
# and the lowest of the last WINDOW rounds. A floor, not two single samples:
# a sample can catch a transient (a frame buffer in use, the heap's top not
# yet trimmed, a refresh's scratch memory) that says nothing about growth,
# while a leak raises every later sample, so the late floor too. The check
# logs the leak per round that would certainly fail it (SLACK over the rounds
# between the two windows). Skipped under valgrind, for the watcher under
# SOAK_WATCHER_WRAP, with SOAK_NO_RSS set, or when the series is too short
# to have two separate windows.
soak_rss_flat() {
	local name=$1 warm=$2 win=$3 slack=$4 f=$T_TMP/rss.$1 n early late gap
	n=$(wc -l <"$f" 2>/dev/null || echo 0)
	if [[ ${SOAK_VALGRIND:-0} == 1 || -n ${SOAK_NO_RSS:-} || ($name == watcher && -n ${SOAK_WATCHER_WRAP:-}) ]]; then
		log "$name: RSS not compared (valgrind, a sanitizer or a profiler)"
		return
	fi
	if ((n < warm + 2 * win)); then
		log "$name: RSS not compared ($n rounds; needs $warm of warm-up + 2 windows of $win)"
		return
	fi
	early=$(sed -n "$((warm + 1)),$((warm + win))p" "$f" | sort -n | head -n1)
	late=$(tail -n "$win" "$f" | sort -n | head -n1)
	gap=$((n - warm - win)) # rounds from the early window's end to the late one's end
	log "$name: RSS per round: $(tr '\n' ' ' <"$f")"
	local what="$name: RSS floor flat (${early} kB in rounds $((warm + 1))-$((warm + win)), ${late} kB in the last $win of $n;"
	what+=" slack $slack kB: a leak of $(((slack * 1024 + gap - 1) / gap)) bytes a round would fail it)"
	check "$what" test "$late" -le $((early + slack))
}

# soak_diag PID : what a process that stopped answering is doing — its
# state, the kernel function it sleeps in, its syscall, its kernel stack and
# (with gdb) its own stack — so that a hang seen once in CI can be read.
soak_diag() {
	local pid=$1
	[[ -d /proc/$pid ]] || { log "diag: pid $pid is gone"; return; }
	log "diag: pid $pid state $(awk '{print $3}' "/proc/$pid/stat") wchan $(cat "/proc/$pid/wchan" 2>/dev/null)" \
		"syscall $(cat "/proc/$pid/syscall" 2>/dev/null | cut -d' ' -f1-4)"
	sed 's/^/[diag] kernel: /' "/proc/$pid/stack" >&2 2>/dev/null || true
	if command -v gdb >/dev/null; then
		timeout 60 gdb -q -batch -p "$pid" -ex 'thread apply all bt' 2>&1 | grep -E '^#|^Thread' | sed 's/^/[diag] /' >&2 || true
	fi
}

# soak_stop PID : SIGTERM the long-lived process, wait; under valgrind its
# exit status carries the verdict, and the report is shown.
soak_stop() {
	local pid=$1 rc c
	# Under SOAK_WATCHER_WRAP the pid is the profiler's script: end its child,
	# so that the profiler writes its data.
	if [[ -n ${SOAK_WATCHER_WRAP:-} ]]; then
		for c in $(pgrep -x -P "$pid" vmdeck); do kill -TERM "$c"; done
	else
		kill -TERM "$pid" 2>/dev/null
	fi
	if ! wait_for 120 bash -c "! kill -0 $pid 2>/dev/null"; then
		log "NOT OK: pid $pid still runs 120 s after SIGTERM"
		soak_diag "$pid"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid"
	rc=$?
	if [[ ${SOAK_VALGRIND:-0} == 1 ]]; then
		[[ -s $T_TMP/valgrind.log ]] && cat "$T_TMP/valgrind.log" >&2
		check "valgrind clean (exit $rc, no report)" test "$rc" -eq 0 -a ! -s "$T_TMP/valgrind.log"
	else
		check "exited cleanly on SIGTERM (exit $rc)" test "$rc" -eq 0
	fi
}
