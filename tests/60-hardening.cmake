# Hardening: libFuzzer targets (label fuzz, ~15 s each, via tests/fuzz/run.sh)
# and fault tests with real processes (label integration, tests/hardening/).
# The ASan+UBSan second pass over the suite lives in bootstrap.sh `test`.
vmdeck_script_test(fuzz_qmp fuzz/run.sh fuzz qmp 15
  core/qmp.c core/loop.c core/util.c tests/fuzz/fuzz_qmp.c)
set_tests_properties(fuzz_qmp PROPERTIES TIMEOUT 240)
# QMP events and replies into the VM state machine (core/vm*.c, core/vmm.c):
# the fuzzer plays QEMU for a re-attached VM; virtual time (--wrap) fires
# stop escalation.
vmdeck_script_test(fuzz_vm fuzz/run.sh fuzz vm 15
  core/vm.c core/vm_rundir.c core/vm_qmp.c core/vm_spawn.c core/vmm.c
  core/qmp.c core/loop.c core/util.c core/paths.c ${VMDECK_PROFILE_SRC}
  core/modes.c core/monitor.c core/supervisor.c core/relay.c core/recorder.c core/proc.c core/vm_forward.c core/forward_port.c core/disk.c tests/fuzz/fuzz_vm.c)
set_tests_properties(fuzz_vm PROPERTIES TIMEOUT 240
  ENVIRONMENT "FUZZ_CFLAGS=-Wl,--wrap=now_mono_us;VMDECK_SRC=${PROJECT_SOURCE_DIR}")
vmdeck_script_test(fuzz_labnet fuzz/run.sh fuzz labnet 15
  net/labnet.c net/labnet_conf.c core/paths.c core/util.c ${VMDECK_PROFILE_SRC} tests/fuzz/fuzz_labnet.c)
set_tests_properties(fuzz_labnet PROPERTIES TIMEOUT 240
  ENVIRONMENT "FUZZ_PKGS=libnl-3.0 libnl-route-3.0;VMDECK_SRC=${PROJECT_SOURCE_DIR}")
# Untrusted runtime directories: wrong owner/mode, symlinks (never followed).
vmdeck_script_test(hardening_rundir hardening/rundir.sh integration)
# 1,000 profiles, 100 broken: check names exactly those, list the 900.
vmdeck_script_test(hardening_profiles1000 hardening/profiles1000.sh unit)
# QEMU killed at start-up, a hanging monitor command, QMP closed mid-command,
# the runtime dir full (tmpfs in a private mount namespace).
vmdeck_script_test(hardening_faults hardening/faults.sh integration)
set_tests_properties(hardening_faults PROPERTIES TIMEOUT 300)
# QEMU killed -9 while running, paused and stopping, under one watcher.
vmdeck_script_test(hardening_kill_stages hardening/kill_stages.sh integration)
# Names stay in their directories, no shell, VNC exposure rules, 0700 dirs.
vmdeck_script_test(hardening_security hardening/security.sh integration)
# TAP deleted under a running VM, dnsmasq killed, bridge deleted while up.
vmdeck_script_test(hardening_netfaults hardening/netfaults.sh integration)
# A resize storm (300 through tmux, 600 on the tty) under the running TUI:
# behaviour only (alive, state true, the right screen); rates are in bench_resize.sh.
vmdeck_script_test(hardening_resize hardening/resize.sh integration)
# The launch-script reader and import (vmdeck import): what it writes must
# read back as YAML.
vmdeck_script_test(fuzz_shscript fuzz/run.sh fuzz shscript 15
  core/shscript.c core/shscript_expand.c core/import.c core/import_dev.c core/import_yaml.c ${VMDECK_PROFILE_SRC} core/util.c
  tests/fuzz/fuzz_shscript.c)
# Seeds: its own corpus plus the import round trip's scripts (not copied).
set_tests_properties(fuzz_shscript PROPERTIES TIMEOUT 240)
set_property(TEST fuzz_shscript APPEND PROPERTY ENVIRONMENT "FUZZ_SEEDS=tests/import/scripts")
# Commands without a screen never load libvncclient (it is dlopen()ed).
vmdeck_script_test(hardening_lazy_libs hardening/lazy_libs.sh integration)
