/* vm_spawn: starting a VM — lock, argv, the disks a profile gives a size:
 * made first when missing (qemu-img from the loop: the "creating disk"
 * phase), network hooks, then QEMU spawned detached under its supervisor,
 * whose report is read from the loop; and
 * how a start ends: up (QMP says so), refused before QEMU ran, or failed
 * with QEMU's own words.
 *
 * Process tree: vmdeck forks a helper that calls setsid() and forks the
 * supervisor, then exits at once (vmdeck reaps it right away). The
 * supervisor (core/supervisor.h: the small vmdeck-supervisor program,
 * exec'd) holds DIR/vm.lock, forks QEMU, waits for it and writes
 * DIR/exit-status. So QEMU survives vmdeck and SIGHUP, vmdeck never has a
 * zombie, and any vmdeck — parent or not — learns "signal 9" after the fact. */
#include "core/vm_priv.h"
#include "core/disk.h"
#include "core/modes.h"
#include "core/paths.h"
#include "core/qemu_args.h"
#include "core/relay.h"
#include "core/supervisor.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------- start ---------- */

/* QEMU's own complaint from a log: its lines, joined, without our noise. */
static char *log_error_text(const char *log)
{
	if (!log)
		return NULL;
	struct strv lines;
	strv_init(&lines);
	const char *p = log;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len)
			strv_push_owned(&lines, xstrndup(p, len));
		if (!nl)
			break;
		p = nl + 1;
	}
	char *out = NULL;
	/* The last few lines hold the error; earlier ones are warnings. */
	size_t from = lines.n > 3 ? lines.n - 3 : 0;
	for (size_t i = from; i < lines.n; i++) {
		char *n = out ? xasprintf("%s; %s", out, lines.v[i]) : xstrdup(lines.v[i]);
		free(out);
		out = n;
	}
	strv_clear(&lines);
	return out;
}

/* Nothing left behind but why: take vm.lock (the supervisor is gone or
 * going: it exits right after QEMU), keep the log and the record. The lock
 * is retried every 5 ms from the loop — never slept on — for up to 1 s. */
static void start_failed_tidy(struct loop_timer *t, void *arg)
{
	struct vm *vm = arg;
	if (t)
		vm->tidy_timer = NULL; /* one-shot: the loop frees it */
	char *lf = vm_file(vm, "vm.lock");
	int fd = vm_lock_acquire(lf);
	int e = errno;
	free(lf);
	if (fd < 0 && e == EAGAIN && ++vm->tidy_tries < 200) {
		vm->tidy_timer = loop_timer_add(vm->m->l, 5, false, start_failed_tidy, vm);
		return;
	}
	vm_net_teardown(vm); /* ours: this vmdeck started it */
	if (fd >= 0) {
		vm_tidy_failed(vm);
		vm_record_write(vm);
		close(fd);
	}
	vm_exit_log_keep(vm);
	char *msg = vm->tidy_msg;
	vm->tidy_msg = NULL;
	vm->tidying = false;
	vm_logf(vm, "%s", msg);
	vm_changed(vm);
	vm_waiters_fire(vm, &vm->start_w, -1, msg);
	vm_waiters_fire(vm, &vm->exit_w, 0, NULL);
	free(msg);
}

void vm_start_failed(struct vm *vm, const char *msg)
{
	vm->starting_here = false;
	if (vm->pidfd >= 0) {
		/* QEMU is alive but useless (no monitor): do not leave it behind. */
		vm_send_signal(vm, SIGKILL);
		loop_fd_del(vm->m->l, vm->pidfd);
		close(vm->pidfd);
		vm->pidfd = -1;
	}
	vm_qmp_release(vm);
	vm_calls_cancel(vm, "start failed");
	vm->pid = 0;
	vm->gone = false;
	vm->st = VM_EXITED;
	vm->cause = VM_CAUSE_START_FAILED;
	vm->code = 0;
	vm->exit_time = time(NULL);
	vm_set_error(vm, msg);
	vm->tidying = true;
	free(vm->tidy_msg);
	vm->tidy_msg = xstrdup(msg);
	vm->tidy_tries = 0;
	start_failed_tidy(NULL, vm);
}

/* QEMU died while this vmdeck started it: the start fails with QEMU's own
 * words from qemu.log (or why there are none). */
void vm_start_died(struct vm *vm)
{
	char *log_path = vm_file(vm, "qemu.log");
	char *log = vm_read_log_tail(log_path);
	free(log_path);
	char *txt = log_error_text(log);
	char *how = vm->cause == VM_CAUSE_SIGNAL ? xasprintf("killed by signal %d", vm->code)
		    : vm->cause == VM_CAUSE_EXIT_CODE ? xasprintf("exit code %d", vm->code)
						      : xstrdup("exited");
	/* A full runtime dir silences QEMU (no log, no pid file): say so. */
	struct statvfs sv;
	if (!txt && statvfs(vm->dir, &sv) == 0 && (sv.f_bavail == 0 || sv.f_favail == 0))
		txt = xasprintf("no output in qemu.log: the runtime directory %s is full (no space left on device)",
				vm->dir);
	char *e = xasprintf("VM %s: QEMU failed to start (%s): %s", vm->name, how,
			    txt ? txt : "no output in qemu.log");
	free(log);
	free(how);
	free(txt);
	vm_start_failed(vm, e);
	free(e);
}

void vm_start_succeeded(struct vm *vm)
{
	vm->starting_here = false;
	vm_set_error(vm, NULL);
	vm_logf(vm, "%s (pid %ld)", vm_state_name(vm->st), (long)vm->pid);
	/* Asked for explicitly and password-protected (else the profile would
	 * not load), but said at every start, where the user looks. */
	if (vm->p && profile_vnc_public(vm->p))
		vm_logf(vm, "warning: VNC listens on %s, reachable from the network (password only, no encryption)",
		     vm->p->vnc);
	vm_changed(vm);
	vm_waiters_fire(vm, &vm->start_w, 0, NULL);
}

/* The open-files limit vmdeck was given (vm_nofile_raise), for QEMU. */
static struct rlimit nofile_given;
static bool nofile_raised;

unsigned long vm_nofile_raise(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (!nofile_raised) {
		nofile_given = rl;
		nofile_raised = true;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (unsigned long)rl.rlim_cur;
}

static void close_fds_from(int lowest)
{
	if (syscall(SYS_close_range, lowest, ~0U, 0) == 0)
		return;
	for (int fd = lowest; fd < 65536; fd++)
		close(fd);
}

/* vmdeck-supervisor next to this program's binary (an installed vmdeck and
 * its build tree alike), or NULL: then the supervisor runs in a fork of this
 * process (a test binary; a broken install). Looked up once. */
static const char *supervisor_path(void)
{
	static char path[PATH_MAX];
	static int state; /* 0: not looked, 1: found, -1: none */
	if (state == 0) {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		state = -1;
		if (n > 0) {
			self[n] = '\0';
			char *slash = strrchr(self, '/');
			if (slash) {
				*slash = '\0';
				if (snprintf(path, sizeof(path), "%s/vmdeck-supervisor", self) < (int)sizeof(path) &&
				    access(path, X_OK) == 0)
					state = 1;
			}
		}
	}
	return state > 0 ? path : NULL;
}

/* serial.log's rotation size (core/relay.h): VMDECK_SERIAL_LOG_MAX bytes
 * when set and sane, else the default; 0 when the profile wants no log. */
static long long serial_log_max(const struct vm *vm)
{
	if (vm->p && !vm->p->serial_log)
		return 0;
	const char *e = getenv("VMDECK_SERIAL_LOG_MAX");
	unsigned long long v;
	if (e && *e && parse_uint(e, RELAY_LOG_MAX_MIN, 1ull << 40, &v) == 0)
		return (long long)v;
	return RELAY_LOG_MAX_DEFAULT;
}

/* vmdeck-supervisor DIR LOG_MAX NOFILE by posix_spawn: vfork and exec, so
 * no copy of vmdeck's page tables and nothing between fork and exec to wait
 * for a CPU (on a busy machine the fork of the whole TUI, then a second fork
 * of it, cost milliseconds each). The supervisor detaches itself (forks,
 * and its first process exits: what vmdeck waits for). Its fds: vm.lock on
 * 3, the report pipe on 4, QEMU's argv on 5 (a memfd of NUL-terminated
 * strings), /dev/null on 0-2, nothing else. -1: fall back to fork. */
static pid_t spawn_supervisor(char *const *sav, int lock_fd, int report_fd, char *const *argv)
{
	int afd = memfd_create("vmdeck-argv", MFD_CLOEXEC);
	if (afd < 0)
		return -1;
	for (size_t i = 0; argv[i]; i++)
		supervisor_write_all(afd, argv[i], strlen(argv[i]) + 1);
	/* Out of the way of 0-5 first: dup2 onto 3 must not clobber an fd
	 * still to be moved. */
	int a = fcntl(lock_fd, F_DUPFD_CLOEXEC, 100), b = fcntl(report_fd, F_DUPFD_CLOEXEC, 100),
	    c = fcntl(afd, F_DUPFD_CLOEXEC, 100);
	close(afd);
	pid_t pid = -1;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	sigemptyset(&none);
	if (a >= 0 && b >= 0 && c >= 0 && lseek(c, 0, SEEK_SET) == 0 && posix_spawn_file_actions_init(&fa) == 0) {
		if (posix_spawnattr_init(&at) == 0) {
			posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
			posix_spawnattr_setsigmask(&at, &none);
			posix_spawn_file_actions_adddup2(&fa, a, 3);
			posix_spawn_file_actions_adddup2(&fa, b, 4);
			posix_spawn_file_actions_adddup2(&fa, c, 5);
			posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
			posix_spawn_file_actions_adddup2(&fa, 0, 1);
			posix_spawn_file_actions_adddup2(&fa, 0, 2);
			posix_spawn_file_actions_addclosefrom_np(&fa, 6);
			if (posix_spawn(&pid, sav[0], &fa, &at, sav, environ) != 0)
				pid = -1;
			posix_spawnattr_destroy(&at);
		}
		posix_spawn_file_actions_destroy(&fa);
	}
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (c >= 0)
		close(c);
	return pid;
}

/* Spawn QEMU detached; returns the pipe on which the supervisor reports
 * {QEMU's pid, exec's errno} (read from the loop: on_spawn_report), or -1
 * with err. lock_fd is shared with the supervisor. */
static int spawn_begin(struct vm *vm, int lock_fd, char *const *argv, char **err)
{
	int rp[2];
	if (pipe2(rp, O_CLOEXEC) < 0)
		return error_set(err, "VM %s: pipe: %s", vm->name, strerror(errno));
	/* The supervisor's command line is "vmdeck-supervisor DIR": QEMU's
	 * argv reaches it on fd 5 (a memfd, NUL-terminated strings), so ps and
	 * pgrep -f see QEMU's command line on QEMU alone. */
	const char *sup_path = supervisor_path();
	long long log_max = serial_log_max(vm);
	char log_max_s[24], nofile_s[24];
	snprintf(log_max_s, sizeof(log_max_s), "%lld", log_max);
	/* QEMU gets the open-files limit vmdeck was given. */
	snprintf(nofile_s, sizeof(nofile_s), "%llu",
		 (unsigned long long)(nofile_raised ? nofile_given.rlim_cur : RLIM_INFINITY));
	char *const sav[] = { (char *)sup_path, vm->dir, log_max_s, nofile_s, NULL };
	pid_t helper = sup_path ? spawn_supervisor(sav, lock_fd, rp[1], argv) : -1;
	if (helper > 0)
		goto spawned;
	helper = fork();
	if (helper < 0) {
		close(rp[0]);
		close(rp[1]);
		return error_set(err, "VM %s: fork: %s", vm->name, strerror(errno));
	}
	if (helper == 0) {
		setsid();
		pid_t sup = fork();
		if (sup != 0)
			_exit(sup < 0 ? 1 : 0);
		/* Move the two fds we keep to 3 and 4, close the rest (other VMs'
		 * locks, the loop, the terminal's fds). */
		int a = fcntl(lock_fd, F_DUPFD, 100), b = fcntl(rp[1], F_DUPFD, 100);
		dup2(a, 3);
		dup2(b, 4);
		close_fds_from(5);
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 2)
			close(nul);
		/* QEMU gets the open-files limit vmdeck was given. */
		if (nofile_raised)
			setrlimit(RLIMIT_NOFILE, &nofile_given);
		/* A small program of its own: a fork of vmdeck would keep a copy
		 * of vmdeck's heap for as long as QEMU runs. */
		int afd = sup_path ? memfd_create("vmdeck-argv", 0) : -1;
		if (afd >= 0) {
			for (size_t i = 0; argv[i]; i++)
				supervisor_write_all(afd, argv[i], strlen(argv[i]) + 1);
			if (lseek(afd, 0, SEEK_SET) == 0 && dup2(afd, 5) == 5)
				execv(sup_path, sav);
		}
		supervisor_run(vm->dir, log_max, argv);
	}
spawned:
	close(rp[1]);
	int st;
	/* The helper exits right after its fork: this is not a wait on QEMU. */
	while (waitpid(helper, &st, 0) < 0 && errno == EINTR)
		;
	return rp[0];
}

/* A start that failed before QEMU ran (bad argv, firmware, TAPs, no
 * binary), with vm.lock held: the VM shows why until the next start, for
 * every vmdeck, like a start QEMU itself failed. Returns -1, err kept. */
static int start_refused(struct vm *vm, int lock_fd, char **err)
{
	vm->st = VM_EXITED;
	vm->cause = VM_CAUSE_START_FAILED;
	vm->code = 0;
	vm->exit_time = time(NULL);
	vm_set_error(vm, err && *err ? *err : "start failed");
	vm_tidy_failed(vm);
	vm_record_write(vm);
	vm_exit_log_keep(vm);
	close(lock_fd);
	vm_changed(vm);
	return -1;
}

static void on_spawn_report(int fd, short rev, void *arg);

/* A start of a profile whose disks are the linked base of another's. */
static void warn_linked_bases(struct vm *vm)
{
	const struct profile_set *set = vm->m->set;
	for (size_t i = 0; set && i < vm->p->n_disks; i++)
		for (size_t j = 0; j < set->n; j++)
			for (size_t k = 0; set->items[j] != vm->p && k < set->items[j]->n_disks; k++) {
				const char *b = set->items[j]->disks[k].linked_base;
				const struct profile_disk *d = &vm->p->disks[i];
				if (b && d->file && strcmp(b, d->file) == 0 && !d->readonly && !d->snapshot)
					vm_logf(vm, "warning: disk '%s' (%s) is the linked base of VM %s: this start "
						    "writes to it and breaks that clone",
						d->id, d->file, set->items[j]->name);
			}
}

/* The next disk with a size: whose file does not exist yet, or NULL. */
static const struct profile_disk *disk_to_make(const struct vm *vm)
{
	for (size_t i = 0; vm->p && i < vm->p->n_disks; i++)
		if (disk_needs_create(&vm->p->disks[i]))
			return &vm->p->disks[i];
	return NULL;
}

static void set_phase(struct vm *vm, char *phase)
{
	free(vm->phase);
	vm->phase = phase;
	free(vm->status_text); /* "starting (creating disk …)" is made again */
	vm->status_text = NULL;
}

/* From here on the VM is starting, for this vmdeck's views and verbs. */
static void mark_starting(struct vm *vm, enum vm_mode mode)
{
	vm_set_error(vm, NULL);
	vm_exit_log_set(vm, NULL);
	vm->exit_time = 0;
	vm->cause = VM_CAUSE_NONE;
	vm->code = 0;
	vm->live_mode = mode;
	vm->starting_here = true;
	vm->st = VM_STARTING;
}

/* Network, then QEMU under its supervisor. On failure the start is refused
 * (vm.lock released, the VM exited with err) and < 0 returned (err's kind). */
static int start_spawn(struct vm *vm, int lock_fd, struct strv *argv, enum vm_mode mode, char **err)
{
	/* What a previous run made and nobody removed (its QEMU is gone). */
	vm_net_teardown(vm);
	struct strv taps;
	strv_init(&taps);
	int nrc = vm_net_setup(vm, &taps, err);
	if (nrc < 0) {
		strv_clear(&taps);
		strv_clear(argv);
		start_refused(vm, lock_fd, err);
		return nrc;
	}
	/* Granted TAPs (rootless): the same command line with their names. */
	bool granted = false;
	for (size_t i = 0; i < taps.n; i++)
		granted |= taps.v[i][0] != 0;
	if (granted) {
		strv_clear(argv);
		struct qemu_runtime rt = { .dir = vm->dir, .taps = &taps };
		if (qemu_args_build(vm->p, mode, &rt, argv, err) < 0) { /* built once already */
			strv_clear(&taps);
			strv_clear(argv);
			vm_net_teardown(vm);
			return start_refused(vm, lock_fd, err);
		}
	}
	strv_clear(&taps);
	/* Own the persistent connection before QEMU can be reached by anyone. */
	char *qf = vm_file(vm, "qmp.lock");
	vm->qmp_lock_fd = vm_lock_acquire(qf);
	free(qf);

	int rfd = spawn_begin(vm, lock_fd, argv->v, err);
	if (rfd < 0) {
		strv_clear(argv);
		vm_qmp_release(vm);
		vm_net_teardown(vm);
		return start_refused(vm, lock_fd, err); /* the supervisor wrote nothing */
	}
	free(vm->spawn_argv0);
	vm->spawn_argv0 = xstrdup(argv->v[0]);
	strv_clear(argv);
	vm->spawn_fd = rfd;
	vm->spawn_lock_fd = lock_fd; /* until the supervisor reported */
	mark_starting(vm, mode);
	/* The supervisor reports right after fork + exec of QEMU: read it from
	 * the loop, never waiting here. */
	loop_fd_add(vm->m->l, rfd, POLLIN, on_spawn_report, vm);
	vm_changed(vm);
	return 0;
}

/* The start that made disks fails or is called off: like a refused one,
 * said to those waiting. */
static void start_disk_failed(struct vm *vm, int rc, const char *msg)
{
	int lock_fd = vm->spawn_lock_fd;
	vm->spawn_lock_fd = -1;
	vm->starting_here = false;
	strv_clear(&vm->start_argv);
	set_phase(vm, NULL);
	char *err = xstrdup(msg);
	start_refused(vm, lock_fd, &err);
	vm_waiters_fire(vm, &vm->start_w, rc < 0 ? rc : -1, err); /* they say it (once), with its kind */
	vm_waiters_fire(vm, &vm->exit_w, 0, NULL);
	free(err);
}

static void on_disk_made(int status, const char *err, void *arg);

/* Begin making disk d: qemu-img from the loop. -1 with err (naming VM,
 * disk and file; qemu-img missing is ERR_NOTFOUND) when it cannot begin. */
static int disk_begin(struct vm *vm, const struct profile_disk *d, char **err)
{
	int rc = disk_mk_start(vm->m->l, vm->name, d, on_disk_made, vm, &vm->disk_job, err);
	if (rc < 0)
		return rc;
	char *sz = size_text(d->size);
	set_phase(vm, xasprintf("creating disk '%s'", d->id));
	vm_logf(vm, "disk '%s': creating %s (%s, %s)", d->id, d->file, d->format, sz);
	free(sz);
	vm->disks_made++;
	vm_changed(vm);
	return 0;
}

/* qemu-img is done with one disk: the next one, or QEMU. */
static void on_disk_made(int status, const char *err, void *arg)
{
	struct vm *vm = arg;
	vm->disk_job = NULL;
	if (status < 0) {
		start_disk_failed(vm, status, err);
		return;
	}
	const struct profile_disk *d = NULL;
	for (size_t i = 0; vm->p && vm->phase && i < vm->p->n_disks && !d; i++) {
		char *ph = xasprintf("creating disk '%s'", vm->p->disks[i].id);
		if (strcmp(ph, vm->phase) == 0)
			d = &vm->p->disks[i];
		free(ph);
	}
	if (d) {
		char *sz = size_text(d->size);
		vm_logf(vm, "disk '%s': created %s (%s, %s)", d->id, d->file, d->format, sz);
		free(sz);
	}
	char *e = NULL;
	const struct profile_disk *next = disk_to_make(vm);
	if (next && vm->disks_made <= vm->p->n_disks) {
		int rc = disk_begin(vm, next, &e);
		if (rc < 0)
			start_disk_failed(vm, rc, e);
		free(e);
		return;
	}
	set_phase(vm, NULL);
	int lock_fd = vm->spawn_lock_fd;
	vm->spawn_lock_fd = -1;
	int rc = start_spawn(vm, lock_fd, &vm->start_argv, vm->live_mode, &e);
	if (rc < 0) { /* its kind kept: a TAP not permitted is still exit 4 */
		vm->starting_here = false;
		vm_waiters_fire(vm, &vm->start_w, rc, e);
		vm_waiters_fire(vm, &vm->exit_w, 0, NULL);
	}
	free(e);
}

void vm_start_cancel(struct vm *vm, const char *why)
{
	char *msg = xasprintf("VM %s: start %s while %s; nothing was left half-made", vm->name, why,
			      vm->phase ? vm->phase : "preparing");
	disk_mk_cancel(vm->disk_job);
	vm->disk_job = NULL;
	start_disk_failed(vm, -1, msg);
	free(msg);
}

/* Disks to make first: the start waits for them in the loop (vm.lock held,
 * argv kept), then goes on in on_disk_made. */
static int start_with_disks(struct vm *vm, int lock_fd, struct strv *argv, enum vm_mode mode,
			    const struct profile_disk *d, vm_done_cb done, void *arg, char **err)
{
	vm->disks_made = 0;
	int rc = disk_begin(vm, d, err);
	if (rc < 0) {
		strv_clear(argv);
		start_refused(vm, lock_fd, err);
		return rc; /* its kind: qemu-img missing is not found */
	}
	vm->start_argv = *argv; /* moved: the caller's is left empty */
	*argv = (struct strv){ 0 };
	vm->spawn_lock_fd = lock_fd;
	mark_starting(vm, mode);
	vm_waiters_add(&vm->start_w, done, arg);
	vm_changed(vm);
	return 0;
}

int vm_start(struct vm *vm, vm_done_cb done, void *arg, char **err)
{
	if (vm->tidying)
		return error_set(err, "VM %s: still tidying up after a failed start; try again in a moment", vm->name);
	if (vm->st == VM_STARTING && !vm->starting_here)
		return error_set(err, "VM %s is being started by another vmdeck", vm->name);
	if ((vm->st == VM_RUNNING || vm->st == VM_PAUSED) && vm->pid > 0)
		return error_set(err, "VM %s is already running (pid %ld)", vm->name, (long)vm->pid);
	if (vm->st == VM_STARTING || vm->st == VM_RUNNING || vm->st == VM_PAUSED || vm->st == VM_STOPPING)
		return error_set(err, "VM %s is already %s", vm->name, vm_state_name(vm->st));
	if (!vm->p)
		return error_set(err, "VM %s has no profile", vm->name);
	/* Never a symlink, never another user's or a group-writable dir:
	 * files here are opened, unlinked and handed to QEMU (as root, too). */
	const char *root = paths_runtime_dir();
	if (paths_private_dir(root, err) < 0 || paths_private_dir(vm->dir, err) < 0)
		return error_prefix(err, "VM %s", vm->name);
	char *lf = vm_file(vm, "vm.lock");
	int lock_fd = vm_lock_acquire(lf);
	free(lf);
	if (lock_fd < 0) {
		if (errno != EAGAIN)
			return error_set(err, "VM %s: cannot lock %s/vm.lock: %s", vm->name, vm->dir, strerror(errno));
		pid_t pid = vm_read_pidfile(vm);
		if (pid > 0)
			return error_set(err, "VM %s is already running (pid %ld)", vm->name, (long)pid);
		return error_set(err, "VM %s is being started by another vmdeck", vm->name);
	}
	/* The supervisor may have been killed while QEMU lives on: never a
	 * second QEMU on the same disks. */
	pid_t old = vm_read_pidfile(vm);
	if (old > 0 && kill(old, 0) == 0 && vm_pid_is_ours(vm, old)) {
		close(lock_fd);
		return error_set(err, "VM %s is already running (pid %ld, its supervisor is gone)", vm->name, (long)old);
	}
	vm_rundir_clean_for_start(vm);

	enum vm_mode mode;
	modes_get(vm->name, &mode);
	vm->mode = mode;
	struct strv argv;
	strv_init(&argv);
	struct qemu_runtime rt = { .dir = vm->dir };
	if (qemu_args_build(vm->p, mode, &rt, &argv, err) < 0) {
		strv_clear(&argv);
		return start_refused(vm, lock_fd, err);
	}
	if (profile_firmware_vars_prepare(vm->p, err) < 0) {
		strv_clear(&argv);
		error_prefix(err, "VM %s", vm->name);
		return start_refused(vm, lock_fd, err);
	}
	/* QEMU would only say "Could not set up host forwarding rule". */
	int frc = vm_forwards_prepare(vm, err);
	if (frc < 0) {
		strv_clear(&argv);
		start_refused(vm, lock_fd, err);
		return frc;
	}
	warn_linked_bases(vm);
	/* Disks with a size: whose file does not exist yet are made first,
	 * under vm.lock (two starts never race), from the loop: qemu-img may
	 * be slow on a busy or network file system. */
	const struct profile_disk *d = disk_to_make(vm);
	if (d)
		return start_with_disks(vm, lock_fd, &argv, mode, d, done, arg, err);
	int rc = start_spawn(vm, lock_fd, &argv, mode, err);
	if (rc == 0)
		vm_waiters_add(&vm->start_w, done, arg);
	return rc;
}

/* The supervisor's report: QEMU runs (watch it, connect QMP), or it could
 * not be run (the start fails like a refused one, for every vmdeck). */
static void spawn_finish(struct vm *vm)
{
	int rep[2] = { -1, 0 };
	ssize_t r;
	while ((r = read(vm->spawn_fd, rep, sizeof(rep))) < 0 && errno == EINTR)
		;
	loop_fd_del(vm->m->l, vm->spawn_fd);
	close(vm->spawn_fd);
	vm->spawn_fd = -1;
	int lock_fd = vm->spawn_lock_fd;
	vm->spawn_lock_fd = -1;
	char *err = NULL;
	/* {pid, 0}; {0, exec's errno}: no QEMU binary to run; {-1, errno}: no fork. */
	if (r != (ssize_t)sizeof(rep) || rep[0] < 0 || (rep[0] == 0 && !rep[1]))
		error_set(&err, "VM %s: could not start the QEMU supervisor", vm->name);
	else if (rep[1])
		error_set(&err, "VM %s: cannot run QEMU binary '%s': %s", vm->name, vm->spawn_argv0, strerror(rep[1]));
	enum stop_step deferred = vm->step_deferred;
	vm->step_deferred = STEP_NONE;
	if (err) {
		vm->starting_here = false;
		vm_qmp_release(vm);
		vm_net_teardown(vm);
		start_refused(vm, lock_fd, &err); /* the supervisor wrote nothing */
		vm_logf(vm, "%s", err);
		vm_waiters_fire(vm, &vm->start_w, -1, err);
		vm_waiters_fire(vm, &vm->exit_w, 0, NULL);
		free(err);
		return;
	}
	close(lock_fd); /* the supervisor holds it now */
	pid_t pid = rep[0];
	enum vm_mode mode = vm->live_mode;
	if (vm_watch_pid(vm, pid) < 0) {
		/* ESRCH: QEMU died at once (a bad option) and is already reaped;
		 * collect its exit from the loop like any other. */
		vm->pid = pid;
		vm->gone = true;
		vm->exit_deadline = now_mono_us() + (uint64_t)EXIT_STATUS_WAIT_MS * 1000;
		vm->exit_timer = loop_timer_add(vm->m->l, 1, false, vm_exit_wait_tick, vm);
		vm_changed(vm);
		return;
	}
	vm_logf(vm, "starting (%s mode, pid %ld)", vm_mode_name(mode), (long)pid);
	vm_changed(vm);
	vm_qmp_connect(vm);
	if (deferred != STEP_NONE)
		vm_step_run(vm, deferred);
}

static void on_spawn_report(int fd, short rev, void *arg)
{
	(void)fd;
	(void)rev;
	spawn_finish(arg);
}
