#!/usr/bin/env bash
# tests/import/new.sh — `vmdeck new NAME --iso FILE`: a profile that passes
# check once the ISO is there, a sparse disk of the asked size next to it
# (kept when it exists), mode install, the ISO in the install-mode command
# line; an existing profile is kept without --force; bad sizes are usage
# errors.
. "$VMDECK_TESTS/lib.sh"
P=$T_TMP/profiles
vm() { "$VMDECK" --profiles "$P" "$@"; }
mkdir -p "$T_TMP/iso"
head -c 1048576 /dev/zero >"$T_TMP/iso/debian.iso"
check "new writes the profile" bash -c 'cd "$1" && "$2" --profiles "$3" new deb --iso iso/debian.iso --memory 1G --cpus 3 --disk-size 8G' \
	_ "$T_TMP" "$VMDECK" "$P"
check "… which passes check" vm check "$P/deb.yaml"
check "… with a sparse 8 GiB disk next to it" bash -c '[[ $(stat -c %s "$1") == 8589934592 && $(stat -c %b "$1") -lt 100 ]]' _ "$P/deb.img"
check "… in install mode" bash -c '[[ $("$1" --profiles "$2" mode deb) == install ]]' _ "$VMDECK" "$P"
args=$(vm args deb --lines)
check "… whose command line boots the ISO" grep -q "media=cdrom,file=$T_TMP/iso/debian.iso" <<<"$args"
check "… with 3 CPUs, 1 GiB and the disk" bash -c 'grep -qx 3 <<<"$1" && grep -qx 1024 <<<"$1" && grep -q "file=$2/deb.img,format=raw" <<<"$1"' _ "$args" "$P"
check "an existing profile is kept without --force" bash -c '! "$1" --profiles "$2" new deb --iso x.iso 2>/dev/null' _ "$VMDECK" "$P"
echo data >"$T_TMP/marker"
cp "$T_TMP/marker" "$P/deb.img"
check "--force rewrites the profile and keeps the disk" bash -c '"$1" --profiles "$2" new deb --iso x.iso --force 2>"$3/err" && cmp -s "$2/deb.img" "$3/marker" && grep -q "kept the existing disk" "$3/err"' \
	_ "$VMDECK" "$P" "$T_TMP"
check "a bad size is a usage error" bash -c '"$1" --profiles "$2" new x --iso a.iso --disk-size 1.5G 2>/dev/null; (($? == 2))' _ "$VMDECK" "$P"
# Sizes past what a disk can be are no size, not a wrapped-around small one.
for big in 99999999T 8388608T 17179869184G; do
	check "--disk-size $big is a usage error, nothing written" bash -c '"$1" --profiles "$2" new huge --iso a.iso --disk-size "$3" 2>/dev/null; (($? == 2)) && [[ ! -e $2/huge.yaml && ! -e $2/huge.img ]]' _ "$VMDECK" "$P" "$big"
done
check "--iso is required" bash -c '"$1" --profiles "$2" new x 2>/dev/null; (($? == 2))' _ "$VMDECK" "$P"
# --read-only changes nothing: new and import are refused (exit 4), nothing written.
check "--read-only: new is refused (exit 4)" bash -c '"$1" --read-only --profiles "$2" new ro --iso a.iso 2>/dev/null; (($? == 4))' _ "$VMDECK" "$P"
check "--read-only: import is refused (exit 4)" bash -c 'echo "qemu-system-x86_64 -m 1G" | "$1" --read-only --profiles "$2" import - --name ro 2>/dev/null; (($? == 4))' _ "$VMDECK" "$P"
check "--read-only: no profile, no disk written" test ! -e "$P/ro.yaml" -a ! -e "$P/ro.img"
finish
