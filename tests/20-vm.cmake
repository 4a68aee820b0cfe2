# Lifecycle: QMP, VM state machine, start/stop/re-attach with real QEMU.
vmdeck_unit_test(test_qmp unit/test_qmp.c)
vmdeck_unit_test(test_monitor unit/test_monitor.c)
# The state machine against a fake QEMU with canned QMP (no real QEMU).
vmdeck_unit_test(test_vm unit/test_vm.c unit/vm_fixture.c)
# Two vmdecks watching one exit: told once (the soak's 'watcher saw every exit').
vmdeck_unit_test(test_vm_races unit/test_vm_races.c unit/vm_fixture.c)
vmdeck_script_test(vm_guest_lifecycle vm/guest_lifecycle.sh integration)
vmdeck_script_test(vm_noos_escalate vm/noos_escalate.sh integration)
vmdeck_script_test(vm_reattach vm/reattach.sh integration)
vmdeck_script_test(vm_readonly vm/readonly.sh integration)
# Idle watching: an owner sends no query-status, a second watcher reads the
# owner's record; both see another vmdeck's pause (issue: idle CPU with N).
vmdeck_script_test(vm_idle_events vm/idle_events.sh integration)
vmdeck_script_test(vm_race vm/race.sh integration)
vmdeck_script_test(vm_start_errors vm/start_errors.sh integration)
vmdeck_script_test(vm_install_toggle vm/install_toggle.sh integration)
# 50 start/stop cycles in one process: fds and RSS must not grow.
vmdeck_unit_test(test_vm_cycles unit/test_vm_cycles.c)
set_tests_properties(test_vm_cycles PROPERTIES LABELS integration SKIP_RETURN_CODE 77)
vmdeck_script_test(vm_tap_guest vm/tap_guest.sh integration)
vmdeck_script_test(vm_paths vm/paths.sh integration)
# The last exit (cause, error, log) survives the first look (issue 10).
vmdeck_script_test(vm_exit_record vm/exit_record.sh integration)
# The exit cause is the QMP owner's to know: another vmdeck waits for it.
vmdeck_script_test(vm_exit_cause_owner vm/exit_cause_owner.sh integration)
# TAPs: a start removes only what it made; a stop removes what its start made.
vmdeck_script_test(vm_tap_owner vm/tap_owner.sh integration)
# A stale pidfile naming a look-alike process is not this VM's QEMU.
vmdeck_script_test(vm_pid_match vm/pid_match.sh integration)
# Issue 14: port forwards of user networking (echo through them, clashes, live add/remove, ssh).
vmdeck_script_test(vm_forward vm/forward.sh integration)
# Issue 17: 60 running VMs; a verb on one touches only it; status of all,
# and loud failure when the open-files limit cannot hold them.
vmdeck_script_test(vm_scale vm/scale.sh integration)
set_tests_properties(vm_scale PROPERTIES TIMEOUT 300)
# Issue 17: status with no watcher reads the supervisors' records (no QEMU
# asked), falls back to QEMU when a record cannot be believed.
vmdeck_unit_test(test_recorder unit/test_recorder.c)
vmdeck_script_test(vm_sup_record vm/sup_record.sh integration)
set_tests_properties(vm_sup_record PROPERTIES TIMEOUT 400)
# Benchmark: built, not a test (tests/bench/run runs it).
add_executable(bench_vmm bench/bench_vmm.c)
target_link_libraries(bench_vmm PRIVATE vmdeck_core)
