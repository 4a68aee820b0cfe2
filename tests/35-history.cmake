# Bridge MAC history on disk (area: history): the file format, dedupe,
# trimming and namespace keying (unit); two `vmdeck watch`, `net history` and
# the TUI against a namespace of the test's own (integration).
vmdeck_unit_test(test_machist unit/test_machist.c)
vmdeck_script_test(history_net history/history.sh integration)
# Benchmark: built, not a test (tests/bench/run runs it).
add_executable(bench_machist bench/bench_machist.c)
target_link_libraries(bench_machist PRIVATE vmdeck_net vmdeck_core)
# A NUL byte or a zero-filled tail in the file (a crash) costs the damaged
# line only: `net history` against a namespace of the test's own.
vmdeck_script_test(history_nul history/nul.sh integration)
