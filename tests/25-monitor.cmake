# `vmdeck monitor` against real QEMU: HMP error replies exit 1, long command
# lines arrive whole (the TUI's input line: tests/unit/test_monitor.c).
vmdeck_script_test(vm_monitor vm/monitor.sh integration)
