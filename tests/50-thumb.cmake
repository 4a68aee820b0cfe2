# Thumbnail: the pure pixel module (unit, golden files), the VNC client against
# QEMU and x11vnc (integration), and the TUI pane end to end (integration).
vmdeck_unit_test(test_thumb unit/test_thumb.c)
vmdeck_unit_test(test_thumb_vnc unit/test_thumb_vnc.c)
vmdeck_script_test(thumb_qemu thumb/qemu.sh integration)
vmdeck_script_test(thumb_x11vnc thumb/x11vnc.sh integration)
# libFuzzer: arbitrary frame/grid sizes, options and update rectangles;
# incremental must equal full after every step (tests/fuzz/run.sh is generic).
vmdeck_script_test(fuzz_thumb fuzz/run.sh fuzz thumb 20
  core/thumb.c core/vnc_target.c core/loop.c core/util.c core/paths.c ${VMDECK_PROFILE_SRC} tests/fuzz/fuzz_thumb.c)
set_tests_properties(fuzz_thumb PROPERTIES TIMEOUT 240 ENVIRONMENT "FUZZ_PKGS=libvncclient libpng;VMDECK_SRC=${PROJECT_SOURCE_DIR}")
# Benchmark: built, not a test (tests/bench/run runs it and bench_thumb_chafa.sh).
add_executable(bench_thumb bench/bench_thumb.c)
target_link_libraries(bench_thumb PRIVATE vmdeck_core)
vmdeck_script_test(thumb_tui thumb/tui.sh integration)
vmdeck_script_test(thumb_profile_tcp thumb/profile_tcp.sh integration)
# A one-shot screenshot across libvncclient's "Rect too large" drop (a resize
# mid-connect): it connects again (core/vnc.c).
vmdeck_script_test(thumb_resize_race thumb/resize_race.sh integration)
