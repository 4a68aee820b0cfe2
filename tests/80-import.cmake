# Importing launch scripts (core/shscript.c, core/import*.c, tui/cmd_import.c).
vmdeck_unit_test(test_shscript unit/test_shscript.c)
# Every script of tests/import/scripts/ through bash (with a fake QEMU: the
# oracle) and through `vmdeck import`, both started in QEMU 7.2 and their
# machines compared over QMP.
vmdeck_script_test(import_roundtrip import/roundtrip.sh integration)
set_tests_properties(import_roundtrip PROPERTIES TIMEOUT 600)
vmdeck_unit_test(test_import unit/test_import.c)
# The verb: broken scripts (FILE:LINE:COL, exit 1), never executed, --force,
# stdin, --set, an argv after --, a running QEMU (--pid).
vmdeck_script_test(import_cli import/cli.sh integration)
# Benchmark (tests/bench/run runs it): reading and importing a 100-line script.
add_executable(bench_import bench/bench_import.c)
target_link_libraries(bench_import PRIVATE vmdeck_core)
# The TUI's I key: a script path with Tab completion, the new VM selected.
vmdeck_script_test(import_tui import/tui.sh integration)
vmdeck_unit_test(test_prompt unit/test_prompt.c)
# The TUI's N key: name, ISO with Tab completion, size, OS; Esc cancels; the
# new VM selected.
vmdeck_script_test(import_tui_new import/tui_new.sh integration)
# vmdeck new NAME [--iso FILE] [--os OS] [--network NET]: for each OS the
# profile, its qcow2 disk, install mode, and QEMU 7.2 accepts it (TCG, -S).
vmdeck_script_test(import_new import/new.sh integration)
set_tests_properties(import_new PROPERTIES TIMEOUT 600)
