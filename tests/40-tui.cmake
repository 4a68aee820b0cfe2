# TUI: the cell grid, views and key table (unit), the real binary in tmux (integration).
vmdeck_unit_test(test_grid unit/test_grid.c)
vmdeck_unit_test(test_tui unit/test_tui.c)
# Typing into a guest's screen: key codes as X11 keysym chords (tui/keysym.c).
vmdeck_unit_test(test_keysym unit/test_keysym.c)
vmdeck_unit_test(test_cmd unit/test_cmd.c)
vmdeck_script_test(tui_basic tui/basic.sh integration)
vmdeck_script_test(tui_terminals tui/terminals.sh integration)
vmdeck_script_test(tui_lab tui/lab.sh integration)
vmdeck_script_test(tui_demo tui/demo.sh integration)
vmdeck_script_test(tui_keys tui/keys.sh integration)
vmdeck_script_test(tui_predict tui/predict.sh integration)
# ... and for a vmdeck without CAP_NET_ADMIN (granted TAPs: no change).
vmdeck_script_test(tui_predict_rootless tui/predict_rootless.sh integration)
vmdeck_script_test(tui_latency tui/latency.sh integration)
set_tests_properties(tui_latency PROPERTIES TIMEOUT 180)
vmdeck_script_test(tui_link_reads tui/link_reads.sh integration)
