# The YAML layer profiles and lab networks share (core/yamldoc.c), and what
# lab-network files gained from it (suggestions, input checks).
vmdeck_unit_test(test_yamldoc unit/test_yamldoc.c)
# A hang guard, not a speed check: before the nesting limit, test_depth's
# 500,000-deep list kept libyaml busy for hours.
set_tests_properties(test_yamldoc PROPERTIES TIMEOUT 120)
vmdeck_unit_test(test_labnet_yaml unit/test_labnet_yaml.c)
# The schema walker every YAML format shares (core/schema.c), on a toy format.
vmdeck_unit_test(test_schema unit/test_schema.c)
