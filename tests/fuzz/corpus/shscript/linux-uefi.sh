#!/usr/bin/env bash
# A Linux guest on UEFI: virtio disk and NIC, the netinst ISO as a CD with
# media=cdrom, -global, -boot, -rtc, -vga virtio, -accel.
# import-args: --name linux-uefi
set -euo pipefail
VM_DIR="$(pwd)"
ISO="${VM_DIR}/debian-12-netinst.iso"
args=(
	-accel kvm -machine q35 -cpu qemu64,+ssse3 -m 2G
	-smp sockets=1,cores=2,threads=1
	-drive "if=pflash,format=raw,readonly=on,file=${VM_DIR}/OVMF_CODE_4M.fd"
	-drive "if=pflash,format=raw,file=${VM_DIR}/debian_VARS.fd"
	-drive "file=${VM_DIR}/debian.qcow2,if=none,id=hd0,format=qcow2"
	-device virtio-blk-pci,drive=hd0
	-drive "file=$ISO,media=cdrom,if=none,id=cd0,format=raw"
	-device ide-cd,drive=cd0,bus=ide.0
	-netdev tap,id=net0,ifname=deb-tap0,script=no,downscript=no
	-device virtio-net-pci,netdev=net0,mac=52:54:00:de:b1:20
	-global ICH9-LPC.disable_s3=1
	-boot menu=on
	-rtc base=utc,clock=host
	-vga virtio
)
qemu-system-x86_64 "${args[@]}"
