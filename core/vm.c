/* vm: the state machine of a QEMU VM on core/loop — its state and cause,
 * how an exit is seen (a pidfd on QEMU, polled in the loop) and settled,
 * the stop escalation, and reading a VM. See vm.h for the runtime
 * directory layout, vm_priv.h for the other pieces, and docs/lifecycle.md
 * for the rules two vmdecks follow. */
#include "core/vm_priv.h"
#include "core/proc.h"
#include "core/qmp.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define ESCALATE_MS 5000         /* quit -> SIGTERM -> SIGKILL spacing */

static const char *const state_names[VM_STATE_COUNT] = {
	[VM_STOPPED] = "stopped", [VM_STARTING] = "starting", [VM_RUNNING] = "running",
	[VM_PAUSED] = "paused", [VM_STOPPING] = "stopping", [VM_EXITED] = "exited",
	[VM_UNKNOWN] = "unknown",
};

const char *vm_state_name(enum vm_state s)
{
	return (unsigned)s < VM_STATE_COUNT ? state_names[s] : "?";
}

/* SHUTDOWN event reasons (QAPI ShutdownCause) -> cause. */
static const struct {
	const char *reason;
	enum vm_cause cause;
} reasons[] = {
	{ "guest-shutdown", VM_CAUSE_GUEST_SHUTDOWN },
	{ "host-qmp-quit", VM_CAUSE_HOST_QUIT },
	{ "host-signal", VM_CAUSE_HOST_SIGNAL },
	{ "host-ui", VM_CAUSE_HOST_SIGNAL },
	{ "guest-panic", VM_CAUSE_GUEST_PANIC },
};

const char *const vm_cause_words[VM_CAUSE_COUNT] = {
	[VM_CAUSE_NONE] = "", [VM_CAUSE_GUEST_SHUTDOWN] = "guest shutdown", [VM_CAUSE_HOST_QUIT] = "quit",
	[VM_CAUSE_HOST_SIGNAL] = "host signal", [VM_CAUSE_GUEST_PANIC] = "guest panic",
	[VM_CAUSE_SIGNAL] = "signal", [VM_CAUSE_EXIT_CODE] = "exit code",
	[VM_CAUSE_START_FAILED] = "start failed", [VM_CAUSE_UNKNOWN] = "unknown",
};

static const char *const step_words[] = {
	[STEP_NONE] = "", [STEP_POWERDOWN] = "powerdown sent", [STEP_QUIT] = "quit sent",
	[STEP_TERM] = "SIGTERM sent", [STEP_KILL] = "SIGKILL sent",
};

/* ---------- small helpers ---------- */

void vm_logf(struct vm *vm, const char *fmt, ...)
{
	if (!vm->m->on_log)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	char *line = xasprintf("%s: %s", vm->name, s);
	vm->m->on_log(vm, line, vm->m->on_log_arg);
	free(line);
	free(s);
}

/* The cached cause/status texts follow their own keys: nothing to drop here. */
void vm_changed(struct vm *vm)
{
	vm_run_state_sync(vm);
	vmm_tick_need(vm->m, vm);
	if (vm->m->on_change)
		vm->m->on_change(vm, vm->m->on_change_arg);
}

void vm_set_state(struct vm *vm, enum vm_state st)
{
	if (vm->st == st)
		return;
	vm->st = st;
	vm_changed(vm);
}

void vm_set_error(struct vm *vm, const char *msg)
{
	free(vm->error);
	vm->error = msg ? xstrdup(msg) : NULL;
}

/* Out of file descriptors: this VM cannot be watched, so its state is not
 * known — say so (state unknown, the reason as its error), never "stopped".
 * The next scan tries again. */
void vm_watch_failed(struct vm *vm, const char *what, int e)
{
	char *msg = xasprintf("VM %s: cannot watch it (%s: %s): state unknown; raise the open-files limit (ulimit -n)",
			      vm->name, what, strerror(e));
	if (vm->st != VM_UNKNOWN || !vm->error || strcmp(vm->error, msg) != 0) {
		vm->st = VM_UNKNOWN;
		vm_set_error(vm, msg);
		vm_logf(vm, "%s", msg + strlen(vm->name) + 5);
		vm_changed(vm);
	}
	free(msg);
}

void vm_waiters_add(struct waiters *w, vm_done_cb cb, void *arg)
{
	if (!cb)
		return;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4;
		w->v = xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n++] = (struct waiter){ cb, arg };
}

/* Call and clear: callbacks may add new waiters meanwhile. */
void vm_waiters_fire(struct vm *vm, struct waiters *w, int status, const char *err)
{
	struct waiters cur = *w;
	*w = (struct waiters){ 0 };
	for (size_t i = 0; i < cur.n; i++)
		cur.v[i].cb(vm, status, err, cur.v[i].arg);
	free(cur.v);
}

static void soon_fire(struct loop_timer *t, void *arg)
{
	(void)t;
	struct vm *vm = arg;
	vm->soon_timer = NULL; /* one-shot: the loop frees it */
	vm_waiters_fire(vm, &vm->soon_w, 0, NULL);
}

/* An action that succeeded at once: done(vm, 0, ...) from the loop, never
 * inside the call (vm.h: "later"). */
void vm_done_soon(struct vm *vm, vm_done_cb done, void *arg)
{
	if (!done)
		return;
	vm_waiters_add(&vm->soon_w, done, arg);
	if (!vm->soon_timer)
		vm->soon_timer = loop_timer_add(vm->m->l, 0, false, soon_fire, vm);
}

static int pidfd_open_(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int vm_send_signal(struct vm *vm, int sig)
{
	if (vm->pidfd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, vm->pidfd, sig, NULL, 0);
	return vm->pid > 0 ? kill(vm->pid, sig) : -1;
}

static double boot_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Process start time in clock ticks since boot, /proc/PID/stat field 22;
 * 0 when the process is gone. With the pid it names one process for good. */
static double proc_start_s(pid_t pid) { return (double)proc_start_ticks(pid) / (double)sysconf(_SC_CLK_TCK); }

/* ---------- exit ---------- */

static void parse_exit_status(struct vm *vm, bool *have)
{
	char *f = vm_file(vm, "exit-status");
	char *s = file_read_all(f, NULL);
	free(f);
	*have = s != NULL;
	if (!s)
		return;
	int n = 0;
	if (sscanf(s, "signal %d", &n) == 1) {
		vm->cause = VM_CAUSE_SIGNAL;
		vm->code = n;
	} else if (sscanf(s, "exit %d", &n) == 1) {
		vm->cause = VM_CAUSE_EXIT_CODE;
		vm->code = n;
	}
	free(s);
}

void vm_determine_cause(struct vm *vm)
{
	bool have;
	vm->cause = VM_CAUSE_UNKNOWN;
	vm->code = 0;
	/* When QEMU ended: the supervisor wrote exit-status right then. */
	char *es = vm_file(vm, "exit-status");
	struct stat st;
	vm->exit_time = stat(es, &st) == 0 ? st.st_mtim.tv_sec : time(NULL);
	free(es);
	parse_exit_status(vm, &have);
	if (vm->cause == VM_CAUSE_SIGNAL)
		return; /* a signal QEMU did not catch says it all */
	char *reason = vm->shutdown_reason ? xstrdup(vm->shutdown_reason) : NULL;
	if (!reason) {
		char *f = vm_file(vm, "shutdown-reason");
		reason = file_read_all(f, NULL);
		free(f);
	}
	if (reason) {
		for (size_t i = 0; i < ARRAY_LEN(reasons); i++)
			if (strcmp(reasons[i].reason, reason) == 0 && !(vm->cause == VM_CAUSE_EXIT_CODE && vm->code))
				vm->cause = reasons[i].cause;
		free(reason);
	}
	/* QEMU may exit before its SHUTDOWN event (or the reply) is read; a
	 * clean exit after our quit is still a quit. */
	if (vm->quit_sent && (vm->cause == VM_CAUSE_UNKNOWN || (vm->cause == VM_CAUSE_EXIT_CODE && vm->code == 0)))
		vm->cause = VM_CAUSE_HOST_QUIT;
	vm->quit_sent = false;
}

static void finish_exit_tidy(struct loop_timer *t, void *arg);

static void finish_exit(struct vm *vm)
{
	loop_timer_del(vm->m->l, vm->exit_timer);
	vm->exit_timer = NULL;
	loop_timer_del(vm->m->l, vm->step_timer);
	vm->step_timer = NULL;
	vm->step = STEP_NONE;
	if (vm->pidfd >= 0) {
		loop_fd_del(vm->m->l, vm->pidfd);
		close(vm->pidfd);
		vm->pidfd = -1;
	}
	vm_qmp_release(vm);
	vm_calls_cancel(vm, "QEMU exited");
	bool failed_start = vm->st == VM_STARTING && vm->starting_here;
	vm_determine_cause(vm);
	vm->pid = 0;
	free(vm->shutdown_reason);
	vm->shutdown_reason = NULL;
	if (failed_start) {
		vm->gone = false;
		vm_start_died(vm);
		return;
	}
	vm->exit_lock_tries = 0;
	vm->exit_saw_records = false;
	finish_exit_tidy(NULL, vm);
}

/* Tidy the dir for the next start; keep the logs and the exit record.
 * Under vm.lock so a start that just began is not disturbed. Another
 * vmdeck holding it saw this exit too and tidies it (a `stop` that took it
 * between our look and our take): its record, written a moment later, is
 * the story — wait for it (every 5 ms from the loop), still "gone" so that
 * no scan meanwhile takes the held lock for a start by another vmdeck.
 * Told at once instead, the exit would be told again when its record came
 * in ("exited", "starting", "exited"). Who holds it: a tidier keeps the
 * exit's records (exit-status, shutdown-reason, last-exit), a start
 * removes them at once and holds the lock for good — so with records
 * there the wait is long (a tidier that is slow to be scheduled: busy
 * cores), once they went it ends (a start: the exit is told now), and
 * with none ever seen (QEMU's supervisor was killed) it is short. */
#define EXIT_TIDY_STEP_MS 5
#define EXIT_TIDY_TRIES_RECORDS 2000 /* 10 s */
#define EXIT_TIDY_TRIES_NONE 200     /* 1 s */
static bool exit_tidy_wait(struct vm *vm)
{
	bool recs = vm_exit_records_present(vm);
	if (recs)
		vm->exit_saw_records = true;
	int limit = recs ? EXIT_TIDY_TRIES_RECORDS : vm->exit_saw_records ? 0 : EXIT_TIDY_TRIES_NONE;
	return ++vm->exit_lock_tries < limit;
}

static void finish_exit_tidy(struct loop_timer *t, void *arg)
{
	struct vm *vm = arg;
	if (t)
		vm->exit_timer = NULL; /* one-shot: the loop frees it */
	char *lf = vm_file(vm, "vm.lock");
	int fd = -1;
	bool busy;
	if (vm->m->read_only) {
		busy = vm_lock_held(lf);
	} else {
		fd = vm_lock_acquire(lf);
		busy = fd < 0 && errno == EAGAIN;
	}
	free(lf);
	if (busy && exit_tidy_wait(vm)) {
		vm->exit_timer = loop_timer_add(vm->m->l, EXIT_TIDY_STEP_MS, false, finish_exit_tidy, vm);
		return;
	}
	vm->gone = false;
	if (fd >= 0) {
		/* Whichever vmdeck tidies records the exit for all that come
		 * later — or, second, takes the first one's record: one story. */
		if (!vm_record_read(vm))
			vm_record_write(vm);
		/* ... and removes what the start recorded. */
		vm_net_teardown(vm);
		vm_rundir_clean(vm);
		close(fd);
	} else {
		vm_record_read(vm);
	}
	vm_exit_log_keep(vm);
	vm->st = VM_EXITED;
	vm->starting_here = false;
	vm_logf(vm, "exited, %s", vm_cause_text(vm));
	vm_changed(vm);
	if (vm->start_w.n) { /* stopped before it ever came up */
		char *e = xasprintf("VM %s exited before it was up (%s)", vm->name, vm_cause_text(vm));
		vm_waiters_fire(vm, &vm->start_w, -1, e);
		free(e);
	}
	vm_waiters_fire(vm, &vm->exit_w, 0, NULL);
}

/* QEMU's SHUTDOWN event (and with it the reason: guest shutdown, quit ...)
 * reaches only the vmdeck that owns qmp.sock, which records it in
 * shutdown-reason and gives up ownership once it has seen the exit. Another
 * vmdeck that saw the exit first waits for that (bounded), or it would settle
 * on a bare 'exit code 0' and keep it as the VM's last exit for everyone. */
#define OWNER_WAIT_US (8u * 1000000u)
static bool owner_pending(const struct vm *vm, uint64_t now)
{
	if (vm->qmp_lock_fd >= 0 || now > vm->exit_deadline + OWNER_WAIT_US)
		return false;
	char *f = vm_file(vm, "qmp.lock");
	bool held = vm_lock_held(f);
	free(f);
	return held;
}

void vm_exit_wait_tick(struct loop_timer *t, void *arg)
{
	(void)t;
	struct vm *vm = arg;
	vm->exit_timer = NULL;
	char *f = vm_file(vm, "exit-status");
	bool have = path_exists(f);
	free(f);
	/* The supervisor writes exit-status, then exits (releasing vm.lock). */
	uint64_t now = now_mono_us();
	bool settled = have && !vm_vmlock_held(vm);
	if ((settled && !owner_pending(vm, now)) || (!settled && now > vm->exit_deadline) ||
	    now > vm->exit_deadline + OWNER_WAIT_US) {
		finish_exit(vm);
		return;
	}
	vm->exit_timer = loop_timer_add(vm->m->l, 10, false, vm_exit_wait_tick, vm);
}

void vm_exit_detected(struct vm *vm)
{
	if (vm->gone)
		return;
	vm->gone = true;
	if (vm->pidfd >= 0)
		loop_fd_del(vm->m->l, vm->pidfd);
	/* QEMU's last words (SHUTDOWN and its reason) may still sit unread in
	 * the socket when the pidfd fires first. */
	if (vm->q)
		qmp_drain(vm->q);
	vm_qmp_drop(vm);
	vm->exit_deadline = now_mono_us() + (uint64_t)EXIT_STATUS_WAIT_MS * 1000;
	vm_exit_wait_tick(NULL, vm);
}

static void on_pidfd(int fd, short rev, void *arg)
{
	(void)fd;
	(void)rev;
	vm_exit_detected(arg);
}

int vm_watch_pid(struct vm *vm, pid_t pid)
{
	if (vm->m->snapshot) {
		/* One look: the pid and its start time, nothing to keep open. */
		vm->pid = pid;
		vm->start_boot_s = proc_start_s(pid);
		return 0;
	}
	int pfd = pidfd_open_(pid);
	if (pfd < 0)
		return -1;
	fcntl(pfd, F_SETFD, FD_CLOEXEC);
	vm->pid = pid;
	vm->pidfd = pfd;
	vm->start_boot_s = proc_start_s(pid);
	loop_fd_add(vm->m->l, pfd, POLLIN, on_pidfd, vm);
	return 0;
}

/* ---------- stop ---------- */

static void step_timeout(struct loop_timer *t, void *arg)
{
	(void)t;
	struct vm *vm = arg;
	vm->step_timer = NULL;
	unsigned timeout = vm->p && vm->p->stop_timeout_s ? vm->p->stop_timeout_s : 60;
	switch (vm->step) {
	case STEP_POWERDOWN:
		vm_logf(vm, "the guest did not shut down within %u s, sending quit", timeout);
		vm_step_run(vm, STEP_QUIT);
		break;
	case STEP_QUIT:
		vm_logf(vm, "QEMU still there %d s after quit, sending SIGTERM", ESCALATE_MS / 1000);
		vm_step_run(vm, STEP_TERM);
		break;
	case STEP_TERM:
		vm_logf(vm, "QEMU still there %d s after SIGTERM, sending SIGKILL", ESCALATE_MS / 1000);
		vm_step_run(vm, STEP_KILL);
		break;
	default:
		break;
	}
}

static void quit_reply(struct vm *vm, struct json_object *ret, const char *err, void *arg)
{
	(void)ret;
	(void)arg;
	/* QEMU often drops the connection while answering quit: an error here
	 * proves nothing. The step timer escalates if QEMU stays. */
	if (err && !vm->gone)
		vm_logf(vm, "no answer to quit (%s); SIGTERM follows in %d s if QEMU stays", err, ESCALATE_MS / 1000);
}

static void powerdown_reply(struct vm *vm, struct json_object *ret, const char *err, void *arg)
{
	(void)ret;
	(void)arg;
	if (err && vm->step == STEP_POWERDOWN && !vm->gone) {
		vm_logf(vm, "system_powerdown failed (%s), sending quit", err);
		vm_step_run(vm, STEP_QUIT);
	}
}

void vm_step_run(struct vm *vm, enum stop_step step)
{
	if (vm->freeing)
		return; /* a cancelled powerdown must not escalate on a VM being freed */
	loop_timer_del(vm->m->l, vm->step_timer);
	vm->step_timer = NULL;
	vm->step = step;
	unsigned timeout = vm->p && vm->p->stop_timeout_s ? vm->p->stop_timeout_s : 60;
	uint64_t wait_ms = ESCALATE_MS;
	switch (step) {
	case STEP_POWERDOWN:
		vm_logf(vm, "system_powerdown sent, waiting up to %u s for the guest", timeout);
		wait_ms = (uint64_t)timeout * 1000;
		vm_call(vm, "system_powerdown", NULL, powerdown_reply, NULL);
		break;
	case STEP_QUIT:
		vm_logf(vm, "quit sent");
		vm->quit_sent = true;
		vm_call(vm, "quit", NULL, quit_reply, NULL);
		break;
	case STEP_TERM:
		vm_logf(vm, "SIGTERM sent to pid %ld", (long)vm->pid);
		vm_send_signal(vm, SIGTERM);
		break;
	case STEP_KILL:
		vm_logf(vm, "SIGKILL sent to pid %ld", (long)vm->pid);
		vm_send_signal(vm, SIGKILL);
		wait_ms = 0;
		break;
	default:
		return;
	}
	if (vm->step != step)
		return; /* a reply inside the call moved on already; its step armed the timer */
	if (vm->st != VM_STOPPING)
		vm_set_state(vm, VM_STOPPING);
	else
		vm_changed(vm);
	if (wait_ms && !vm->gone)
		vm->step_timer = loop_timer_add(vm->m->l, wait_ms, false, step_timeout, vm);
}

static bool alive(const struct vm *vm)
{
	return (vm->st == VM_RUNNING || vm->st == VM_PAUSED || vm->st == VM_STOPPING || vm->st == VM_STARTING ||
		vm->st == VM_UNKNOWN) &&
	       vm->pid > 0;
}

static int begin_stop(struct vm *vm, enum stop_step step, vm_done_cb done, void *arg, char **err)
{
	if (vm->disk_job) {
		/* No QEMU yet: the start is called off, its disk not made. */
		vm_waiters_add(&vm->exit_w, done, arg);
		vm_start_cancel(vm, "called off by a stop");
		return 0;
	}
	if (vm->spawn_fd >= 0) {
		/* QEMU's pid is not known yet: stop as soon as it is. */
		vm_waiters_add(&vm->exit_w, done, arg);
		if (step > vm->step_deferred)
			vm->step_deferred = step;
		return 0;
	}
	if (!alive(vm))
		return error_set(err, "VM %s is not running (%s)", vm->name, vm_status_text(vm));
	vm_waiters_add(&vm->exit_w, done, arg);
	if (vm->step >= step)
		return 0; /* already that far */
	vm_step_run(vm, step);
	return 0;
}

int vm_stop(struct vm *vm, vm_done_cb done, void *arg, char **err)
{
	return begin_stop(vm, STEP_POWERDOWN, done, arg, err);
}

int vm_force_stop(struct vm *vm, vm_done_cb done, void *arg, char **err)
{
	return begin_stop(vm, STEP_QUIT, done, arg, err);
}

int vm_kill(struct vm *vm, vm_done_cb done, void *arg, char **err)
{
	return begin_stop(vm, STEP_KILL, done, arg, err);
}

/* ---------- accessors ---------- */

const char *vm_name(const struct vm *vm) { return vm->name; }
const struct profile *vm_profile(const struct vm *vm) { return vm->p; }
enum vm_state vm_state(const struct vm *vm) { return vm->st; }
enum vm_cause vm_cause(const struct vm *vm) { return vm->cause; }
int vm_exit_code(const struct vm *vm) { return vm->code; }
pid_t vm_pid(const struct vm *vm) { return vm->pid; }
const char *vm_phase(const struct vm *vm) { return vm->phase; }
bool vm_is_owner(const struct vm *vm) { return vm->qmp_lock_fd >= 0; }
const char *vm_dir(const struct vm *vm) { return vm->dir; }
const char *vm_error(const struct vm *vm) { return vm->error; }
time_t vm_exit_time(const struct vm *vm) { return vm->st == VM_EXITED ? vm->exit_time : 0; }
struct monitor *vm_monitor(struct vm *vm) { return vm->mon; }
bool vm_monitor_busy(const struct vm *vm) { return vm->mon_inflight > 0; }
enum vm_mode vm_live_mode(const struct vm *vm) { return vm->live_mode; }

enum vm_mode vm_mode(const struct vm *vm) { return vm->mode; }

const char *vm_cause_text(const struct vm *vm)
{
	struct vm *w = (struct vm *)vm; /* a cache, not a visible change */
	if (w->cause_text && (w->cause_key.cause != vm->cause || w->cause_key.code != vm->code)) {
		free(w->cause_text);
		w->cause_text = NULL;
	}
	if (!w->cause_text) {
		w->cause_key.cause = vm->cause;
		w->cause_key.code = vm->code;
		const char *word = (unsigned)vm->cause < ARRAY_LEN(vm_cause_words) ? vm_cause_words[vm->cause] : "";
		if (vm->cause == VM_CAUSE_SIGNAL || vm->cause == VM_CAUSE_EXIT_CODE)
			w->cause_text = xasprintf("%s %d", word, vm->code);
		else
			w->cause_text = xstrdup(word);
	}
	return w->cause_text;
}

const char *vm_status_text(const struct vm *vm)
{
	struct vm *w = (struct vm *)vm;
	if (w->status_text && (w->status_key.st != vm->st || w->status_key.cause != vm->cause ||
			       w->status_key.code != vm->code || w->status_key.step != (int)vm->step)) {
		free(w->status_text);
		w->status_text = NULL;
	}
	if (!w->status_text) {
		w->status_key.st = vm->st;
		w->status_key.cause = vm->cause;
		w->status_key.code = vm->code;
		w->status_key.step = (int)vm->step;
		if (vm->st == VM_STARTING && vm->phase)
			w->status_text = xasprintf("starting (%s)", vm->phase);
		else if (vm->st == VM_EXITED && vm->cause != VM_CAUSE_NONE)
			w->status_text = xasprintf("exited, %s", vm_cause_text(vm));
		else if (vm->st == VM_STOPPING && vm->step != STEP_NONE)
			w->status_text = xasprintf("stopping (%s)", step_words[vm->step]);
		else
			w->status_text = xstrdup(vm_state_name(vm->st));
	}
	return w->status_text;
}

uint64_t vm_uptime_s(const struct vm *vm)
{
	if (vm->pid <= 0 || vm->start_boot_s <= 0)
		return 0;
	double d = boot_now_s() - vm->start_boot_s;
	return d > 0 ? (uint64_t)d : 0;
}

size_t vm_log_tail(const struct vm *vm, size_t n, struct strv *out)
{
	if (!vm->exit_log)
		return 0;
	char *log = xstrdup(vm->exit_log);
	struct strv lines;
	strv_init(&lines);
	char *save = NULL;
	for (char *t = strtok_r(log, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
		strv_push(&lines, t);
	size_t from = lines.n > n ? lines.n - n : 0;
	for (size_t i = from; i < lines.n; i++)
		strv_push(out, lines.v[i]);
	size_t added = lines.n - from;
	strv_clear(&lines);
	free(log);
	return added;
}

void vm_clear_exited(struct vm *vm)
{
	if (vm->st != VM_EXITED)
		return;
	vm->st = VM_STOPPED;
	vm->cause = VM_CAUSE_NONE;
	vm->code = 0;
	vm_set_error(vm, NULL);
	vm_changed(vm);
}
