# Storage (issue 13): disks from size:, listing and resize (core/disk.c,
# tui/cmd_disk.c), snapshots (tui/cmd_snapshot.c), clones (core/clone.c,
# tui/cmd_clone.c), the TUI's storage view (tui/src_storage.c): pure unit
# tests, then real QEMU and qemu-img with the test guest (docs/storage.md).
vmdeck_unit_test(test_disk unit/test_disk.c)
vmdeck_unit_test(test_clone unit/test_clone.c)
vmdeck_unit_test(test_storage_rows unit/test_storage_rows.c)
vmdeck_unit_test(test_snapjob unit/test_snapjob.c)
vmdeck_script_test(storage_disk storage/disk.sh integration)
set_tests_properties(storage_disk PROPERTIES TIMEOUT 300)
vmdeck_script_test(storage_disk_slow storage/disk_slow.sh integration)
set_tests_properties(storage_disk_slow PROPERTIES TIMEOUT 300)
vmdeck_script_test(storage_snapshot storage/snapshot.sh integration)
set_tests_properties(storage_snapshot PROPERTIES TIMEOUT 300)
vmdeck_script_test(storage_snapshot_kill storage/snapshot_kill.sh integration)
set_tests_properties(storage_snapshot_kill PROPERTIES TIMEOUT 300)
vmdeck_script_test(storage_snapshot_left storage/snapshot_left.sh integration)
set_tests_properties(storage_snapshot_left PROPERTIES TIMEOUT 600)
vmdeck_script_test(storage_clone storage/clone.sh integration)
set_tests_properties(storage_clone PROPERTIES TIMEOUT 300)
vmdeck_script_test(storage_tui storage/tui.sh integration)
set_tests_properties(storage_tui PROPERTIES TIMEOUT 300)
