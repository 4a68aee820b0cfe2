# TUI: the cell grid, views and key table (unit), the real binary in tmux (integration).
vmdeck_unit_test(test_grid unit/test_grid.c)
vmdeck_unit_test(test_tui unit/test_tui.c)
