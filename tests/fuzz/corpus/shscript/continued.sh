#!/bin/sh
# 2019-style, continued over lines with backslashes, short-form booleans
# (readonly, snapshot) and the last line ending in a backslash too.
# import-args: --name continued
qemu-system-x86_64 \
    -accel tcg \
    -machine q35 \
    -m 1024 \
    -drive if=pflash,format=raw,readonly,file=OVMF_CODE.fd \
    -drive if=pflash,format=raw,file=my_vars.fd \
    -drive file=root.qcow2,if=virtio,format=qcow2 \
    -drive file=scratch.img,if=virtio,format=raw,snapshot \
    -netdev tap,id=n1,ifname=vmtap1,script=no,downscript=no \
    -device e1000,netdev=n1,mac=52:54:00:aa:bb:01 \
    -vga std \
