#!/usr/bin/env bash
# tests/guest/build.sh — build the tiny Linux test guest: a Debian cloud
# kernel and a busybox initramfs whose init configures the NIC from the
# kernel command line, pings the gateway forever (timestamped, on tty0 and
# ttyS0) and powers off on the ACPI power button.
#   out/vmlinuz, out/initrd.img    what profiles/testguest*.yaml boot
# Cached: the .debs live in cache/, and nothing is rebuilt while out/ is newer
# than this script and init. Quick (well under a second) when already built.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=$here/cache
out=$here/out
kpkg_meta=${VMDECK_GUEST_KERNEL_PKG:-linux-image-cloud-amd64}
# virtio-net and its chain (order matters: insmod has no dependency logic),
# virtio-blk (the storage tests' data disks), virtio-input (an absolute
# pointer: virtio-tablet-pci, for the click test; the cloud kernel has no
# USB), then the power button.
modules=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
	failover net_failover virtio_net virtio_blk virtio_input e1000 button evdev)

say() { printf '[guest] %s\n' "$*" >&2; }

if [[ -s $out/vmlinuz && -s $out/initrd.img && $out/initrd.img -nt $here/init && $out/initrd.img -nt $here/build.sh && $out/initrd.img -nt $here/udhcpc.script ]]; then
	exit 0
fi

mkdir -p "$cache" "$out"
busybox=$(command -v busybox || true)
[[ -n $busybox ]] || { echo "guest: busybox not found (apt-get install busybox-static)" >&2; exit 1; }

# Resolve the metapackage to the real kernel package (apt-get download does
# not follow dependencies).
kpkg=$(apt-cache depends "$kpkg_meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [[ -z $kpkg ]]; then
	say "apt lists missing: apt-get update"
	apt-get update -qq
	kpkg=$(apt-cache depends "$kpkg_meta" | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[[ -n $kpkg ]] || { echo "guest: cannot resolve $kpkg_meta" >&2; exit 1; }

fetch() { # fetch PKG -> path of the .deb in cache
	local pkg=$1 deb
	deb=$(ls "$cache/${pkg}"_*.deb 2>/dev/null | head -n1 || true)
	if [[ -z $deb ]]; then
		say "downloading $pkg"
		(cd "$cache" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
			{ say "apt-get update"; apt-get update -qq; (cd "$cache" && apt-get download -q "$pkg" >/dev/null); }
		deb=$(ls "$cache/${pkg}"_*.deb | head -n1)
	fi
	printf '%s\n' "$deb"
}
kdeb=$(fetch "$kpkg")

work=$(mktemp -d "${TMPDIR:-/tmp}/vmdeck-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "extracting $(basename "$kdeb")"
mkdir -p "$work/k"
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work/k" --wildcards './boot/vmlinuz-*' './lib/modules/*'
kver=$(ls "$work/k/lib/modules" | head -n1)
cp "$work/k/boot/vmlinuz-$kver" "$out/vmlinuz.tmp"

# The initramfs: busybox + init + the modules we need, flat in /lib/modules.
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,var/log,lib/modules,usr/bin,usr/sbin}
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
	[[ $a == busybox ]] || ln -sf busybox "$root/bin/$a"
done
install -m 0755 "$here/init" "$root/init"
install -m 0755 "$here/udhcpc.script" "$root/etc/udhcpc.script"
printf 'root:x:0:0:root:/:/bin/sh\n' >"$root/etc/passwd"
: >"$root/etc/modules.order"
for m in "${modules[@]}"; do
	f=$(find "$work/k/lib/modules/$kver" -name "$m.ko*" | head -n1)
	if [[ -z $f ]]; then
		continue # built in, or absent from this flavour (cloud has no e1000)
	fi
	case $f in
	*.xz) xz -dc "$f" >"$root/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$root/lib/modules/$m.ko" ;;
	*) cp "$f" "$root/lib/modules/$m.ko" ;;
	esac
	echo "$m" >>"$root/etc/modules.order"
done
say "packing initramfs ($(wc -l <"$root/etc/modules.order") modules, kernel $kver)"
(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$out/initrd.img.tmp")
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$out/initrd.img.tmp" "$out/initrd.img"
say "built $out/vmlinuz + $out/initrd.img"
