#!/usr/bin/env bash
# QEMU 7.2 itself accepts the command line of every bundled profile in both
# modes: each starts paused (-S) under TCG inside a private network namespace
# (TAP NICs are created there, never on the host), answers query-status over
# QMP, and quits. Missing media are replaced by placeholders in a copy of the
# profiles directory. A misspelt option and a misspelt device must fail.
. "$VMDECK_TESTS/lib.sh"
need qemu-system-x86_64 qemu-img jq
need_root
probe=$VMDECK_BUILD/tests/qmp_probe
[[ -x $probe ]] || fail "qmp_probe not built ($probe)"

netns_new NS
# The profiles directory is copied with its place in the tree, so relative
# paths such as ../tests/guest/out/… land inside $T_TMP.
src=$T_TMP/src
mkdir -p "$src"
cp -r "$VMDECK_SRC/profiles" "$src/"
P=$src/profiles
vm() { "$VMDECK" --profiles "$P" "$@"; }

# A file QEMU's x86 -kernel loader accepts: a minimal Linux boot header
# (setup_sects 4, "HdrS", protocol 2.03, loaded high, initrd_max 0x37ffffff).
fake_kernel() {
	head -c 65536 /dev/zero >"$1"
	printf '\x04' | dd of="$1" bs=1 seek=$((0x1f1)) conv=notrunc status=none
	printf 'HdrS\x03\x02' | dd of="$1" bs=1 seek=$((0x202)) conv=notrunc status=none
	printf '\x01' | dd of="$1" bs=1 seek=$((0x211)) conv=notrunc status=none
	printf '\xff\xff\xff\x37' | dd of="$1" bs=1 seek=$((0x22c)) conv=notrunc status=none
}

# placeholder KIND PATH [FORMAT]: only ever inside $T_TMP.
placeholder() {
	local kind=$1 path=$2 fmt=${3:-raw}
	[[ -z $path || $path == null || -e $path ]] && return 0
	path=$(realpath -m "$path")
	[[ $path == "$T_TMP"/* ]] || fail "$kind $path is missing and outside the test directory"
	mkdir -p "$(dirname "$path")"
	case $kind in
	kernel) fake_kernel "$path" ;;
	initrd) head -c 4096 /dev/zero >"$path" ;;
	disk) qemu-img create -q -f "$fmt" "$path" 64M || fail "qemu-img create $path" ;;
	esac
	log "placeholder $kind: ${path#$T_TMP/}"
}

json=$(vm list --json 2>/dev/null) || fail "vmdeck list --json failed"
names=$(jq -r '.[].name' <<<"$json")
[[ -n $names ]] || fail "no bundled profiles loaded"
nfiles=$(ls "$P"/*.yaml | wc -l)
(($(wc -l <<<"$names") == nfiles)) || fail "$nfiles profile files but only $(wc -l <<<"$names") load"
for name in $names; do
	p=$(jq --arg n "$name" '.[] | select(.name == $n)' <<<"$json")
	placeholder kernel "$(jq -r .kernel <<<"$p")"
	placeholder initrd "$(jq -r .initrd <<<"$p")"
	while IFS=$'\t' read -r f fmt; do placeholder disk "$f" "$fmt"; done \
		< <(jq -r '.disks[] | [.file, .format] | @tsv' <<<"$p")
	placeholder disk "$(jq -r '.install.file // empty' <<<"$p")" "$(jq -r '.install.format // "raw"' <<<"$p")"
	vars=$(jq -r '.firmware.vars // empty' <<<"$p")
	tmpl=$(jq -r '.firmware.vars_template // empty' <<<"$p")
	# What the lifecycle does before a start (profile_firmware_vars_prepare).
	if [[ -n $vars && ! -e $vars ]]; then
		[[ -n $tmpl ]] || fail "$name: firmware vars $vars missing and no template"
		cp "$tmpl" "$vars"
	fi
done
vm check >"$T_TMP/check.out" 2>&1 || { cat "$T_TMP/check.out" >&2; fail "profiles still have problems after placeholders"; }

. "$VMDECK_TESTS/profiles/run_qemu.sh"

n=0
for name in $names; do
	modes=boot
	[[ $(jq -r --arg n "$name" '.[] | select(.name == $n) | .install != null' <<<"$json") == true ]] && modes="boot install"
	for mode in $modes; do
		check "QEMU accepts $name in $mode mode" run_qemu "$name" "$mode"
		n=$((n + 1))
	done
done
log "$n command lines started"

# Features no bundled profile uses: i440fx, virtio/scsi/ide disks, a SCSI
# installer, user + TAP NICs, TCP VNC with a password (inside the namespace),
# USB, AC97, no serial log, extra args, a path with a comma.
qemu-img create -q -f qcow2 "$P/extra,a.qcow2" 16M
qemu-img create -q -f raw "$P/extra-b.img" 16M
qemu-img create -q -f raw "$P/extra-c.img" 16M
qemu-img create -q -f raw "$P/extra-d.img" 16M
qemu-img create -q -f raw "$P/extra.iso" 1M
printf 'secret' >"$P/vnc.pw"
cat >"$P/zz-extras.yaml" <<'YAML'
name: zz-extras
accel: tcg
machine: pc
cpu: {model: qemu64, flags: [+ssse3]}
smp: {cpus: 2, sockets: 1, cores: 2, threads: 1}
memory: 256M
usb: [usb-tablet]
audio: {device: AC97}
disks:
  - {file: "extra,a.qcow2", format: qcow2}
  - {file: extra-b.img, interface: scsi, snapshot: true}
  - {file: extra-c.img, interface: ide}
  - {file: extra-d.img, readonly: true}
nics:
  - {network: user, model: e1000}
  - {tap: vdx0, tap_mac_policy: fixed}
install: {file: extra.iso, interface: scsi}
display: {vnc: "127.0.0.1:7", password_file: vnc.pw, keyboard: de}
serial_log: false
extra_args: [-rtc, base=utc]
YAML
check "QEMU accepts the extras profile (boot)" run_qemu zz-extras boot
check "QEMU accepts the extras profile (install)" run_qemu zz-extras install

# The test must be able to fail: a misspelt option and a misspelt device.
cat >"$P/zz-typo-option.yaml" <<'YAML'
name: zz-typo-option
accel: tcg
extra_args: [-nodefualts]
YAML
cat >"$P/zz-typo-device.yaml" <<'YAML'
name: zz-typo-device
accel: tcg
nics: [{model: e1000-82545xx, network: user}]
YAML
check "QEMU rejects a misspelt option" run_qemu zz-typo-option boot fail
check "QEMU rejects a misspelt device model" run_qemu zz-typo-device boot fail
finish
