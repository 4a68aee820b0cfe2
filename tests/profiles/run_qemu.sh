# tests/profiles/run_qemu.sh — sourced: run_qemu starts a profile's command
# line (`vmdeck args --accel tcg`) paused (-S) inside the namespace $NS and
# asks QMP for its status ($probe: qmp_probe); vm() is the caller's vmdeck.
# The serial port is fd 3 (-chardev socket,id=serial0,fd=3), which the
# supervisor gives QEMU: a socket pair's end stands in for it here
# (tests/console/serial_fd3.py, which execs QEMU: the pid stays QEMU's).
# run_qemu NAME MODE [EXPECT]: EXPECT "ok" (default) or "fail".

run_qemu() {
	local name=$1 mode=$2 expect=${3:-ok} line rundir pid status rc
	line=$(vm args "$name" --mode "$mode" --accel tcg) || { log "args $name $mode failed"; return 1; }
	local -a argv
	eval "argv=($line)" # our own shell-quoted output: this also checks the quoting
	rundir=$VMDECK_RUNTIME_DIR/$name
	mkdir -p "$rundir"
	rm -f "$rundir"/*.sock
	ip netns exec "$NS" python3 "$VMDECK_TESTS/console/serial_fd3.py" "${argv[@]}" -S 2>"$rundir/stderr" &
	pid=$!
	on_exit "kill -9 $pid"
	# Up when QMP answers; failed when QEMU exits first.
	if ! wait_for 60 bash -c "[[ -S $rundir/qmp.sock ]] || ! kill -0 $pid"; then
		kill -9 "$pid"; wait "$pid"
		log "$name/$mode: neither QMP nor an exit within 60 s"; return 1
	fi
	if [[ -S $rundir/qmp.sock ]] && status=$("$probe" --pid "$pid" "$rundir/qmp.sock" quit 2>/dev/null); then
		wait "$pid"; rc=$?
		log "$name/$mode: status '$status', QEMU exit $rc"
		[[ $expect == ok && $status == prelaunch && $rc -eq 0 ]] && return 0
	else
		wait "$pid"; rc=$?
		log "$name/$mode: QEMU exited $rc: $(head -c 300 "$rundir/stderr")"
		[[ $expect == fail && $rc -ne 0 ]] && return 0
	fi
	[[ -s $rundir/stderr ]] && log "stderr: $(head -c 500 "$rundir/stderr")"
	return 1
}
