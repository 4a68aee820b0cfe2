#!/bin/bash
# A headless server: VNC on every address with a password set later through
# the monitor, a vmxnet3 NIC, the kernel booted directly, serial on stdio.
# import-args: --name headless
KERNEL=vmlinuz
qemu-system-x86_64 -enable-kvm -m 512 -smp 2 \
  -kernel "$KERNEL" -initrd initrd.img -append "console=ttyS0 root=/dev/vda ro" \
  -drive file=headless.img,format=raw,if=virtio \
  -netdev tap,id=lan,ifname=tap-h1,script=no,downscript=no \
  -device vmxnet3,netdev=lan,mac=52:54:00:12:00:01 \
  -vnc 0.0.0.0:1,password=on -nographic -serial mon:stdio
