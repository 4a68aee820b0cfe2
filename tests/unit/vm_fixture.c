/* vm_fixture: what the tests of core/vm's state machine share (vm_fixture.h):
 * a fake QEMU that speaks canned QMP — the test binary itself, started by a
 * VM's profile (`qemu:` points at it) and switched into fake mode by the
 * -qmp options it gets; knobs through the environment (the supervisor
 * passes it on): FAKE_QEMU=die makes it fail at start-up like a bad option,
 * FAKE_QEMU=deaf ignores powerdown — and a vmm per test with its loop. */
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
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vm_fixture.h"
#include "core/paths.h"

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

/* ---------------- the fixture ---------------- */

char self[PATH_MAX];
char tmpdir[64];

void on_change(struct vm *vm, void *arg)
{
	(void)vm;
	((struct fx *)arg)->changes++;
}

void on_log(struct vm *vm, const char *line, void *arg)
{
	(void)vm;
	strv_push(&((struct fx *)arg)->logs, line);
}

void on_done(struct vm *vm, int status, const char *err, void *arg)
{
	(void)vm;
	struct fx *f = arg;
	f->dones++;
	f->status = status;
	snprintf(f->err, sizeof(f->err), "%s", err ? err : "");
}

void wait_dones(struct fx *f, int n)
{
	uint64_t deadline = now_mono_us() + 20ULL * 1000000;
	while (f->dones < n && now_mono_us() < deadline)
		loop_run_once(f->l, 50);
	assert_int_equal(f->dones, n);
}

bool logged(struct fx *f, const char *needle)
{
	for (size_t i = 0; i < f->logs.n; i++)
		if (strstr(f->logs.v[i], needle))
			return true;
	return false;
}

void write_profile(const char *name, const char *extra)
{
	char *path = xasprintf("%s/prof/%s.yaml", tmpdir, name);
	char *text = xasprintf("name: %s\nqemu: %s\naccel: tcg\nstop_timeout: 1\n%s", name, self, extra ? extra : "");
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
	free(path);
	free(text);
}

struct profile_set *load(void)
{
	char *dir = xasprintf("%s/prof", tmpdir);
	const char *dirs[] = { dir };
	struct profile_set *s = profile_set_load(dirs, 1);
	free(dir);
	return s;
}

int setup(void **state)
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

int teardown(void **state)
{
	struct fx *f = *state;
	vmm_free(f->m);
	loop_free(f->l);
	strv_clear(&f->logs);
	free(f);
	return 0;
}

void on_monitor(struct vm *vm, const char *out, const char *err, void *arg)
{
	(void)vm;
	struct fx *f = arg;
	snprintf(f->monitor_out, sizeof(f->monitor_out), "%s", err ? err : out);
	f->dones++;
}

struct fx *fx_new(void)
{
	struct fx *g = xcalloc(1, sizeof(*g));
	strv_init(&g->logs);
	g->l = loop_new();
	g->m = vmm_new(g->l, NULL);
	vmm_set_on_log(g->m, on_log, g);
	return g;
}

void fx_free(struct fx *g)
{
	vmm_free(g->m);
	loop_free(g->l);
	strv_clear(&g->logs);
	free(g);
}

void wait_pending(struct fx *g)
{
	uint64_t deadline = now_mono_us() + 30ULL * 1000000;
	while (vmm_pending(g->m) && now_mono_us() < deadline)
		loop_run_once(g->l, 50);
	assert_int_equal(vmm_pending(g->m), 0);
}

int vmfx_init(int argc, char **argv)
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
	free(run);
	free(st);
	free(prof);
	return -1;
}

int vmfx_finish(int rc)
{
	char *rm = xasprintf("rm -rf %s", tmpdir);
	if (system(rm) != 0)
		rc = 1;
	free(rm);
	return rc;
}
