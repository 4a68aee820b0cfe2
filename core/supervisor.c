/* supervisor: hold vm.lock, run QEMU, record its exit (see supervisor.h).
 * Built into vmdeck_core and, with VMDECK_SUPERVISOR_MAIN, as the small
 * vmdeck-supervisor program: plain libc, and json-c for the recorder's
 * monitor (core/recorder.h: its parser allocates a little per message). */
#include "core/supervisor.h"
#include "core/proc.h"
#include "core/recorder.h"
#include "core/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

size_t supervisor_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	return done;
}

void supervisor_write_record(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	supervisor_write_all(fd, text, strlen(text));
	if (close(fd) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

/* QEMU by posix_spawnp (vfork and exec: the child runs at once while the
 * supervisor waits, where a fork's child could wait a scheduler slice for a
 * CPU on a busy machine): signals default and unblocked, /dev/null on 0,
 * qemu.log on 1 and 2, the serial socket on 3 (over the supervisor's
 * vm.lock: QEMU does not get the lock), the recorder's monitor on 4,
 * nothing else. Returns the pid, or 0: with *exec_errno set, the exec
 * failed and no process is left; else posix_spawn could not be set up
 * (fork instead). */
static pid_t spawn_qemu(char *const *argv, int logfd, int serial, int monitor, int *exec_errno)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return 0;
	if (posix_spawnattr_init(&at) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return 0;
	}
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setsigmask(&at, &none);
	/* logfd, serial and monitor were opened after 0-5 were taken: dup2
	 * onto 1-4 clobbers nothing still to be moved. */
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (logfd >= 0) {
		posix_spawn_file_actions_adddup2(&fa, logfd, 1);
		posix_spawn_file_actions_adddup2(&fa, logfd, 2);
	}
	posix_spawn_file_actions_adddup2(&fa, serial, SUPERVISOR_SERIAL_FD);
	posix_spawn_file_actions_adddup2(&fa, monitor, RECORDER_QEMU_FD);
	posix_spawn_file_actions_addclosefrom_np(&fa, RECORDER_QEMU_FD + 1);
	pid_t pid = 0;
	int rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == 0)
		return pid;
	*exec_errno = rc;
	return 0;
}

void supervisor_run(const char *dir, long long serial_log_max, char *const *argv)
{
	prctl(PR_SET_NAME, "vmdeck-super"); /* recognisable in ps */
	/* What vmdeck's loop blocked for its signalfd stays blocked across
	 * fork and exec: QEMU must get SIGTERM. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	int ep[2], sp[2], mp[2];
	if (pipe2(ep, O_CLOEXEC) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mp) < 0)
		_exit(120);
	char log[PATH_MAX];
	snprintf(log, sizeof(log), "%s/qemu.log", dir);
	int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	int spawn_errno = 0;
	pid_t pid = spawn_qemu(argv, logfd, sp[1], mp[1], &spawn_errno);
	if (pid == 0 && !spawn_errno)
		pid = fork();
	if (pid == 0 && !spawn_errno) { /* fork's child */
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		int nul = open("/dev/null", O_RDONLY);
		dup2(nul, 0);
		if (logfd >= 0) {
			dup2(logfd, 1);
			dup2(logfd, 2);
		}
		/* QEMU's serial port (-chardev socket,fd=3): over the copy of
		 * vm.lock, which the supervisor keeps; the recorder's monitor
		 * (fd=4) over the copy of the report pipe. Everything else closes
		 * on exec — the error pipe too, which is how the supervisor
		 * learns the exec worked. */
		dup2(sp[1], SUPERVISOR_SERIAL_FD);
		dup2(mp[1], RECORDER_QEMU_FD);
		syscall(SYS_close_range, RECORDER_QEMU_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC);
		execvp(argv[0], argv);
		int e = errno;
		dprintf(2, "vmdeck: cannot run '%s': %s\n", argv[0], strerror(e));
		supervisor_write_all(ep[1], &e, sizeof(e));
		_exit(127);
	}
	int fork_errno = errno;
	if (spawn_errno) { /* posix_spawnp's exec failed: no process is left */
		if (logfd >= 0)
			dprintf(logfd, "vmdeck: cannot run '%s': %s\n", argv[0], strerror(spawn_errno));
		int rep[2] = { 0, spawn_errno }; /* no pid, the exec's errno (vm_spawn.c) */
		supervisor_write_all(4, rep, sizeof(rep));
		_exit(1);
	}
	close(ep[1]);
	close(sp[1]);
	close(mp[1]);
	if (logfd >= 0)
		close(logfd);
	unsigned long long qticks = pid > 0 ? proc_start_ticks(pid) : 0;
	if (pid > 0) {
		/* Who "this VM's QEMU" is, for every vmdeck: pid and start time
		 * (fixed at fork), before QEMU can write its pidfile. */
		char rec[64];
		snprintf(rec, sizeof(rec), "%ld %llu\n", (long)pid, qticks);
		supervisor_write_record(dir, "qemu.start", rec);
	}
	int rep[2] = { pid > 0 ? (int)pid : -1, 0 };
	if (pid > 0) {
		int e = 0;
		ssize_t r;
		while ((r = read(ep[0], &e, sizeof(e))) < 0 && errno == EINTR)
			;
		rep[1] = r == (ssize_t)sizeof(e) ? e : 0;
	} else {
		rep[1] = fork_errno;
	}
	close(ep[0]);
	supervisor_write_all(4, rep, sizeof(rep));
	close(4);
	int st;
	if (pid <= 0 || rep[1]) {
		/* No QEMU ran: vmdeck removes the whole dir now, so write nothing
		 * into it (an exit-status here raced with that removal). */
		if (pid > 0)
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
		_exit(1);
	}
	recorder_start(dir, mp[0], pid, qticks);
	st = relay_run(dir, sp[0], pid, serial_log_max);
	recorder_finish();
	char text[32];
	if (WIFSIGNALED(st))
		snprintf(text, sizeof(text), "signal %d\n", WTERMSIG(st));
	else
		snprintf(text, sizeof(text), "exit %d\n", WEXITSTATUS(st));
	supervisor_write_record(dir, "exit-status", text);
	_exit(0);
}

#ifdef VMDECK_SUPERVISOR_MAIN
/* vmdeck-supervisor DIR SERIAL_LOG_MAX [NOFILE] — started only by vmdeck
 * (vm_spawn.c), with fds 3 and 4 as supervisor.h says and QEMU's argv on
 * fd 5 (NUL-terminated). NOFILE: the open-files limit QEMU gets (the one
 * vmdeck was given before it raised its own). It detaches: the process
 * vmdeck started exits at once (vmdeck waits for that), its child
 * supervises, reparented to init or the nearest subreaper. */
int main(int argc, char **argv)
{
	char *end, *nend = NULL;
	long long log_max = argc == 3 || argc == 4 ? strtoll(argv[2], &end, 10) : -1;
	unsigned long long nofile = argc == 4 ? strtoull(argv[3], &nend, 10) : 0;
	if ((argc != 3 && argc != 4) || *end || log_max < 0 || (nend && (*nend || nend == argv[3])) ||
	    fcntl(3, F_GETFD) < 0 || fcntl(4, F_GETFD) < 0 || fcntl(5, F_GETFD) < 0) {
		fprintf(stderr, "vmdeck-supervisor: started by vmdeck only (DIR SERIAL_LOG_MAX [NOFILE]; fds 3, 4 and "
				"5)\n");
		return 2;
	}
	pid_t child = fork();
	if (child != 0)
		_exit(child < 0 ? 1 : 0);
	struct rlimit rl;
	if (argc == 4 && getrlimit(RLIMIT_NOFILE, &rl) == 0 && (rlim_t)nofile < rl.rlim_cur) {
		rl.rlim_cur = (rlim_t)nofile;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			return 120;
		ssize_t r = read(5, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	close(5);
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\0';
	char **qargv = calloc(n + 1, sizeof(*qargv));
	if (!qargv || !n || buf[len - 1] != '\0')
		return 2;
	for (size_t i = 0, k = 0; i < len; i += strlen(buf + i) + 1)
		qargv[k++] = buf + i;
	supervisor_run(argv[1], log_max, qargv);
}
#endif
