# tests/vm/common.sh — shared by the lifecycle script tests (source after lib.sh).
# Profiles are written into $T_TMP/prof: the Linux test guest with user
# networking (no TAPs needed) and a no-OS VM (SeaBIOS only).
need qemu-system-x86_64 jq
GUEST_OUT=$VMDECK_SRC/tests/guest/out
PROF=$T_TMP/prof
mkdir -p "$PROF"
export VMDECK_PROFILES=$PROF

# The guest kernel + initramfs (cached; quick when already built).
guest_build() {
	bash "$VMDECK_SRC/tests/guest/build.sh" || skip "cannot build the test guest (tests/guest/build.sh)"
}

# profile_guest NAME [EXTRA YAML LINES...]; GUEST_APPEND_EXTRA: more kernel arguments
profile_guest() {
	local name=$1; shift
	{
		printf 'name: %s\naccel: tcg\nmachine: q35\nmemory: 256M\n' "$name"
		printf 'boot:\n  kernel: %s/vmlinuz\n  initrd: %s/initrd.img\n' "$GUEST_OUT" "$GUEST_OUT"
		printf '  append: "console=ttyS0 quiet vmdeck.name=%s%s"\n' "$name" "${GUEST_APPEND_EXTRA:+ $GUEST_APPEND_EXTRA}"
		printf 'nics:\n  - model: virtio-net-pci\n    network: user\nstop_timeout: 30\n'
		local l
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$PROF/$name.yaml"
}

# profile_bare NAME [EXTRA YAML LINES...]: no OS, no disk — SeaBIOS only.
profile_bare() {
	local name=$1; shift
	{
		printf 'name: %s\naccel: tcg\nmachine: q35\nmemory: 64M\nstop_timeout: 3\n' "$name"
		local l
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$PROF/$name.yaml"
}

vm_json() { "$VMDECK" status --json "$1" | jq -r ".[0].$2"; }
vm_state_is() { [[ $(vm_json "$1" state) == "$2" ]]; }
qemu_pid() { cat "$VMDECK_RUNTIME_DIR/$1/qemu.pid" 2>/dev/null; }
# QEMUs of this test run (their command lines name our private runtime dir).
qemu_count() { pgrep -f -- "$VMDECK_RUNTIME_DIR/$1/qmp.sock" | wc -l; }
# Make sure nothing we started outlives the test: SIGKILL by pid.
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")"; done'
