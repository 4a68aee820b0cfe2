# The YAML layer profiles and lab networks share (core/yamldoc.c), and what
# lab-network files gained from it (suggestions, input checks).
vmdeck_unit_test(test_yamldoc unit/test_yamldoc.c)
vmdeck_unit_test(test_labnet_yaml unit/test_labnet_yaml.c)
