# The serial console (issue 14): the supervisor's relay, vmdeck console on a
# pty, serial.log rotation, the TUI's console pane.
vmdeck_script_test(console_attach console/attach.sh integration)
vmdeck_script_test(console_log_rotate console/log_rotate.sh integration)
