# libvirt: export/import of domains and lab networks (core/lvexport*.c,
# core/lvimport*.c, net/labnet_libvirt.c) against a private libvirtd.
vmdeck_script_test(libvirt_export libvirt/export.sh integration)
set_tests_properties(libvirt_export PROPERTIES TIMEOUT 600)
# The writer and the reader without a daemon: XPath on exports, the profile
# parser on imports, the virt-manager fixture, refusals (broken XML, XXE).
vmdeck_unit_test(test_lvxml unit/test_lvxml.c)
# The test reads exports with XPath: libxml2 linked here (vmdeck dlopen()s it).
target_link_libraries(test_lvxml PRIVATE PkgConfig::LIBXML2)
# The exported domain started by libvirtd and the profile started by vmdeck
# present the same machine over QMP (tests/import/roundtrip.py's reader).
vmdeck_script_test(libvirt_qmp libvirt/qmp.sh integration)
set_tests_properties(libvirt_qmp PROPERTIES TIMEOUT 900)
# libvirt hosts next to this host's VMs (--connect, config.yaml): the verbs
# on HOST/NAME and the TUI's host headers, unreachable and back, against a
# private libvirtd over its UNIX socket URI, and over qemu+ssh:// to an sshd
# of the test's own in a second network namespace (a veth pair, test keys).
vmdeck_script_test(libvirt_hosts libvirt/hosts.sh integration unix)
set_tests_properties(libvirt_hosts PROPERTIES TIMEOUT 300)
vmdeck_script_test(libvirt_hosts_ssh libvirt/hosts.sh integration ssh)
set_tests_properties(libvirt_hosts_ssh PROPERTIES TIMEOUT 300)
# Without a daemon: URIs, config.yaml's connections, a host whose libvirtd
# is not there (unreachable, retried with backoff, actions refused).
vmdeck_unit_test(test_lvhost unit/test_lvhost.c)
