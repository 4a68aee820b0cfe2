# Profiles and the QEMU command line (core/profile.c, core/qemu_args.c, tui/cmd_profile.c).
vmdeck_unit_test(test_profile unit/test_profile.c)
vmdeck_unit_test(test_qemu_args unit/test_qemu_args.c)
# Port-forward rules, their argv, RUN/forwards and the bind test (core/forward*.c).
vmdeck_unit_test(test_forward unit/test_forward.c)
# Every bundled profile, both modes, against tests/golden/*.argv (regen: tests/golden/regen.sh).
vmdeck_script_test(profile_golden golden/regen.sh unit --check)
# Each broken fixture gives its exact FILE:LINE:COL: message; check exits 1.
vmdeck_script_test(profile_broken profiles/broken.sh unit)
# QEMU 7.2 itself accepts every bundled profile in both modes (TCG, paused, QMP).
add_executable(qmp_probe profiles/qmp_probe.c)
target_link_libraries(qmp_probe PRIVATE PkgConfig::JSONC)
vmdeck_script_test(profile_qemu_accepts profiles/qemu_accepts.sh integration)
set_tests_properties(profile_qemu_accepts PROPERTIES TIMEOUT 300)
# libFuzzer on the profile parser for a bounded time (tests/fuzz/run.sh is generic).
vmdeck_script_test(fuzz_profile fuzz/run.sh fuzz profile 20
  ${VMDECK_PROFILE_SRC} core/util.c tests/fuzz/fuzz_profile.c)
set_tests_properties(fuzz_profile PROPERTIES TIMEOUT 240)
# Benchmarks: built, not run as tests (tests/bench/run runs them).
add_executable(bench_profiles bench/bench_profiles.c)
target_link_libraries(bench_profiles PRIVATE vmdeck_core)
