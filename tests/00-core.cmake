# Core plumbing: util, loop, paths.
vmdeck_unit_test(test_util unit/test_util.c)
vmdeck_unit_test(test_loop unit/test_loop.c)
vmdeck_unit_test(test_closer unit/test_closer.c)
