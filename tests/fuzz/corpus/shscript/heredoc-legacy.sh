cat <<EOF
qemu-system-x86_64 -m 1
EOF
exec sudo -E qemu-kvm -drive file=a,,b.img,if=virtio -vnc :0,password -net nic -net user,hostfwd=tcp::1-:2 -device ide-drive,drive=x -drive id=x,if=none,file=y.iso
