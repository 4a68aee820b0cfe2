# Text view: text-mode screens read back as characters with a console font
# (core/textscr.c): golden tests on synthetic frames (unit), and the real
# test guest under QEMU through `screenshot --text` and the zoomed TUI
# (integration).
vmdeck_unit_test(test_textscr unit/test_textscr.c)
#vmdeck_script_test(thumb_text thumb/text.sh integration)
