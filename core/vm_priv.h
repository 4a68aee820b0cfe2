/* vm_priv: what the pieces of the VM lifecycle share and nobody else sees —
 * struct vm, struct vmm and the helpers one file offers the others. The
 * public contract is core/vm.h.
 *
 *   vm.c         the state machine: state and cause, exit, stop, reading a VM
 *   vm_spawn.c   start: lock, network, argv, the supervisor hand-shake
 *   vm_rundir.c  the runtime directory: locks, records, logs, TAPs made, scan
 *   vm_qmp.c     QMP: calls, the owner's connection, pause/resume/reset, mode,
 *                monitor
 *   vm_forward.c port forwards: free before a start, changed live
 *   vmm.c        the VM manager: one struct vm per profile */
#ifndef VMDECK_VM_PRIV_H
#define VMDECK_VM_PRIV_H

#include "core/vm.h"
#include "core/util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#define EXIT_STATUS_WAIT_MS 2000 /* supervisor writes exit-status right after */

struct json_object;
struct qmp;

struct waiter {
	vm_done_cb cb;
	void *arg;
};

struct waiters {
	struct waiter *v;
	size_t n, cap;
};

enum stop_step { STEP_NONE, STEP_POWERDOWN, STEP_QUIT, STEP_TERM, STEP_KILL };

struct call;
struct simple;

struct vm {
	unsigned mon_inflight; /* monitor commands sent, not answered yet */
	bool quit_sent;      /* this vmdeck asked QEMU to quit (the cause, if its SHUTDOWN event is lost) */
	struct vmm *m;
	char *name, *dir;
	const struct profile *p;
	bool in_set;         /* its profile is in the current set */

	enum vm_state st;
	enum vm_cause cause;
	int code;
	char *cause_text, *status_text, *error;
	/* What the two cached texts were made from: they are made again when
	 * any of it changed (not only when someone remembered to drop them). */
	struct { enum vm_cause cause; int code; } cause_key;
	struct { enum vm_state st; enum vm_cause cause; int code; int step; } status_key;
	time_t exit_time;    /* when the last exit happened (0: none known) */
	/* The DIR/last-exit this VM's state came from or went to: a new one
	 * (another vmdeck's exit or failed start) is read at the next scan. */
	struct file_stamp rec_seen;
	/* RUN/forwards as last read (vm_forwards): read again only when its
	 * stamp changed, so redrawing a running VM's details opens nothing. */
	struct forward *fwd_cache;
	size_t n_fwd_cache;
	struct file_stamp fwd_seen;

	pid_t pid;
	int pidfd;
	double start_boot_s; /* process start, seconds since boot */
	enum vm_mode live_mode;
	struct monitor *mon;

	int qmp_lock_fd;     /* >= 0: we own qmp.sock */
	struct qmp *q;
	bool q_ready;
	struct loop_timer *connect_timer;
	uint64_t connect_deadline;

	bool starting_here;  /* this vmdeck is starting it */
	struct waiters start_w, exit_w;

	enum stop_step step;
	struct loop_timer *step_timer;
	char *shutdown_reason;

	struct loop_timer *exit_timer;
	uint64_t exit_deadline;
	bool gone;           /* pid exited, finishing */

	struct call *calls;  /* outstanding commands (for cancel on free) */
	bool polling;        /* a status poll is in flight (non-owner) */
	/* DIR/run-state (vm_qmp.c): the owner writes its state there on each
	 * change (and the supervisor in DIR/qemu-state, core/recorder.h); a
	 * non-owner that can trust one of them (rec_trusted) does not poll. */
	enum vm_state rec_written; /* owner: what it holds (VM_STATE_COUNT: none of ours) */
	bool q_known;        /* owner: query-status answered on this connection */
	bool rec_trusted;    /* non-owner: the live owner's (or supervisor's) record is our state */
	unsigned rec_gen;    /* non-owner: records taken in; a poll sent before one is stale */
	/* a pause/resume, reported once the owner's record (another vmdeck's)
	 * and the supervisor's say so too (vm_qmp.c) */
	struct simple *rec_wait;
	struct loop_timer *rec_wait_timer;
	int wd;              /* the inotify watch on dir (-1: none) */
	bool scan_due;       /* something changed in dir: scan it from the loop */
	bool freeing;        /* vm_free runs: callbacks must not start anything new */
	struct waiters soon_w;          /* actions done at once, reported from the loop */
	struct loop_timer *soon_timer;
	int fd_errno;        /* EMFILE/ENFILE of the pending status query's connect (0: none) */
	/* A failed start waits for vm.lock (its supervisor is exiting) from the
	 * loop, then tidies: no start, no scan meanwhile. */
	bool tidying;
	/* A start whose supervisor has not reported yet: its pipe (in the
	 * loop), vm.lock (held until then), QEMU's binary (for the error). */
	int spawn_fd, spawn_lock_fd;
	char *spawn_argv0;
	/* A start that first makes its disks (size:, file missing): the
	 * qemu-img child at work (in the loop), QEMU's argv kept for after,
	 * and what the start is doing ("creating disk 'data'"), else NULL.
	 * vm.lock is held in spawn_lock_fd meanwhile. */
	struct disk_mk *disk_job;
	unsigned disks_made;
	struct strv start_argv;
	char *phase;
	enum stop_step step_deferred; /* a stop asked for before that report */
	struct loop_timer *tidy_timer;
	int tidy_tries;
	int exit_lock_tries;     /* finish_exit_tidy: looks at a vm.lock another vmdeck holds */
	bool exit_saw_records;   /* ... while the exit's records were there (a tidier, not a start) */
	char *tidy_msg;
	enum vm_mode mode;   /* the saved mode (vm_mode reads no file; see modes_refresh) */
	/* qemu.log's tail as of the last exit, read once when the exit was
	 * settled (vm_log_tail reads no file); NULL from the next start. */
	char *exit_log;
};

struct vmm {
	struct loop *l;
	const struct vm_net_hooks *hooks;
	struct profile_set *set;
	struct profile_set **old; size_t n_old; /* retired sets still referenced */
	struct vm **vms; size_t n;
	vmm_change_cb on_change; void *on_change_arg;
	vmm_log_cb on_log; void *on_log_arg;
	struct loop_timer *tick;
	/* The runtime dir and each VM's dir under inotify (vmm.c): what
	 * changes there is scanned at once, the tick only looks at VMs that
	 * need a look every second (vm_scan_needed) and rescans everything
	 * every FULL_MS; when none does, it sleeps until then (slow).
	 * run_wd < 0: no watch, every tick rescans all. The modes dir (or,
	 * until it exists, the state dir) is watched too. */
	int ino_fd, run_wd, modes_wd, state_wd;
	struct loop_timer *due_timer;
	uint64_t full_due_us; /* the next full rescan (monotonic) */
	bool slow;            /* the tick waits for the full rescan */
	unsigned dirs_ticks;  /* ticks left of looking for new dirs (one appeared) */
	bool full_pass;       /* the tick's full rescan: non-owners poll even with a record */
	bool read_only; /* observe only: never own QMP, never tidy or tear down */
	bool snapshot;  /* look once: no QMP ownership, no pidfd; state by one-shot query */
	char *scope;    /* non-NULL: the only VM this vmm knows and touches */
	/* The modes dir as last read: every VM's mode is read again only when
	 * a mode file was replaced (modes_set renames, which moves its mtime). */
	struct file_stamp modes_seen;
};

#define VM_CAUSE_COUNT (VM_CAUSE_UNKNOWN + 1)
/* "guest shutdown", "signal", …: the words of vm_cause_text and DIR/last-exit. */
extern const char *const vm_cause_words[VM_CAUSE_COUNT];

/* ---- vm.c: small helpers ---- */
static inline char *vm_file(const struct vm *vm, const char *name) { return path_join(vm->dir, name); }
static inline bool vm_fd_starved(int e) { return e == EMFILE || e == ENFILE; }
/* A progress line "NAME: ..." to the vmm's on_log. */
void vm_logf(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vm_changed(struct vm *vm);
void vm_set_state(struct vm *vm, enum vm_state st);
void vm_set_error(struct vm *vm, const char *msg);
void vm_watch_failed(struct vm *vm, const char *what, int e);
void vm_waiters_add(struct waiters *w, vm_done_cb cb, void *arg);
void vm_waiters_fire(struct vm *vm, struct waiters *w, int status, const char *err);
void vm_done_soon(struct vm *vm, vm_done_cb done, void *arg);
int vm_send_signal(struct vm *vm, int sig);

/* ---- vm.c: exit and stop ---- */
void vm_determine_cause(struct vm *vm);
void vm_exit_detected(struct vm *vm);
void vm_exit_wait_tick(struct loop_timer *t, void *arg);
int vm_watch_pid(struct vm *vm, pid_t pid);
void vm_step_run(struct vm *vm, enum stop_step step);

/* ---- vm_spawn.c ---- */
void vm_start_failed(struct vm *vm, const char *msg);
void vm_start_succeeded(struct vm *vm);
/* QEMU died while this vmdeck started it: fail the start with its words. */
void vm_start_died(struct vm *vm);
/* A stop (or the vmm's end) while the start makes its disks: qemu-img
 * stopped, nothing half-made left, the start fails as cancelled. */
void vm_start_cancel(struct vm *vm, const char *why);

/* ---- vm_rundir.c ---- */
bool vm_pid_is_ours(const struct vm *vm, pid_t pid);
pid_t vm_read_pidfile(const struct vm *vm);
int vm_lock_acquire(const char *path);
int vm_lock_look(const char *path);
bool vm_lock_held(const char *path);
bool vm_vmlock_held(const struct vm *vm);
/* Remove what a live VM leaves (sockets, pid files, qmp.lock). */
void vm_rundir_clean(const struct vm *vm);
/* Before a start: also the last exit's records and planted logs. */
void vm_rundir_clean_for_start(const struct vm *vm);
void vm_tidy_failed(const struct vm *vm);
/* The last exit's records (exit-status, shutdown-reason, last-exit) there? */
bool vm_exit_records_present(const struct vm *vm);
char *vm_read_log_tail(const char *path);
void vm_exit_log_set(struct vm *vm, char *tail);
void vm_exit_log_keep(struct vm *vm);
void vm_write_record(struct vm *vm, const char *name, const char *text);
void vm_record_write(struct vm *vm);
bool vm_record_read(struct vm *vm);
/* The hooks' setup, its TAPs recorded; taps: as the hook's (vmnet.h). */
int vm_net_setup(struct vm *vm, struct strv *taps, char **err);
void vm_net_teardown(struct vm *vm);
void vm_scan(struct vm *vm);
/* Does vm need vm_scan every second (a poll, a start by another vmdeck, a
 * lost connection), or only when its dir changes? */
bool vm_scan_needed(const struct vm *vm);

/* ---- vm_forward.c ---- */
/* Before a start: every forward's host port free (else the clash, naming
 * who holds it), then RUN/forwards written. 0 / < 0 with a kind. */
int vm_forwards_prepare(struct vm *vm, char **err);

/* ---- vm_qmp.c ---- */
/* A QMP command on behalf of a VM: on the persistent connection when we own
 * it, else a one-shot connection on ctl.sock. */
typedef void (*call_cb)(struct vm *vm, struct json_object *ret, const char *err, void *arg);
/* Run a QMP command for vm. args consumed. cb gets err on failure. */
void vm_call(struct vm *vm, const char *cmd, struct json_object *args, call_cb cb, void *arg);
void vm_calls_cancel(struct vm *vm, const char *why);
void vm_qmp_drop(struct vm *vm);
void vm_qmp_release(struct vm *vm);
void vm_qmp_connect(struct vm *vm);
void vm_qmp_try_own(struct vm *vm);
void vm_qmp_poll_status(struct vm *vm);

/* ---- vmm.c ---- */
/* Something changed that may need the 1 s tick back (vm: that VM's need;
 * NULL: the vmm's own, a new dir or a lost watch). Cheap: O(1). */
void vmm_tick_need(struct vmm *m, struct vm *vm);
/* Owner: DIR/run-state follows its state (from vm_changed). */
void vm_run_state_sync(struct vm *vm);
/* Non-owner: take the state from DIR/run-state when its writer is the live
 * owner of this QEMU, else from DIR/qemu-state when its writer is this
 * QEMU's live, running supervisor; false (and rec_trusted false) when
 * neither is. */
bool vm_run_state_read(struct vm *vm);
/* The wait for the owner's record after a change made here (vm_free runs
 * it once more to report it cancelled). */
void vm_record_wait_tick(struct loop_timer *t, void *arg);

#endif
