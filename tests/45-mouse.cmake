# Mouse: the hit test and what clicks and the wheel do (unit); the real
# binary in tmux fed real xterm/X10 mouse reports, and the terminal's mouse
# mode switched off again on every way out, seen in a pty (integration).
vmdeck_unit_test(test_mouse unit/test_mouse.c)
vmdeck_script_test(tui_mouse tui/mouse.sh integration)
