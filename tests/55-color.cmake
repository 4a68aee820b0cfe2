# Colour modes: the VMDECK_COLORS / terminfo / COLORTERM rule and pen colours
# (unit), and the real binary's 24-bit thumbnail in tmux (integration).
vmdeck_unit_test(test_termcolor unit/test_termcolor.c)
vmdeck_script_test(thumb_color thumb/color.sh integration)
