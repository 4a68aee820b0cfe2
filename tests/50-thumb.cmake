# Thumbnail: the pure pixel module (unit, golden files), the VNC client against
# QEMU and x11vnc (integration), and the TUI pane end to end (integration).
vmdeck_unit_test(test_thumb unit/test_thumb.c)
vmdeck_script_test(thumb_qemu thumb/qemu.sh integration)
vmdeck_script_test(thumb_x11vnc thumb/x11vnc.sh integration)
