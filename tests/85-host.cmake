# Living on the host (issue 14): autostart at boot, the systemd units, the
# Debian package and bash completion.
vmdeck_script_test(host_autostart host/autostart.sh integration)
set_tests_properties(host_autostart PROPERTIES TIMEOUT 400)
# The systemd units: systemd-analyze verify, and where cmake --install puts them.
vmdeck_script_test(host_units host/units.sh unit)
# Bash completion driven through complete/COMP_WORDS/COMPREPLY (root: a
# network namespace with a bridge of its own).
vmdeck_script_test(host_completion host/completion.sh integration)
# The Debian package: CPack, control fields, lintian, install into a
# throwaway root with dpkg --root, run, remove.
vmdeck_script_test(host_package host/package.sh integration)
set_tests_properties(host_package PROPERTIES TIMEOUT 300)
