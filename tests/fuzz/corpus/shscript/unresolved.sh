#!/bin/bash
# Parts only a run knows: command substitutions and a variable the caller
# must set. bash gets them from the environment; import from --set, and
# reports the rest with line:column.
# env: DISK=unres.img
# import-args: --name unresolved --set DISK=unres.img
QEMU=qemu-system-$(uname -m)
$QEMU -m ${MEM:-640} -name "vm-$(hostname)" \
  -drive file=${DISK:?set DISK to the image},format=raw,if=virtio \
  -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=52:54:00:0e:0e:01
