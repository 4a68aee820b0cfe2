/* fuzz_vm: libFuzzer target for the VM state machine (core/vm.c) fed by QMP
 * (core/qmp.c). The fuzzer plays QEMU in-process: a VM manager re-attaches
 * to a "running VM" whose runtime dir the fuzzer prepared — qemu.pid names
 * a fake QEMU process (this binary re-executed with a QEMU-like command line
 * naming DIR/qmp.sock, it only pause()s; spawned once, again after a kill),
 * vm.lock is held like the supervisor holds it, and qmp.sock / ctl.sock are
 * listened on by the fuzzer, which greets every connection and answers what
 * vm.c sends as the input says. Nothing sleeps: the loop is pumped with
 * loop_run_once(l, 0) and time is virtual — the build links with
 * -Wl,--wrap=now_mono_us (FUZZ_CFLAGS, see tests/60-hardening.cmake) so that
 * the 'T' op fires stop escalation, ticks and timeouts at once.
 *
 * Checked after every step: states and causes are valid enum values, pid
 * and state agree, vm_cause_text() matches vm_cause() (also inside log
 * lines), at most one persistent QMP connection, every done/monitor callback
 * comes exactly once, later (not inside the call), for an action that
 * returned 0 (never for -1) with status and err consistent, log lines name
 * the VM; at the end (after vmm_free) no fd is left open; ASan/LSan/UBSan do
 * the rest. $FUZZ_VM_TRACE=1 prints each op with the state and log lines.
 *
 * Input: byte 0 = flags (bit0: another vmdeck holds qmp.lock, so commands
 * go one-shot through ctl.sock; bit1: read-only vmm; bit2: no ctl.sock
 * listener; bit3: load the profile without an install section). Then ops,
 * one per line ('\n'), first char = op, the rest = its argument:
 *   a  answer every pending command like QEMU (rounds until none is left)
 *   A  answer the oldest pending command like QEMU (stop -> STOP event…)
 *   E<desc>  fail the oldest pending command (arg starting '{': raw error)
 *   X<json>  reply to the oldest with "return": <json> verbatim (empty: none)
 *   I<json>  a reply {"return": {}} with "id": <json> verbatim (empty: no id)
 *   N  drop the oldest pending command (never answered)
 *   v<c> canned event (c-'0': STOP RESUME SHUTDOWN×7 POWERDOWN RESET …)
 *   V<name> <data>  event with that name and raw data
 *   W<bytes> / w<bytes>  raw bytes to the QMP / newest ctl.sock connection
 *   G  another greeting;  H / h  hang up the QMP / newest ctl connection
 *   L  QEMU stops listening on its sockets
 *   D<c>  QEMU exits by itself (c-'0' picks the supervisor's record)
 *   g  the guest powers off: SHUTDOWN guest-shutdown, then exit 0
 *   p r s f k R  vm_pause resume stop force_stop kill reset
 *   m<c>  vm_set_mode (c odd: install)   M<line>  vm_monitor_exec
 *   c  vm_clear_exited   S  vmm_rescan   P<c>  reload profiles (c%3)
 *   O  another vmdeck takes / lets go of qmp.lock
 *   Q  a new QEMU comes up in the dir after an exit (rescan re-attaches)
 *   Z  vmdeck restarts: vmm_free (pending actions cancelled), a new vmm
 *   T<c>  advance the clock (c-'0': 1 ms 10 ms 100 ms 1 s 5 s 60 s 2 s)
 * Run by tests/fuzz/run.sh (standalone: FUZZ_CFLAGS=-Wl,--wrap=now_mono_us
 * tests/fuzz/run.sh vm 15 <the sources listed in tests/60-hardening.cmake>). */
#include "core/loop.h"
#include "core/monitor.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"
#include "core/vm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define VM_NAME "fz"
#define FAKE_FLAG "--vmdeck-fake-qemu"
#define MAX_OPS 256
#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\r\n"

#define CHECK(c)                                                                    \
	do {                                                                        \
		if (!(c)) {                                                         \
			fprintf(stderr, "fuzz_vm: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #c);                                       \
			abort();                                                    \
		}                                                                   \
	} while (0)

/* ---------------- virtual time ---------------- */

static uint64_t vt_us = 1000000000000ULL;
uint64_t __wrap_now_mono_us(void);
uint64_t __wrap_now_mono_us(void) { return vt_us; }

/* ---------------- fixed set-up ---------------- */

static char root[64];
static char self_exe[PATH_MAX];
static char *vmdir, *qmp_path, *ctl_path, *pid_path, *vmlock_path, *qmplock_path, *mode_path;
static char *prof_dir[3];
static pid_t fake = -1; /* the fake QEMU process */
static bool trace;      /* $FUZZ_VM_TRACE: print ops, states and log lines */

static void write_file(const char *path, const char *text)
{
	if (file_write_atomic(path, text, strlen(text), 0600, NULL) < 0)
		CHECK(!"cannot write a file in the runtime dir");
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(p);
	return 0;
}

static void at_exit(void)
{
	if (fake > 0) {
		kill(fake, SIGKILL);
		waitpid(fake, NULL, 0);
	}
	if (root[0])
		nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	if (!realpath("/proc/self/exe", self_exe))
		CHECK(!"realpath /proc/self/exe");
	/* The clock must be ours, or 'T' means nothing and timers go real. */
	uint64_t a = now_mono_us();
	vt_us++;
	if (now_mono_us() != a + 1) {
		fprintf(stderr, "fuzz_vm: link with FUZZ_CFLAGS=-Wl,--wrap=now_mono_us (virtual time)\n");
		exit(2);
	}
	snprintf(root, sizeof(root), "/tmp/vmdeck-fuzz-vm.XXXXXX");
	CHECK(mkdtemp(root));
	atexit(at_exit);
	char *run = path_join(root, "run"), *st = path_join(root, "state");
	CHECK(mkdir(run, 0700) == 0);
	paths_set_runtime_dir(run);
	setenv("VMDECK_STATE_DIR", st, 1);
	vmdir = paths_vm_dir(VM_NAME);
	CHECK(mkdir(vmdir, 0700) == 0);
	qmp_path = path_join(vmdir, "qmp.sock");
	ctl_path = path_join(vmdir, "ctl.sock");
	pid_path = path_join(vmdir, "qemu.pid");
	vmlock_path = path_join(vmdir, "vm.lock");
	qmplock_path = path_join(vmdir, "qmp.lock");
	mode_path = paths_mode_file(VM_NAME);
	/* Three profile sets: the VM with an install section (mode switches
	 * talk to QEMU), without one, and without the VM at all. */
	static const char *const yaml[3] = {
		"name: " VM_NAME "\nqemu: /bin/true\naccel: tcg\nstop_timeout: 1\n"
		"install: {file: /dev/null, bus: ide.0}\n",
		"name: " VM_NAME "\nqemu: /bin/true\naccel: tcg\nstop_timeout: 2\n",
		"name: other\nqemu: /bin/true\naccel: tcg\n",
	};
	for (int i = 0; i < 3; i++) {
		char *d = xasprintf("%s/prof%d", root, i);
		CHECK(mkdir(d, 0755) == 0);
		char *f = xasprintf("%s/%s.yaml", d, i == 2 ? "other" : VM_NAME);
		write_file(f, yaml[i]);
		free(f);
		prof_dir[i] = d;
	}
	free(run);
	free(st);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (*argc >= 3 && strcmp((*argv)[1], FAKE_FLAG) == 0) {
		/* The fake QEMU: alive, with a command line naming DIR/qmp.sock
		 * (vm.c checks that), and nothing else. SIGTERM is ignored (a
		 * hung QEMU); SIGKILL from vm_kill or the harness ends it, and
		 * so does the fuzzer's death. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != (pid_t)strtol((*argv)[2], NULL, 10))
			_exit(0);
		for (;;)
			pause();
	}
	setup();
	trace = getenv("FUZZ_VM_TRACE") != NULL;
	return 0;
}

/* ---------------- the fake QEMU's process and runtime dir ---------------- */

static int sup_lock = -1;   /* vm.lock, held as the supervisor holds it */
static int other_lock = -1; /* qmp.lock, held as another vmdeck would */
static int lsn_qmp = -1, lsn_ctl = -1;
static bool running;        /* what query-status says */

/* posix_spawn (no fork of this big ASan process: cheap enough to do again
 * after every kill). SIGTERM is ignored across the exec, like a hung QEMU;
 * the fake sets its own parent-death signal. */
static void fake_spawn(void)
{
	char *qarg = xasprintf("unix:%s,server=on,wait=off", qmp_path);
	char *carg = xasprintf("unix:%s,server=on,wait=off", ctl_path);
	char parent[32];
	snprintf(parent, sizeof(parent), "%ld", (long)getpid());
	char *argv[] = { "fake-qemu", FAKE_FLAG, parent, "-qmp", qarg, "-qmp", carg, "-pidfile", pid_path, NULL };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGTERM, &ign, &old);
	pid_t pid;
	int rc = posix_spawn(&pid, self_exe, NULL, NULL, argv, environ);
	sigaction(SIGTERM, &old, NULL);
	CHECK(rc == 0);
	free(carg);
	/* vm.c reads /proc/PID/cmdline: wait until the exec has happened. */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/%ld/cmdline", (long)pid);
	for (int i = 0;; i++) {
		size_t len = 0;
		char *s = file_read_all(proc, &len);
		bool ok = s && memmem(s, len, qmp_path, strlen(qmp_path));
		free(s);
		if (ok)
			break;
		CHECK(i < 20000); /* 10 s */
		usleep(200);
	}
	free(qarg);
	fake = pid;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	unlink(path);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK(listen(fd, 4) == 0);
	return fd;
}

static int ofd_lock(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The dir as a live QEMU and its supervisor leave it, nothing else. */
static void dir_prepare(bool ctl)
{
	DIR *d = opendir(vmdir);
	CHECK(d);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	sup_lock = ofd_lock(vmlock_path);
	CHECK(sup_lock >= 0);
	char pid[32];
	snprintf(pid, sizeof(pid), "%ld\n", (long)fake);
	write_file(pid_path, pid);
	char *log = path_join(vmdir, "qemu.log");
	write_file(log, "qemu-system-x86_64: warning: host doesn't support requested feature\nfake says hello\n");
	free(log);
	lsn_qmp = listen_on(qmp_path);
	if (ctl)
		lsn_ctl = listen_on(ctl_path);
	running = true;
}

/* ---------------- the QMP peer ---------------- */

struct conn {
	int fd; /* -1 once closed (by either side) */
	bool ctl;
	struct json_tokener *tok;
};

struct cmd {
	struct conn *c;
	char *name, *id; /* id: its JSON text */
	char *line;      /* human-monitor-command's command-line */
};

static struct conn **conns;
static size_t n_conns, cap_conns;
static struct cmd *cmds; /* FIFO of commands not answered yet */
static size_t n_cmds, cap_cmds;

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void peer_send(struct conn *c, const char *s)
{
	if (c && c->fd >= 0)
		(void)send(c->fd, s, strlen(s), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static struct conn *newest(bool ctl)
{
	for (size_t i = n_conns; i-- > 0;)
		if (conns[i]->fd >= 0 && conns[i]->ctl == ctl)
			return conns[i];
	return NULL;
}

static void accept_on(int lfd, bool ctl)
{
	if (lfd < 0 || n_conns >= 512)
		return;
	int fd;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct conn *c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->ctl = ctl;
		c->tok = json_tokener_new();
		if (n_conns == cap_conns) {
			cap_conns = cap_conns ? 2 * cap_conns : 16;
			conns = xrealloc(conns, cap_conns * sizeof(*conns));
		}
		conns[n_conns++] = c;
		peer_send(c, GREETING);
	}
}

/* What vm.c / qmp.c send must be a well-formed command. */
static void got_message(struct conn *c, struct json_object *o)
{
	struct json_object *ex, *id, *args, *cl;
	CHECK(json_object_is_type(o, json_type_object));
	CHECK(json_object_object_get_ex(o, "execute", &ex) && json_object_is_type(ex, json_type_string));
	CHECK(json_object_object_get_ex(o, "id", &id));
	if (n_cmds == cap_cmds) {
		cap_cmds = cap_cmds ? 2 * cap_cmds : 16;
		cmds = xrealloc(cmds, cap_cmds * sizeof(*cmds));
	}
	struct cmd *k = &cmds[n_cmds++];
	*k = (struct cmd){ .c = c, .name = xstrdup(json_object_get_string(ex)),
			   .id = xstrdup(json_object_to_json_string_ext(id, JSON_C_TO_STRING_PLAIN)) };
	if (json_object_object_get_ex(o, "arguments", &args) && json_object_object_get_ex(args, "command-line", &cl))
		k->line = xstrdup(json_object_get_string(cl));
}

static void read_conn(struct conn *c)
{
	char buf[4096];
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) { /* vm.c hung up */
			conn_close(c);
			return;
		}
		size_t off = 0;
		while (off < (size_t)n) {
			struct json_object *o = json_tokener_parse_ex(c->tok, buf + off, (int)((size_t)n - off));
			enum json_tokener_error e = json_tokener_get_error(c->tok);
			size_t used = json_tokener_get_parse_end(c->tok);
			if (o) {
				got_message(c, o);
				json_object_put(o);
				off += used;
			} else if (e == json_tokener_continue) {
				break;
			} else {
				/* qmp.c ends each message with "\n": fine. */
				CHECK(buf[off] == '\n' || buf[off] == '\r' || buf[off] == ' ');
				json_tokener_reset(c->tok);
				off++;
			}
		}
	}
}

static void peer_io(void)
{
	accept_on(lsn_qmp, false);
	accept_on(lsn_ctl, true);
	for (size_t i = 0; i < n_conns; i++)
		if (conns[i]->fd >= 0)
			read_conn(conns[i]);
}

static void cmd_free(struct cmd *k)
{
	free(k->name);
	free(k->id);
	free(k->line);
}

/* The oldest pending command whose connection is still open (others are
 * dropped: nobody can answer them any more). */
static bool pop_cmd(struct cmd *out)
{
	while (n_cmds) {
		struct cmd k = cmds[0];
		memmove(cmds, cmds + 1, (n_cmds - 1) * sizeof(*cmds));
		n_cmds--;
		if (k.c->fd >= 0) {
			*out = k;
			return true;
		}
		cmd_free(&k);
	}
	return false;
}

static void event_all(const char *name_json, const char *data, size_t data_len)
{
	char *s = data ? xasprintf("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 0}, \"event\": %s, \"data\": %.*s}\r\n",
				   name_json, (int)data_len, data)
		       : xasprintf("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 0}, \"event\": %s}\r\n", name_json);
	for (size_t i = 0; i < n_conns; i++)
		peer_send(conns[i], s); /* every monitor gets events, like QEMU's */
	free(s);
}

static void event(const char *name, const char *data)
{
	char *n = xasprintf("\"%s\"", name);
	event_all(n, data, data ? strlen(data) : 0);
	free(n);
}

static void reply(struct cmd *k, const char *ret)
{
	char *s = xasprintf("{\"return\": %s, \"id\": %s}\r\n", ret, k->id);
	peer_send(k->c, s);
	free(s);
}

/* ---------------- the VM manager under test ---------------- */

/* vm_cause_text() is a cache: it must always say what vm_cause() says (the
 * TUI reads it for every VM on every change, running ones too). */
static void check_cause_text(const struct vm *vm)
{
	static const char *const words[] = {
		[VM_CAUSE_NONE] = "", [VM_CAUSE_GUEST_SHUTDOWN] = "guest shutdown", [VM_CAUSE_HOST_QUIT] = "quit",
		[VM_CAUSE_HOST_SIGNAL] = "host signal", [VM_CAUSE_GUEST_PANIC] = "guest panic",
		[VM_CAUSE_SIGNAL] = "signal", [VM_CAUSE_EXIT_CODE] = "exit code",
		[VM_CAUSE_START_FAILED] = "start failed", [VM_CAUSE_UNKNOWN] = "unknown",
	};
	enum vm_cause c = vm_cause(vm);
	CHECK((unsigned)c < ARRAY_LEN(words));
	char want[64];
	if (c == VM_CAUSE_SIGNAL || c == VM_CAUSE_EXIT_CODE)
		snprintf(want, sizeof(want), "%s %d", words[c], vm_exit_code(vm));
	else
		snprintf(want, sizeof(want), "%s", words[c]);
	const char *have = vm_cause_text(vm);
	if (strcmp(have, want) != 0) {
		fprintf(stderr, "fuzz_vm: vm_cause_text() says \"%s\", vm_cause() means \"%s\"\n", have, want);
		CHECK(!"stale vm_cause_text");
	}
}

struct token {
	bool accepted; /* the action returned 0: exactly one callback owed */
	int fired;
};

static struct loop *l;
static struct vmm *m;
static struct token toks[MAX_OPS];
static size_t n_toks;
static bool in_api; /* inside a vm_* call */

static void on_change(struct vm *vm, void *arg)
{
	(void)arg;
	if (!vm)
		return;
	CHECK((unsigned)vm_state(vm) < VM_STATE_COUNT);
	CHECK(vm_status_text(vm) && *vm_status_text(vm));
	check_cause_text(vm);
}

static void on_log(struct vm *vm, const char *line, void *arg)
{
	(void)arg;
	CHECK(vm && line);
	size_t n = strlen(vm_name(vm));
	CHECK(strncmp(line, vm_name(vm), n) == 0 && line[n] == ':');
	check_cause_text(vm); /* what the line just said, e.g. "exited, %s" */
	if (trace)
		fprintf(stderr, "    log: %s\n", line);
}

static void token_fire(struct token *t)
{
	CHECK(t >= toks && t < toks + MAX_OPS);
	CHECK(t->fired++ == 0); /* exactly once */
	if (in_api) {
		/* vm.h: "done ... is called exactly once later"; a caller that
		 * marks itself busy after the call returns (the TUI's monitor
		 * pane) would stay busy for good. */
		fprintf(stderr, "fuzz_vm: a callback fired before its vm_* call returned\n");
		CHECK(!"callback fired synchronously");
	}
}

static void on_done(struct vm *vm, int status, const char *err, void *arg)
{
	CHECK(vm);
	token_fire(arg);
	CHECK(status == 0 || status == -1);
	CHECK((status == 0) == (err == NULL));
	CHECK(!err || *err);
	if (trace)
		fprintf(stderr, "    done %d: %s\n", status, err ? err : "ok");
}

static void on_monitor(struct vm *vm, const char *out, const char *err, void *arg)
{
	CHECK(vm);
	token_fire(arg);
	CHECK(out); /* "" when it failed; err is QEMU's desc, may be "" */
	if (trace)
		fprintf(stderr, "    monitor: %s\n", err ? err : out);
}

static void vm_dead(const char *record);

/* The fake QEMU died under us (vm_kill, SIGKILL escalation): the supervisor's
 * part. A SIGKILL that vm.c sent is waited for, so the outcome does not
 * depend on scheduling. */
static void supervise(void)
{
	if (fake <= 0)
		return;
	struct vm *vm = m ? vmm_find(m, VM_NAME) : NULL;
	bool sigkill = vm && vm_pid(vm) == fake && strstr(vm_status_text(vm), "SIGKILL sent");
	int st;
	pid_t r = waitpid(fake, &st, sigkill ? 0 : WNOHANG);
	if (r != fake)
		return;
	char rec[32];
	if (WIFSIGNALED(st))
		snprintf(rec, sizeof(rec), "signal %d\n", WTERMSIG(st));
	else
		snprintf(rec, sizeof(rec), "exit %d\n", WEXITSTATUS(st));
	fake = -1;
	vm_dead(rec);
}

static void pump(void)
{
	for (int i = 0; i < 4; i++) {
		peer_io();
		supervise();
		loop_run_once(l, 0);
	}
	peer_io();
	supervise();
}

/* QEMU is gone: its sockets close, the supervisor records the exit (or not:
 * record NULL) and lets go of vm.lock. */
static void vm_dead(const char *record)
{
	for (size_t i = 0; i < n_conns; i++)
		conn_close(conns[i]);
	if (lsn_qmp >= 0)
		close(lsn_qmp);
	if (lsn_ctl >= 0)
		close(lsn_ctl);
	lsn_qmp = lsn_ctl = -1;
	if (record) {
		char *f = path_join(vmdir, "exit-status");
		write_file(f, record);
		free(f);
	}
	if (sup_lock >= 0)
		close(sup_lock);
	sup_lock = -1;
}

/* QEMU exits by itself with this supervisor record. */
static void qemu_exit(const char *record)
{
	if (fake <= 0)
		return;
	kill(fake, SIGKILL);
	while (waitpid(fake, NULL, 0) < 0 && errno == EINTR)
		;
	fake = -1;
	vm_dead(record);
}

/* Answer a command as QEMU would (test_vm.c's fake, with a deaf guest). */
static void answer(struct cmd *k)
{
	const char *n = k->name;
	if (strcmp(n, "qmp_capabilities") == 0) {
		reply(k, "{}");
	} else if (strcmp(n, "query-status") == 0) {
		reply(k, running ? "{\"status\": \"running\", \"singlestep\": false, \"running\": true}"
				 : "{\"status\": \"paused\", \"singlestep\": false, \"running\": false}");
	} else if (strcmp(n, "stop") == 0) {
		running = false;
		event("STOP", NULL);
		reply(k, "{}");
	} else if (strcmp(n, "cont") == 0) {
		running = true;
		reply(k, "{}");
		event("RESUME", NULL);
	} else if (strcmp(n, "system_reset") == 0) {
		reply(k, "{}");
		event("RESET", "{\"guest\": false, \"reason\": \"host-qmp-system-reset\"}");
	} else if (strcmp(n, "system_powerdown") == 0) {
		reply(k, "{}");
		event("POWERDOWN", NULL);
	} else if (strcmp(n, "quit") == 0) {
		reply(k, "{}");
		event("SHUTDOWN", "{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
		qemu_exit("exit 0\n");
	} else if (strcmp(n, "human-monitor-command") == 0) {
		char *t = xasprintf("fake says: %s\r\n", k->line ? k->line : "");
		struct json_object *s = json_object_new_string(t);
		reply(k, json_object_to_json_string(s));
		json_object_put(s);
		free(t);
	} else if (strcmp(n, "blockdev-change-medium") == 0 || strcmp(n, "eject") == 0 ||
		   strcmp(n, "qom-set") == 0) {
		reply(k, "{}");
	} else {
		struct json_object *s = json_object_new_string(n);
		char *t = xasprintf("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command %s has not been found\"}, \"id\": %s}\r\n",
				    json_object_get_string(s), k->id);
		peer_send(k->c, t);
		free(t);
		json_object_put(s);
	}
}

static const char *const canned[][2] = {
	{ "STOP", NULL },
	{ "RESUME", NULL },
	{ "SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-shutdown\"}" },
	{ "SHUTDOWN", "{\"guest\": false, \"reason\": \"host-qmp-quit\"}" },
	{ "SHUTDOWN", "{\"guest\": false, \"reason\": \"host-signal\"}" },
	{ "SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-panic\"}" },
	{ "SHUTDOWN", NULL },
	{ "SHUTDOWN", "{\"reason\": null}" },
	{ "SHUTDOWN", "[1]" },
	{ "POWERDOWN", NULL },
	{ "RESET", "{\"guest\": true, \"reason\": \"guest-reset\"}" },
	{ "GUEST_PANICKED", "{\"action\": \"pause\"}" },
	{ "BLOCK_IO_ERROR", "{\"device\": \"disk0\", \"operation\": \"write\", \"action\": \"stop\"}" },
};
static const char *const records[] = { "exit 0\n", "exit 1\n", "signal 9\n", "signal 6\n", NULL, "garbage" };
static const unsigned advance_ms[] = { 1, 10, 100, 1000, 5000, 60000, 2000 };

static unsigned pick(const char *arg, size_t len, unsigned n)
{
	return len ? (unsigned)(unsigned char)(arg[0] - '0') % n : 0;
}

/* ---------------- invariants ---------------- */

static void check_all(void)
{
	for (size_t i = 0; i < vmm_count(m); i++) {
		struct vm *vm = vmm_at(m, i);
		enum vm_state s = vm_state(vm);
		CHECK((unsigned)s < VM_STATE_COUNT);
		CHECK(*vm_status_text(vm));
		check_cause_text(vm);
		CHECK(vm_monitor(vm));
		if (s == VM_STOPPED || s == VM_EXITED)
			CHECK(vm_pid(vm) == 0);
		if (s == VM_RUNNING || s == VM_PAUSED || s == VM_STOPPING)
			CHECK(vm_pid(vm) > 0);
		if (vm_is_owner(vm))
			CHECK(other_lock < 0);
		CHECK((unsigned)vm_live_mode(vm) <= VM_MODE_INSTALL);
	}
	/* One persistent QMP connection at most (vm.c's side of it closed is
	 * seen as EOF by now). */
	size_t open = 0;
	for (size_t i = 0; i < n_conns; i++)
		open += conns[i]->fd >= 0 && !conns[i]->ctl;
	CHECK(open <= 1);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static struct profile_set *load(unsigned which)
{
	const char *dirs[] = { prof_dir[which % 3] };
	return profile_set_load(dirs, 1);
}

/* ---------------- one input ---------------- */

static void do_op(char op, const char *arg, size_t len)
{
	struct vm *vm = vmm_find(m, VM_NAME);
	struct token *t = n_toks < MAX_OPS ? &toks[n_toks] : NULL;
	char *err = NULL;
	int rc = 1; /* 1: not an action */
	struct cmd k;
	in_api = true;
	switch (op) {
	case 'p': if (vm && t) rc = vm_pause(vm, on_done, t, &err); break;
	case 'r': if (vm && t) rc = vm_resume(vm, on_done, t, &err); break;
	case 's': if (vm && t) rc = vm_stop(vm, on_done, t, &err); break;
	case 'f': if (vm && t) rc = vm_force_stop(vm, on_done, t, &err); break;
	case 'k': if (vm && t) rc = vm_kill(vm, on_done, t, &err); break;
	case 'R': if (vm && t) rc = vm_reset(vm, on_done, t, &err); break;
	case 'm':
		if (vm && t)
			rc = vm_set_mode(vm, pick(arg, len, 2) ? VM_MODE_INSTALL : VM_MODE_BOOT, on_done, t, &err);
		break;
	case 'M':
		if (vm && t) {
			char *line = xstrndup(arg, len < 200 ? len : 200);
			rc = vm_monitor_exec(vm, line, on_monitor, t, &err);
			free(line);
		}
		break;
	default:
		break;
	}
	in_api = false;
	if (rc != 1) {
		if (rc == 0) {
			t->accepted = true;
		} else {
			CHECK(rc == -1 && err && *err);
			CHECK(t->fired == 0); /* no callback for a refused action */
		}
		free(err);
		n_toks++;
		pump();
		return;
	}
	switch (op) {
	case 'a':
		for (int round = 0; round < 8 && n_cmds; round++) {
			while (pop_cmd(&k)) {
				answer(&k);
				cmd_free(&k);
			}
			pump();
		}
		break;
	case 'A':
		if (pop_cmd(&k)) {
			answer(&k);
			cmd_free(&k);
		}
		break;
	case 'E':
		if (pop_cmd(&k)) {
			char *s;
			if (len && arg[0] == '{') {
				s = xasprintf("{\"error\": %.*s, \"id\": %s}\r\n", (int)len, arg, k.id);
			} else {
				struct json_object *d = json_object_new_string_len(arg, (int)len);
				s = xasprintf("{\"error\": {\"class\": \"GenericError\", \"desc\": %s}, \"id\": %s}\r\n",
					      json_object_to_json_string(d), k.id);
				json_object_put(d);
			}
			peer_send(k.c, s);
			free(s);
			cmd_free(&k);
		}
		break;
	case 'X':
		if (pop_cmd(&k)) {
			char *s = len ? xasprintf("{\"return\": %.*s, \"id\": %s}\r\n", (int)len, arg, k.id)
				      : xasprintf("{\"id\": %s}\r\n", k.id);
			peer_send(k.c, s);
			free(s);
			cmd_free(&k);
		}
		break;
	case 'I': {
		char *s = len ? xasprintf("{\"return\": {}, \"id\": %.*s}\r\n", (int)len, arg)
			      : xstrdup("{\"return\": {}}\r\n");
		peer_send(newest(false), s);
		free(s);
		break;
	}
	case 'N':
		if (pop_cmd(&k))
			cmd_free(&k);
		break;
	case 'v': {
		unsigned i = pick(arg, len, ARRAY_LEN(canned));
		event(canned[i][0], canned[i][1]);
		break;
	}
	case 'V': {
		const char *sp = memchr(arg, ' ', len);
		size_t nl = sp ? (size_t)(sp - arg) : len;
		struct json_object *n = json_object_new_string_len(arg, (int)nl);
		event_all(json_object_to_json_string(n), sp ? sp + 1 : NULL, sp ? len - nl - 1 : 0);
		json_object_put(n);
		break;
	}
	case 'W':
	case 'w': {
		struct conn *c = newest(op == 'w');
		if (c && c->fd >= 0 && len)
			(void)send(c->fd, arg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		break;
	}
	case 'G':
		peer_send(newest(false), GREETING);
		break;
	case 'H':
	case 'h': {
		struct conn *c = newest(op == 'h');
		if (c)
			conn_close(c);
		break;
	}
	case 'L':
		if (lsn_qmp >= 0)
			close(lsn_qmp);
		if (lsn_ctl >= 0)
			close(lsn_ctl);
		lsn_qmp = lsn_ctl = -1;
		break;
	case 'D':
		qemu_exit(records[pick(arg, len, ARRAY_LEN(records))]);
		break;
	case 'g':
		if (fake > 0) {
			event("SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-shutdown\"}");
			qemu_exit("exit 0\n");
		}
		break;
	case 'c':
		if (vm)
			vm_clear_exited(vm);
		break;
	case 'S':
		vmm_rescan(m);
		break;
	case 'P':
		vmm_sync_profiles(m, load(pick(arg, len, 3)));
		break;
	case 'O':
		if (other_lock >= 0) {
			close(other_lock);
			other_lock = -1;
		} else {
			other_lock = ofd_lock(qmplock_path);
		}
		break;
	case 'Q':
		/* Only once the VM has noticed the exit: vm.c still waiting on
		 * the old pid must not see a new process in its place. */
		if (fake <= 0 && (!vm || vm_pid(vm) == 0)) {
			for (size_t i = 0; i < n_conns; i++)
				conn_close(conns[i]);
			if (other_lock >= 0)
				close(other_lock);
			other_lock = -1;
			fake_spawn();
			dir_prepare(true);
			vmm_rescan(m);
		}
		break;
	case 'Z':
		vmm_free(m);
		m = vmm_new(l, NULL);
		vmm_set_on_change(m, on_change, NULL);
		vmm_set_on_log(m, on_log, NULL);
		vmm_sync_profiles(m, load(0));
		break;
	case 'T':
		vt_us += (uint64_t)advance_ms[len ? pick(arg, len, ARRAY_LEN(advance_ms)) : 3] * 1000;
		break;
	default:
		break;
	}
	pump();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	int fds0 = count_fds();
	if (fake <= 0)
		fake_spawn();
	unlink(mode_path);
	dir_prepare(!(flags & 4));
	if (flags & 1)
		other_lock = ofd_lock(qmplock_path);
	n_toks = 0;
	memset(toks, 0, sizeof(toks));

	l = loop_new();
	m = vmm_new(l, NULL);
	vmm_set_on_change(m, on_change, NULL);
	vmm_set_on_log(m, on_log, NULL);
	if (flags & 2)
		vmm_set_read_only(m, true);
	vmm_sync_profiles(m, load(flags & 8 ? 1 : 0));
	struct vm *vm = vmm_find(m, VM_NAME);
	CHECK(vm && vm_pid(vm) == fake && vm_state(vm) == VM_RUNNING); /* re-attached */
	pump();
	check_all();

	size_t off = 1;
	for (int ops = 0; off < size && ops < MAX_OPS; ops++) {
		const char *seg = (const char *)data + off;
		const char *nl = memchr(seg, '\n', size - off);
		size_t n = nl ? (size_t)(nl - seg) : size - off;
		off += n + 1;
		if (n)
			do_op(seg[0], seg + 1, n - 1);
		check_all();
		if (trace) {
			struct vm *v = vmm_find(m, VM_NAME);
			fprintf(stderr, "%.*s -> %s, %zu pending:", (int)(n < 60 ? n : 60), seg,
				v ? vm_status_text(v) : "(gone)", n_cmds);
			for (size_t i = 0; i < n_cmds; i++)
				fprintf(stderr, " %s%s", cmds[i].name, cmds[i].c->ctl ? "(ctl)" : "");
			fprintf(stderr, "\n");
		}
	}

	for (size_t i = 0; i < vmm_count(m); i++) {
		struct vm *v = vmm_at(m, i);
		struct strv tail;
		strv_init(&tail);
		CHECK(vm_log_tail(v, 3, &tail) == tail.n && tail.n <= 3);
		strv_clear(&tail);
		CHECK(vm_dir(v) && (!vm_error(v) || *vm_error(v)));
		(void)vm_uptime_s(v);
		(void)vm_profile(v);
		CHECK((unsigned)vm_mode(v) <= VM_MODE_INSTALL);
	}
	vmm_free(m);
	m = NULL;
	loop_free(l);
	l = NULL;
	for (size_t i = 0; i < n_toks; i++)
		CHECK(toks[i].fired == (toks[i].accepted ? 1 : 0));
	while (n_cmds)
		cmd_free(&cmds[--n_cmds]);
	for (size_t i = 0; i < n_conns; i++) {
		conn_close(conns[i]);
		json_tokener_free(conns[i]->tok);
		free(conns[i]);
	}
	n_conns = 0;
	free(conns);
	conns = NULL;
	cap_conns = 0;
	free(cmds);
	cmds = NULL;
	cap_cmds = 0;
	if (lsn_qmp >= 0)
		close(lsn_qmp);
	if (lsn_ctl >= 0)
		close(lsn_ctl);
	lsn_qmp = lsn_ctl = -1;
	if (other_lock >= 0)
		close(other_lock);
	other_lock = -1;
	if (sup_lock >= 0)
		close(sup_lock);
	sup_lock = -1;
	CHECK(count_fds() == fds0); /* vm.c left nothing open */
	return 0;
}
