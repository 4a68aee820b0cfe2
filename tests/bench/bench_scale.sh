#!/usr/bin/env bash
# bench_scale.sh [N...] : vmdeck with N no-OS VMs running (TCG, -m 32, no
# disk, no NIC; N = 10 and 40 by default, or $VMDECK_SCALE_N, or the
# arguments), and the same under libvirt. Prints one table per N: start of
# all N (8 in parallel), one start and one stop with N running, stop of all
# N, status against `virsh list --all`, a per-VM state loop against a
# `virsh domstate` loop, idle CPU (TUI, `status --follow`, supervisors
# against libvirtd + virtlogd), memory (supervisors against the daemons;
# QEMU itself), the TUI's CPU per selection move, the calls (connect, open,
# pidfd_open) a one-VM verb makes into the other VMs' dirs, and the same N
# QEMUs started and killed by hand (the overhead). libvirt's side runs a
# private libvirtd (tests/bench/libvirt_env.sh: own network and mount
# namespace, nothing of the host's touched); where it cannot (not root, not
# installed: `tests/bench/libvirt_env.sh install`) it is skipped with a
# message; VMDECK_SCALE_LIBVIRT=0 skips it on purpose (vmdeck's side only).
# Prints figures; asserts nothing.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if (($# > 1)); then # one run per N, one after another
	for n in "$@"; do bash "${BASH_SOURCE[0]}" "$n" || exit; done
	exit 0
elif (($# == 0)) && [[ -z ${VMDECK_SCALE_N:-} ]]; then
	exec bash "${BASH_SOURCE[0]}" 10 40
fi
N=${1:-$VMDECK_SCALE_N}
src=$(cd "$here/../.." && pwd)
build=${VMDECK_BUILD:-$(ls -td "$src"/build*/ | head -n1)}
build=${build%/}
vmdeck=${VMDECK:-$build/tui/vmdeck}
probe=$build/tests/test_vm_cycles
[[ -x $probe ]] || { echo "bench_scale: no $probe (cmake --build $build --target test_vm_cycles)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/vmdeck-bench-scale.XXXXXX)
export VMDECK_RUNTIME_DIR=$tmp/run VMDECK_STATE_DIR=$tmp/state VMDECK_PROFILES=$tmp/prof VMDECK
mkdir -p "$tmp/prof" "$tmp/hand"
hand_pids=() follow_pid=
# shellcheck source=libvirt_env.sh
. "$here/libvirt_env.sh"
cleanup() {
	local f
	[[ -n $follow_pid ]] && kill "$follow_pid" 2>/dev/null
	lv_down "$tmp/lv"
	for f in "$tmp"/run/*/qemu.start; do [[ -f $f ]] && kill -9 "$(cut -d' ' -f1 "$f")" 2>/dev/null; done
	for f in "$tmp"/run/*/qemu.pid; do [[ -f $f ]] && kill -9 "$(cat "$f")" 2>/dev/null; done
	((${#hand_pids[@]})) && kill -9 "${hand_pids[@]}" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
# CPU time (ns) of processes, all their threads (schedstat).
cpu_ns() {
	local p t sum=0
	for p in "$@"; do
		for t in /proc/"$p"/task/*/schedstat; do
			[[ -r $t ]] && read -r t _ <"$t" && sum=$((sum + t))
		done
	done
	echo "$sum"
}
# PSS (KiB) of processes, summed.
pss_kib() {
	local p k sum=0
	for p in "$@"; do
		k=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) && sum=$((sum + ${k:-0}))
	done
	echo "$sum"
}
median5() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
# key_lat SESSION ALT NAME... : key -> screen of up to 20 moves in the TUI
# of tmux session SESSION, whose selection goes through NAME... in turn: j
# (ALT=1: j and k by turns, up and down a list of two), then capture-pane
# until the detail pane names the VM reached ("monitor NAME"); tmux's own
# round trip is in it. Sets kl_med and kl_max (ms).
key_lat() {
	local s=$1 alt=$2 i t0 key lat=()
	shift 2
	local v=("$@")
	for ((i = 1; i < ${#v[@]} && i <= 20; i++)); do
		key=j
		((alt && i % 2 == 0)) && key=k
		t0=$(date +%s%N)
		$T send-keys -t "$s" "$key"
		for _ in $(seq 1000); do $T capture-pane -p -t "$s" | grep -q "monitor ${v[i]}" && break; done
		lat+=("$(ms "$t0")")
		sleep 0.05
	done
	kl_med=$(printf '%s\n' "${lat[@]}" | sort -n | sed -n "$(((${#lat[@]} + 1) / 2))p")
	kl_max=$(printf '%s\n' "${lat[@]}" | sort -n | tail -n1)
}
idle_s=${VMDECK_SCALE_IDLE:-10} # the idle CPU window
names=()
for i in $(seq -f '%03g' 1 "$N"); do names+=("s$i"); done
for n in "${names[@]}" sx; do
	printf 'name: %s\naccel: tcg\nmachine: q35\nmemory: 32M\nstop_timeout: 3\n' "$n" >"$tmp/prof/$n.yaml"
done

t0=$(date +%s%N)
printf '%s\n' "${names[@]}" | xargs -P 8 -I{} "$vmdeck" start {} >/dev/null 2>&1
start_all=$(ms "$t0")
up=$(ls "$tmp"/run/*/qemu.pid 2>/dev/null | wc -l)

# One more VM with N running: time, and what it touched of the others.
others() { grep -F "$VMDECK_RUNTIME_DIR/" "$1" | grep -vcF "$VMDECK_RUNTIME_DIR/sx"; }
t0=$(date +%s%N)
strace -qq -e trace=connect,openat,pidfd_open -o "$tmp/start.trace" "$vmdeck" start sx >/dev/null 2>&1
one_start=$(ms "$t0")
t0=$(date +%s%N)
strace -qq -e trace=connect,openat,pidfd_open -o "$tmp/stop.trace" "$vmdeck" stop --force sx >/dev/null 2>&1
one_stop=$(ms "$t0")
# (strace's own cost is in these two; the plain runs below are without it)
t0=$(date +%s%N); "$vmdeck" start sx >/dev/null 2>&1; one_start_plain=$(ms "$t0")
t0=$(date +%s%N); "$vmdeck" stop --force sx >/dev/null 2>&1; one_stop_plain=$(ms "$t0")

# No watcher runs: each supervisor's record (qemu-state, written once its
# monitor has answered) says the state, and status asks no QEMU. Once all
# N are recorded (bounded), median of 5.
for _ in $(seq 200); do (($(ls "$tmp"/run/*/qemu-state 2>/dev/null | wc -l) >= N)) && break; sleep 0.05; done
recorded=$(ls "$tmp"/run/*/qemu-state 2>/dev/null | wc -l)
st=()
for i in 1 2 3 4 5; do
	t0=$(date +%s%N); "$vmdeck" status --json >"$tmp/status.json" 2>/dev/null; st+=("$(ms "$t0")")
done
status_ms=$(median5 "${st[@]}")
listed=$(jq '[.[] | select(.state == "running")] | length' "$tmp/status.json" 2>/dev/null || echo "?")
strace -f -qq -e trace=connect -o "$tmp/status.trace" "$vmdeck" status --json >/dev/null 2>&1
status_conn=$(grep -c 'connect(' "$tmp/status.trace")
t0=$(date +%s%N)
for i in $(seq 20); do "$vmdeck" status >/dev/null 2>&1; done
loop_ms=$(($(ms "$t0") / 20))
# One VM's state, each of the N in turn (a script polling its VMs).
t0=$(date +%s%N)
for n in "${names[@]}"; do "$vmdeck" status "$n" >/dev/null 2>&1; done
one_loop_ms=$(($(ms "$t0") / N))

# Supervisors: the parents of the QEMUs (PSS from smaps_rollup).
sups=() qemus=()
for f in "$tmp"/run/*/qemu.pid; do
	q=$(cat "$f" 2>/dev/null) || continue
	sp=$(awk '{print $4}' "/proc/$q/stat" 2>/dev/null) || continue
	[[ -n $sp ]] && sups+=("$sp") qemus+=("$q")
done
nsup=${#sups[@]}
sup_total=$(pss_kib "${sups[@]}")
sup_kib=$((nsup ? sup_total / nsup : 0))
qemu_kib=$((nsup ? $(pss_kib "${qemus[@]}") / nsup : 0))

# Idle CPU over $idle_s s with N running: a `status --follow` watcher, the
# TUI (when tmux is here), the supervisors. Then the TUI with N VMs: CPU
# time per selection move (schedstat, ns), 50 j's 20 ms apart, and the files
# it opened meanwhile (strace).
"$vmdeck" status --follow >"$tmp/follow.out" 2>&1 &
follow_pid=$!
# With a watcher running (it owns every VM's QMP and records each state in
# its run-state once connected), status believes those records: no QEMU
# asked. Once all N are recorded (bounded), median of 5.
for _ in $(seq 200); do (($(ls "$tmp"/run/*/run-state 2>/dev/null | wc -l) >= N)) && break; sleep 0.05; done
st=()
for i in 1 2 3 4 5; do
	t0=$(date +%s%N); "$vmdeck" status --json >/dev/null 2>&1; st+=("$(ms "$t0")")
done
status_w_ms=$(median5 "${st[@]}")
key_us=- key_open=- idle_tui=- key_ms=- key_max=- key2_ms=- key2_max=-
if command -v tmux >/dev/null 2>&1; then
	T="tmux -L vbs$$ -f /dev/null"
	$T new-session -d -s t -x 160 -y 50 "env VMDECK_RUNTIME_DIR=$VMDECK_RUNTIME_DIR VMDECK_STATE_DIR=$VMDECK_STATE_DIR VMDECK_PROFILES=$VMDECK_PROFILES TERM=xterm-256color $vmdeck"
	for i in $(seq 200); do $T capture-pane -p -t t | grep -q "${names[2]}" && break; sleep 0.05; done
	tpid=$($T list-panes -t t -F '#{pane_pid}')
	sleep 1.5 # let the first scans settle (a bench; it judges nothing)
	# one window for all three: us of CPU per s of wall, each
	c0=$(cpu_ns "$tpid"); f0=$(cpu_ns "$follow_pid"); s0=$(cpu_ns "${sups[@]}")
	sleep "$idle_s"
	c1=$(cpu_ns "$tpid"); f1=$(cpu_ns "$follow_pid"); s1=$(cpu_ns "${sups[@]}")
	idle_tui=$(((c1 - c0) / idle_s / 1000)) idle_follow=$(((f1 - f0) / idle_s / 1000))
	idle_sup=$(((s1 - s0) / idle_s / 1000))
	key_lat t 0 "${names[@]}"
	key_ms=$kl_med key_max=$kl_max
	# The same with the smallest list j moves in: two VMs, one running,
	# in a runtime dir of their own (the TUI keys row: N against 2).
	mkdir -p "$tmp/few/prof"
	for n in k1 k2; do printf 'name: %s\naccel: tcg\nmachine: q35\nmemory: 32M\nstop_timeout: 3\n' "$n" >"$tmp/few/prof/$n.yaml"; done
	VMDECK_RUNTIME_DIR=$tmp/few/run VMDECK_PROFILES=$tmp/few/prof "$vmdeck" start k1 >/dev/null 2>&1
	$T new-session -d -s few -x 160 -y 50 "env VMDECK_RUNTIME_DIR=$tmp/few/run VMDECK_STATE_DIR=$VMDECK_STATE_DIR VMDECK_PROFILES=$tmp/few/prof TERM=xterm-256color $vmdeck"
	for i in $(seq 200); do $T capture-pane -p -t few | grep -q k2 && break; sleep 0.05; done
	sleep 1.5
	key_lat few 1 k1 k2 k1 k2 k1 k2 k1 k2 k1 k2 k1 k2 k1 k2 k1 k2 k1 k2 k1 k2 k1
	key2_ms=$kl_med key2_max=$kl_max
	$T kill-session -t few
	VMDECK_RUNTIME_DIR=$tmp/few/run VMDECK_PROFILES=$tmp/few/prof "$vmdeck" kill k1 >/dev/null 2>&1
	$T send-keys -t t g # back to the first VM (Home), as before the moves
	sleep 0.2
	strace -qq -e trace=openat -o "$tmp/keys.trace" -p "$tpid" &
	spid=$!
	sleep 0.3
	c0=$(cut -d' ' -f1 "/proc/$tpid/schedstat")
	t0=$(date +%s%N)
	for i in $(seq 50); do $T send-keys -t t j; sleep 0.02; done
	c1=$(cut -d' ' -f1 "/proc/$tpid/schedstat")
	el=$(ms "$t0")
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	# per move; the 1 s ticks that fell into the ~2 s window are included
	key_us=$(((c1 - c0) / 50 / 1000))
	key_open=$(grep -c openat "$tmp/keys.trace")
	$T kill-server 2>/dev/null
	echo "(TUI: 50 moves in $el ms wall; openat during them, ticks included: $key_open)"
else
	sleep 1.5
	f0=$(cpu_ns "$follow_pid"); s0=$(cpu_ns "${sups[@]}")
	sleep "$idle_s"
	f1=$(cpu_ns "$follow_pid"); s1=$(cpu_ns "${sups[@]}")
	idle_follow=$(((f1 - f0) / idle_s / 1000)) idle_sup=$(((s1 - s0) / idle_s / 1000))
fi
kill "$follow_pid" 2>/dev/null; wait "$follow_pid" 2>/dev/null; follow_pid=

# The fallback: without the supervisors' records (removed; they are written
# again only on a change) status asks every QEMU, as it did before them.
rm -f "$tmp"/run/*/qemu-state
st=()
for i in 1 2 3 4 5; do
	t0=$(date +%s%N); "$vmdeck" status --json >/dev/null 2>&1; st+=("$(ms "$t0")")
done
status_ask_ms=$(median5 "${st[@]}")
strace -f -qq -e trace=connect -o "$tmp/status-ask.trace" "$vmdeck" status --json >/dev/null 2>&1
status_ask_conn=$(grep -c 'connect(' "$tmp/status-ask.trace")

t0=$(date +%s%N)
printf '%s\n' "${names[@]}" | xargs -P 8 -I{} "$vmdeck" kill {} >/dev/null 2>&1
stop_all=$(ms "$t0")

# The same argvs by hand: N QEMUs in the background, 8 at a time until
# each answers query-status; then SIGKILL and reap.
hand_one() {
	local n=$1 argv
	mapfile -t argv <"$tmp/hand/$n/argv"
	# fd 3: the serial port the supervisor would give it (a socket pair).
	python3 "$here/../console/serial_fd3.py" "${argv[@]}" </dev/null >/dev/null 2>&1 &
	echo $! >"$tmp/hand/$n/pid"
	"$probe" --wait-qmp "$tmp/hand/$n/qmp.sock"
}
export -f hand_one
export tmp probe here
for n in "${names[@]}"; do # argvs made before the clock starts
	mkdir -p "$tmp/hand/$n"
	"$vmdeck" --runtime-dir "$tmp/hand" args "$n" --lines >"$tmp/hand/$n/argv"
done
t0=$(date +%s%N)
printf '%s\n' "${names[@]}" | xargs -P 8 -I{} bash -c 'hand_one {}' >/dev/null 2>&1
hand_start=$(ms "$t0")
mapfile -t hand_pids < <(cat "$tmp"/hand/*/pid)
t0=$(date +%s%N)
kill -9 "${hand_pids[@]}" 2>/dev/null
# gone: no process, or a zombie (orphans wait for PID 1 to reap them)
gone() { [[ ! -e /proc/$1/stat ]] || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]; }
for p in "${hand_pids[@]}"; do until gone "$p"; do sleep 0.01; done; done
hand_stop=$(ms "$t0")
hand_pids=()

# libvirt: the same N VMs as persistent domains of a private libvirtd
# (libvirt_env.sh), the closest XML to vmdeck's argv: TCG, q35, 32 MiB, one
# vCPU, ACPI, std VGA, VNC and the serial port on UNIX sockets (serial
# logged), no disk, no NIC, no USB, no balloon. Same verbs, same parallelism.
lv_note="libvirt: skipped"
lv_start_all=- lv_one_start=- lv_one_stop=- lv_stop_all=- lv_list=- lv_list_loop=- lv_domstate=-
lv_idle=- lv_idle_ev=- lv_daemon_kib=- lv_qemu_kib=- lv_came=-
if [[ ${VMDECK_SCALE_LIBVIRT:-1} == 0 ]]; then
	LV_WHY="VMDECK_SCALE_LIBVIRT=0"
	false
elif lv_up "$tmp/lv"; then
	V="virsh -q -c $LV_URI"
	$V domcapabilities >/dev/null 2>&1 # QEMU's capabilities, probed once per install (cached)
	for n in "${names[@]}" sx; do
		cat >"$tmp/lv/dom/$n.xml" <<-XML
			<domain type='qemu'>
			  <name>$n</name>
			  <memory unit='MiB'>32</memory>
			  <vcpu>1</vcpu>
			  <os><type arch='x86_64' machine='q35'>hvm</type></os>
			  <features><acpi/></features>
			  <devices>
			    <emulator>$(command -v qemu-system-x86_64)</emulator>
			    <controller type='usb' model='none'/>
			    <memballoon model='none'/>
			    <video><model type='vga'/></video>
			    <graphics type='vnc' socket='$tmp/lv/dom/$n.vnc'/>
			    <serial type='unix'>
			      <source mode='bind' path='$tmp/lv/dom/$n.serial'/>
			      <log file='$tmp/lv/dom/$n.serial.log'/>
			    </serial>
			  </devices>
			</domain>
		XML
		$V define "$tmp/lv/dom/$n.xml" >/dev/null
	done
	export LV_URI
	t0=$(date +%s%N)
	printf '%s\n' "${names[@]}" | xargs -P 8 -I{} virsh -q -c "$LV_URI" start {} >/dev/null 2>&1
	lv_start_all=$(ms "$t0")
	lv_came=$($V list --name | grep -c .)
	t0=$(date +%s%N); $V start sx >/dev/null 2>&1; lv_one_start=$(ms "$t0")
	t0=$(date +%s%N); $V destroy sx >/dev/null 2>&1; lv_one_stop=$(ms "$t0")
	st=()
	for i in 1 2 3 4 5; do t0=$(date +%s%N); $V list --all >/dev/null 2>&1; st+=("$(ms "$t0")"); done
	lv_list=$(median5 "${st[@]}")
	t0=$(date +%s%N)
	for i in $(seq 20); do $V list --all >/dev/null 2>&1; done
	lv_list_loop=$(($(ms "$t0") / 20))
	t0=$(date +%s%N)
	for n in "${names[@]}"; do $V domstate "$n" >/dev/null 2>&1; done
	lv_domstate=$(($(ms "$t0") / N))
	daemons=("$(cat "$tmp/lv/run/libvirtd.pid")" "$(cat "$tmp/lv/run/virtlogd.pid")") # (no newline in them)
	lvq=()
	for f in "$tmp"/lv/run/qemu/*.pid; do [[ -f $f ]] && lvq+=("$(cat "$f")"); done
	lv_daemon_kib=$(pss_kib "${daemons[@]}")
	lv_qemu_kib=$((${#lvq[@]} ? $(pss_kib "${lvq[@]}") / ${#lvq[@]} : 0))
	# the watcher's peer: an event loop on every domain (what virt-manager
	# and scripts use instead of polling)
	virsh -q -c "$LV_URI" event --all --loop >/dev/null 2>&1 &
	ev_pid=$!
	sleep 1.5
	c0=$(cpu_ns "${daemons[@]}"); e0=$(cpu_ns "$ev_pid")
	sleep "$idle_s"
	c1=$(cpu_ns "${daemons[@]}"); e1=$(cpu_ns "$ev_pid")
	kill "$ev_pid" 2>/dev/null; wait "$ev_pid" 2>/dev/null
	lv_idle=$(((c1 - c0) / idle_s / 1000)) lv_idle_ev=$(((e1 - e0) / idle_s / 1000))
	echo "(libvirtd + virtlogd: $((c1 / 1000000)) ms of CPU since they started, capabilities probe included)"
	t0=$(date +%s%N)
	printf '%s\n' "${names[@]}" | xargs -P 8 -I{} virsh -q -c "$LV_URI" destroy {} >/dev/null 2>&1
	lv_stop_all=$(ms "$t0")
	lv_note="libvirt: $(libvirtd --version | awk '{print $NF}'), private libvirtd (libvirt_env.sh), $lv_came of $N came up"
else
	lv_note="libvirt: skipped ($LV_WHY)"
fi
lv_down "$tmp/lv"

idle_vmdeck=- lv_idle_all=-
[[ $lv_idle != - ]] && lv_idle_all=$((lv_idle + lv_idle_ev))
[[ $idle_tui != - ]] && idle_vmdeck=$((idle_tui + idle_follow + idle_sup))
row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }
u() { [[ $1 == - ]] && echo - || echo "$1 $2"; }     # a figure and its unit
per_vm() { [[ $1 == - ]] && echo - || echo $(($1 / N)); }
echo "vmdeck, $N no-OS VMs ($up came up); $lv_note"
echo "| figure, $N VMs | vmdeck | libvirt |"
echo "|---|---:|---:|"
row "start all $N, 8 in parallel (\`start\` / \`virsh start\`)" "$start_all ms" "$(u "$lv_start_all" ms)"
row "  the same $N QEMU argvs by hand (to QMP answering)" "$hand_start ms" "-"
row "one start with $N running" "$one_start_plain ms" "$(u "$lv_one_start" ms)"
row "one stop with $N running (\`stop --force\` / \`virsh destroy\`)" "$one_stop_plain ms" "$(u "$lv_one_stop" ms)"
row "stop all $N, 8 in parallel (\`kill\` / \`virsh destroy\`)" "$stop_all ms" "$(u "$lv_stop_all" ms)"
row "  the same $N QEMUs by hand (SIGKILL, until gone)" "$hand_stop ms" "-"
row "all states, no watcher (supervisors' records), median of 5 (\`status --json\` / \`virsh list --all\`; $listed running, $recorded recorded)" "$status_ms ms" "$(u "$lv_list" ms)"
row "all states, mean of a 20-call loop (\`status\` / \`virsh list --all\`)" "$loop_ms ms" "$(u "$lv_list_loop" ms)"
row "all states with \`status --follow\` running (its records), median of 5" "$status_w_ms ms" "$(u "$lv_list" ms)"
row "all states, no records (every QEMU asked: the fallback), median of 5" "$status_ask_ms ms" "$(u "$lv_list" ms)"
row "one VM's state, each of $N in turn (\`status NAME\` / \`virsh domstate\`)" "$one_loop_ms ms" "$(u "$lv_domstate" ms)"
row "idle CPU, TUI (us per s)" "$idle_tui" "-"
row "idle CPU, \`status --follow\` / \`virsh event --all --loop\` (us per s)" "$idle_follow" "$lv_idle_ev"
row "idle CPU, the $nsup supervisors / libvirtd + virtlogd (us per s)" "$idle_sup" "$lv_idle"
row "idle CPU, all (TUI + follow + supervisors / event loop + daemons; us per s)" "$idle_vmdeck" "$lv_idle_all"
row "memory: $nsup supervisors / libvirtd + virtlogd (PSS, total)" "$sup_total KiB" "$(u "$lv_daemon_kib" KiB)"
row "memory: per VM (the above / $N)" "$sup_kib KiB" "$(u "$(per_vm "$lv_daemon_kib")" KiB)"
row "memory: QEMU itself, mean PSS" "$qemu_kib KiB" "$(u "$lv_qemu_kib" KiB)"
row "TUI CPU per selection move (j), ticks included" "$(u "$key_us" us)" "- (no TUI)"
row "TUI key -> screen (j, through tmux), median / max of 20" "$(u "$key_ms / $key_max" ms)" "- (no TUI)"
row "TUI keys: the same with 2 VMs (N against 2: goal within 2x)" "$(u "$key2_ms / $key2_max" ms)" "- (no TUI)"
row "calls into other VMs' dirs: start one / stop --force one" "$(others "$tmp/start.trace") / $(others "$tmp/stop.trace")" "-"
row "\`status --json\` connections: no watcher / no records (one per live VM)" "$status_conn / $status_ask_conn" "-"
echo "(idle CPU over $idle_s s; one start/stop under strace: $one_start / $one_stop ms)"
p() { echo "BENCH scale: $1|$2|$3|$4"; } # vmdeck|libvirt
p "start all $N VMs (libvirt)" "$start_all" "$lv_start_all" ms
p "start all $N VMs, QEMU by hand" "-" "$hand_start" ms
p "one start with $N running (libvirt)" "$one_start_plain" "$lv_one_start" ms
p "one stop with $N running (libvirt: destroy)" "$one_stop_plain" "$lv_one_stop" ms
p "stop all $N VMs (libvirt: destroy)" "$stop_all" "$lv_stop_all" ms
p "status --json with $N running (virsh list --all)" "$status_ms" "$lv_list" ms
p "status --json with $N running and a watcher (virsh list --all)" "$status_w_ms" "$lv_list" ms
p "status --json with $N running, no records (virsh list --all)" "$status_ask_ms" "$lv_list" ms
p "one VM's state with $N running (virsh domstate)" "$one_loop_ms" "$lv_domstate" ms
p "idle CPU with $N running, all (libvirtd + virtlogd + virsh event)" "$idle_vmdeck" "$lv_idle_all" "us/s"
p "daemon memory per VM, $N VMs (libvirtd + virtlogd)" "$sup_kib" "$(per_vm "$lv_daemon_kib")" KiB
p "TUI CPU per selection move, $N VMs" "$key_us" "-" us
p "TUI key to screen, median, $N VMs" "$key_ms" "-" ms
p "TUI key to screen, median, 2 VMs" "$key2_ms" "-" ms
