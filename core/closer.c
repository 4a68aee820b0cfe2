/* closer: fds handed to a detached process that does the last close()
 * (closer.h says why). */
#include "core/closer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MSG_FD 'F'    /* carries an fd: keep it */
#define MSG_CLOSE 'C' /* the sender's copies are closed: close what you keep */
#define KEEP_MAX 256  /* fds kept between an F and its C (one, in practice) */

static int chan = -1;   /* our end; -1: no closer */
static pid_t helper;    /* its pid (a grandchild: init reaps it) */
static pid_t chan_pid;  /* the process chan belongs to (a forked child has none) */
static int failures;    /* closers that could not be made: give up after a few */

/* Every fd but keep: closed (the closer holds nothing of ours, not even a
 * pipe someone waits on for EOF). Async-signal-safe calls only. */
static void close_all_but(int keep)
{
#ifdef SYS_close_range
	if ((keep == 0 || syscall(SYS_close_range, 0u, (unsigned)keep - 1, 0u) == 0) &&
	    syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0u) == 0)
		return;
#endif
	long max = sysconf(_SC_OPEN_MAX);
	for (int fd = 0; fd < (max > 0 ? max : 65536); fd++)
		if (fd != keep)
			close(fd);
}

static void closer_main(int s)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL); /* ends on EOF from us, or SIGKILL */
	close_all_but(s);
	prctl(PR_SET_NAME, "vmdeck-closer");
	int kept[KEEP_MAX];
	int n = 0;
	for (;;) {
		char b = 0;
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { &b, 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
		ssize_t r = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			_exit(0); /* EOF: what is kept is closed by the exit */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int fd;
				memcpy(&fd, CMSG_DATA(c), sizeof(fd));
				if (n < KEEP_MAX)
					kept[n++] = fd;
				else
					close(fd);
			}
		if (b == MSG_CLOSE) {
			while (n > 0)
				close(kept[--n]);
		}
	}
}

/* Fork the closer as a grandchild (so nobody of ours has to reap it). */
static bool closer_start(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	int pp[2]; /* the grandchild's pid, from the child */
	if (pipe2(pp, O_CLOEXEC) < 0) {
		close(sv[0]);
		close(sv[1]);
		return false;
	}
	pid_t child = fork();
	if (child == 0) {
		pid_t g = fork();
		if (g == 0) {
			close(pp[0]);
			close(pp[1]);
			closer_main(sv[1]);
		}
		(void)!write(pp[1], &g, sizeof(g));
		_exit(0);
	}
	close(sv[1]);
	close(pp[1]);
	pid_t g = -1;
	if (child > 0) {
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
		if (read(pp[0], &g, sizeof(g)) != (ssize_t)sizeof(g))
			g = -1;
	}
	close(pp[0]);
	if (g <= 0) {
		close(sv[0]);
		return false;
	}
	int fl = fcntl(sv[0], F_GETFL);
	fcntl(sv[0], F_SETFL, fl | O_NONBLOCK); /* a stuck closer must not hold us */
	chan = sv[0];
	chan_pid = getpid();
	helper = g;
	return true;
}

static void closer_drop(void)
{
	if (chan >= 0 && chan_pid == getpid())
		close(chan); /* the old closer ends when it reads EOF */
	chan = -1;
	helper = 0;
}

static bool send_msg(char b, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	}
	ssize_t r;
	while ((r = sendmsg(chan, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return r == 1;
}

void closer_close(int fd)
{
	if (fd < 0)
		return;
	static pid_t owner;
	if (!owner)
		owner = getpid();
	if (owner != getpid()) { /* a forked child: the closer is the parent's */
		chan = -1;
		helper = 0;
		close(fd);
		return;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (chan < 0) {
			if (failures >= 3)
				break;
			if (!closer_start()) {
				failures++;
				break;
			}
		}
		if (send_msg(MSG_FD, fd)) {
			close(fd); /* not the last reference: the closer has one */
			if (!send_msg(MSG_CLOSE, -1))
				closer_drop(); /* it still closes the fd when it ends */
			return;
		}
		closer_drop(); /* full (stuck) or gone: a new one */
	}
	close(fd);
}

pid_t closer_pid(void)
{
	return chan >= 0 && chan_pid == getpid() ? helper : 0;
}
