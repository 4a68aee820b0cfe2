# libvirt: export/import of domains and lab networks (core/lvexport*.c,
# core/lvimport*.c, net/labnet_libvirt.c) against a private libvirtd.
vmdeck_script_test(libvirt_export libvirt/export.sh integration)
set_tests_properties(libvirt_export PROPERTIES TIMEOUT 600)
