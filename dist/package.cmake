# The Debian package: `cmake --build build --target package` (CPack, DEB
# generator) makes vmdeck_VERSION_amd64.deb in the build directory. Library
# dependencies come from dpkg-shlibdeps; the programs vmdeck runs are listed
# by hand (see the comments). dist/package-prebuild.cmake compresses the
# manual page and the changelog in the staging tree (Debian policy; the
# plain `cmake --install` keeps them as they are). Checked by
# tests/host/package.sh, lintian included.
install(FILES dist/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES dist/debian/changelog DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Example profiles and the seed's lab network; their media (disks, ISOs)
# are the user's to provide (`vmdeck check` names each missing one).
install(FILES profiles/debian12.yaml profiles/macos-opencore.yaml profiles/macos-sierra.yaml
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES profiles/networks/virbr0.yaml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/networks)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vmdeck)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "vmdeck developers <vmdeck@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "full-screen terminal manager for QEMU/KVM virtual machines")
set(CPACK_PACKAGE_DESCRIPTION "vmdeck runs QEMU VMs from YAML profiles and shows them in one terminal:\n\
state, serial console, monitor, a thumbnail of each screen, and the host's\n\
bridges with every MAC change and its cause. It brings lab networks (bridge,\n\
NAT, DHCP) up and down, starts the VMs marked autostart at boot\n\
(vmdeck-autostart.service) and works over ssh.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The build is RelWithDebInfo; the package ships stripped binaries.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/vmdeck")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Programs vmdeck runs: qemu-system-x86_64 (every VM; the profile's `qemu`
# default), dnsmasq (lab networks with dhcp:), nft (lab networks with nat:).
# Libraries vmdeck dlopen()s (CMakeLists.txt) are invisible to dpkg-shlibdeps:
# their packages are named from their sonames (Debian's rule: libfoo.so.N is
# in package libfooN). libvncclient draws every screen: a dependency;
# libmicrohttpd serves only `vmdeck metrics`: recommended.
function(vmdeck_soname_package soname out)
  string(REGEX REPLACE "^(.*)\\.so\\.([0-9]+)$" "\\1\\2" pkg "${soname}")
  string(REPLACE "_" "-" pkg "${pkg}")
  set(${out} ${pkg} PARENT_SCOPE)
endfunction()
set(VMDECK_DLOPEN_DEPENDS "")
set(VMDECK_DLOPEN_RECOMMENDS "")
if(VNCCLIENT_SONAME)
  vmdeck_soname_package(${VNCCLIENT_SONAME} pkg)
  set(VMDECK_DLOPEN_DEPENDS ", ${pkg}")
endif()
if(MHD_SONAME)
  vmdeck_soname_package(${MHD_SONAME} pkg)
  set(VMDECK_DLOPEN_RECOMMENDS ", ${pkg}")
endif()
# libxml2 (export/import --libvirt, net export): Debian names the package
# of libxml2.so.2 libxml2, not by the soname rule above.
if(LIBXML2_SONAME)
  set(VMDECK_DLOPEN_RECOMMENDS "${VMDECK_DLOPEN_RECOMMENDS}, libxml2")
endif()
# libvirt hosts (--connect): libvirt.so.0 is in libvirt0 (the soname rule).
if(LIBVIRT_SONAME)
  vmdeck_soname_package(${LIBVIRT_SONAME} pkg)
  set(VMDECK_DLOPEN_RECOMMENDS "${VMDECK_DLOPEN_RECOMMENDS}, ${pkg}")
endif()
# Their monitor pane: libvirt-qemu.so.0 is in libvirt0 too.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qemu-system-x86, dnsmasq-base, nftables${VMDECK_DLOPEN_DEPENDS}")
# qemu-img (`vmdeck new` makes disks), OVMF (the UEFI firmware `new`
# writes into profiles), console fonts (`screenshot --text`, the zoomed
# text view), the direct-colour terminfo entries (24-bit colour).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qemu-utils, ovmf, console-data, ncurses-term${VMDECK_DLOPEN_RECOMMENDS}")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
set(CPACK_PRE_BUILD_SCRIPTS ${PROJECT_SOURCE_DIR}/dist/package-prebuild.cmake)
include(CPack)
