# Importing launch scripts (core/shscript.c, core/import*.c, tui/cmd_import.c).
vmdeck_unit_test(test_shscript unit/test_shscript.c)
