# Lifecycle: QMP, VM state machine, start/stop/re-attach with real QEMU.
vmdeck_unit_test(test_qmp unit/test_qmp.c)
vmdeck_unit_test(test_monitor unit/test_monitor.c)
