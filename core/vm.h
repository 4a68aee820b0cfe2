/* vm: the lifecycle of QEMU VMs — start, stop, pause, re-attach — driven
 * asynchronously from core/loop. A struct vmm holds one struct vm per profile
 * (plus VMs found running whose profile is gone). Nothing here blocks the
 * loop for longer than a fork: QMP traffic, stop escalation and exit
 * detection are all fd / timer callbacks.
 *
 * Runtime directory of a VM (paths_vm_dir(name), mode 0700):
 *   vm.lock        OFD lock: held by the VM's supervisor process for as long
 *                  as QEMU lives (and by the starting vmdeck before that).
 *                  Locked == the VM exists; exactly one start can win.
 *   qmp.lock       OFD lock held by the vmdeck that owns the persistent QMP
 *                  connection on qmp.sock (events). Other vmdecks send
 *                  one-shot commands on ctl.sock and poll the state.
 *   qmp.sock, ctl.sock, vnc.sock, qemu.pid (from qemu_args)
 *   console.sock, serial.log, serial.log.1
 *                  the serial console, relayed and logged (rotated) by the
 *                  supervisor (core/relay.h)
 *   qemu.start     "PID TICKS": QEMU's pid and start time, by the supervisor
 *   created        "tap NAME" lines: what the start made; teardown removes these
 *   qemu.log       QEMU's stdout+stderr (kept after exit; after a failed
 *                  start cut to its last 16 KiB)
 *   exit-status    "exit N" / "signal N", written by the supervisor on exit
 *   last-exit      JSON {cause, code, time, error}: the last exit as the
 *                  vmdeck that tidied (or whose start failed) saw it; every
 *                  later vmdeck takes its state from it until the next start
 *   shutdown-reason  the reason of QMP's SHUTDOWN event, written by the owner
 * See docs/lifecycle.md. */
#ifndef VMDECK_VM_H
#define VMDECK_VM_H

#include "core/loop.h"
#include "core/profile.h"
#include "core/vmnet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct json_object;
struct monitor;
struct strv;

enum vm_state {
	VM_STOPPED = 0, /* no QEMU, nothing left over */
	VM_STARTING,    /* QEMU spawned, QMP not answered "running" yet */
	VM_RUNNING,
	VM_PAUSED,      /* QMP "stop" (or started with -S, or an I/O error) */
	VM_STOPPING,    /* a stop is escalating, or QEMU announced SHUTDOWN */
	VM_EXITED,      /* QEMU is gone; vm_cause() says why */
	VM_UNKNOWN,     /* cannot be watched (out of file descriptors): vm_error()
			 * says why; never taken for stopped. Retried at each scan. */
};
#define VM_STATE_COUNT 7
const char *vm_state_name(enum vm_state s); /* "stopped", "running", … */

/* Why a VM is in VM_EXITED (or why a start failed). */
enum vm_cause {
	VM_CAUSE_NONE = 0,
	VM_CAUSE_GUEST_SHUTDOWN, /* SHUTDOWN reason guest-shutdown: the OS powered off */
	VM_CAUSE_HOST_QUIT,      /* QMP quit (vmdeck's force stop or escalation) */
	VM_CAUSE_HOST_SIGNAL,    /* QEMU caught SIGTERM/SIGINT/SIGHUP and shut down */
	VM_CAUSE_GUEST_PANIC,    /* guest-panic */
	VM_CAUSE_SIGNAL,         /* QEMU killed by a signal (vm_exit_code = signo) */
	VM_CAUSE_EXIT_CODE,      /* QEMU exited by itself with a code (a crash if != 0) */
	VM_CAUSE_START_FAILED,   /* QEMU never came up; vm_error() has its text */
	VM_CAUSE_UNKNOWN,        /* gone, and nobody recorded how */
};

struct vmm;
struct vm;

/* Called after any change of a VM's state, cause, pid, mode or error, and
 * with vm == NULL when the set of VMs changed (profiles reloaded, a VM found
 * running). The UI sets dirty bits here. */
typedef void (*vmm_change_cb)(struct vm *vm, void *arg);
/* Progress lines: "web1: system_powerdown sent, waiting up to 60 s",
 * "web1: no shutdown after 60 s, sending quit", … (no trailing newline). */
typedef void (*vmm_log_cb)(struct vm *vm, const char *line, void *arg);
/* Completion of an asynchronous action: status 0 success, -1 failure with
 * err naming the VM and the cause (borrowed, valid during the call). */
typedef void (*vm_done_cb)(struct vm *vm, int status, const char *err, void *arg);
/* Result of an HMP command: output text (may be "" ) or err. */
typedef void (*vm_monitor_cb)(struct vm *vm, const char *output, const char *err, void *arg);

/* hooks may be NULL (no TAP handling: profiles with TAP NICs then fail to
 * start unless QEMU can make the TAP itself). Borrowed, must outlive vmm. */
struct vmm *vmm_new(struct loop *l, const struct vm_net_hooks *hooks);
/* Closes connections and stops watching; never stops VMs — they keep
 * running and the next vmdeck re-attaches. NULL is a no-op. */
/* Observe only (--read-only): never take the persistent QMP connection
 * (state comes from one-shot queries on ctl.sock), never clean leftovers or
 * remove TAPs. Call before the first rescan. */
void vmm_set_read_only(struct vmm *m, bool read_only);
/* Know and touch only the VM called name (a verb acting on one VM): other
 * profiles are not listed, other runtime dirs are not looked at, no other
 * VM's lock, socket or pid is opened. Call before the first sync. */
void vmm_set_scope(struct vmm *m, const char *name);
/* Look once (status): never take a QMP connection or a pidfd; the state of
 * a live VM comes from one one-shot query-status on ctl.sock. Call before
 * the first sync. */
void vmm_set_snapshot(struct vmm *m, bool snapshot);
/* How many live VMs' state is not confirmed by QEMU yet (a query-status in
 * flight, or a QMP connection not ready): a one-shot look runs the loop
 * until this is 0 (bounded by its own deadline). */
size_t vmm_pending(const struct vmm *m);
void vmm_free(struct vmm *m);

void vmm_set_on_change(struct vmm *m, vmm_change_cb cb, void *arg);
void vmm_set_on_log(struct vmm *m, vmm_log_cb cb, void *arg);

/* Take ownership of a (re)loaded profile set. VMs are matched by name:
 * new profiles appear as stopped (or running, if their runtime dir says so),
 * running VMs keep running even when their profile vanished (vm_profile()
 * keeps pointing at the old copy, which vmm frees once the VM is gone).
 * Also scans the runtime directory (see vmm_rescan). */
void vmm_sync_profiles(struct vmm *m, struct profile_set *set);
/* The current set (borrowed; NULL before the first sync). */
const struct profile_set *vmm_profiles(const struct vmm *m);
/* Look at every runtime dir: re-attach to live VMs (started by another
 * vmdeck too), recognise and clean leftovers of dead ones (logs kept).
 * Runs at sync and then once a second from a timer; cheap. */
void vmm_rescan(struct vmm *m);

/* VMs sorted by name. Borrowed pointers, valid until the next sync or the
 * next change callback with vm == NULL (a profile-less VM that is gone
 * leaves the list then). */
size_t vmm_count(const struct vmm *m);
struct vm *vmm_at(const struct vmm *m, size_t i);
struct vm *vmm_find(const struct vmm *m, const char *name);

/* Raise the soft open-files limit to the hard one, once, at program start:
 * watching a VM holds a few descriptors (pidfd, QMP, locks). The QEMUs
 * started later get the soft limit the program was given. Returns the new
 * soft limit. */
unsigned long vm_nofile_raise(void);

/* ---- reading a VM ---- */
const char *vm_name(const struct vm *vm);
/* NULL for a VM found running without a profile. */
const struct profile *vm_profile(const struct vm *vm);
enum vm_state vm_state(const struct vm *vm);
enum vm_cause vm_cause(const struct vm *vm);
/* Exit code or signal number for VM_CAUSE_EXIT_CODE / VM_CAUSE_SIGNAL. */
int vm_exit_code(const struct vm *vm);
/* "guest shutdown", "signal 9", "exit code 1", "start failed", "" …
 * Borrowed, valid until the next change. */
const char *vm_cause_text(const struct vm *vm);
/* "running", "exited, signal 9", "stopping (quit sent)" — one line for a
 * list. Borrowed, valid until the next change. */
const char *vm_status_text(const struct vm *vm);
/* What a start is busy with before QEMU runs ("creating disk 'data'"),
 * NULL otherwise (also for another vmdeck's start). Borrowed. */
const char *vm_phase(const struct vm *vm);
pid_t vm_pid(const struct vm *vm);              /* QEMU's pid, 0 if none */
uint64_t vm_uptime_s(const struct vm *vm);      /* since QEMU started; 0 if not alive */
/* The saved mode (modes_get); what the next start uses. */
enum vm_mode vm_mode(const struct vm *vm);
/* The mode the running QEMU is in now (same as vm_mode when stopped). */
enum vm_mode vm_live_mode(const struct vm *vm);
/* True while this vmdeck owns the VM's persistent QMP connection (events);
 * false for a VM another vmdeck owns (then state is polled once a second). */
bool vm_is_owner(const struct vm *vm);
/* Runtime dir (borrowed). */
const char *vm_dir(const struct vm *vm);
/* The last error (failed start with QEMU's own text, failed action); NULL
 * when none. Kept, like the cause, until the next start. Borrowed. */
const char *vm_error(const struct vm *vm);
/* When the last exit happened (VM_EXITED), else 0. */
time_t vm_exit_time(const struct vm *vm);
/* Append up to n last lines of DIR/qemu.log as of the last exit (also a
 * failed start's, kept there) to out: read once when the exit was settled,
 * none after the next start. Returns the number of lines added. */
size_t vm_log_tail(const struct vm *vm, size_t n, struct strv *out);
/* The per-VM monitor model (scrollback + history) for the monitor pane. */
struct monitor *vm_monitor(struct vm *vm);
/* A monitor command is in flight (sent, not answered): the core keeps it,
 * so a model rebuilt meanwhile still shows it. */
bool vm_monitor_busy(const struct vm *vm);

/* ---- acting on a VM ----
 * Each returns -1 with err set when the action cannot begin (wrong state,
 * locked by another vmdeck, bad profile…); else 0 and done (may be NULL) is
 * called exactly once later — also when the vmm is freed first (status -1,
 * "cancelled"). */

/* Start in the saved mode: lock, argv, missing size: disks, network hooks,
 * spawn detached, QMP. Returns without waiting for qemu-img or the
 * supervisor (both are watched from the loop). done fires when QMP reports
 * the VM running (or paused), or with QEMU's own error text when it died
 * during start-up, or when its binary cannot be run ("cannot run QEMU
 * binary '…': …"). A start that fails once it holds vm.lock but before
 * spawning (argv, firmware vars, TAPs) returns < 0 with err (the TAPs'
 * kind: -ERR_PERM without CAP_NET_ADMIN) — except when it first makes
 * disks: the VM is then VM_STARTING with vm_phase() set ("creating disk
 * 'ID'"), and a failure from there on (qemu-img's, or the TAPs' after it)
 * comes through done; a stop then calls the start off (qemu-img killed,
 * nothing half-made left, done gets the reason). Either way the VM is left
 * exited / start failed with that error (DIR/last-exit) until the next
 * start. A stop asked for before QEMU's pid is known is carried out as
 * soon as it is. */
int vm_start(struct vm *vm, vm_done_cb done, void *arg, char **err);
/* Graceful: system_powerdown, wait stop_timeout_s (profile, default 60),
 * then quit, then SIGTERM, then SIGKILL; each step reported via on_log.
 * done fires when QEMU is gone. */
int vm_stop(struct vm *vm, vm_done_cb done, void *arg, char **err);
/* Force: QMP quit now (SIGTERM if QMP does not answer, then SIGKILL). */
int vm_force_stop(struct vm *vm, vm_done_cb done, void *arg, char **err);
/* SIGKILL now. */
int vm_kill(struct vm *vm, vm_done_cb done, void *arg, char **err);
int vm_pause(struct vm *vm, vm_done_cb done, void *arg, char **err);  /* QMP stop */
int vm_resume(struct vm *vm, vm_done_cb done, void *arg, char **err); /* QMP cont */
int vm_reset(struct vm *vm, vm_done_cb done, void *arg, char **err);  /* system_reset */
/* Save the mode (modes_set). On a running VM also insert the installer into
 * the always-present CD (install) or eject it (boot) and set the boot order
 * for the next reset; done fires when QEMU has answered. Stopped VM: done
 * fires from the loop right away. */
int vm_set_mode(struct vm *vm, enum vm_mode mode, vm_done_cb done, void *arg, char **err);
/* Run one HMP command line via human-monitor-command. Adds "(qemu) line"
 * and the output to vm_monitor()'s scrollback and the line to its history. */
int vm_monitor_exec(struct vm *vm, const char *line, vm_monitor_cb cb, void *arg, char **err);

/* Port forwards (core/vm_forward.c). The VM's forwards: while it runs,
 * RUN/forwards (the profile's as started, with live changes; *live set),
 * else the profile's. *out (with each rule's NIC id) is the caller's. */
struct forward;
size_t vm_forwards(struct vm *vm, struct forward **out, bool *live);
/* Add or remove a forward on a running VM: HMP hostfwd_add/hostfwd_remove
 * on the user-mode NIC nic (NULL: the first), then RUN/forwards. RULE as in
 * profiles (core/forward.h); an added host port is checked free first and
 * a clash names its holder; remove matches protocol, host and host port.
 * done gets the outcome; 0, or < 0 with a kind (nothing sent). */
int vm_forward_change(struct vm *vm, bool add, const char *nic, const char *rule, vm_done_cb done, void *arg,
		      char **err);
/* Any QMP command on a live VM (running or paused): on this vmdeck's own
 * connection, else one-shot on ctl.sock. args (may be NULL) is consumed,
 * also on failure. -1 with err when the VM is not live; else 0 and cb gets
 * the reply's "return" (borrowed) or QEMU's error text, exactly once, later.
 * Storage work (core/disk.h callers) uses it for query-block, block_resize
 * and the snapshot jobs. */
typedef void (*vm_qmp_cb)(struct vm *vm, struct json_object *ret, const char *err, void *arg);
int vm_qmp(struct vm *vm, const char *cmd, struct json_object *args, vm_qmp_cb cb, void *arg, char **err);

/* Forget an exited VM's cause/error in this vmm (state back to stopped);
 * DIR/last-exit stays until the next start (other vmdecks still see it). */
void vm_clear_exited(struct vm *vm);

#endif
