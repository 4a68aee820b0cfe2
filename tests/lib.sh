# tests/lib.sh — shared helpers for script tests. Source it:
#   . "$VMDECK_TESTS/lib.sh"
# Conventions
#   - prerequisites: `need CMD...` / `need_root`. A missing prerequisite skips
#     (exit 77) for a developer, and FAILS when CI=true: no silent skips.
#   - every namespace, process and file a test makes is registered for
#     cleanup, which runs on exit, also on failure (trap).
#   - waiting is a bounded poll: `wait_for SECONDS CMD...`, never a bare sleep.
#   - processes are stopped only by the PIDs the test started.
set -uo pipefail

: "${VMDECK:?VMDECK (the binary) must be set by ctest}"
: "${VMDECK_SRC:?}" "${VMDECK_TESTS:?}"
T_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
T_ID="vt$$$(printf '%04x' $((RANDOM)))"        # unique per run: names of netns, tmux sockets
T_TMP=$(mktemp -d "/tmp/vmdeck-test.$T_NAME.XXXXXX")
T_CLEANUP=()      # commands run at exit, last registered first
T_FAILS=0

log() { printf '[%s] %s\n' "$T_NAME" "$*" >&2; }

fail() {
	log "FAIL: $*"
	exit 1
}

skip() {
	if [[ ${CI:-} == true ]]; then
		log "FAIL (prerequisite missing, CI=true forbids skipping): $*"
		exit 1
	fi
	log "SKIP: $*"
	exit 77
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs '$c'"
	done
}

need_root() { [[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, TAPs)"; }

on_exit() { T_CLEANUP+=("$*"); }

_t_cleanup() {
	local rc=$?
	local i
	for ((i = ${#T_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${T_CLEANUP[i]}" >/dev/null 2>&1 || true
	done
	if [[ $rc -eq 0 || -n ${VMDECK_KEEP_TMP:-} ]]; then
		[[ -n ${VMDECK_KEEP_TMP:-} ]] && log "kept $T_TMP" || rm -rf "$T_TMP"
	else
		log "test dir kept for inspection: $T_TMP"
	fi
	exit $rc
}
trap _t_cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS CMD... : poll CMD every 50 ms until it succeeds or time runs out.
wait_for() {
	local secs=$1; shift
	local deadline=$(($(date +%s%N) + secs * 1000000000))
	while (($(date +%s%N) < deadline)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# check "what" CMD... : run CMD, count a failure with a message, keep going.
check() {
	local what=$1; shift
	if "$@"; then
		log "ok: $what"
	else
		log "NOT OK: $what"
		T_FAILS=$((T_FAILS + 1))
	fi
}

# finish: exit non-zero if any check failed.
finish() {
	((T_FAILS == 0)) || fail "$T_FAILS check(s) failed"
	log "passed"
	exit 0
}

# netns_new VAR : create a uniquely named namespace, registered for removal.
# Everything the test does to networks happens inside namespaces like this.
netns_new() {
	local __var=$1
	local name="${T_ID}-${#T_CLEANUP[@]}"
	ip netns add "$name" || fail "cannot create network namespace $name"
	on_exit "netns_kill_all $name; ip netns del $name"
	ip -n "$name" link set lo up
	printf -v "$__var" '%s' "$name"
}

# Kill every process still inside a namespace we made (only ours: the
# namespace is unique to this test run).
netns_kill_all() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null) || return 0
	[[ -n $pids ]] && kill -9 $pids 2>/dev/null
	return 0
}

# netns_procs NS COMM : the pids of the processes named COMM inside NS.
netns_procs() {
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == "$2" ]] && echo "$p"
	done
	return 0
}

# kill_pid PID : stop a process this test started, by PID, and reap it.
kill_pid() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || return 0
	wait_for 5 bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

# Per-test vmdeck directories (never the user's real ones).
export VMDECK_RUNTIME_DIR="$T_TMP/run"
export VMDECK_STATE_DIR="$T_TMP/state"
mkdir -p "$VMDECK_RUNTIME_DIR" "$VMDECK_STATE_DIR"
# The user's colour choice must not leak into a test's vmdeck (tests that
# want one set it: tests/thumb/color.sh).
unset VMDECK_COLORS COLORTERM

# Sanitizer settings for panes started with `env -i` (the ASan pass's
# reports must reach its report directory from inside tmux too).
T_SAN_ENV=()
[[ -n ${ASAN_OPTIONS:-} ]] && T_SAN_ENV+=("ASAN_OPTIONS=$ASAN_OPTIONS")
[[ -n ${UBSAN_OPTIONS:-} ]] && T_SAN_ENV+=("UBSAN_OPTIONS=$UBSAN_OPTIONS")

# tmux: a private server per test.
# Each call a server of its own name: a new server under the name of one
# just killed can be reached by that one while it still exits ("server
# exited unexpectedly": tui_spark, now and then).
T_TMUX_N=0
tmux_start() { # tmux_start COLS ROWS CMD... ; session "t"
	local cols=$1 rows=$2 sock=$T_ID; shift 2
	T_TMUX_N=$((T_TMUX_N + 1))
	((T_TMUX_N > 1)) && sock+="-$T_TMUX_N"
	T_TMUX="tmux -L $sock -f /dev/null"
	$T_TMUX new-session -d -s t -x "$cols" -y "$rows" "$@" || fail "tmux did not start"
	on_exit "$T_TMUX kill-server"
}
tmux_screen() { $T_TMUX capture-pane -p -t t "$@"; }
tmux_keys() { $T_TMUX send-keys -t t "$@"; }
# tmux_wait SECONDS REGEX : wait until the screen matches.
tmux_wait() {
	local secs=$1 re=$2
	wait_for "$secs" bash -c "$T_TMUX capture-pane -p -t t | grep -Eq -- \"\$0\"" "$re"
}
