# TUI: the cell grid, views and key table (unit), the real binary in tmux (integration).
vmdeck_unit_test(test_grid unit/test_grid.c)
vmdeck_unit_test(test_tui unit/test_tui.c)
vmdeck_script_test(tui_basic tui/basic.sh integration)
vmdeck_script_test(tui_terminals tui/terminals.sh integration)
vmdeck_script_test(tui_lab tui/lab.sh integration)
vmdeck_script_test(tui_demo tui/demo.sh integration)
vmdeck_script_test(tui_keys tui/keys.sh integration)
vmdeck_script_test(tui_predict tui/predict.sh integration)
