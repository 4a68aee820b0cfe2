#!/usr/bin/env bash
# libvirt_env.sh : a private libvirtd (libvirt 9.0, Debian 12) for benches and
# tests, set up as shared/FACTS.md says works on these machines, touching
# nothing of the host's libvirt:
#   - libvirtd and virtlogd run as root in a network namespace of their own
#     (unique name, removed by lv_down) and a private mount namespace where
#     /etc/libvirt is a private copy (qemu.conf: user/group root, no cgroups,
#     no security driver) and /run, /var are tmpfs with libvirt's run, lib,
#     cache and log dirs bound from DIR;
#   - both daemons are children of a tiny child subreaper (compiled here)
#     that reaps at once: this sandbox's PID 1 reaps orphans slowly (~1.5 s)
#     and `virsh destroy` would wait on it;
#   - never a libvirt network (no `default`): domains here have no NIC.
# Use as a library:
#   . tests/bench/libvirt_env.sh
#   lv_up DIR || skip "$LV_WHY"   # sets LV_URI, LV_DIR; DIR must be empty/new
#   virsh -c "$LV_URI" ...
#   lv_down                        # (also from a trap) stops what lv_up started
# or by hand: libvirt_env.sh install | up DIR | down DIR.
# DIR must not be under /run or /var (they are covered inside the namespace).

lv_log() { echo "libvirt_env: $*" >&2; }

# The packages (FACTS: never libvirt-daemon-system, its default network).
lv_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
}

# Why libvirtd cannot run here (empty output: it can).
lv_missing() {
	local c
	((EUID == 0)) || { echo "not root"; return; }
	for c in libvirtd virtlogd virsh unshare ip cc qemu-system-x86_64; do
		command -v "$c" >/dev/null 2>&1 || { echo "no $c (tests/bench/libvirt_env.sh install)"; return; }
	done
	[[ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ]] ||
		ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so >/dev/null 2>&1 ||
		echo "no libvirt QEMU driver (libvirt-daemon-driver-qemu)"
}

lv_subreaper_c='
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
/* Run argv[1..] as a child subreaper: reap every orphan below at once;
 * exit when no child is left. */
int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("prctl");
		return 1;
	}
	pid_t c = fork();
	if (c < 0)
		return 1;
	if (c == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	for (;;)
		if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD)
			return 0;
}
'

# The system user libvirtd insists on (normally made by libvirt-daemon-system).
lv_user() {
	getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu || return 1
	getent passwd libvirt-qemu >/dev/null ||
		useradd --system -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
}

# lv_up DIR: start the daemons; LV_URI reaches them. 0, or 1 with LV_WHY.
lv_up() {
	LV_DIR=$1 LV_WHY=
	LV_WHY=$(lv_missing)
	[[ -z $LV_WHY ]] || return 1
	case $LV_DIR in /run/* | /var/*) LV_WHY="DIR under /run or /var"; return 1 ;; esac
	# log/qemu: the package ships /var/log/libvirt/qemu (serial <log file> go there).
	mkdir -p "$LV_DIR"/{etc/qemu,run,lib,cache,log/qemu,dom} || { LV_WHY="cannot make $LV_DIR"; return 1; }
	LV_DIR=$(cd "$LV_DIR" && pwd)
	lv_user || { LV_WHY="cannot create the libvirt-qemu user"; return 1; }
	printf '%s' "$lv_subreaper_c" >"$LV_DIR/subreaper.c"
	cc -O2 -o "$LV_DIR/subreaper" "$LV_DIR/subreaper.c" 2>"$LV_DIR/cc.err" ||
		{ LV_WHY="cannot build the subreaper: $(head -c 300 "$LV_DIR/cc.err")"; return 1; }
	cp -a /etc/libvirt/. "$LV_DIR/etc/" 2>/dev/null
	cat >"$LV_DIR/etc/qemu.conf" <<-'EOF'
		user = "root"
		group = "root"
		cgroup_controllers = [ ]
		security_driver = "none"
	EOF
	cat >"$LV_DIR/etc/libvirtd.conf" <<-'EOF'
		log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
	EOF
	cat >"$LV_DIR/etc/virtlogd.conf" <<-'EOF'
		log_outputs = "3:file:/var/log/libvirt/virtlogd.log"
	EOF
	LV_NETNS=vmdeck-lv-$$-$RANDOM
	echo "$LV_NETNS" >"$LV_DIR/netns"
	ip netns add "$LV_NETNS" || { LV_WHY="ip netns add failed"; return 1; }
	ip -n "$LV_NETNS" link set lo up
	# Inside: private mounts, then the subreaper, which runs both daemons
	# (each daemonizes and is reparented to it).
	ip netns exec "$LV_NETNS" unshare -m --propagation private bash -c '
		d=$1
		set -e
		mount -t tmpfs -o mode=755 lvrun /run
		mount -t tmpfs -o mode=755 lvvar /var
		mkdir -p /run/libvirt /run/lock /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /var/tmp
		chmod 1777 /var/tmp
		ln -s /run /var/run
		ln -s /run/lock /var/lock
		mount --bind "$d/etc" /etc/libvirt
		mount --bind "$d/run" /run/libvirt
		mount --bind "$d/lib" /var/lib/libvirt
		mount --bind "$d/cache" /var/cache/libvirt
		mount --bind "$d/log" /var/log/libvirt
		exec "$d/subreaper" bash -c "virtlogd -d -p /run/libvirt/virtlogd.pid && libvirtd -d -p /run/libvirt/libvirtd.pid"
	' lv "$LV_DIR" </dev/null >"$LV_DIR/log/start.out" 2>&1 &
	echo $! >"$LV_DIR/subreaper.pid"
	LV_URI="qemu+unix:///system?socket=$LV_DIR/run/libvirt-sock"
	for _ in $(seq 300); do
		virsh -c "$LV_URI" version >/dev/null 2>&1 && break
		kill -0 "$(cat "$LV_DIR/subreaper.pid")" 2>/dev/null || break
		sleep 0.1
	done
	if ! virsh -c "$LV_URI" version >/dev/null 2>"$LV_DIR/version.err"; then
		LV_WHY="libvirtd did not answer: $(tail -n 3 "$LV_DIR/version.err" "$LV_DIR/log/start.out" "$LV_DIR/log/libvirtd.log" 2>/dev/null | tr '\n' ' ' | head -c 600)"
		return 1
	fi
	return 0
}

# lv_down [DIR]: destroy what runs (domains, and networks with their
# dnsmasq), stop the daemons and the subreaper (by their PIDs), kill any
# QEMU left (its pid file), remove the namespace.
lv_down() {
	local d=${1:-${LV_DIR:-}} p f uri
	[[ -n $d && -d $d ]] || return 0
	uri="qemu+unix:///system?socket=$d/run/libvirt-sock"
	if [[ -S $d/run/libvirt-sock ]]; then
		for p in $(virsh -c "$uri" list --name 2>/dev/null); do
			virsh -c "$uri" destroy "$p" >/dev/null 2>&1
		done
		# A started network's dnsmasq daemonizes away from the subreaper:
		# stopping the network stops it.
		for p in $(virsh -c "$uri" net-list --name 2>/dev/null); do
			virsh -c "$uri" net-destroy "$p" >/dev/null 2>&1
		done
	fi
	# Should that have failed: the networks' dnsmasq by libvirt's pid files.
	for f in "$d"/run/network/*.pid; do [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null; done
	for f in "$d"/run/qemu/*.pid; do [[ -f $f ]] && kill -9 "$(cat "$f")" 2>/dev/null; done
	for f in "$d"/run/libvirtd.pid "$d"/run/virtlogd.pid; do
		[[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null
	done
	if [[ -f $d/subreaper.pid ]]; then
		p=$(cat "$d/subreaper.pid")
		# The subreaper exits by itself once both daemons are gone.
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		for f in "$d"/run/libvirtd.pid "$d"/run/virtlogd.pid; do
			[[ -f $f ]] && kill -9 "$(cat "$f")" 2>/dev/null
		done
		kill -9 "$p" 2>/dev/null
		rm -f "$d/subreaper.pid"
	fi
	if [[ -f $d/netns ]]; then
		ip netns del "$(cat "$d/netns")" 2>/dev/null
		rm -f "$d/netns"
	fi
	return 0
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	case ${1:-} in
	install) lv_install ;;
	up)
		[[ -n ${2:-} ]] || { echo "usage: $0 up DIR" >&2; exit 2; }
		lv_up "$2" || { lv_log "$LV_WHY"; lv_down "$2"; exit 1; }
		echo "$LV_URI"
		;;
	down)
		[[ -n ${2:-} ]] || { echo "usage: $0 down DIR" >&2; exit 2; }
		lv_down "$2"
		;;
	*) echo "usage: $0 install | up DIR | down DIR" >&2; exit 2 ;;
	esac
fi
