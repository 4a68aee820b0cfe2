#!/usr/bin/env bash
# bootstrap.sh — install what vmdeck needs on Debian 12, build it, and run it.
#   ./bootstrap.sh demo    install, build, open vmdeck on the built-in demo lab
#   ./bootstrap.sh test    install, build, run every test (ctest), then again under
#                          ASan+UBSan in build-asan (VMDECK_SKIP_ASAN=1 skips that)
#   ./bootstrap.sh build   install and build only
#   ./bootstrap.sh deps    install the Debian packages only
# Idempotent: packages already installed and an up-to-date build are skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${VMDECK_BUILD_DIR:-$here/build}
jobs=$(nproc 2>/dev/null || echo 2)

# As root, vmdeck reads only profiles that root or the sudo user owns (see
# docs/security.md). Whoever runs this script as root already trusts this
# checkout, so a checkout owned by a user (cloned as that user, then `su`)
# counts as that user's, for the demo and the tests alike.
if [[ $(id -u) -eq 0 && -z ${SUDO_UID:-} && $(stat -c %u "$here") -ne 0 ]]; then
	export SUDO_UID SUDO_GID
	SUDO_UID=$(stat -c %u "$here") SUDO_GID=$(stat -c %g "$here")
fi

packages=(
	# build
	build-essential cmake pkg-config git
	libncurses-dev libnl-3-dev libnl-route-3-dev libyaml-dev libvncserver-dev
	libjson-c-dev libcmocka-dev libpng-dev libvterm-dev clang libclang-rt-14-dev
	libmicrohttpd-dev # vmdeck metrics: the Prometheus exporter's HTTP server
	libxml2-dev # libvirt domain/network XML: export and import --libvirt
	# run
	qemu-system-x86 qemu-utils ovmf dnsmasq-base nftables iproute2 procps
	ncurses-term # xterm-direct, tmux-direct...: 24-bit colour in the TUI
	# tests and the demo
	tmux busybox-static iputils-ping jq xvfb x11vnc tk chafa bmon ca-certificates
	console-data # console fonts: the zoomed text view and screenshot --text (default8x16 = the VGA ROM font)
	python3 valgrind util-linux
	prometheus prometheus-node-exporter # tests: a real Prometheus scrapes vmdeck metrics; the bench compares node_exporter
	# libvirt export/import tests: a private libvirtd (tests/bench/libvirt_env.sh), virt-xml-validate
	# (libvirt-clients), iptables for a libvirt NAT network. Never libvirt-daemon-system: its
	# postinst defines and starts libvirt's 'default' network on the host.
	libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients iptables
	libvirt-dev # libvirt hosts in the TUI and the verbs (--connect): headers for core/lvso.c (dlopen)
	openssh-server # tests: qemu+ssh:// to an sshd of the test's own (private config, -D; never the host's)
	strace openssl # tests: which files the TUI opens, which sockets a verb connects; secrets for VNC tests
	systemd bash-completion lintian # tests: systemd-analyze verify on the units, completion, the .deb
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

deps() {
	local missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if ((${#missing[@]} == 0)); then
		say "packages: all ${#packages[@]} present"
		return
	fi
	if [[ $(id -u) -ne 0 ]]; then
		echo "bootstrap.sh: missing packages: ${missing[*]}" >&2
		echo "bootstrap.sh: run as root, or: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
	say "installing ${#missing[@]} packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# The packages' own services (sshd, libvirtd, dnsmasq…) are not started
	# on the host by their install: the tests start private ones in
	# namespaces of their own. policy-rc.d says so to invoke-rc.d and
	# deb-systemd-invoke, and only for this install (one already there is
	# left alone).
	local prc=/usr/sbin/policy-rc.d ours=0
	if [[ ! -e $prc ]]; then
		printf '#!/bin/sh\n# vmdeck bootstrap.sh: no service starts during its package install\nexit 101\n' >"$prc"
		chmod 755 "$prc"
		ours=1
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT INT TERM # even if the install is cut short
	fi
	local rc=0
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
	if ((ours)); then
		rm -f "$prc"
		trap - EXIT INT TERM
	fi
	((rc == 0)) || exit "$rc"
}

configure_build() {
	local dir=$1; shift
	# A build dir configured by hand without the options asked for here (say
	# build-asan without the sanitizers) is configured again, not trusted.
	local opt stale=0
	for opt in "$@"; do
		[[ $opt == -D*=* ]] || continue
		opt=${opt#-D}
		grep -q "^${opt%%=*}:[A-Z]*=${opt#*=}\$" "$dir/CMakeCache.txt" 2>/dev/null || stale=1
	done
	if [[ ! -f $dir/CMakeCache.txt || $stale == 1 ]]; then
		say "configuring $dir"
		cmake -S "$here" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
	fi
	say "building $dir"
	cmake --build "$dir" -j "$jobs" -- --no-print-directory >/dev/null
	# The tiny Linux test guest (kernel + initramfs) the tests and the demo
	# boot; cached in tests/guest/out, quick when already built.
	say "test guest"
	bash "$here/tests/guest/build.sh" || say "warning: the test guest could not be built (offline?); its tests will say so"
}

# The unit and integration tests a second time in the ASan+UBSan build
# (build-asan; fuzz targets are ASan+UBSan builds already and run once; the
# soak tests run once too, their long-lived process checked by valgrind).
# Script tests get this build's vmdeck through $VMDECK. Reports go to files,
# not stderr, so one from a process nobody waits for (a tmux pane, the
# detached QEMU supervisor) is not lost: any file there fails the pass.
# QEMU, dnsmasq and the other child programs are not instrumented.
asan_tests() {
	local dir=${VMDECK_ASAN_BUILD_DIR:-$here/build-asan}
	local reports=$dir/sanitizer-reports leaks=1 rc=0
	configure_build "$dir" -DVMDECK_SANITIZE=ON
	rm -rf "$reports"
	mkdir -p "$reports"
	# Tests run some vmdecks as an unprivileged user (nobody): their reports
	# must land here too, not be lost to a permission error.
	chmod 1777 "$reports"
	# LeakSanitizer needs ptrace on its own threads; some containers forbid it.
	if ASAN_OPTIONS=detect_leaks=1 "$dir/tests/test_util" 2>&1 | grep -q 'LeakSanitizer has encountered a fatal error'; then
		if [[ ${CI:-} == true && ${VMDECK_ASAN_LEAKS:-} != 0 ]]; then
			echo "bootstrap.sh: LeakSanitizer cannot run here (no ptrace); set VMDECK_ASAN_LEAKS=0 to run without it" >&2
			return 1
		fi
		say "LeakSanitizer cannot run here (no ptrace): leak detection OFF"
		leaks=0
	fi
	[[ ${VMDECK_ASAN_LEAKS:-} == 0 ]] && leaks=0
	say "running tests under ASan+UBSan (-LE 'fuzz|soak'; leaks=$leaks)"
	(cd "$dir" &&
		ASAN_OPTIONS=detect_leaks=$leaks:halt_on_error=1:abort_on_error=1:log_path=$reports/asan \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan \
		ctest --output-on-failure -j "$jobs" -LE 'fuzz|soak' ${VMDECK_CTEST_ARGS:-}) || rc=1
	if compgen -G "$reports/*" >/dev/null; then
		cat "$reports"/* >&2
		echo "bootstrap.sh: sanitizer reports in $reports (above)" >&2
		rc=1
	fi
	return $rc
}

cmd=${1:-}
case $cmd in
deps) deps ;;
build)
	deps
	configure_build "$build"
	;;
test)
	deps
	configure_build "$build"
	say "running tests"
	rc=0
	(cd "$build" && ctest --output-on-failure -j "$jobs" ${VMDECK_CTEST_ARGS:-}) || rc=1
	if [[ ${VMDECK_SKIP_ASAN:-} == 1 && ${CI:-} == true ]]; then
		echo "bootstrap.sh: VMDECK_SKIP_ASAN=1 with CI=true: CI never skips the ASan+UBSan pass" >&2
		rc=1
	elif [[ ${VMDECK_SKIP_ASAN:-} == 1 ]]; then
		say "ASan+UBSan pass skipped (VMDECK_SKIP_ASAN=1)"
	else
		asan_tests || rc=1
	fi
	exit $rc
	;;
demo)
	deps
	configure_build "$build"
	exec bash "$here/tests/demo/demo.sh" "$build/tui/vmdeck"
	;;
*)
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
