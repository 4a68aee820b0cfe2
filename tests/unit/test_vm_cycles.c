/* 50 start/stop cycles of a no-OS VM with real QEMU in one long-lived process
 * (the way the TUI lives): open fds and RSS must not grow. Prints figures.
 * Exit 77 (skip) without qemu-system-x86_64; integration label. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/qmp.h"
#include "core/util.h"
#include "core/vm.h"

static int fd_count(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1; /* the DIR's own fd */
}

static long rss_kb(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f && fscanf(f, "%ld %ld", &pages, &res) != 2)
		res = 0;
	if (f)
		fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static bool done;
static int status;
static void on_done(struct vm *vm, int st, const char *err, void *arg)
{
	(void)vm;
	(void)arg;
	done = true;
	status = st;
	if (err)
		fprintf(stderr, "%s\n", err);
}

static int wait_done(struct loop *l)
{
	uint64_t deadline = now_mono_us() + 60ULL * 1000000;
	while (!done && now_mono_us() < deadline)
		loop_run_once(l, 100);
	bool ok = done && status == 0;
	done = false;
	return ok ? 0 : -1;
}

/* --wait-qmp SOCKET: the "by hand" side of tests/bench/bench_start.sh —
 * connect (retrying every 1 ms, as vmdeck does at first), negotiate, query-status, exit 0 once QEMU
 * answers. The same QMP client vmdeck uses, so only vmdeck's own work
 * differs between the two measurements. */
static bool probe_done;
static void probe_reply(struct qmp *q, struct json_object *ret, const char *err, void *arg)
{
	(void)q;
	(void)ret;
	(void)arg;
	probe_done = err == NULL;
}

static int wait_qmp(const char *sock)
{
	struct loop *l = loop_new();
	uint64_t deadline = now_mono_us() + 30ULL * 1000000;
	while (now_mono_us() < deadline && !probe_done) {
		struct qmp *q = qmp_new(l, NULL);
		if (qmp_connect(q, sock, NULL) == 0) {
			qmp_send(q, "query-status", NULL, probe_reply, NULL);
			while (!probe_done && !qmp_is_closed(q) && now_mono_us() < deadline)
				loop_run_once(l, 100);
		}
		qmp_free(q);
		if (!probe_done)
			usleep(1000);
	}
	loop_free(l);
	return probe_done ? 0 : 1;
}

/* --run-qemu SOCKET PROGRAM ARGS...: the whole "by hand" start, with no
 * interpreter's start-up in it: fds 3 and 4 each one end of a socket pair
 * (vmdeck's argv says -chardev socket,id=serial0,fd=3 and
 * socket,id=vmdeck-rec,fd=4: what the supervisor would relay and record
 * from; the other ends closed, as tests/console/serial_fd3.py does), fork,
 * exec QEMU, then wait for QMP as --wait-qmp. Prints QEMU's pid for the
 * caller to kill. */
static int run_qemu(const char *sock, char **argv)
{
	int sv[2][2];
	for (int i = 0; i < 2; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv[i]) < 0)
			return 1;
	pid_t pid = fork();
	if (pid == 0) {
		/* Above 4 first: dup2 onto 3 must not clobber the other end. */
		int a = fcntl(sv[0][1], F_DUPFD, 10), b = fcntl(sv[1][1], F_DUPFD, 10);
		if (a < 0 || b < 0 || dup2(a, 3) < 0 || dup2(b, 4) < 0)
			_exit(127);
		int devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0), dup2(devnull, 1), dup2(devnull, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	for (int i = 0; i < 2; i++)
		close(sv[i][0]), close(sv[i][1]);
	if (pid < 0)
		return 1;
	printf("%d\n", (int)pid);
	fflush(stdout);
	return wait_qmp(sock);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--wait-qmp") == 0)
		return wait_qmp(argv[2]);
	if (argc > 3 && strcmp(argv[1], "--run-qemu") == 0)
		return run_qemu(argv[2], argv + 3);
	int cycles = argc > 1 ? atoi(argv[1]) : 50;
	if (system("command -v qemu-system-x86_64 >/dev/null 2>&1") != 0) {
		fprintf(stderr, "SKIP: no qemu-system-x86_64\n");
		return getenv("CI") && strcmp(getenv("CI"), "true") == 0 ? 1 : 77;
	}
	char tmpl[] = "/tmp/vmdeck-cycles.XXXXXX";
	if (!mkdtemp(tmpl))
		return 1;
	char *run = xasprintf("%s/run", tmpl), *state = xasprintf("%s/state", tmpl), *prof = xasprintf("%s/prof", tmpl);
	setenv("VMDECK_RUNTIME_DIR", run, 1);
	setenv("VMDECK_STATE_DIR", state, 1);
	mkdir_p(prof, 0755, NULL);
	char *yaml = xasprintf("%s/c1.yaml", prof);
	const char *text = "name: c1\naccel: tcg\nmachine: q35\nmemory: 64M\nstop_timeout: 3\n";
	file_write_atomic(yaml, text, strlen(text), 0644, NULL);

	struct loop *l = loop_new();
	struct vmm *m = vmm_new(l, NULL);
	const char *dirs[] = { prof };
	vmm_sync_profiles(m, profile_set_load(dirs, 1));
	struct vm *vm = vmm_find(m, "c1");
	if (!vm) {
		fprintf(stderr, "profile c1 did not load\n");
		return 1;
	}
	int fd0 = 0, rc = 0;
	long rss0 = 0;
	uint64_t t0 = now_mono_us();
	for (int i = 1; i <= cycles; i++) {
		char *err = NULL;
		if (vm_start(vm, on_done, NULL, &err) < 0 || wait_done(l) < 0) {
			fprintf(stderr, "cycle %d: start failed: %s\n", i, err ? err : "");
			rc = 1;
			break;
		}
		if (vm_state(vm) != VM_RUNNING) {
			fprintf(stderr, "cycle %d: %s after start\n", i, vm_status_text(vm));
			rc = 1;
			break;
		}
		if (vm_force_stop(vm, on_done, NULL, &err) < 0 || wait_done(l) < 0) {
			fprintf(stderr, "cycle %d: stop failed: %s\n", i, err ? err : "");
			rc = 1;
			break;
		}
		if (vm_state(vm) != VM_EXITED || vm_cause(vm) != VM_CAUSE_HOST_QUIT) {
			fprintf(stderr, "cycle %d: '%s' after force stop\n", i, vm_status_text(vm));
			rc = 1;
			break;
		}
		/* Measure after a few warm-up cycles (allocator arenas, caches). */
		if (i == 5) {
			fd0 = fd_count();
			rss0 = rss_kb();
		}
	}
	int fd1 = fd_count();
	long rss1 = rss_kb();
	double per = (double)(now_mono_us() - t0) / 1000.0 / cycles;
	printf("cycles=%d ms_per_cycle=%.1f fds_after_5=%d fds_after_%d=%d rss_kb_after_5=%ld rss_kb_after_%d=%ld\n", cycles,
	       per, fd0, cycles, fd1, rss0, cycles, rss1);
	if (rc == 0 && fd1 != fd0) {
		fprintf(stderr, "FAIL: fds grew from %d to %d\n", fd0, fd1);
		rc = 1;
	}
#ifdef __SANITIZE_ADDRESS__
	/* ASan's quarantine holds freed memory on purpose: RSS says nothing
	 * there (LeakSanitizer checks leaks at exit instead). */
	const long rss_slack = 1L << 30;
#else
	const long rss_slack = 512;
#endif
	if (rc == 0 && rss1 - rss0 > rss_slack) {
		fprintf(stderr, "FAIL: RSS grew by %ld KiB\n", rss1 - rss0);
		rc = 1;
	}
	vmm_free(m);
	loop_free(l);
	char *rm = xasprintf("rm -rf %s", tmpl);
	if (system(rm) != 0)
		rc = 1;
	free(rm);
	free(run);
	free(state);
	free(prof);
	free(yaml);
	return rc;
}
