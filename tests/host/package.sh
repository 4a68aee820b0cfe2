#!/usr/bin/env bash
# The Debian package (dist/package.cmake): CPack makes
# vmdeck_VERSION_amd64.deb from the build (exactly what `cmake --build build
# --target package` runs, into a directory of this test's own); its control
# fields (Depends from dpkg-shlibdeps plus the programs vmdeck runs,
# Recommends) and contents are right; lintian reports no error; installed
# into a throwaway root with dpkg --root, the binary runs (--version, check
# on the shipped examples, the shipped bash completion), the unit names the
# installed binary; dpkg -r removes every file again.
. "$VMDECK_TESTS/lib.sh"
need_root
need cpack dpkg dpkg-deb lintian
: "${VMDECK_BUILD:?}"
[[ -f $VMDECK_BUILD/CPackConfig.cmake ]] || fail "no CPackConfig.cmake in $VMDECK_BUILD"
version=$("$VMDECK" --version | awk '{ print $2 }')
arch=$(dpkg --print-architecture)
deb=$T_TMP/pkg/vmdeck_${version}_${arch}.deb

# --- build ------------------------------------------------------------------------
check "the build has a 'package' target" bash -c "cmake --build '$VMDECK_BUILD' --target help | grep -qw package"
(cd "$VMDECK_BUILD" && cpack --config CPackConfig.cmake -B "$T_TMP/pkg") >"$T_TMP/cpack.log" 2>&1 ||
	fail "cpack: $(tail -20 "$T_TMP/cpack.log")"
[[ -f $deb ]] || fail "no $(basename "$deb"): $(ls "$T_TMP/pkg")"
log "built $(basename "$deb")"

# --- control fields ----------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
depends=$(field Depends) recommends=$(field Recommends)
log "Depends: $depends"
for d in qemu-system-x86 dnsmasq-base nftables libncursesw6 libnl-3-200 libnl-route-3-200 libyaml-0-2 \
	libvncclient1 libjson-c5 libpng16-16 libc6; do
	check "Depends has $d" grep -qE "(^|, )$d( |,|\$)" <<<"$depends"
done
for r in qemu-utils ovmf libmicrohttpd12 libxml2; do
	check "Recommends has $r" grep -qE "(^|, )$r( |,|\$)" <<<"$recommends"
done
check "Version is the binary's ($version)" test "$(field Version)" = "$version"
check "Architecture $arch" test "$(field Architecture)" = "$arch"

# --- contents ------------------------------------------------------------------------
dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|' >"$T_TMP/contents"
for f in /usr/bin/vmdeck /usr/bin/vmdeck-supervisor /usr/share/man/man1/vmdeck.1.gz \
	/usr/share/bash-completion/completions/vmdeck /usr/share/doc/vmdeck/copyright \
	/usr/share/doc/vmdeck/changelog.gz /usr/share/doc/vmdeck/examples/debian12.yaml \
	/usr/share/doc/vmdeck/examples/networks/virbr0.yaml; do
	check "the package has $f" grep -qxF "$f" "$T_TMP/contents"
done
shopt -s nullglob
for u in "$VMDECK_SRC"/dist/systemd/*.service.in "$VMDECK_SRC"/dist/systemd/*.service "$VMDECK_SRC"/dist/*.service.in; do
	u=$(basename "$u" .in)
	check "the package has the unit $u" grep -qE "^(/usr)?/lib/systemd/system/$u\$" "$T_TMP/contents"
done
check "no uncompressed manual page" bash -c "! grep -q '/man/.*\.1\$' '$T_TMP/contents'"

# --- lintian: no error (warnings are allowed) --------------------------------------
lintian "$deb" >"$T_TMP/lintian" 2>&1
log "lintian: $(grep -c '^[EW]:' "$T_TMP/lintian") tag(s)"
cat "$T_TMP/lintian" >&2
check "lintian reports no error" bash -c "! grep -q '^E:' '$T_TMP/lintian'"

# --- install into a throwaway root, run, remove -----------------------------------
root=$T_TMP/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --force-depends -i "$deb" >"$T_TMP/dpkg.log" 2>&1 || fail "dpkg -i: $(tail "$T_TMP/dpkg.log")"
check "dpkg says vmdeck is installed" bash -c "dpkg --root='$root' -s vmdeck | grep -q '^Status: install ok installed'"
out=$("$root/usr/bin/vmdeck" --version)
check "installed vmdeck --version: 'vmdeck $version' (got '$out')" test "$out" = "vmdeck $version"
ex=$root/usr/share/doc/vmdeck/examples
"$root/usr/bin/vmdeck" check "$ex" >"$T_TMP/check.out" 2>"$T_TMP/check.err"
log "check: $(cat "$T_TMP/check.out")"
n_ex=$(ls "$ex"/*.yaml | wc -l)
check "installed vmdeck check: all $n_ex example profiles load" grep -q "$n_ex files checked: $n_ex profiles loaded" "$T_TMP/check.out"
check "installed vmdeck check: the example lab network loads" grep -q "1 lab network file checked: 1 loaded, 0 with errors" "$T_TMP/check.out"
# Their media (disks, ISOs) are the user's to provide: nothing else is wrong.
check "installed vmdeck check: only missing media reported" \
	bash -c "! grep -v 'does not exist\$' '$T_TMP/check.err' | grep -q ."
unit=$(find "$root" -name vmdeck-autostart.service | head -n1)
check "the installed unit runs /usr/bin/vmdeck" bash -c "grep -qx 'ExecStart=/usr/bin/vmdeck autostart' '$unit' &&
	grep -qx 'ExecStop=/usr/bin/vmdeck autostart --stop' '$unit'"
# The shipped completion with the shipped binary.
got=$(PATH="$root/usr/bin:$PATH" bash -c '. "$1"; COMP_WORDS=(vmdeck aut); COMP_CWORD=1; _vmdeck; echo "${COMPREPLY[*]}"' _ \
	"$root/usr/share/bash-completion/completions/vmdeck")
check "the installed completion completes 'vmdeck aut' (got '$got')" test "$got" = autostart
dpkg --root="$root" -r vmdeck >"$T_TMP/dpkg-r.log" 2>&1 || fail "dpkg -r: $(tail "$T_TMP/dpkg-r.log")"
left=$(find "$root" -type f -not -path "$root/var/lib/dpkg/*")
check "dpkg -r removed every file (left: $left)" test -z "$left"
finish
