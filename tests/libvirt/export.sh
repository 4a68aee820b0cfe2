#!/usr/bin/env bash
# tests/libvirt/export.sh — `vmdeck export --libvirt`, `net export --libvirt`
# and `import --libvirt` against a real libvirtd 9 (tests/bench/libvirt_env.sh:
# root, its own network and mount namespaces, nothing of the host's libvirt).
#   1. every bundled profile, in boot and (with an installer) install mode:
#      the export validates (virt-xml-validate) and libvirt defines it;
#   2. the lab network virbr0: validates, net-defines, starts in libvirt's
#      namespace with the pinned MAC (addr_assign_type 3);
#   3. the test guests (TCG) start under libvirt on it and boot to their ping
#      (serial log); QMP says running; each TAP has the guest MAC with 0xFE
#      first; the bridge MAC never moves while guests come and go;
#   4. round trips: profile -> export -> import gives the same `vmdeck args`
#      (argsdiff.py: -cpu item order, -smp spelling), from the file and from
#      the defined domain (import --connect URI --domain NAME);
#   5. a virt-manager-style domain imports with its report and exports again.
. "$VMDECK_TESTS/lib.sh"
need virsh virt-xml-validate libvirtd virtlogd qemu-system-x86_64 python3 iptables dnsmasq cc
need_root
. "$VMDECK_SRC/tests/bench/libvirt_env.sh"
bash "$VMDECK_SRC/tests/guest/build.sh" >/dev/null 2>&1 || skip "cannot build the test guest (tests/guest/build.sh)"
here=$VMDECK_TESTS/libvirt
PROF=$VMDECK_SRC/profiles
LVD=$T_TMP/lv
on_exit "lv_down '$LVD'"
lv_up "$LVD" || skip "no private libvirtd: $LV_WHY"
U=$LV_URI
NS=$(cat "$LVD/netns")
vd() { "$VMDECK" --profiles "$PROF" "$@"; }
lv() { virsh -q -c "$U" "$@"; }

# 1. export, validate, define
names=()
for f in "$PROF"/*.yaml; do names+=("$(basename "$f" .yaml)"); done
((${#names[@]} >= 6)) || fail "bundled profiles not found in $PROF"
export_one() { # NAME MODE
	local x=$T_TMP/x/$1.$2.xml
	mkdir -p "$T_TMP/x"
	vd export "$1" --libvirt --mode "$2" --out "$x" 2>"$x.err" || { log "$(cat "$x.err")"; return 1; }
	virt-xml-validate "$x" domain >"$x.val" 2>&1 || { log "$(cat "$x.val")"; return 1; }
	lv define "$x" >"$x.def" 2>&1 || { log "$(cat "$x.def")"; return 1; }
}
for n in "${names[@]}"; do
	check "export $n (boot) validates and defines" export_one "$n" boot
	grep -q '^install:' "$PROF/$n.yaml" && check "export $n (install) validates and defines" export_one "$n" install
done
check "macos: isa-applesmc listed as <qemu:commandline> on stderr" \
	grep -q "<qemu:commandline> -device isa-applesmc,osk=" "$T_TMP/x/macos-opencore.boot.xml.err"
check "bridged NICs: the TAP MAC rule is stated" grep -q "first byte 0xFE" "$T_TMP/x/testguest.boot.xml.err"
check "port forwards: each one named as not crossing over" grep -q "forward tcp:127.0.0.1:10007:7 does not cross over" "$T_TMP/x/testguest-fwd.boot.xml.err"
check "TCG profile -> <domain type='qemu'>" grep -q '<domain type="qemu"' "$T_TMP/x/testguest.boot.xml"
check "unknown NAME -> exit 3" bash -c "'$VMDECK' --profiles '$PROF' export nosuchvm --libvirt 2>/dev/null; test \$? = 3"
check "without --libvirt -> exit 2" bash -c "'$VMDECK' --profiles '$PROF' export testguest 2>/dev/null; test \$? = 2"

# 2. the lab network
brmac() { ip netns exec "$NS" cat /sys/class/net/virbr0/address; }
vd net export virbr0 --libvirt --out "$T_TMP/net.xml" 2>"$T_TMP/net.err" || fail "net export: $(cat "$T_TMP/net.err")"
check "network XML validates" virt-xml-validate "$T_TMP/net.xml" network
lv net-define "$T_TMP/net.xml" >/dev/null 2>"$T_TMP/netdef.err" || fail "net-define: $(cat "$T_TMP/netdef.err")"
lv net-start virbr0 >/dev/null 2>"$T_TMP/netstart.err" || fail "net-start: $(cat "$T_TMP/netstart.err")"
check "bridge has the pinned MAC" test "$(brmac)" = 52:54:00:ac:10:01
check "bridge MAC set explicitly (addr_assign_type 3)" \
	test "$(ip netns exec "$NS" cat /sys/class/net/virbr0/addr_assign_type)" = 3

# 3. the guests boot under libvirt, the bridge MAC stays
serial() { echo "$LVD/log/qemu/$1-serial0.log"; }
macs=()
for g in testguest testguest-2; do
	lv start "$g" >/dev/null 2>"$T_TMP/start.$g" || fail "virsh start $g: $(cat "$T_TMP/start.$g")"
	on_exit "virsh -c '$U' destroy $g"
	macs+=("$(brmac)")
done
check "testguest boots to its ping under libvirt" wait_for 120 grep -q "ping 172.16.1.1 seq=.* ok" "$(serial testguest)"
check "testguest-2 boots to its ping under libvirt" wait_for 120 grep -q "ping 172.16.1.1 seq=.* ok" "$(serial testguest-2)"
check "QMP query-status: running" bash -c "virsh -c '$U' qemu-monitor-command testguest '{\"execute\":\"query-status\"}' | grep -q '\"status\":\"running\"'"
check "TAP MAC: the guest's with 0xFE first (vmdeck's derived policy)" \
	bash -c "ip netns exec '$NS' ip -br link show vd-testguest-0 | grep -q fe:54:00:16:01:11"
lv destroy testguest-2 >/dev/null 2>&1
macs+=("$(brmac)")
lv destroy testguest >/dev/null 2>&1
macs+=("$(brmac)")
check "bridge MAC unchanged as guests came and went (${macs[*]})" \
	test "$(printf '%s\n' "${macs[@]}" | sort -u)" = 52:54:00:ac:10:01

# 4. round trips
roundtrip() { # NAME MODE SOURCE(file|connect)
	local d=$T_TMP/rt/$3.$2 x=$T_TMP/x/$1.$2.xml
	mkdir -p "$d"
	if [[ $3 == file ]]; then
		vd import --libvirt "$x" --out "$d" --force >"$d/$1.out" 2>"$d/$1.err"
	else
		lv define "$x" >/dev/null 2>&1 # the mode's own XML
		vd import --connect "$U" --domain "$1" --out "$d" --force >"$d/$1.out" 2>"$d/$1.err"
	fi
	[[ -s $d/$1.yaml ]] || { log "import $1: $(cat "$d/$1.err")"; return 1; }
	# Port forwards do not cross over (export says so on stderr): compare
	# without them.
	vd args "$1" --mode "$2" --lines | sed 's/,hostfwd=[^,]*//g' >"$d/$1.orig" || return 1
	"$VMDECK" --profiles "$d" args "$1" --mode "$2" --lines >"$d/$1.back" 2>"$d/$1.args.err" ||
		{ log "args of the import: $(cat "$d/$1.args.err")"; return 1; }
	python3 "$here/argsdiff.py" "$d/$1.orig" "$d/$1.back" >&2
}
for n in "${names[@]}"; do
	check "round trip $n (boot, file)" roundtrip "$n" boot file
	grep -q '^install:' "$PROF/$n.yaml" && check "round trip $n (install, file)" roundtrip "$n" install file
	check "round trip $n (boot, through libvirtd: --connect)" roundtrip "$n" boot connect
done
check "import --connect of an unknown domain -> exit 3" \
	bash -c "'$VMDECK' import --connect '$U' --domain nosuch --out '$T_TMP/none' 2>/dev/null; test \$? = 3"
check "argsdiff tells a different machine apart" bash -c \
	"sed 's/^256\$/320/' '$T_TMP/rt/file.boot/testguest.back' >'$T_TMP/tampered'; ! python3 '$here/argsdiff.py' '$T_TMP/rt/file.boot/testguest.orig' '$T_TMP/tampered' >/dev/null"

# 5. a domain from virt-manager
VM=$T_TMP/vm
"$VMDECK" --profiles "$VM" import --libvirt "$here/virt-manager.xml" --out "$VM" >"$VM.out" 2>"$VM.err"
check "virt-manager domain imports" test -s "$VM/debian12-vm.yaml"
check "its report names dropped devices by line" grep -q "virt-manager.xml:[0-9]*:1: <channel> dropped" "$VM.err"
check "its report says what became of the libvirt network" grep -q "libvirt network 'default'" "$VM.err"
for want in 'memory: 2G' 'cpu: host' 'smp: 2' 'interface: sata' 'vga: virtio' '- usb-tablet' 'device: ich9-intel-hda' 'mac: "52:54:00:6b:3c:58"'; do
	check "imported profile has '$want'" grep -qF -- "$want" "$VM/debian12-vm.yaml"
done
check "vmdeck check: only the missing media" bash -c \
	"'$VMDECK' check '$VM/debian12-vm.yaml' 2>&1 | grep ': error\|error:' | grep -v 'does not exist' | grep -q . && exit 1 || exit 0"
"$VMDECK" --profiles "$VM" export debian12-vm --libvirt --out "$VM/again.xml" 2>/dev/null
check "and exports again to a valid domain" virt-xml-validate "$VM/again.xml" domain
finish
