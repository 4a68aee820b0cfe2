/* Unit tests for core/vm's state machine against a fake QEMU that speaks
 * canned QMP: this very binary, started by the VM's profile (`qemu:` points
 * here) and switched into fake mode by the -qmp options it gets. Knobs come
 * through the environment (the supervisor passes it on): FAKE_QEMU=die makes
 * it fail at start-up like a bad option, FAKE_QEMU=deaf ignores powerdown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/monitor.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"
#include "core/vm.h"

/* ---------------- the fake QEMU ---------------- */

static int fake_client = -1;     /* the client being answered */
static int fake_clients[2] = { -1, -1 }; /* one per monitor socket */
static bool fake_running = true;

static void fake_send_to(int fd, const char *s)
{
	if (fd >= 0 && write(fd, s, strlen(s)) < 0)
		return;
}

static void fake_send(const char *s) { fake_send_to(fake_client, s); }

static void fake_event(const char *name, const char *data)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 0}, \"event\": \"%s\"%s%s}\r\n",
		 name, data ? ", \"data\": " : "", data ? data : "");
	/* Events go to every monitor, like QEMU's. */
	fake_send_to(fake_clients[0], buf);
	fake_send_to(fake_clients[1], buf);
}

static void fake_reply(struct json_object *id, const char *ret)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "{\"return\": %s, \"id\": %s}\r\n", ret, json_object_to_json_string(id));
	fake_send(buf);
}

static void fake_on_term(int sig)
{
	(void)sig;
	fake_event("SHUTDOWN", "{\"guest\": false, \"reason\": \"host-signal\"}");
	_exit(0);
}

static void fake_command(struct json_object *msg, bool deaf)
{
	struct json_object *ex, *id = NULL, *args = NULL;
	json_object_object_get_ex(msg, "id", &id);
	json_object_object_get_ex(msg, "arguments", &args);
	if (!json_object_object_get_ex(msg, "execute", &ex))
		return;
	const char *cmd = json_object_get_string(ex);
	if (strcmp(cmd, "qmp_capabilities") == 0) {
		fake_reply(id, "{}");
	} else if (strcmp(cmd, "query-status") == 0) {
		fake_reply(id, fake_running ? "{\"status\": \"running\", \"running\": true}"
					    : "{\"status\": \"paused\", \"running\": false}");
	} else if (strcmp(cmd, "stop") == 0) {
		fake_running = false;
		fake_event("STOP", NULL);
		fake_reply(id, "{}");
	} else if (strcmp(cmd, "cont") == 0) {
		fake_running = true;
		fake_reply(id, "{}");
		fake_event("RESUME", NULL);
	} else if (strcmp(cmd, "system_reset") == 0) {
		fake_reply(id, "{}");
		fake_event("RESET", "{\"guest\": false, \"reason\": \"host-qmp-system-reset\"}");
	} else if (strcmp(cmd, "system_powerdown") == 0) {
		fake_reply(id, "{}");
		fake_event("POWERDOWN", NULL);
		if (!deaf) {
			fake_event("SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-shutdown\"}");
			_exit(0);
		}
	} else if (strcmp(cmd, "quit") == 0) {
		fake_reply(id, "{}");
		fake_event("SHUTDOWN", "{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
		_exit(0);
	} else if (strcmp(cmd, "human-monitor-command") == 0) {
		struct json_object *cl;
		json_object_object_get_ex(args, "command-line", &cl);
		struct json_object *s = json_object_new_string("");
		char *text = xasprintf("fake says: %s\r\n", json_object_get_string(cl));
		json_object_set_string(s, text);
		fake_reply(id, json_object_to_json_string(s));
		json_object_put(s);
		free(text);
	} else {
		char buf[256];
		snprintf(buf, sizeof(buf),
			 "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command %s has not been found\"}, \"id\": %s}\r\n",
			 cmd, json_object_to_json_string(id));
		fake_send(buf);
	}
}

static int fake_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0)
		_exit(3);
	return fd;
}

static int fake_qemu(int argc, char **argv)
{
	const char *mode = getenv("FAKE_QEMU");
	if (mode && strcmp(mode, "die") == 0) {
		fprintf(stderr, "qemu-system-x86_64: -frobnicate: invalid option\n");
		return 1;
	}
	bool deaf = mode && strcmp(mode, "deaf") == 0;
	signal(SIGTERM, fake_on_term);
	signal(SIGPIPE, SIG_IGN); /* as QEMU does: a client that left is not fatal */
	int lfd[2], nl = 0;
	for (int i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "-qmp") == 0 && nl < 2) {
			char *p = xstrdup(argv[i + 1] + strlen("unix:"));
			p[strcspn(p, ",")] = '\0';
			lfd[nl++] = fake_listen(p);
			free(p);
		} else if (strcmp(argv[i], "-pidfile") == 0) {
			char pid[32];
			snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
			file_write_atomic(argv[i + 1], pid, strlen(pid), 0600, NULL);
		}
	}
	/* Each monitor socket serves one client at a time, like QEMU's. */
	struct json_tokener *tok[2] = { json_tokener_new(), json_tokener_new() };
	for (;;) {
		struct pollfd p[4];
		for (int k = 0; k < 2; k++) {
			p[k] = (struct pollfd){ k < nl && fake_clients[k] < 0 ? lfd[k] : -1, POLLIN, 0 };
			p[2 + k] = (struct pollfd){ fake_clients[k], POLLIN, 0 };
		}
		if (poll(p, 4, -1) <= 0)
			continue;
		for (int k = 0; k < 2; k++) {
			if (p[k].revents & POLLIN) {
				fake_clients[k] = accept(lfd[k], NULL, NULL);
				json_tokener_reset(tok[k]);
				fake_send_to(fake_clients[k], "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\r\n");
			}
			if (!(p[2 + k].revents & (POLLIN | POLLHUP)))
				continue;
			char buf[4096];
			ssize_t n = read(fake_clients[k], buf, sizeof(buf));
			if (n <= 0) {
				close(fake_clients[k]);
				fake_clients[k] = -1;
				continue;
			}
			fake_client = fake_clients[k];
			size_t off = 0;
			while (off < (size_t)n) {
				struct json_object *o = json_tokener_parse_ex(tok[k], buf + off, (int)((size_t)n - off));
				size_t used = json_tokener_get_parse_end(tok[k]);
				off += used ? used : (size_t)n - off;
				if (o) {
					fake_command(o, deaf);
					json_object_put(o);
				} else if (json_tokener_get_error(tok[k]) != json_tokener_continue) {
					json_tokener_reset(tok[k]);
				}
			}
		}
	}
}

/* ---------------- the tests ---------------- */

static char self[PATH_MAX];
static char tmpdir[64];

struct fx {
	struct loop *l;
	struct vmm *m;
	int changes, dones, status;
	char err[512];
	struct strv logs;
	char monitor_out[256];
};

static void on_change(struct vm *vm, void *arg)
{
	(void)vm;
	((struct fx *)arg)->changes++;
}

static void on_log(struct vm *vm, const char *line, void *arg)
{
	(void)vm;
	strv_push(&((struct fx *)arg)->logs, line);
}

static void on_done(struct vm *vm, int status, const char *err, void *arg)
{
	(void)vm;
	struct fx *f = arg;
	f->dones++;
	f->status = status;
	snprintf(f->err, sizeof(f->err), "%s", err ? err : "");
}

static void wait_dones(struct fx *f, int n)
{
	uint64_t deadline = now_mono_us() + 20ULL * 1000000;
	while (f->dones < n && now_mono_us() < deadline)
		loop_run_once(f->l, 50);
	assert_int_equal(f->dones, n);
}

static bool logged(struct fx *f, const char *needle)
{
	for (size_t i = 0; i < f->logs.n; i++)
		if (strstr(f->logs.v[i], needle))
			return true;
	return false;
}

static void write_profile(const char *name, const char *extra)
{
	char *path = xasprintf("%s/prof/%s.yaml", tmpdir, name);
	char *text = xasprintf("name: %s\nqemu: %s\naccel: tcg\nstop_timeout: 1\n%s", name, self, extra ? extra : "");
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
	free(path);
	free(text);
}

static struct profile_set *load(void)
{
	char *dir = xasprintf("%s/prof", tmpdir);
	const char *dirs[] = { dir };
	struct profile_set *s = profile_set_load(dirs, 1);
	free(dir);
	return s;
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	strv_init(&f->logs);
	f->l = loop_new();
	f->m = vmm_new(f->l, NULL);
	vmm_set_on_change(f->m, on_change, f);
	vmm_set_on_log(f->m, on_log, f);
	unsetenv("FAKE_QEMU");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	vmm_free(f->m);
	loop_free(f->l);
	strv_clear(&f->logs);
	free(f);
	return 0;
}

static void on_monitor(struct vm *vm, const char *out, const char *err, void *arg)
{
	(void)vm;
	struct fx *f = arg;
	snprintf(f->monitor_out, sizeof(f->monitor_out), "%s", err ? err : out);
	f->dones++;
}

static void test_lifecycle(void **state)
{
	struct fx *f = *state;
	write_profile("fa", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fa");
	assert_non_null(vm);
	assert_int_equal(vm_state(vm), VM_STOPPED);
	assert_string_equal(vm_state_name(VM_PAUSED), "paused");

	char *err = NULL;
	int changes0 = f->changes;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	assert_int_equal(vm_state(vm), VM_STARTING);
	wait_dones(f, 1);
	assert_int_equal(f->status, 0);
	assert_int_equal(vm_state(vm), VM_RUNNING);
	assert_true(vm_pid(vm) > 0);
	assert_true(vm_is_owner(vm));
	assert_true(f->changes > changes0);
	/* A second start is refused, naming the VM and its pid. */
	assert_int_equal(vm_start(vm, NULL, NULL, &err), -1);
	assert_non_null(strstr(err, "fa is already running (pid"));
	free(err);
	err = NULL;

	assert_int_equal(vm_pause(vm, on_done, f, &err), 0);
	wait_dones(f, 2);
	assert_int_equal(vm_state(vm), VM_PAUSED);
	assert_int_equal(vm_resume(vm, on_done, f, &err), 0);
	wait_dones(f, 3);
	assert_int_equal(vm_state(vm), VM_RUNNING);
	assert_int_equal(vm_reset(vm, on_done, f, &err), 0);
	wait_dones(f, 4);
	assert_int_equal(f->status, 0);

	assert_int_equal(vm_monitor_exec(vm, "info status", on_monitor, f, &err), 0);
	wait_dones(f, 5);
	assert_string_equal(f->monitor_out, "fake says: info status\r\n");
	struct monitor *mon = vm_monitor(vm);
	assert_int_equal(monitor_line_count(mon), 2);
	assert_string_equal(monitor_line(mon, 0), "(qemu) info status");
	assert_string_equal(monitor_line(mon, 1), "fake says: info status");
	assert_string_equal(monitor_history_at(mon, 0), "info status");

	pid_t pid = vm_pid(vm);
	assert_int_equal(vm_stop(vm, on_done, f, &err), 0);
	assert_int_equal(vm_state(vm), VM_STOPPING);
	wait_dones(f, 6);
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_int_equal(vm_cause(vm), VM_CAUSE_GUEST_SHUTDOWN);
	assert_string_equal(vm_status_text(vm), "exited, guest shutdown");
	assert_int_equal(vm_pid(vm), 0);
	assert_true(kill(pid, 0) < 0);
	assert_true(logged(f, "fa: system_powerdown sent"));
	assert_true(logged(f, "fa: SHUTDOWN (guest-shutdown)"));
	/* Not running: actions say so instead of doing anything. */
	assert_int_equal(vm_pause(vm, NULL, NULL, &err), -1);
	assert_non_null(strstr(err, "fa is not running"));
	free(err);
}

static void test_escalation_and_kill(void **state)
{
	struct fx *f = *state;
	setenv("FAKE_QEMU", "deaf", 1);
	write_profile("fb", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fb");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 1);
	uint64_t t0 = now_mono_us();
	assert_int_equal(vm_stop(vm, on_done, f, &err), 0);
	wait_dones(f, 2);
	uint64_t ms = (now_mono_us() - t0) / 1000;
	assert_true(ms >= 950); /* waited its stop_timeout of 1 s */
	assert_true(logged(f, "fb: POWERDOWN"));
	assert_true(logged(f, "did not shut down within 1 s, sending quit"));
	assert_int_equal(vm_cause(vm), VM_CAUSE_HOST_QUIT);
	assert_string_equal(vm_status_text(vm), "exited, quit");

	/* Kill: the supervisor records signal 9. */
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 3);
	assert_int_equal(vm_kill(vm, on_done, f, &err), 0);
	wait_dones(f, 4);
	assert_int_equal(vm_cause(vm), VM_CAUSE_SIGNAL);
	assert_int_equal(vm_exit_code(vm), 9);
	assert_string_equal(vm_status_text(vm), "exited, signal 9");

	/* A signal QEMU catches: SIGTERM -> host signal. */
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 5);
	kill(vm_pid(vm), SIGTERM);
	uint64_t deadline = now_mono_us() + 30ULL * 1000000;
	while (vm_state(vm) != VM_EXITED && now_mono_us() < deadline)
		loop_run_once(f->l, 50);
	assert_string_equal(vm_status_text(vm), "exited, host signal");
}

static void test_start_failure(void **state)
{
	struct fx *f = *state;
	setenv("FAKE_QEMU", "die", 1);
	write_profile("fc", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fc");
	char *err = NULL;
	int src = vm_start(vm, on_done, f, &err);
	if (src < 0)
		fprintf(stderr, "start: %s\n", err);
	assert_int_equal(src, 0);
	wait_dones(f, 1);
	assert_int_equal(f->status, -1);
	assert_non_null(strstr(f->err, "VM fc: QEMU failed to start (exit code 1)"));
	assert_non_null(strstr(f->err, "-frobnicate: invalid option"));
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_int_equal(vm_cause(vm), VM_CAUSE_START_FAILED);
	assert_non_null(strstr(vm_error(vm), "invalid option"));
	assert_true(vm_exit_time(vm) > 0);
	/* Nothing left behind but why: the log and the record. */
	char *sock = path_join(vm_dir(vm), "qmp.sock"), *pidf = path_join(vm_dir(vm), "qemu.pid");
	assert_false(path_exists(sock));
	assert_false(path_exists(pidf));
	free(sock);
	free(pidf);
	struct strv tail;
	strv_init(&tail);
	assert_int_equal(vm_log_tail(vm, 5, &tail), 1);
	assert_non_null(strstr(tail.v[0], "invalid option"));
	strv_clear(&tail);
	/* Another vmdeck (a second vmm) sees the same failed start, twice. */
	for (int look = 0; look < 2; look++) {
		struct loop *l2 = loop_new();
		struct vmm *m2 = vmm_new(l2, NULL);
		vmm_sync_profiles(m2, load());
		struct vm *v2 = vmm_find(m2, "fc");
		assert_int_equal(vm_state(v2), VM_EXITED);
		assert_int_equal(vm_cause(v2), VM_CAUSE_START_FAILED);
		assert_string_equal(vm_error(v2), vm_error(vm));
		assert_int_equal(vm_exit_time(v2), vm_exit_time(vm));
		strv_init(&tail);
		assert_int_equal(vm_log_tail(v2, 5, &tail), 1);
		assert_non_null(strstr(tail.v[0], "invalid option"));
		strv_clear(&tail);
		vmm_free(m2);
		loop_free(l2);
	}
	/* Kept in memory when the exit was settled: no file read per look. */
	char *logf = path_join(vm_dir(vm), "qemu.log");
	assert_int_equal(unlink(logf), 0);
	free(logf);
	strv_init(&tail);
	assert_int_equal(vm_log_tail(vm, 5, &tail), 1);
	assert_non_null(strstr(tail.v[0], "invalid option"));
	strv_clear(&tail);
	vm_clear_exited(vm);
	assert_int_equal(vm_state(vm), VM_STOPPED);
	vmm_rescan(f->m); /* dismissed here: the record does not bring it back */
	assert_int_equal(vm_state(vm), VM_STOPPED);
}

/* QEMU killed: the vmdeck that saw it tidies; every later one still knows
 * "signal 9" (it used to see "stopped" — issue 10). */
static void test_exit_kept_for_later_vmdecks(void **state)
{
	struct fx *f = *state;
	write_profile("fk", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fk");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 1);
	assert_int_equal(vm_kill(vm, on_done, f, &err), 0);
	wait_dones(f, 2);
	assert_string_equal(vm_status_text(vm), "exited, signal 9");
	for (int look = 0; look < 2; look++) {
		struct loop *l2 = loop_new();
		struct vmm *m2 = vmm_new(l2, NULL);
		vmm_sync_profiles(m2, load());
		struct vm *v2 = vmm_find(m2, "fk");
		assert_string_equal(vm_status_text(v2), "exited, signal 9");
		assert_int_equal(vm_exit_code(v2), 9);
		assert_true(vm_exit_time(v2) > 0);
		vmm_free(m2);
		loop_free(l2);
	}
	/* The next start forgets it. */
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 3);
	assert_int_equal(vm_cause(vm), VM_CAUSE_NONE);
	assert_int_equal(vm_exit_time(vm), 0);
	assert_int_equal(vm_kill(vm, on_done, f, &err), 0);
	wait_dones(f, 4);
}

static void test_stop_while_starting(void **state)
{
	struct fx *f = *state;
	write_profile("ff", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "ff");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	assert_int_equal(vm_state(vm), VM_STARTING);
	/* Both callbacks fire: the start fails, the stop succeeds. */
	assert_int_equal(vm_force_stop(vm, on_done, f, &err), 0);
	wait_dones(f, 2);
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_int_equal(vm_start(vm, on_done, f, &err), 0); /* and it starts again */
	wait_dones(f, 3);
	assert_int_equal(vm_state(vm), VM_RUNNING);
	assert_int_equal(vm_kill(vm, on_done, f, &err), 0);
	wait_dones(f, 4);
}

static void test_reload_keeps_running(void **state)
{
	struct fx *f = *state;
	write_profile("fd", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fd");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 1);
	/* Its profile vanishes on reload: the VM stays, still running. */
	char *path = xasprintf("%s/prof/fd.yaml", tmpdir);
	unlink(path);
	free(path);
	vmm_sync_profiles(f->m, load());
	assert_ptr_equal(vmm_find(f->m, "fd"), vm);
	assert_int_equal(vm_state(vm), VM_RUNNING);
	assert_non_null(vm_profile(vm));
	assert_int_equal(vm_force_stop(vm, on_done, f, &err), 0);
	wait_dones(f, 2);
	/* Gone and stopped: it leaves the list at the next rescan. */
	vmm_rescan(f->m);
	assert_null(vmm_find(f->m, "fd"));
}

static void test_reattach_second_vmm(void **state)
{
	struct fx *f = *state;
	write_profile("fe", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fe");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 1);
	pid_t pid = vm_pid(vm);
	/* A second vmdeck (another vmm) sees it running, not as owner; its
	 * commands go through ctl.sock. */
	struct fx g = { 0 };
	strv_init(&g.logs);
	g.l = loop_new();
	g.m = vmm_new(g.l, NULL);
	vmm_sync_profiles(g.m, load());
	struct vm *v2 = vmm_find(g.m, "fe");
	assert_int_equal(vm_state(v2), VM_RUNNING);
	assert_int_equal(vm_pid(v2), pid);
	assert_false(vm_is_owner(v2));
	assert_int_equal(vm_monitor_exec(v2, "info version", on_monitor, &g, &err), 0);
	wait_dones(&g, 1);
	assert_string_equal(g.monitor_out, "fake says: info version\r\n");
	/* The first one goes away: the second takes over on its next tick. */
	vmm_free(f->m);
	f->m = vmm_new(f->l, NULL);
	uint64_t deadline = now_mono_us() + 30ULL * 1000000;
	while (!vm_is_owner(v2) && now_mono_us() < deadline)
		loop_run_once(g.l, 50);
	assert_true(vm_is_owner(v2));
	assert_int_equal(vm_stop(v2, on_done, &g, &err), 0);
	wait_dones(&g, 2);
	assert_string_equal(vm_status_text(v2), "exited, guest shutdown");
	vmm_free(g.m);
	loop_free(g.l);
	strv_clear(&g.logs);
}

/* vm_start never waits for the supervisor's report (fork + exec of QEMU):
 * it returns at once, and a binary that cannot run fails the start from the
 * loop, with the same words, kept like any failed start. */
static void test_start_does_not_wait(void **state)
{
	struct fx *f = *state;
	char *path = xasprintf("%s/prof/gn.yaml", tmpdir);
	const char *text = "name: gn\nqemu: /nonexistent/qemu-system-x86_64\naccel: tcg\n";
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
	free(path);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "gn");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	assert_int_equal(vm_state(vm), VM_STARTING);
	assert_int_equal(f->dones, 0);
	wait_dones(f, 1);
	assert_int_equal(f->status, -1);
	assert_non_null(strstr(f->err, "cannot run QEMU binary '/nonexistent/qemu-system-x86_64'"));
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_int_equal(vm_cause(vm), VM_CAUSE_START_FAILED);
	assert_non_null(strstr(vm_error(vm), "cannot run QEMU binary"));
}

/* ---- another vmdeck tidies the exit this one watches ---- */

static char trace[512]; /* the states on_change_trace saw, one letter each */

static void on_change_trace(struct vm *vm, void *arg)
{
	(void)arg;
	if (!vm)
		return;
	static const char letters[VM_STATE_COUNT] = { [VM_STOPPED] = 's', [VM_STARTING] = 'S', [VM_RUNNING] = 'r',
						      [VM_PAUSED] = 'p', [VM_STOPPING] = 'x', [VM_EXITED] = 'E',
						      [VM_UNKNOWN] = '?' };
	size_t n = strlen(trace);
	if (n + 1 < sizeof(trace))
		trace[n] = letters[vm_state(vm)] ? letters[vm_state(vm)] : '.';
}

static void pump(struct fx *f, unsigned ms)
{
	uint64_t end = now_mono_us() + (uint64_t)ms * 1000;
	while (now_mono_us() < end)
		loop_run_once(f->l, 10);
}

/* Another vmdeck's hold on DIR/vm.lock (an OFD lock, as vm_lock_acquire
 * takes it): -1 while it is held (by the supervisor). */
static int other_lock(struct vm *vm)
{
	char *lf = path_join(vm_dir(vm), "vm.lock");
	int fd = open(lf, O_RDWR | O_CLOEXEC);
	free(lf);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fd >= 0 && fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void other_tidy(struct vm *vm, bool record)
{
	static const char *const stale[] = { "qmp.sock", "ctl.sock", "qemu.pid", "qemu.start", "qmp.lock", "run-state" };
	for (size_t i = 0; i < sizeof(stale) / sizeof(*stale); i++) {
		char *f = path_join(vm_dir(vm), stale[i]);
		unlink(f);
		free(f);
	}
	if (record) {
		char *f = path_join(vm_dir(vm), "last-exit");
		const char *text = "{\"cause\":\"signal\",\"code\":9,\"time\":1}";
		assert_int_equal(file_write_atomic(f, text, strlen(text), 0600, NULL), 0);
		free(f);
	}
}

/* The soak's "watcher saw every exit (201 of 200)": the watcher (the QMP
 * owner) sees QEMU go, but another vmdeck (`stop --force`) takes vm.lock to
 * tidy first. The watcher must not tell the exit twice — its own story at
 * once, then, having seen the held vm.lock as a start ("starting"), the
 * other's record as a new exit — but once, the tidier's. And once the exit
 * is told, a vmdeck that takes vm.lock only to look (the second tidier)
 * is no start either: the exit stays. */
static void test_exit_tidied_by_another(void **state)
{
	struct fx *f = *state;
	write_profile("ft", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "ft");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 1);
	assert_true(vm_is_owner(vm));
	vmm_set_on_change(f->m, on_change_trace, f);
	trace[0] = '\0';
	/* QEMU dies; the supervisor records it and lets go of vm.lock; the
	 * other vmdeck takes it before this one's loop runs. */
	assert_int_equal(kill(vm_pid(vm), SIGKILL), 0);
	int fd = -1;
	for (int i = 0; i < 1000 && fd < 0; i++) {
		fd = other_lock(vm);
		if (fd < 0)
			usleep(10000);
	}
	assert_true(fd >= 0);
	pump(f, 2300);     /* past the wait for exit-status and vm.lock: the exit is settled */
	other_tidy(vm, false);
	vmm_rescan(f->m);  /* a look while the other holds vm.lock, its record not written yet */
	pump(f, 50);
	other_tidy(vm, true);
	vmm_rescan(f->m);
	pump(f, 50);
	close(fd);         /* the other vmdeck is done */
	pump(f, 300);
	vmm_rescan(f->m);
	pump(f, 50);
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_string_equal(vm_status_text(vm), "exited, signal 9");
	if (strchr(trace, 'S'))
		fprintf(stderr, "trace: %s\n", trace);
	assert_null(strchr(trace, 'S'));
	assert_int_equal(strchr(trace, 'E') - trace, (long)strlen(trace) - 1); /* told once, last */

	/* A second vmdeck takes vm.lock only to take the record in. */
	trace[0] = '\0';
	fd = other_lock(vm);
	assert_true(fd >= 0);
	vmm_rescan(f->m);
	pump(f, 50);
	close(fd);
	vmm_rescan(f->m);
	pump(f, 50);
	assert_string_equal(trace, "");
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_string_equal(vm_status_text(vm), "exited, signal 9");
	vmm_set_on_change(f->m, on_change, f);
}

static struct fx *fx_new(void)
{
	struct fx *g = xcalloc(1, sizeof(*g));
	strv_init(&g->logs);
	g->l = loop_new();
	g->m = vmm_new(g->l, NULL);
	vmm_set_on_log(g->m, on_log, g);
	return g;
}

static void fx_free(struct fx *g)
{
	vmm_free(g->m);
	loop_free(g->l);
	strv_clear(&g->logs);
	free(g);
}

static void wait_pending(struct fx *g)
{
	uint64_t deadline = now_mono_us() + 30ULL * 1000000;
	while (vmm_pending(g->m) && now_mono_us() < deadline)
		loop_run_once(g->l, 50);
	assert_int_equal(vmm_pending(g->m), 0);
}

/* Issue 17: a scoped vmm knows one VM; a snapshot vmm owns nothing and
 * learns running/paused from one query each; out of descriptors a VM is
 * "unknown" with the reason — never stopped — until the next scan can look. */
static void test_scope_snapshot_unknown(void **state)
{
	struct fx *f = *state;
	write_profile("ga", NULL);
	write_profile("gb", NULL);
	vmm_sync_profiles(f->m, load());
	char *err = NULL;
	assert_int_equal(vm_start(vmm_find(f->m, "ga"), on_done, f, &err), 0);
	assert_int_equal(vm_start(vmm_find(f->m, "gb"), on_done, f, &err), 0);
	wait_dones(f, 2);
	assert_int_equal(vm_pause(vmm_find(f->m, "gb"), on_done, f, &err), 0);
	wait_dones(f, 3);

	struct fx *g = fx_new();
	vmm_set_scope(g->m, "ga");
	vmm_sync_profiles(g->m, load());
	assert_int_equal(vmm_count(g->m), 1);
	assert_null(vmm_find(g->m, "gb"));
	assert_int_equal(vm_state(vmm_find(g->m, "ga")), VM_RUNNING);
	fx_free(g);

	struct fx *h = fx_new();
	vmm_set_snapshot(h->m, true);
	vmm_sync_profiles(h->m, load());
	assert_int_equal(vmm_pending(h->m), 2);
	wait_pending(h);
	struct vm *a = vmm_find(h->m, "ga"), *b = vmm_find(h->m, "gb");
	assert_int_equal(vm_state(a), VM_RUNNING);
	assert_int_equal(vm_state(b), VM_PAUSED);
	assert_false(vm_is_owner(a));
	assert_int_equal(vm_pid(b), vm_pid(vmm_find(f->m, "gb")));
	fx_free(h);

	/* No descriptor free at all: the soft limit at the lowest free one. */
	struct fx *k = fx_new();
	struct profile_set *set = load();
	struct rlimit old, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	int lowest = dup(0);
	assert_true(lowest >= 0);
	close(lowest);
	low = old;
	low.rlim_cur = (rlim_t)lowest;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	vmm_sync_profiles(k->m, set);
	enum vm_state sa = vm_state(vmm_find(k->m, "ga")), sb = vm_state(vmm_find(k->m, "gb"));
	setrlimit(RLIMIT_NOFILE, &old);
	assert_int_equal(sa, VM_UNKNOWN);
	assert_int_equal(sb, VM_UNKNOWN);
	assert_string_equal(vm_state_name(sa), "unknown");
	const char *e = vm_error(vmm_find(k->m, "ga"));
	assert_non_null(e);
	assert_non_null(strstr(e, "ga: cannot watch it"));
	assert_non_null(strstr(e, "ulimit -n"));
	/* Descriptors again: the next scan (a tick) watches them again. */
	uint64_t deadline = now_mono_us() + 30ULL * 1000000;
	while ((vm_state(vmm_find(k->m, "ga")) != VM_RUNNING || vm_state(vmm_find(k->m, "gb")) != VM_PAUSED) &&
	       now_mono_us() < deadline)
		loop_run_once(k->l, 50);
	assert_int_equal(vm_state(vmm_find(k->m, "ga")), VM_RUNNING);
	assert_int_equal(vm_state(vmm_find(k->m, "gb")), VM_PAUSED);
	assert_null(vm_error(vmm_find(k->m, "ga")));
	fx_free(k);

	assert_int_equal(vm_kill(vmm_find(f->m, "ga"), on_done, f, &err), 0);
	assert_int_equal(vm_kill(vmm_find(f->m, "gb"), on_done, f, &err), 0);
	wait_dones(f, 5);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-qmp") == 0)
			return fake_qemu(argc, argv);
	if (!realpath("/proc/self/exe", self))
		return 1;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vmdeck-test-vm.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	char *run = xasprintf("%s/run", tmpdir), *st = xasprintf("%s/state", tmpdir), *prof = xasprintf("%s/prof", tmpdir);
	setenv("VMDECK_RUNTIME_DIR", run, 1);
	setenv("VMDECK_STATE_DIR", st, 1);
	mkdir_p(prof, 0755, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escalation_and_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_kept_for_later_vmdecks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_while_starting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_keeps_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reattach_second_vmm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_snapshot_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_does_not_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_tidied_by_another, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char *rm = xasprintf("rm -rf %s", tmpdir);
	if (system(rm) != 0)
		rc = 1;
	free(rm);
	free(run);
	free(st);
	free(prof);
	return rc;
}
