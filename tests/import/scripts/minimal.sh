# The smallest: an i440fx PC with -hda and -cdrom, QEMU's default NIC.
# import-args: --name minimal
qemu-system-x86_64 -m 256 -hda disk.qcow2 -cdrom install.iso
