# tests/storage/common.sh — shared by the storage script tests (source after
# lib.sh and vm/common.sh): the test guest with a shell on its serial
# console and data disks, and a way to run commands in it.
need qemu-img python3
guest_build

# profile_disk NAME DISK-YAML-LINES... : the test guest (user networking,
# a shell on ttyS0) with the given lines under 'disks:'.
profile_disk() {
	local name=$1; shift
	{
		printf 'name: %s\naccel: tcg\nmachine: q35\nmemory: 256M\n' "$name"
		printf 'boot:\n  kernel: %s/vmlinuz\n  initrd: %s/initrd.img\n' "$GUEST_OUT" "$GUEST_OUT"
		printf '  append: "console=ttyS0 quiet vmdeck.name=%s vmdeck.interval=3600"\n' "$name"
		printf 'nics:\n  - model: virtio-net-pci\n    network: user\nstop_timeout: 30\ndisks:\n'
		local l
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$PROF/$name.yaml"
}

# guest_ready NAME : wait until the guest's drivers are in and its shell
# reads the serial console.
guest_ready() { wait_for 90 grep -aq "shell on ttyS0" "$VMDECK_RUNTIME_DIR/$1/serial.log"; }
# gsh NAME 'COMMAND' : run COMMAND in the guest (typed into its serial
# console through the supervisor's relay, console.sock), print its output.
gsh() { python3 "$VMDECK_TESTS/console/console_sh.py" "$VMDECK_RUNTIME_DIR/$1" 60 "$2"; }
# guest_sectors_are NAME N : /sys/block/vda/size in the guest is N.
guest_sectors_are() { [[ $(gsh "$1" 'cat /sys/block/vda/size') == "$2" ]]; }
# start_guest NAME : start it, wait for its shell.
start_guest() {
	local out
	out=$("$VMDECK" start "$1" 2>&1) || fail "start $1: $out"
	guest_ready "$1" || fail "$1: no shell on the serial console within 90 s"
	printf '%s\n' "$out"
}
# No temporary or partial image left in DIR.
no_leftovers() { ! ls "$1" | grep -q 'vmdeck-new\|\.tmp\.'; }
