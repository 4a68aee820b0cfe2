#!/usr/bin/env bash
# Runtime directories vmdeck must not trust: owned by another user, writable
# by others, a symlink (the root or a VM's dir), symlinks planted for
# qemu.log / serial.log. vmdeck refuses with a message naming the directory
# and the problem, never follows the link (the targets stay untouched), and
# stays usable (status works) afterwards.
. "$VMDECK_TESTS/lib.sh"
. "$VMDECK_TESTS/vm/common.sh"
need_root # chown to another user
need runuser

profile_bare hx
victim=$T_TMP/victim
mkdir -p "$victim"
echo precious >"$victim/precious"
echo 12345 >"$victim/qemu.pid"
real_run=$VMDECK_RUNTIME_DIR

# expect_refuse WHAT REGEX : start fails, names the problem, no QEMU, victim intact.
expect_refuse() {
	local what=$1 re=$2 out rc
	out=$("$VMDECK" start hx 2>&1); rc=$?
	log "$what: $out"
	check "$what: start refused" test $rc -ne 0
	check "$what: message says why" grep -Eq -- "$re" <<<"$out"
	check "$what: no QEMU" test "$(pgrep -f -- "hx/qmp.sock" | wc -l)" -eq 0
	check "$what: victim untouched" test "$(cat "$victim/precious")" = precious -a -f "$victim/qemu.pid"
	check "$what: status still answers" bash -c '"$VMDECK" status --json hx >/dev/null'
}

# 1. the runtime root belongs to someone else
chown 65534:65534 "$real_run"
expect_refuse "root owned by uid 65534" "runtime directory $real_run is owned by uid 65534"
chown 0:0 "$real_run"

# 2. the runtime root is writable by others
chmod 0777 "$real_run"
expect_refuse "root mode 0777" "runtime directory $real_run is writable by other users \(mode 0777\)"
chmod 0700 "$real_run"

# 3. the runtime root is a symlink
export VMDECK_RUNTIME_DIR=$T_TMP/run-link
ln -s "$victim" "$VMDECK_RUNTIME_DIR"
expect_refuse "root is a symlink" "runtime directory $VMDECK_RUNTIME_DIR is a symlink"
export VMDECK_RUNTIME_DIR=$real_run

# 4. the VM's own dir is a symlink (to a dir with a qemu.pid and a lock)
ln -s "$victim" "$real_run/hx"
expect_refuse "VM dir is a symlink" "VM hx: runtime directory $real_run/hx is a symlink"
check "VM dir symlink: status shows stopped" vm_state_is hx stopped
rm "$real_run/hx"

# 5. VM dir writable by its group
mkdir -m 0770 "$real_run/hx"
expect_refuse "VM dir mode 0770" "runtime directory $real_run/hx is writable by its group"
rmdir "$real_run/hx"

# 6. readable by others only (ours): tightened to 0700 and used; planted
#    qemu.log / serial.log symlinks are replaced, not followed.
chmod 0755 "$real_run"
mkdir -m 0755 "$real_run/hx"
ln -s "$victim/precious" "$real_run/hx/qemu.log"
ln -s "$victim/precious" "$real_run/hx/serial.log"
out=$("$VMDECK" start hx 2>&1); rc=$?
log "mode 0755 + planted logs: $out"
check "0755 root: start works" test $rc -eq 0
check "root tightened to 0700" test "$(stat -c %a "$real_run")" = 700
check "VM dir tightened to 0700" test "$(stat -c %a "$real_run/hx")" = 700
check "qemu.log is a plain file now" test -f "$real_run/hx/qemu.log" -a ! -L "$real_run/hx/qemu.log"
check "symlink target untouched" test "$(cat "$victim/precious")" = precious
check "QMP socket there" test -S "$real_run/hx/qmp.sock"
check "another user cannot reach the QMP socket" bash -c "! runuser -u nobody -- test -e '$real_run/hx/qmp.sock'"
check "no socket writable by others" bash -c "! find '$real_run/hx' -type s -perm /022 | grep -q ."
"$VMDECK" kill hx >/dev/null 2>&1
check "killed" wait_for 20 vm_state_is hx exited
finish
