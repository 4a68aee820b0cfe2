# The serial console (issue 14): the supervisor's relay, vmdeck console on a
# pty, serial.log rotation, the TUI's console pane.
# Unit: the console pane's keys and terminal, the relay with a fake QEMU.
vmdeck_unit_test(test_console unit/test_console.c)
vmdeck_script_test(console_attach console/attach.sh integration)
vmdeck_script_test(console_log_rotate console/log_rotate.sh integration)
vmdeck_script_test(console_tui console/tui_pane.sh integration)
