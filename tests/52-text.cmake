# Text view: text-mode screens read back as characters with a console font
# (core/textscr.c): golden tests on synthetic frames (unit), and the real
# test guest under QEMU through `screenshot --text` and the zoomed TUI
# (integration).
vmdeck_unit_test(test_textscr unit/test_textscr.c)
vmdeck_script_test(thumb_text thumb/text.sh integration)
# Benchmark: built, not a test (tests/bench/run runs it).
add_executable(bench_textscr bench/bench_textscr.c)
target_link_libraries(bench_textscr PRIVATE vmdeck_core)
# libFuzzer: the PSF parser (plain and gzip) and recognition with whatever
# font the bytes make (tests/fuzz/run.sh is generic).
vmdeck_script_test(fuzz_textscr fuzz/run.sh fuzz textscr 20 core/textscr.c core/util.c tests/fuzz/fuzz_textscr.c)
set_tests_properties(fuzz_textscr PROPERTIES TIMEOUT 240 ENVIRONMENT "FUZZ_PKGS=zlib;VMDECK_SRC=${PROJECT_SOURCE_DIR}")
# Typing into the guest's screen (zoomed, Enter): keys and a click reach the
# real test guest through VNC; read back with the text view; --read-only
# sends nothing.
vmdeck_script_test(thumb_type thumb/type.sh integration)
