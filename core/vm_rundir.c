/* vm_rundir: a VM's runtime directory (layout in vm.h) — whose QEMU a pid
 * is, the OFD locks, what a live VM leaves and a dead one keeps (logs, the
 * last-exit record), the TAPs a start made, and the scan that catches up
 * with what happened there meanwhile (re-attach, leftovers). */
#include "core/vm_priv.h"
#include "core/paths.h"
#include "core/proc.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOG_TAIL_BYTES 16384

/* Is pid this VM's QEMU? Not a recycled pid, not a look-alike: its start
 * time is the one the supervisor recorded in qemu.start ("PID TICKS"), and
 * one argv element is exactly this dir's -qmp value ("unix:DIR/qmp.sock",
 * options after a comma) — a user's socat naming the socket, or a QEMU of a
 * dir whose path ends with this one, is not. A dir without qemu.start (a
 * VM started by a vmdeck before the record existed) is judged by argv. */
bool vm_pid_is_ours(const struct vm *vm, pid_t pid)
{
	char *f = vm_file(vm, "qemu.start");
	char *rec = file_read_all(f, NULL);
	free(f);
	if (rec) {
		long rpid = 0;
		unsigned long long ticks = 0;
		bool same = sscanf(rec, "%ld %llu", &rpid, &ticks) == 2 && rpid == (long)pid && ticks &&
			    ticks == proc_start_ticks(pid);
		free(rec);
		if (!same)
			return false;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	size_t len = 0;
	char *s = file_read_all(path, &len);
	if (!s)
		return false;
	char *want = xasprintf("unix:%s/qmp.sock", vm->dir);
	size_t wl = strlen(want);
	bool ok = false;
	for (size_t i = 0; i < len && !ok; i += strlen(s + i) + 1)
		ok = strncmp(s + i, want, wl) == 0 && (s[i + wl] == '\0' || s[i + wl] == ',');
	free(want);
	free(s);
	return ok;
}

pid_t vm_read_pidfile(const struct vm *vm)
{
	char *f = vm_file(vm, "qemu.pid");
	char *s = file_read_all(f, NULL);
	free(f);
	if (!s)
		return 0;
	long v = strtol(s, NULL, 10);
	free(s);
	return v > 0 ? (pid_t)v : 0;
}

/* ---------- locks (open file description locks: inherited by fork like
 * flock, released when the last fd goes, and testable with F_OFD_GETLK) ---- */

static int lock_try(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	return fcntl(fd, F_OFD_SETLK, &fl);
}

/* Lock path exclusively, or -1 (errno EAGAIN when someone else holds it).
 * The inode check closes the race with a concurrent unlink of the file. */
int vm_lock_acquire(const char *path)
{
	for (int tries = 0; tries < 5; tries++) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -1;
		if (lock_try(fd) < 0) {
			int e = errno;
			close(fd);
			errno = (e == EACCES) ? EAGAIN : e;
			return -1;
		}
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd); /* locked a file that was just unlinked: retry on the new one */
	}
	errno = EAGAIN;
	return -1;
}

/* 1: someone holds path's lock, 0: nobody (or no such file), -1: it could
 * not be opened (errno says why; ENOENT is also 0). */
int vm_lock_look(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	bool held = fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
	close(fd);
	return held;
}

bool vm_lock_held(const char *path) { return vm_lock_look(path) > 0; }

bool vm_vmlock_held(const struct vm *vm)
{
	char *f = vm_file(vm, "vm.lock");
	bool r = vm_lock_held(f);
	free(f);
	return r;
}

/* ---------- runtime dir ---------- */

/* Files QEMU/vmdeck leave while a VM lives; their presence without a live VM
 * means a leftover. Logs and exit records are kept. */
static const char *const stale_files[] = { "qmp.sock", "ctl.sock", "vnc.sock", "serial.sock", "console.sock", "console.sock.new",
					    "qemu.pid", "qemu.start", "qmp.lock", "forwards", "run-state", "qemu-state" };
static const char *const record_files[] = { "exit-status", "shutdown-reason", "last-exit" };
/* Kept across starts, but QEMU and the supervisor open them for writing:
 * anything but a plain file there (a planted symlink) is removed first. */
static const char *const log_files[] = { "qemu.log", "serial.log", "serial.log.1" };

static bool has_stale(const struct vm *vm)
{
	for (size_t i = 0; i < ARRAY_LEN(stale_files); i++) {
		char *f = vm_file(vm, stale_files[i]);
		bool e = path_exists(f);
		free(f);
		if (e)
			return true;
	}
	return false;
}

static void unlink_list(const struct vm *vm, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *f = vm_file(vm, names[i]);
		unlink(f);
		free(f);
	}
}

static void unlink_unless_regular(const struct vm *vm, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *f = vm_file(vm, names[i]);
		struct stat st;
		if (lstat(f, &st) == 0 && !S_ISREG(st.st_mode))
			unlink(f);
		free(f);
	}
}

void vm_rundir_clean(const struct vm *vm) { unlink_list(vm, stale_files, ARRAY_LEN(stale_files)); }

void vm_rundir_clean_for_start(const struct vm *vm)
{
	unlink_list(vm, stale_files, ARRAY_LEN(stale_files));
	unlink_list(vm, record_files, ARRAY_LEN(record_files));
	unlink_unless_regular(vm, log_files, ARRAY_LEN(log_files));
}

/* A failed start leaves only what says why: its record and its log, cut to
 * the last LOG_TAIL_BYTES (QEMU's complaint is at the end). vm.lock goes
 * too (the caller holds it; lock_acquire copes with an unlinked file). */
void vm_tidy_failed(const struct vm *vm)
{
	DIR *d = opendir(vm->dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			    strcmp(e->d_name, "qemu.log") == 0)
				continue;
			char *f = vm_file(vm, e->d_name);
			unlink(f);
			free(f);
		}
		closedir(d);
	}
	char *f = vm_file(vm, "qemu.log");
	struct stat st;
	if (lstat(f, &st) == 0 && (!S_ISREG(st.st_mode) || st.st_size > LOG_TAIL_BYTES)) {
		char *tail = S_ISREG(st.st_mode) ? vm_read_log_tail(f) : NULL;
		unlink(f);
		if (tail)
			file_write_atomic(f, tail, strlen(tail), 0600, NULL);
		free(tail);
	}
	free(f);
}

char *vm_read_log_tail(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > LOG_TAIL_BYTES ? size - LOG_TAIL_BYTES : 0;
	lseek(fd, from, SEEK_SET);
	char *buf = xmalloc((size_t)(size - from) + 1);
	ssize_t r = read(fd, buf, (size_t)(size - from));
	close(fd);
	buf[r > 0 ? r : 0] = '\0';
	return buf;
}

/* Keep qemu.log's tail as it is now as the last exit's (NULL: drop it). */
void vm_exit_log_set(struct vm *vm, char *tail)
{
	free(vm->exit_log);
	vm->exit_log = tail;
}

void vm_exit_log_keep(struct vm *vm)
{
	char *f = vm_file(vm, "qemu.log");
	vm_exit_log_set(vm, vm_read_log_tail(f));
	free(f);
}

/* ---------- the last exit, kept for every vmdeck ----------
 * DIR/last-exit (JSON: cause, code, time, error) is written by the vmdeck
 * that tidies a dead VM's leftovers (under vm.lock) or whose start failed,
 * and read by every vmdeck that comes later — so the first look is not the
 * only one that knows why. It lives until the next start. */

static void record_remember(struct vm *vm)
{
	char *f = vm_file(vm, "last-exit");
	file_stamp_changed(f, &vm->rec_seen, &vm->rec_seen);
	free(f);
}

/* Is there a DIR/last-exit this VM has not taken in yet? */
static bool record_new(const struct vm *vm)
{
	char *f = vm_file(vm, "last-exit");
	struct file_stamp now;
	bool changed = file_stamp_changed(f, &vm->rec_seen, &now);
	free(f);
	return changed && now.have;
}

/* Are the last exit's records there (exit-status, shutdown-reason,
 * last-exit)? A start removes them as soon as it holds vm.lock
 * (vm_rundir_clean_for_start), for good; a vmdeck that tidies an exit keeps
 * them (it writes or reads last-exit under vm.lock). So vm.lock held, no
 * live QEMU and a record there is a tidy, not a start — which, removing
 * them, is seen next. */
bool vm_exit_records_present(const struct vm *vm)
{
	bool e = false;
	for (size_t i = 0; i < ARRAY_LEN(record_files) && !e; i++) {
		char *f = vm_file(vm, record_files[i]);
		e = path_exists(f);
		free(f);
	}
	return e;
}

void vm_write_record(struct vm *vm, const char *name, const char *text)
{
	char *f = vm_file(vm, name);
	file_write_atomic(f, text, strlen(text), 0600, NULL);
	free(f);
}

void vm_record_write(struct vm *vm)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "cause", json_object_new_string(vm_cause_words[vm->cause]));
	json_object_object_add(o, "code", json_object_new_int(vm->code));
	json_object_object_add(o, "time", json_object_new_int64((int64_t)vm->exit_time));
	if (vm->error)
		json_object_object_add(o, "error", json_object_new_string(vm->error));
	vm_write_record(vm, "last-exit", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	record_remember(vm);
}

/* Take the last exit from DIR/last-exit; false (vm untouched) when there is
 * none or it makes no sense. */
bool vm_record_read(struct vm *vm)
{
	char *f = vm_file(vm, "last-exit");
	char *text = file_read_all(f, NULL);
	free(f);
	if (!text)
		return false;
	record_remember(vm); /* also a record that makes no sense: read once */
	struct json_object *o = json_tokener_parse(text), *v;
	free(text);
	enum vm_cause cause = VM_CAUSE_NONE;
	if (o && json_object_object_get_ex(o, "cause", &v) && json_object_is_type(v, json_type_string))
		for (size_t i = 1; i < ARRAY_LEN(vm_cause_words); i++)
			if (strcmp(vm_cause_words[i], json_object_get_string(v)) == 0)
				cause = (enum vm_cause)i;
	if (cause == VM_CAUSE_NONE) {
		json_object_put(o);
		return false;
	}
	vm->cause = cause;
	vm->code = json_object_object_get_ex(o, "code", &v) ? json_object_get_int(v) : 0;
	vm->exit_time = json_object_object_get_ex(o, "time", &v) ? (time_t)json_object_get_int64(v) : 0;
	vm_set_error(vm, json_object_object_get_ex(o, "error", &v) && json_object_is_type(v, json_type_string)
			      ? json_object_get_string(v)
			      : NULL);
	json_object_put(o);
	return true;
}

/* ---------- network: what a start created ----------
 * DIR/created has one line per object the start created ("tap NAME"),
 * after a first line naming the network namespace they were made in
 * ("netns DEV:INO" of /proc/self/ns/net); the teardown removes exactly
 * these — whatever the profile says by then (it may be gone, or name another
 * VM's TAP now) — and then the record. A vmdeck in another namespace (or
 * with a runtime directory that fails its checks) leaves both alone: a TAP
 * of the same name there is someone else's. Written and acted on under
 * vm.lock. */

static char *netns_id(void)
{
	struct stat st;
	if (stat("/proc/self/ns/net", &st) < 0)
		return xstrdup("?");
	return xasprintf("%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
}

int vm_net_setup(struct vm *vm, struct strv *taps, char **err)
{
	const struct vm_net_hooks *h = vm->m->hooks;
	if (!h || !h->setup)
		return 0;
	struct strv made;
	strv_init(&made);
	int rc = h->setup(vm->p, &made, taps, err);
	if (rc < 0) {
		strv_clear(&made);
		strv_clear(taps);
		error_prefix(err, "VM %s", vm->name);
		return rc; /* its kind: -ERR_PERM without CAP_NET_ADMIN */
	}
	if (made.n) {
		char *ns = netns_id();
		char *text = xasprintf("netns %s\n", ns);
		free(ns);
		for (size_t i = 0; i < made.n; i++) {
			char *t = xasprintf("%stap %s\n", text, made.v[i]);
			free(text);
			text = t;
		}
		char *f = vm_file(vm, "created");
		if (file_write_atomic(f, text, strlen(text), 0600, err) < 0) {
			/* Unrecorded, they would outlive the VM: not made at all. */
			for (size_t i = 0; i < made.n; i++)
				if (h->teardown)
					h->teardown(made.v[i]);
			rc = error_prefix(err, "VM %s", vm->name);
		}
		free(f);
		free(text);
	}
	strv_clear(&made);
	return rc;
}

void vm_net_teardown(struct vm *vm)
{
	const struct vm_net_hooks *h = vm->m->hooks;
	if (vm->m->read_only || !h || !h->teardown)
		return;
	if (!paths_private_dir_ok(paths_runtime_dir()) || !paths_private_dir_ok(vm->dir))
		return; /* a record anyone could have planted: never acted on */
	char *f = vm_file(vm, "created");
	char *s = file_read_all(f, NULL);
	if (s) {
		char *ns = netns_id(), *save = NULL;
		bool here = true;
		for (char *line = strtok_r(s, "\n", &save); line && here; line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "netns ", 6) == 0)
				here = strcmp(line + 6, ns) == 0;
			else if (strncmp(line, "tap ", 4) == 0 && line[4])
				h->teardown(line + 4);
		}
		free(ns);
		free(s);
		if (!here) {
			vm_logf(vm, "its TAPs were made in another network namespace: left for a vmdeck there");
			free(f);
			return;
		}
	}
	unlink(f);
	free(f);
}

/* ---------- scan ---------- */

/* A non-owner: the owner's record when it can be trusted, else a poll
 * (and one on the tick's full rescan all the same: an owner that stalls —
 * stopped, swapped out — writes nothing). */
static void scan_watch(struct vm *vm)
{
	if (!vm_run_state_read(vm) || vm->m->full_pass)
		vm_qmp_poll_status(vm);
}

/* Known alive: non-owners poll, and take over a dropped ownership. An
 * owner with its connection up gets QEMU's events: no poll. */
static void scan_alive(struct vm *vm)
{
	vm_qmp_try_own(vm);
	if (vm->qmp_lock_fd < 0)
		scan_watch(vm);
	if (vm->qmp_lock_fd >= 0 && !vm->q && !vm->connect_timer)
		vm_qmp_connect(vm);
}

/* vm.lock held or a live QEMU of this dir: being started by another
 * vmdeck, or running — adopt it. */
static void scan_adopt(struct vm *vm, pid_t pid, bool live)
{
	if (!live) {
		if (vm->st != VM_STARTING)
			vm_set_state(vm, VM_STARTING); /* another vmdeck is starting it */
		return;
	}
	vm->cause = VM_CAUSE_NONE;
	vm_set_error(vm, NULL);
	vm_exit_log_set(vm, NULL); /* started again: the last exit's log is history */
	vm->st = VM_RUNNING; /* until query-status says otherwise */
	vm->live_mode = vm->mode;
	vm_logf(vm, "found running (pid %ld, up %llu s)", (long)pid, (unsigned long long)vm_uptime_s(vm));
	vm_changed(vm);
	vm_qmp_try_own(vm);
	if (vm->qmp_lock_fd < 0)
		scan_watch(vm);
}

/* What a watcher told of a VM's last exit: a record of the same exit taken
 * in later (another vmdeck's) is a change only if its story differs. */
struct story {
	enum vm_state st;
	enum vm_cause cause;
	int code;
	char *err;
};

static struct story story_save(const struct vm *vm)
{
	return (struct story){ vm->st, vm->cause, vm->code, vm->error ? xstrdup(vm->error) : NULL };
}

/* Frees s. */
static bool story_told(struct story *s, const struct vm *vm)
{
	bool same = s->st == VM_EXITED && s->cause == vm->cause && s->code == vm->code &&
		    (s->err ? vm->error && strcmp(s->err, vm->error) == 0 : vm->error == NULL);
	free(s->err);
	s->err = NULL;
	return same;
}

/* Gone and tidied: by another vmdeck (it recorded why), or the other
 * vmdeck's start failed. Its last exit is ours too. */
static void scan_tidied(struct vm *vm)
{
	bool took = false;
	if ((vm->st == VM_STOPPED || vm->st == VM_EXITED || vm->st == VM_STARTING || vm->st == VM_UNKNOWN) &&
	    record_new(vm)) {
		struct story was = story_save(vm);
		took = vm_record_read(vm);
		if (took) {
			vm_exit_log_keep(vm);
			vm->st = VM_EXITED;
		}
		/* The exit this vmdeck saw itself, as another one recorded
		 * it: told again only if the story differs. */
		if (!story_told(&was, vm) && took)
			vm_changed(vm);
	}
	if (!took && (vm->st == VM_STARTING || vm->st == VM_UNKNOWN)) {
		if (vm->st == VM_UNKNOWN)
			vm_set_error(vm, NULL);
		vm_set_state(vm, VM_STOPPED);
	}
}

/* A leftover: QEMU died with nobody watching. Record why, clean up, keep
 * the logs — or, read-only, only report it. A leftover of the exit this
 * vmdeck told already (it could not tidy: another vmdeck held vm.lock
 * and did not either) is cleaned without telling it again. */
static void scan_leftover(struct vm *vm)
{
	if (vm->m->read_only) {
		/* Report it; the next vmdeck that may change things cleans up. */
		if (vm->st != VM_EXITED) {
			if (!vm_record_read(vm))
				vm_determine_cause(vm);
			vm_exit_log_keep(vm);
			vm->st = VM_EXITED;
			vm_logf(vm, "found dead (%s); left for a vmdeck that is not read-only to clean", vm_cause_text(vm));
			vm_changed(vm);
		}
		return;
	}
	char *lf = vm_file(vm, "vm.lock");
	int fd = vm_lock_acquire(lf);
	free(lf);
	if (fd < 0)
		return;
	struct story was = story_save(vm);
	if (!vm_record_read(vm)) {
		vm_determine_cause(vm);
		vm_record_write(vm);
	}
	vm_net_teardown(vm);
	vm_rundir_clean(vm);
	close(fd);
	vm_exit_log_keep(vm);
	vm->st = VM_EXITED;
	vm_logf(vm, "found dead (%s); cleaned up, qemu.log kept", vm_cause_text(vm));
	if (!story_told(&was, vm))
		vm_changed(vm);
}

/* Look at vm's runtime dir and catch up with what happened meanwhile. */
void vm_scan(struct vm *vm)
{
	if (vm->starting_here || vm->gone || vm->tidying)
		return;
	if (vm->pid > 0) {
		scan_alive(vm);
		return;
	}
	if (!path_exists(vm->dir) || !paths_private_dir_ok(vm->dir))
		return; /* absent, or planted (symlink, not ours): never followed */
	/* Each look below opens one file at a time: out of descriptors, they
	 * would all say "nothing there" — and a live VM would pass for dead.
	 * The first one's open says so. */
	char *lock_path = vm_file(vm, "vm.lock");
	int look = vm_lock_look(lock_path);
	int look_errno = errno;
	free(lock_path);
	if (look < 0 && vm_fd_starved(look_errno)) {
		vm_watch_failed(vm, "open its vm.lock", look_errno);
		return;
	}
	bool held = look > 0;
	pid_t pid = vm_read_pidfile(vm);
	/* A live QEMU of this dir counts even when its supervisor is gone (then
	 * nobody holds vm.lock): never mistake it for a leftover to clean. The
	 * pidfd first, then one look at who it is: a pid recycled in between
	 * fails the look. */
	bool live = false;
	if (pid > 0 && kill(pid, 0) == 0) {
		int watched = vm_watch_pid(vm, pid), watch_errno = errno;
		live = vm_pid_is_ours(vm, pid);
		if (live && watched < 0) {
			if (vm_fd_starved(watch_errno))
				vm_watch_failed(vm, "pidfd_open", watch_errno);
			return;
		}
		if (!live && watched == 0) {
			if (vm->pidfd >= 0) {
				loop_fd_del(vm->m->l, vm->pidfd);
				close(vm->pidfd);
			}
			vm->pidfd = -1;
			vm->pid = 0;
		}
	}
	if (vm->st == VM_UNKNOWN)
		vm_set_error(vm, NULL); /* watched again: what follows says what it is */
	if (held && !live && (vm->st == VM_EXITED || vm->st == VM_STOPPED) && vm_exit_records_present(vm))
		scan_tidied(vm); /* a vmdeck tidying (or looking at) the last exit: no start */
	else if (held || live)
		scan_adopt(vm, pid, live);
	else if (!has_stale(vm))
		scan_tidied(vm);
	else
		scan_leftover(vm);
}

bool vm_scan_needed(const struct vm *vm)
{
	if (vm->starting_here || vm->gone || vm->tidying)
		return false; /* vm_scan leaves it alone: its own timers run */
	if (vm->st == VM_UNKNOWN)
		return true; /* out of descriptors: try again */
	if (vm->pid > 0)
		return vm->qmp_lock_fd < 0 ? !vm->rec_trusted : !vm->q && !vm->connect_timer; /* a poll, a reconnect */
	return vm->st != VM_STOPPED && vm->st != VM_EXITED; /* another vmdeck is starting it */
}
