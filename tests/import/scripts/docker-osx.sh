#!/bin/bash
# Docker-OSX style: one long line of ${VAR:-default}s, nested defaults, a
# trailing comma in -cpu, (c) escaped with backslashes, a silent audiodev.
# env: RAM=3
# import-args: --name docker-osx --set BOOT_ARGS= --set RAM=3
exec qemu-system-x86_64 -m ${RAM:-2}G -cpu ${CPU:-Penryn},${CPUID_FLAGS:-vendor=GenuineIntel,+invtsc,vmware-cpuid-freq=on,}${BOOT_ARGS} -machine ${MACHINE:-q35},accel=${KVM:-kvm} -smp ${CPU_STRING:-${SMP:-4},cores=${CORES:-4}} -device isa-applesmc,osk=ourhardworkbythesewordsguardedpleasedontsteal\(c\)AppleComputerInc -smbios type=2 -audiodev ${AUDIO_DRIVER:-none},id=audio0 -device ich9-intel-hda -device hda-output,audiodev=audio0 -drive id=OpenCoreBoot,if=none,snapshot=on,format=qcow2,file=${BOOTDISK:-${PWD}/OpenCore.qcow2} -device ide-hd,bus=ide.2,drive=OpenCoreBoot -usb -device usb-kbd -device usb-tablet -drive id=MacHDD,if=none,file=${IMAGE_PATH:-./mac_hdd_ng.img},format=${IMAGE_FORMAT:-qcow2} -device ide-hd,bus=ide.4,drive=MacHDD -netdev tap,id=net0,ifname=${TAP_IFACE:-tap0},script=no,downscript=no -device ${NETWORKING:-vmxnet3},netdev=net0,id=net0,mac=${MAC_ADDRESS:-52:54:00:09:49:17} -k ${KEYBOARD:-en-us} ${EXTRA:-}
