#!/usr/bin/env bash
# tests/import/new.sh — `vmdeck new NAME [--iso FILE] [--os OS] [--disk SIZE]
# [--network user|BRIDGE|LAB]`: for each OS a profile that passes check (but
# for the OpenCore image macOS users bring), a qcow2 disk of the asked size
# (qemu-img info), install mode with --iso, boot mode without, and a command
# line QEMU 7.2 accepts in both modes (TCG, paused, in a namespace); the
# network on user, on a bridge the test makes in its namespace, on a lab
# network; an existing disk is kept, an existing profile without --force is
# an error; bad --os, sizes and networks are errors with their exit codes.
. "$VMDECK_TESTS/lib.sh"
need qemu-system-x86_64 qemu-img jq
need_root
probe=$VMDECK_BUILD/tests/qmp_probe
[[ -x $probe ]] || fail "qmp_probe not built ($probe)"
. "$VMDECK_TESTS/profiles/run_qemu.sh"
netns_new NS
P=$T_TMP/profiles
vm() { "$VMDECK" --profiles "$P" "$@"; }
mkdir -p "$T_TMP/iso"
head -c 1048576 /dev/zero >"$T_TMP/iso/inst.iso"

# qcow2_is FILE BYTES: qemu-img says qcow2 of that virtual size.
qcow2_is() {
	local info
	info=$(qemu-img info --output=json "$1") || return 1
	[[ $(jq -r .format <<<"$info") == qcow2 && $(jq -r '."virtual-size"' <<<"$info") == "$2" ]]
}
# nic_of NAME KEY: a key of the first NIC in `list --json`.
nic_of() { vm list --json | jq -r --arg n "$1" ".[] | select(.name == \$n) | .nics[0].$2"; }

for os in linux windows macos other; do
	check "new --os $os writes the profile" bash -c 'cd "$1" && "$2" --profiles "$3" new "n-$4" --iso iso/inst.iso --os "$4" --disk 8G --memory 1G 2>"$1/new-$4.err"' \
		_ "$T_TMP" "$VMDECK" "$P" "$os"
	check "… the disk is qcow2 of 8 GiB" qcow2_is "$P/n-$os.qcow2" 8589934592
	check "… in install mode" bash -c '[[ $("$1" --profiles "$2" mode "n-$3") == install ]]' _ "$VMDECK" "$P" "$os"
	args=$(vm args "n-$os" --lines)
	check "… whose install command line boots the ISO" grep -q "file=$T_TMP/iso/inst.iso" <<<"$args"
	check "… with the MAC derived from the name" grep -q "mac=$(nic_of "n-$os" mac)" <<<"$args"
	if [[ $os == macos ]]; then
		check "… check misses only the OpenCore image" bash -c '! "$1" --profiles "$2" check "$2/n-macos.yaml" 2>&1 >/dev/null | grep -v "OpenCore.qcow2 does not exist" | grep -q . && ! "$1" --profiles "$2" check "$2/n-macos.yaml" >/dev/null 2>&1' _ "$VMDECK" "$P"
		check "… and new said so" grep -q "OpenCore.qcow2 does not exist" "$T_TMP/new-macos.err"
		check "… never invented it" test ! -e "$P/OpenCore.qcow2"
		check "… the OpenCore layout: applesmc, AHCI ports, vmxnet3, Penryn" bash -c 'grep -q "isa-applesmc" <<<"$1" && grep -q "bus=ide.2,drive=OpenCore" <<<"$1" && grep -q "bus=ide.4,drive=MacHDD" <<<"$1" && grep -q "^vmxnet3," <<<"$1" && grep -q "^Penryn," <<<"$1"' _ "$args"
		qemu-img create -q -f qcow2 "$P/OpenCore.qcow2" 64M # the user's, for QEMU's sake
	else
		check "… which passes check" vm check "$P/n-$os.yaml"
	fi
	case $os in
	linux) want='virtio-blk-pci.*drive=disk0|^virtio-net-pci,' ;;
	windows) want='ide-hd.*drive=disk0|^e1000,' ;;
	other) want='ide-hd.*drive=disk0|^e1000,' ;;
	macos) want='ide-hd.*drive=MacHDD|^vmxnet3,' ;;
	esac
	check "… its disk and NIC ($want)" bash -c '(($(grep -Ec "$2" <<<"$1") == 2))' _ "$args" "$want"
	if [[ $os == other ]]; then
		check "… BIOS: no pflash" bash -c '! grep -q pflash <<<"$1"' _ "$args"
	else
		check "… UEFI: OVMF code read-only, the VM's own vars" bash -c 'grep -q "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE" <<<"$1" && grep -q "file=$2/n-$3-vars.fd" <<<"$1" && test -f "$2/n-$3-vars.fd"' _ "$args" "$P" "$os"
	fi
	check "QEMU accepts n-$os in install mode" run_qemu "n-$os" install
	check "QEMU accepts n-$os in boot mode" run_qemu "n-$os" boot
done
check "windows and macos default to 4G" bash -c '"$1" --profiles "$2" new w4 --os windows 2>/dev/null >&2 && grep -qx "memory: 4G" "$2/w4.yaml"' _ "$VMDECK" "$P"

# Without --iso: the profile and the disk, no install section, mode boot.
check "new without --iso" bash -c '"$1" --profiles "$2" new plain --disk 1G 2>/dev/null' _ "$VMDECK" "$P"
check "… writes no install section" bash -c '! grep -q "^install:" "$1/plain.yaml"' _ "$P"
check "… makes the disk (default linux)" qcow2_is "$P/plain.qcow2" 1073741824
check "… leaves the mode at boot" bash -c '[[ $("$1" --profiles "$2" mode plain) == boot ]]' _ "$VMDECK" "$P"
check "… passes check" vm check "$P/plain.yaml"
check "--disk-size still works (the old name of --disk)" bash -c '"$1" --profiles "$2" new old --disk-size 2G 2>/dev/null' _ "$VMDECK" "$P"
check "… 2 GiB" qcow2_is "$P/old.qcow2" 2147483648

# Networks: user (the default), a bridge that exists (made in the test's
# namespace, where vmdeck runs), a lab network by name (its bridge).
check "--network user" bash -c '"$1" --profiles "$2" new nu --network user 2>/dev/null' _ "$VMDECK" "$P"
check "… is user networking" bash -c '[[ $(grep -c "^    network: user" "$1/nu.yaml") == 1 ]]' _ "$P"
ip -n "$NS" link add brtest type bridge || fail "cannot make a bridge in $NS"
check "--network BRIDGE (an existing bridge)" ip netns exec "$NS" "$VMDECK" --profiles "$P" new nb --network brtest
check "… a TAP on that bridge" bash -c 'grep -qx "    bridge: brtest" "$1/nb.yaml" && ! grep -q "network: user" "$1/nb.yaml"' _ "$P"
check "QEMU accepts nb (a TAP NIC)" run_qemu nb boot
mkdir -p "$P/networks"
cat >"$P/networks/lab1.yaml" <<'YAML'
name: lab1
bridge: brlab1
address: 10.77.0.1/24
YAML
check "--network LAB (a lab network by name)" bash -c '"$1" --profiles "$2" new nl --network lab1 2>/dev/null' _ "$VMDECK" "$P"
check "… a TAP on its bridge" bash -c 'grep -qx "    bridge: brlab1" "$1/nl.yaml"' _ "$P"
check "… passes check" vm check "$P/nl.yaml"
check "a lab network wins over a bridge of the same name" bash -c 'ip -n "$3" link add lab1 type bridge && ip netns exec "$3" "$1" --profiles "$2" new nl2 --network lab1 2>/dev/null && grep -qx "    bridge: brlab1" "$2/nl2.yaml"' _ "$VMDECK" "$P" "$NS"
check "no such network or bridge: exit 3, nothing written" bash -c 'ip netns exec "$3" "$1" --profiles "$2" new nx --network nosuch 2>/dev/null; (($? == 3)) && [[ ! -e $2/nx.yaml && ! -e $2/nx.qcow2 ]]' _ "$VMDECK" "$P" "$NS"

# An existing profile is kept without --force (exit 1); --force rewrites
# it and keeps the disk.
check "an existing profile is kept without --force (exit 1)" bash -c '"$1" --profiles "$2" new plain --disk 1G 2>/dev/null; (($? == 1))' _ "$VMDECK" "$P"
echo data >"$T_TMP/marker"
cp "$T_TMP/marker" "$P/plain.qcow2"
check "--force rewrites the profile and keeps the disk" bash -c '"$1" --profiles "$2" new plain --force 2>"$3/err" && cmp -s "$2/plain.qcow2" "$3/marker" && grep -q "kept the existing disk" "$3/err"' \
	_ "$VMDECK" "$P" "$T_TMP"

# Usage errors (exit 2), nothing written.
check "a bad --os is a usage error" bash -c '"$1" --profiles "$2" new bados --os beos 2>/dev/null; (($? == 2)) && [[ ! -e $2/bados.yaml ]]' _ "$VMDECK" "$P"
check "a bad size is a usage error" bash -c '"$1" --profiles "$2" new x --iso a.iso --disk 1.5G 2>/dev/null; (($? == 2))' _ "$VMDECK" "$P"
# Sizes past what a disk can be are no size, not a wrapped-around small one.
for big in 99999999T 8388608T 17179869184G; do
	check "--disk $big is a usage error, nothing written" bash -c '"$1" --profiles "$2" new huge --iso a.iso --disk "$3" 2>/dev/null; (($? == 2)) && [[ ! -e $2/huge.yaml && ! -e $2/huge.qcow2 ]]' _ "$VMDECK" "$P" "$big"
done
check "a bad --memory is a usage error" bash -c '"$1" --profiles "$2" new x --memory lots 2>/dev/null; (($? == 2))' _ "$VMDECK" "$P"
check "a bad name is a usage error" bash -c '"$1" --profiles "$2" new "a b" 2>/dev/null; (($? == 2))' _ "$VMDECK" "$P"
# qemu-img failing leaves no disk behind (the claimed name is given back).
check "a failing qemu-img: exit 1, no disk left" bash -c 'VMDECK_QEMU_IMG=/bin/false "$1" --profiles "$2" new qf 2>/dev/null; (($? == 1)) && [[ ! -e $2/qf.qcow2 ]]' _ "$VMDECK" "$P"
# --read-only changes nothing: new and import are refused (exit 4), nothing written.
check "--read-only: new is refused (exit 4)" bash -c '"$1" --read-only --profiles "$2" new ro --iso a.iso 2>/dev/null; (($? == 4))' _ "$VMDECK" "$P"
check "--read-only: import is refused (exit 4)" bash -c 'echo "qemu-system-x86_64 -m 1G" | "$1" --read-only --profiles "$2" import - --name ro 2>/dev/null; (($? == 4))' _ "$VMDECK" "$P"
check "--read-only: no profile, no disk written" test ! -e "$P/ro.yaml" -a ! -e "$P/ro.qcow2"
finish
