#!/usr/bin/env bash
# tests/libvirt/qmp.sh [NAME...] — the same machine both ways: each bundled
# profile (media replaced by empty images), started by vmdeck's own command
# line and, exported, by a real libvirtd (both paused, TCG), compared over
# QMP (qmpcompare.py: devices, CPU, memory, drives), apart from what each
# adds for itself.
. "$VMDECK_TESTS/lib.sh"
need virsh libvirtd virtlogd qemu-system-x86_64 qemu-img python3 iptables dnsmasq cc
need_root
. "$VMDECK_SRC/tests/bench/libvirt_env.sh"
bash "$VMDECK_SRC/tests/guest/build.sh" >/dev/null 2>&1 || skip "cannot build the test guest (tests/guest/build.sh)"
here=$VMDECK_TESTS/libvirt
# A copy of the profiles, so that the placeholders never land in the sources.
W=$T_TMP/w
mkdir -p "$W"
cp -r "$VMDECK_SRC/profiles" "$W/"
ln -s "$VMDECK_SRC/tests" "$W/tests"
P=$W/profiles
LVD=$T_TMP/lv
on_exit "lv_down '$LVD'"
lv_up "$LVD" || skip "no private libvirtd: $LV_WHY"
U=$LV_URI
netns_new NS
"$VMDECK" --profiles "$P" net export virbr0 --libvirt --out "$T_TMP/net.xml" 2>/dev/null
virsh -q -c "$U" net-define "$T_TMP/net.xml" >/dev/null && virsh -q -c "$U" net-start virbr0 >/dev/null ||
	fail "the lab network did not start under libvirt"
ip -n "$NS" link add virbr0 type bridge && ip -n "$NS" link set virbr0 up

names=("$@")
((${#names[@]})) || for f in "$P"/*.yaml; do names+=("$(basename "$f" .yaml)"); done

both() { # NAME MODE
	local n=$1 m=$2 d=$T_TMP/c/$1.$2
	mkdir -p "$d"
	"$VMDECK" --profiles "$P" args "$n" --mode "$m" --accel tcg --lines >"$d/args" || return 1
	(cd "$d" && python3 "$here/qmpcompare.py" media "$d/args") || { log "$n: placeholders"; return 1; }
	"$VMDECK" --profiles "$P" export "$n" --libvirt --mode "$m" --out "$d/dom.xml" 2>/dev/null || return 1
	# The test's own: TCG like vmdeck's side, and a QMP socket of its own.
	python3 - "$d/dom.xml" "$d/lv-qmp.sock" <<-'PY' || return 1
		import sys, xml.etree.ElementTree as ET
		Q = "http://libvirt.org/schemas/domain/qemu/1.0"
		ET.register_namespace("qemu", Q)
		t = ET.parse(sys.argv[1]); r = t.getroot()
		r.set("type", "qemu")
		# libvirt refuses +invtsc without host support; TCG drops it too
		# (QEMU warns), so the machines stay the same.
		cpu = r.find("cpu")
		for f in list(cpu.findall("feature")) if cpu is not None else []:
		    if f.get("name") == "invtsc":
		        cpu.remove(f)
		cl = r.find("{%s}commandline" % Q)
		if cl is None:
		    cl = ET.SubElement(r, "{%s}commandline" % Q)
		for v in ("-qmp", "unix:%s,server=on,wait=off" % sys.argv[2]):
		    ET.SubElement(cl, "{%s}arg" % Q, value=v)
		t.write(sys.argv[1])
	PY
	virsh -q -c "$U" define "$d/dom.xml" >/dev/null 2>"$d/define.err" || { log "$(cat "$d/define.err")"; return 1; }
	virsh -q -c "$U" start --paused "$n" >/dev/null 2>"$d/start.err" || { log "$(cat "$d/start.err")"; return 1; }
	mkdir -p "$VMDECK_RUNTIME_DIR/$n"
	python3 "$here/qmpcompare.py" compare --netns "$NS" --cwd "$d" "$d/args" "$d/lv-qmp.sock" >"$d/compare.out" 2>&1
	local rc=$?
	virsh -q -c "$U" destroy "$n" >/dev/null 2>&1
	sed "s/^/[$n $m] /" "$d/compare.out" >&2
	return $rc
}
# The comparison can fail: the test guest's command line with another
# memory size and NIC MAC is told apart from libvirt's machine.
tampered() {
	local d=$T_TMP/c/testguest.boot
	sed 's/^256$/320/; s/mac=52:54:00:16:01:11/mac=52:54:00:16:01:99/' "$d/args" >"$d/tampered"
	virsh -q -c "$U" start --paused testguest >/dev/null 2>&1 || return 1
	python3 "$here/qmpcompare.py" compare --netns "$NS" --cwd "$d" "$d/tampered" "$d/lv-qmp.sock" >"$d/tampered.out" 2>&1
	local rc=$?
	virsh -q -c "$U" destroy testguest >/dev/null 2>&1
	((rc == 1)) && grep -q "DIFF -memory 320 MiB" "$d/tampered.out" && grep -q "mac=52:54:00:16:01:99" "$d/tampered.out"
}

for n in "${names[@]}"; do
	check "QMP: $n (boot) under libvirt = under vmdeck" both "$n" boot
	grep -q '^install:' "$P/$n.yaml" && check "QMP: $n (install) under libvirt = under vmdeck" both "$n" install
done
[[ -f $T_TMP/c/testguest.boot/args ]] && check "a different machine is told apart" tampered
finish
