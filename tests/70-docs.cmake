# Docs: README.md and docs/vmdeck.1 against the real binary and the sources
# (verbs, options, keys.c's key table, exit codes, environment, quick start,
# links, man macros, cmake --install). Fast, no privileges: label unit.
vmdeck_script_test(docs_check docs/check.sh unit)
