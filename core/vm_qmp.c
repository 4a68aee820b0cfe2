/* vm_qmp: a VM's QMP traffic — commands on the owner's persistent
 * connection or one-shot on ctl.sock, becoming the owner and its events,
 * the state from query-status, and the actions that are one command or a
 * short chain: pause, resume, reset, mode, monitor. */
#include "core/vm_priv.h"
#include "core/modes.h"
#include "core/monitor.h"
#include "core/proc.h"
#include "core/qemu_args.h"
#include "core/qmp.h"
#include "core/recorder.h"
#include "core/util.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONNECT_RETRY_MS 20
#define START_TIMEOUT_MS 60000   /* QMP must answer within this after spawn */
#define ONESHOT_TIMEOUT_MS 15000

/* One command in flight for a VM (vm->calls lists them, for cancel on free). */
struct call {
	struct call *next;
	struct vm *vm;
	call_cb cb;
	void *arg;
	struct qmp *oneshot;
	struct loop_timer *timeout, *retry;
	uint64_t deadline;
	char *cmd;
	struct json_object *args;
	bool done, sent;
	char *fail; /* a failure found at once, reported from the loop (call_fail_later) */
};

/* ---------- calls ---------- */

static void call_finish(struct call *c, struct json_object *ret, const char *err);

static void call_unlink(struct call *c)
{
	for (struct call **pp = &c->vm->calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			return;
		}
}

static void call_finish(struct call *c, struct json_object *ret, const char *err)
{
	if (c->done)
		return;
	c->done = true;
	call_unlink(c);
	struct vm *vm = c->vm;
	if (c->cb)
		c->cb(vm, ret, err && vm->freeing ? "cancelled" : err, c->arg);
	/* One-shot connections are freed from the loop, not inside their own
	 * callback stack (qmp_free defers anyway, this keeps it obvious). */
	c->vm = vm;
	loop_timer_del(vm->m->l, c->timeout);
	c->timeout = NULL;
	loop_timer_del(vm->m->l, c->retry);
	c->retry = NULL;
	qmp_free(c->oneshot);
	c->oneshot = NULL;
	json_object_put(c->args);
	c->args = NULL;
	free(c->fail);
	free(c->cmd);
	free(c);
}

static void call_fail_now(struct loop_timer *t, void *arg)
{
	(void)t;
	struct call *c = arg;
	c->retry = NULL; /* one-shot: the loop frees it */
	char *msg = c->fail;
	c->fail = NULL;
	call_finish(c, NULL, msg);
	free(msg);
}

/* A call's callback never runs inside the call that made it (vm.h: "later"):
 * a failure found at once is reported from the loop. msg is taken. */
static void call_fail_later(struct call *c, char *msg)
{
	free(c->fail);
	c->fail = msg;
	loop_timer_del(c->vm->m->l, c->retry);
	c->retry = loop_timer_add(c->vm->m->l, 0, false, call_fail_now, c);
}

static void call_on_reply(struct qmp *q, struct json_object *ret, const char *err, void *arg)
{
	(void)q;
	call_finish(arg, ret, err);
}

static void oneshot_send(struct call *c)
{
	if (c->sent)
		return;
	c->sent = true;
	struct json_object *args = c->args;
	c->args = NULL;
	qmp_send(c->oneshot, c->cmd, args, call_on_reply, c);
}

static void oneshot_ready(struct qmp *q, void *arg)
{
	(void)q;
	oneshot_send(arg);
}

static void oneshot_closed(struct qmp *q, const char *why, void *arg)
{
	(void)q;
	struct call *c = arg;
	char *e = xasprintf("VM %s: monitor connection (ctl.sock) failed: %s", c->vm->name, why);
	call_finish(c, NULL, e);
	free(e);
}

static void oneshot_timeout(struct loop_timer *t, void *arg)
{
	(void)t;
	struct call *c = arg;
	c->timeout = NULL;
	char *e = xasprintf("VM %s: the monitor did not answer '%s' within %d s", c->vm->name, c->cmd,
			    ONESHOT_TIMEOUT_MS / 1000);
	call_finish(c, NULL, e);
	free(e);
}

static void status_reply(struct vm *vm, struct json_object *ret, const char *err, void *arg);

/* Connect a one-shot call to ctl.sock; a full backlog (QEMU still busy with
 * the previous client) is retried every 10 ms until the call's deadline. */
static void oneshot_connect(struct loop_timer *t, void *arg)
{
	(void)t;
	struct call *c = arg;
	struct vm *vm = c->vm;
	c->retry = NULL;
	struct qmp_callbacks cbs = { .ready = oneshot_ready, .closed = oneshot_closed, .arg = c };
	c->oneshot = qmp_new(vm->m->l, &cbs);
	/* A query goes with the negotiation: one round trip instead of three
	 * (status of N VMs). An action waits for it, as before: an owner
	 * that has just connected is in command mode by then and gets the
	 * events the action brings (SHUTDOWN and its reason). */
	bool query = strncmp(c->cmd, "query-", 6) == 0;
	if (query)
		qmp_set_pipelined(c->oneshot);
	char *sock = vm_file(vm, "ctl.sock");
	char *err = NULL;
	int rc = qmp_connect(c->oneshot, sock, &err);
	int e = errno;
	free(sock);
	if (rc == 0) {
		if (query)
			oneshot_send(c);
		return;
	}
	qmp_free(c->oneshot);
	c->oneshot = NULL;
	if (vm_fd_starved(e) && c->cb == status_reply)
		vm->fd_errno = e; /* for this status query only: status_reply reads and clears it */
	if (e == EAGAIN && now_mono_us() < c->deadline) {
		free(err);
		c->retry = loop_timer_add(vm->m->l, 10, false, oneshot_connect, c);
		return;
	}
	char *msg = xasprintf("VM %s: cannot reach the monitor: %s", vm->name, err);
	free(err);
	if (t) {
		call_finish(c, NULL, msg); /* from the loop already */
		free(msg);
	} else {
		call_fail_later(c, msg);
	}
}

/* Run a QMP command for vm. args consumed. cb gets err on failure. */
void vm_call(struct vm *vm, const char *cmd, struct json_object *args, call_cb cb, void *arg)
{
	struct call *c = xcalloc(1, sizeof(*c));
	c->vm = vm;
	c->cb = cb;
	c->arg = arg;
	c->cmd = xstrdup(cmd);
	c->next = vm->calls;
	vm->calls = c;
	if (vm->q && vm->q_ready) {
		if (qmp_send(vm->q, cmd, args, call_on_reply, c) < 0)
			call_fail_later(c, xstrdup("QMP connection closed"));
		return;
	}
	c->args = args;
	c->deadline = now_mono_us() + (uint64_t)ONESHOT_TIMEOUT_MS * 1000;
	c->timeout = loop_timer_add(vm->m->l, ONESHOT_TIMEOUT_MS, false, oneshot_timeout, c);
	oneshot_connect(NULL, c);
}

void vm_calls_cancel(struct vm *vm, const char *why)
{
	while (vm->calls)
		call_finish(vm->calls, NULL, why);
}

/* ---------- QMP connection (owner) ---------- */

/* ---------- DIR/run-state: the owner's state for the others ----------
 * One line "QEMU-PID OWNER-PID OWNER-START-TICKS running|paused", written
 * (by rename) by the vmdeck that owns qmp.sock whenever the state its
 * events keep changes, removed when it lets go. A vmdeck that is not the
 * owner cannot get QEMU's events (one client per socket): it watches the
 * dir (inotify) and takes the state from there instead of asking QEMU
 * every second — as long as the record names this QEMU and a live owner
 * (pid and start time: a crashed owner's record is not believed) and
 * qmp.lock is held. */

void vm_run_state_sync(struct vm *vm)
{
	if (vm->qmp_lock_fd < 0 || !vm->q_known || vm->pid <= 0 || vm->st == vm->rec_written ||
	    (vm->st != VM_RUNNING && vm->st != VM_PAUSED))
		return;
	pid_t self = getpid();
	char *text = xasprintf("%ld %ld %llu %s\n", (long)vm->pid, (long)self, proc_start_ticks(self),
			       vm->st == VM_RUNNING ? "running" : "paused");
	vm_write_record(vm, "run-state", text);
	free(text);
	vm->rec_written = vm->st;
}

static void run_state_unlink(struct vm *vm)
{
	char *f = vm_file(vm, "run-state");
	unlink(f);
	free(f);
	vm->rec_written = VM_STATE_COUNT;
}

/* The owner lets go: no record of its state stays. */
static void run_state_drop(struct vm *vm)
{
	if (vm->rec_written != VM_STATE_COUNT)
		run_state_unlink(vm);
}

/* DIR/run-state as it is now, if it names this QEMU: the owner's state
 * word (VM_RUNNING or VM_PAUSED) and who wrote it; VM_STATE_COUNT if not. */
static enum vm_state run_state_load(const struct vm *vm, long *opid, unsigned long long *ticks)
{
	char *f = vm_file(vm, "run-state");
	char *text = file_read_all(f, NULL);
	free(f);
	long qpid = 0;
	char word[16] = "";
	*opid = 0;
	*ticks = 0;
	bool ok = text && sscanf(text, "%ld %ld %llu %15s", &qpid, opid, ticks, word) == 4 && qpid == (long)vm->pid &&
		  *opid > 0 && *ticks;
	free(text);
	if (!ok)
		return VM_STATE_COUNT;
	return strcmp(word, "running") == 0 ? VM_RUNNING : strcmp(word, "paused") == 0 ? VM_PAUSED : VM_STATE_COUNT;
}

/* DIR/qemu-state, the supervisor's record (core/recorder.h), if it names
 * this QEMU (pid and start time) and a live supervisor that is not stopped
 * (it would not have recorded a change): its state word, else
 * VM_STATE_COUNT. A stopped QEMU is believed: it cannot change its run
 * state either. */
static enum vm_state sup_state_load(const struct vm *vm)
{
	char *f = vm_file(vm, RECORDER_FILE);
	char *text = file_read_all(f, NULL);
	free(f);
	long qpid = 0, spid = 0;
	unsigned long long qticks = 0, sticks = 0;
	char word[16] = "";
	bool ok = text && sscanf(text, "%ld %llu %ld %llu %15s", &qpid, &qticks, &spid, &sticks, word) == 5 &&
		  qpid == (long)vm->pid && vm->pid > 0 && qticks && spid > 0 && sticks;
	free(text);
	/* Alive, not only there: a killed supervisor stays a zombie (with its
	 * start time) until it is reaped, which can take a while. */
	if (!ok || proc_start_ticks(vm->pid) != qticks || proc_start_ticks((pid_t)spid) != sticks ||
	    !proc_alive((pid_t)spid) || proc_stopped((pid_t)spid))
		return VM_STATE_COUNT;
	return strcmp(word, "running") == 0 ? VM_RUNNING : strcmp(word, "paused") == 0 ? VM_PAUSED : VM_STATE_COUNT;
}

/* The owner's record, on the terms above; VM_STATE_COUNT if not believed. */
static enum vm_state owner_state_read(struct vm *vm)
{
	long opid;
	unsigned long long ticks;
	enum vm_state said = run_state_load(vm, &opid, &ticks);
	bool ok = said != VM_STATE_COUNT && proc_start_ticks((pid_t)opid) == ticks;
	/* One look (status): not from an owner that is stopped (SIGSTOP, a
	 * debugger) — it would not have recorded a change; QEMU is asked. */
	if (ok && vm->m->snapshot)
		ok = !proc_stopped((pid_t)opid);
	if (ok) {
		char *lf = vm_file(vm, "qmp.lock");
		ok = vm_lock_look(lf) > 0;
		free(lf);
	}
	return ok ? said : VM_STATE_COUNT;
}

bool vm_run_state_read(struct vm *vm)
{
	vm->rec_trusted = false;
	/* The owner's record, else the supervisor's: both follow QEMU's
	 * events; with neither to believe, QEMU is asked. */
	enum vm_state said = owner_state_read(vm);
	if (said == VM_STATE_COUNT)
		said = sup_state_load(vm);
	if (said == VM_STATE_COUNT)
		return false;
	vm->rec_trusted = true;
	vm->rec_gen++; /* a poll in flight is older than this */
	if (vm->st == VM_STOPPING)
		return true;
	if (vm->st == VM_UNKNOWN)
		vm_set_error(vm, NULL);
	vm_set_state(vm, said);
	return true;
}

void vm_qmp_drop(struct vm *vm)
{
	vm->q_known = false;
	vm->rec_written = VM_STATE_COUNT; /* written again once the state is known again */
	loop_timer_del(vm->m->l, vm->connect_timer);
	vm->connect_timer = NULL;
	if (vm->q) {
		struct qmp *q = vm->q;
		vm->q = NULL;
		vm->q_ready = false;
		qmp_free(q);
	}
}

void vm_qmp_release(struct vm *vm)
{
	if (vm->qmp_lock_fd >= 0)
		run_state_drop(vm);
	vm_qmp_drop(vm);
	if (vm->qmp_lock_fd >= 0) {
		close(vm->qmp_lock_fd);
		vm->qmp_lock_fd = -1;
	}
}

static void on_event(struct qmp *q, const char *name, struct json_object *data, void *arg)
{
	(void)q;
	struct vm *vm = arg;
	if (strcmp(name, "STOP") == 0) {
		if (vm->st == VM_RUNNING)
			vm_set_state(vm, VM_PAUSED);
		vm_qmp_poll_status(vm); /* why it stopped (paused, a panic, an I/O error…): one look */
	} else if (strcmp(name, "RESUME") == 0) {
		if (vm->st == VM_PAUSED)
			vm_set_state(vm, VM_RUNNING);
	} else if (strcmp(name, "SUSPEND") == 0 || strcmp(name, "WAKEUP") == 0) {
		/* The run state changes (suspended, or back) without STOP or
		 * RESUME: the one change the owner would otherwise miss. */
		vm_logf(vm, "%s", name);
		vm_qmp_poll_status(vm);
	} else if (strcmp(name, "SHUTDOWN") == 0) {
		struct json_object *r;
		/* A null or non-string reason would be a NULL string here. */
		const char *reason = data && json_object_object_get_ex(data, "reason", &r) &&
						     json_object_is_type(r, json_type_string)
					     ? json_object_get_string(r)
					     : "unknown";
		free(vm->shutdown_reason);
		vm->shutdown_reason = xstrdup(reason);
		/* Recorded for vmdecks without events, and for after the fact. */
		vm_write_record(vm, "shutdown-reason", reason);
		vm_logf(vm, "SHUTDOWN (%s)", reason);
		if (vm->st != VM_STARTING)
			vm_set_state(vm, VM_STOPPING);
	} else if (strcmp(name, "POWERDOWN") == 0) {
		vm_logf(vm, "POWERDOWN: the guest got the ACPI power button");
	} else if (strcmp(name, "RESET") == 0) {
		vm_logf(vm, "RESET");
	} else if (strcmp(name, "GUEST_PANICKED") == 0) {
		vm_logf(vm, "GUEST_PANICKED");
	}
}

static void status_reply(struct vm *vm, struct json_object *ret, const char *err, void *arg)
{
	vm->polling = false;
	if (vm->qmp_lock_fd < 0 && (unsigned)(uintptr_t)arg != vm->rec_gen)
		return; /* the owner's record came in meanwhile: it is newer */
	int starved = vm->fd_errno;
	vm->fd_errno = 0;
	if (err && starved && !vm->gone) {
		vm_watch_failed(vm, "connect to ctl.sock", starved);
		return;
	}
	if (err || vm->gone)
		return;
	if (vm->qmp_lock_fd >= 0 && vm->q_ready)
		vm->q_known = true; /* from here on the events keep the state: it is recorded */
	struct json_object *running;
	bool run = json_object_object_get_ex(ret, "running", &running) && json_object_get_boolean(running);
	if (vm->st == VM_STOPPING)
		return;
	enum vm_state ns = run ? VM_RUNNING : VM_PAUSED;
	if (vm->st == VM_STARTING && vm->starting_here) {
		vm->st = ns;
		vm_start_succeeded(vm);
		return;
	}
	if (vm->st == VM_UNKNOWN)
		vm_set_error(vm, NULL); /* watched again: QEMU answered (set_state tells) */
	vm_set_state(vm, ns);
	vm_run_state_sync(vm); /* the first answer on this connection: recorded even if unchanged */
}

static void on_qmp_ready(struct qmp *q, void *arg)
{
	struct vm *vm = arg;
	vm->q_ready = true;
	vm->polling = true;
	vm_call(vm, "query-status", NULL, status_reply, (void *)(uintptr_t)vm->rec_gen);
	(void)q;
}

/* Asks QEMU for the run state: a non-owner on its poll, an owner once on
 * connect and on the events that need a look (on_event); otherwise an
 * owner's events keep its state, and it never polls. */
void vm_qmp_poll_status(struct vm *vm)
{
	if (vm->polling || vm->gone || (vm->q && !vm->q_ready))
		return;
	vm->polling = true;
	vm_call(vm, "query-status", NULL, status_reply, (void *)(uintptr_t)vm->rec_gen);
}

static void on_qmp_closed(struct qmp *q, const char *why, void *arg)
{
	(void)q;
	struct vm *vm = arg;
	/* QEMU hung up: usually it is exiting (the pidfd says so shortly). Keep
	 * the lock; reconnect if QEMU is still alive on the next tick. */
	vm->q_ready = false;
	vm->q = NULL;
	qmp_free(q);
	if (vm->pid > 0 && vm->pidfd >= 0) {
		struct pollfd pfd = { .fd = vm->pidfd, .events = POLLIN };
		if (poll(&pfd, 1, 0) == 1)
			vm_exit_detected(vm);
	}
	vmm_tick_need(vm->m, vm); /* no connection: the tick reconnects */
	(void)why;
}

static void connect_attempt(struct loop_timer *t, void *arg);

void vm_qmp_connect(struct vm *vm)
{
	if (vm->q || vm->connect_timer)
		return;
	vm->connect_deadline = now_mono_us() + (uint64_t)START_TIMEOUT_MS * 1000;
	connect_attempt(NULL, vm);
}

static void connect_attempt(struct loop_timer *t, void *arg)
{
	(void)t;
	struct vm *vm = arg;
	vm->connect_timer = NULL;
	if (vm->gone)
		return;
	struct qmp_callbacks cbs = { .ready = on_qmp_ready, .event = on_event, .closed = on_qmp_closed, .arg = vm };
	struct qmp *q = qmp_new(vm->m->l, &cbs);
	char *sock = vm_file(vm, "qmp.sock");
	int rc = qmp_connect(q, sock, NULL);
	int e = errno;
	free(sock);
	if (rc == 0) {
		vm->q = q;
		return;
	}
	qmp_free(q);
	if (vm_fd_starved(e) && !(vm->st == VM_STARTING && vm->starting_here)) {
		vm_watch_failed(vm, "connect to qmp.sock", e); /* the next scan tries again */
		return;
	}
	if (now_mono_us() > vm->connect_deadline) {
		if (vm->st == VM_STARTING && vm->starting_here) {
			char *e = xasprintf("VM %s: QEMU did not open its monitor socket within %d s", vm->name,
					    START_TIMEOUT_MS / 1000);
			vm_start_failed(vm, e);
			free(e);
		}
		vmm_tick_need(vm->m, vm); /* the tick tries again */
		return;
	}
	/* QEMU opens its sockets within tens of ms of its exec: poll every
	 * millisecond then (a failed connect costs microseconds, and `start`
	 * answers as soon as QMP does), less often after. */
	uint64_t started = vm->connect_deadline - (uint64_t)START_TIMEOUT_MS * 1000;
	uint64_t since = now_mono_us() - started;
	uint64_t retry = since < 250000 ? 1 : since < 1000000 ? 5 : CONNECT_RETRY_MS;
	vm->connect_timer = loop_timer_add(vm->m->l, retry, false, connect_attempt, vm);
}

/* Become the owner if nobody is: lock qmp.lock, connect qmp.sock. */
void vm_qmp_try_own(struct vm *vm)
{
	if (vm->qmp_lock_fd >= 0 || vm->gone || vm->m->read_only || vm->m->snapshot)
		return;
	char *f = vm_file(vm, "qmp.lock");
	/* A look first (read-only): a failed take opens it for writing, and
	 * its close would wake every vmdeck watching the dir, this one too. */
	if (vm_lock_look(f) > 0) {
		free(f);
		return;
	}
	int fd = vm_lock_acquire(f);
	int e = errno;
	free(f);
	if (fd < 0) {
		if (vm_fd_starved(e))
			vm_watch_failed(vm, "lock qmp.lock", e);
		return;
	}
	vm->qmp_lock_fd = fd;
	run_state_unlink(vm); /* a crashed owner's: gone before we connect */
	vm->rec_trusted = false;
	vm_changed(vm);
	vm_qmp_connect(vm);
}

/* ---------- simple commands ---------- */

struct simple {
	struct vm *vm;
	vm_done_cb done;
	void *arg;
	enum vm_state ok_state; /* state to set on success (VM_STATE_COUNT: none) */
	char *what;
	int tries;
};

/* err without a leading "VM NAME: " (one-shot errors name the VM already). */
static const char *unnamed(const struct vm *vm, const char *err)
{
	size_t n = strlen(vm->name);
	if (strncmp(err, "VM ", 3) == 0 && strncmp(err + 3, vm->name, n) == 0 && strncmp(err + 3 + n, ": ", 2) == 0)
		return err + 3 + n + 2;
	return err;
}

static void simple_finish(struct vm *vm, struct simple *s, const char *err)
{
	if (s->done) {
		if (err) {
			char *e = xasprintf("VM %s: %s failed: %s", vm->name, s->what, unnamed(vm, err));
			s->done(vm, -1, e, s->arg);
			free(e);
		} else {
			s->done(vm, 0, NULL, s->arg);
		}
	}
	free(s->what);
	free(s);
}

/* A pause or resume is done once the records the others believe say so
 * too: the owner's, when another vmdeck owns the VM (its event comes a
 * moment after our reply), and the supervisor's (core/recorder.h), so that
 * a `status` right after it — which believes them — is right. */
static bool records_agree(struct vm *vm, enum vm_state want)
{
	enum vm_state o = vm->qmp_lock_fd < 0 ? owner_state_read(vm) : VM_STATE_COUNT;
	enum vm_state sv = sup_state_load(vm);
	return (o == VM_STATE_COUNT || o == want) && (sv == VM_STATE_COUNT || sv == want);
}

/* Every 5 ms from the loop, up to 1 s. */
#define RECORD_WAIT_TRIES 200
void vm_record_wait_tick(struct loop_timer *t, void *arg)
{
	(void)t;
	struct vm *vm = arg;
	struct simple *s = vm->rec_wait;
	vm->rec_wait_timer = NULL;
	if (!vm->freeing && !records_agree(vm, s->ok_state) && ++s->tries < RECORD_WAIT_TRIES) {
		vm->rec_wait_timer = loop_timer_add(vm->m->l, 5, false, vm_record_wait_tick, vm);
		return;
	}
	vm->rec_wait = NULL;
	simple_finish(vm, s, vm->freeing ? "cancelled" : NULL);
}

static void simple_reply(struct vm *vm, struct json_object *ret, const char *err, void *arg)
{
	(void)ret;
	struct simple *s = arg;
	if (!err && s->ok_state != VM_STATE_COUNT && (vm->st == VM_RUNNING || vm->st == VM_PAUSED))
		vm_set_state(vm, s->ok_state);
	if (!err && s->ok_state != VM_STATE_COUNT && !vm->rec_wait && !vm->freeing) {
		vm->rec_wait = s;
		vm_record_wait_tick(NULL, vm);
		return;
	}
	simple_finish(vm, s, err);
}

/* what: the action in the user's words ("pause"), cmd: QEMU's ("stop"). */
static int simple_cmd(struct vm *vm, const char *what, const char *cmd, struct json_object *args, enum vm_state ok,
		      vm_done_cb done, void *arg, char **err)
{
	if (vm->st != VM_RUNNING && vm->st != VM_PAUSED) {
		json_object_put(args);
		return error_set(err, "VM %s is not running (%s)", vm->name, vm_status_text(vm));
	}
	struct simple *s = xcalloc(1, sizeof(*s));
	s->vm = vm;
	s->done = done;
	s->arg = arg;
	s->ok_state = ok;
	s->what = xasprintf("%s (QMP %s)", what, cmd);
	vm_call(vm, cmd, args, simple_reply, s);
	return 0;
}

int vm_pause(struct vm *vm, vm_done_cb done, void *arg, char **err)
{
	return simple_cmd(vm, "pause", "stop", NULL, VM_PAUSED, done, arg, err);
}

int vm_resume(struct vm *vm, vm_done_cb done, void *arg, char **err)
{
	return simple_cmd(vm, "resume", "cont", NULL, VM_RUNNING, done, arg, err);
}

int vm_reset(struct vm *vm, vm_done_cb done, void *arg, char **err)
{
	return simple_cmd(vm, "reset", "system_reset", NULL, VM_STATE_COUNT, done, arg, err);
}

/* ---------- mode ---------- */

struct mode_op {
	vm_done_cb done;
	void *arg;
	enum vm_mode mode;
	int stage;
};

static void mode_step(struct vm *vm, struct json_object *ret, const char *err, void *arg);

static void mode_finish(struct vm *vm, struct mode_op *op, const char *err)
{
	if (!err) {
		vm->live_mode = op->mode;
		vm_logf(vm, "%s", op->mode == VM_MODE_INSTALL ? "installer inserted; it boots first on the next reset"
							   : "installer ejected");
		vm_changed(vm);
	}
	if (op->done) {
		char *e = err ? xasprintf("VM %s: switching to %s mode: %s", vm->name, vm_mode_name(op->mode), unnamed(vm, err))
			      : NULL;
		op->done(vm, err ? -1 : 0, e, op->arg);
		free(e);
	}
	free(op);
}

static void mode_step(struct vm *vm, struct json_object *ret, const char *err, void *arg)
{
	(void)ret;
	struct mode_op *op = arg;
	if (err) {
		mode_finish(vm, op, err);
		return;
	}
	if (op->stage++ == 0) {
		/* Boot order for the next reset: the installer first, or not at all. */
		struct json_object *a = json_object_new_object();
		json_object_object_add(a, "path", json_object_new_string("/machine/peripheral/" QEMU_INSTALL_CD_ID));
		json_object_object_add(a, "property", json_object_new_string("bootindex"));
		json_object_object_add(a, "value", json_object_new_int(op->mode == VM_MODE_INSTALL ? QEMU_INSTALL_BOOTINDEX : -1));
		vm_call(vm, "qom-set", a, mode_step, op);
		return;
	}
	mode_finish(vm, op, NULL);
}

int vm_set_mode(struct vm *vm, enum vm_mode mode, vm_done_cb done, void *arg, char **err)
{
	if (mode == VM_MODE_INSTALL && vm->p && !vm->p->install.present)
		return error_set(err, "VM %s: install mode needs an 'install:' section in %s", vm->name,
				 vm->p->path ? vm->p->path : "its profile");
	if (modes_set(vm->name, mode, err) < 0)
		return -1;
	vm->mode = mode;
	vm_changed(vm);
	bool live = (vm->st == VM_RUNNING || vm->st == VM_PAUSED) && vm->p && vm->p->install.present;
	if (!live || vm->live_mode == mode) {
		if (!(vm->st == VM_RUNNING || vm->st == VM_PAUSED))
			vm->live_mode = mode;
		vm_done_soon(vm, done, arg);
		return 0;
	}
	struct mode_op *op = xcalloc(1, sizeof(*op));
	op->done = done;
	op->arg = arg;
	op->mode = mode;
	struct json_object *a = json_object_new_object();
	json_object_object_add(a, "id", json_object_new_string(QEMU_INSTALL_CD_ID));
	if (mode == VM_MODE_INSTALL) {
		json_object_object_add(a, "filename", json_object_new_string(vm->p->install.file));
		json_object_object_add(a, "format",
				       json_object_new_string(vm->p->install.format ? vm->p->install.format : "raw"));
		json_object_object_add(a, "read-only-mode", json_object_new_string("read-only"));
		vm_call(vm, "blockdev-change-medium", a, mode_step, op);
	} else {
		json_object_object_add(a, "force", json_object_new_boolean(true));
		vm_call(vm, "eject", a, mode_step, op);
	}
	return 0;
}

/* ---------- monitor ---------- */

struct mon_op {
	vm_monitor_cb cb;
	void *arg;
};

static void monitor_reply(struct vm *vm, struct json_object *ret, const char *err, void *arg)
{
	struct mon_op *op = arg;
	const char *out = err ? NULL : json_object_get_string(ret);
	if (vm->mon_inflight)
		vm->mon_inflight--;
	if (err) {
		char *e = xasprintf("error: %s", err);
		monitor_append(vm->mon, e);
		free(e);
	} else if (out && *out) {
		monitor_append(vm->mon, out);
	}
	if (op->cb)
		op->cb(vm, out ? out : "", err, op->arg);
	vm_changed(vm);
	free(op);
}

int vm_monitor_exec(struct vm *vm, const char *line, vm_monitor_cb cb, void *arg, char **err)
{
	if (!(vm->st == VM_RUNNING || vm->st == VM_PAUSED || vm->st == VM_STOPPING))
		return error_set(err, "VM %s is not running (%s)", vm->name, vm_status_text(vm));
	monitor_history_add(vm->mon, line);
	char *echo = xasprintf("(qemu) %s", line);
	monitor_append(vm->mon, echo);
	free(echo);
	struct mon_op *op = xcalloc(1, sizeof(*op));
	op->cb = cb;
	op->arg = arg;
	struct json_object *a = json_object_new_object();
	json_object_object_add(a, "command-line", json_object_new_string(line));
	vm->mon_inflight++;
	vm_call(vm, "human-monitor-command", a, monitor_reply, op);
	return 0;
}

int vm_qmp(struct vm *vm, const char *cmd, struct json_object *args, vm_qmp_cb cb, void *arg, char **err)
{
	if (vm->st != VM_RUNNING && vm->st != VM_PAUSED) {
		json_object_put(args);
		return error_set(err, "VM %s is not running (%s)", vm->name, vm_state_name(vm->st));
	}
	vm_call(vm, cmd, args, cb, arg);
	return 0;
}
