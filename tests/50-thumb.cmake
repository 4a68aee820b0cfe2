# Thumbnail: the pure pixel module (unit, golden files), the VNC client against
# QEMU and x11vnc (integration), and the TUI pane end to end (integration).
vmdeck_unit_test(test_thumb unit/test_thumb.c)
