/* relay: QEMU's serial port to serial.log and console.sock (see relay.h).
 * One poll() over the port, the listening socket, a pidfd on QEMU and the
 * clients. Nothing here blocks: a client that cannot take the output as fast
 * as the guest writes it is dropped (it may reconnect and ask for a replay),
 * and typed input waits in a small buffer while QEMU's side is full. */
#include "core/relay.h"
#include "core/conproto.h"
#include "core/recorder.h"
#include "core/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* What a client has not taken yet: framed messages (2-byte length, the
 * message), output coalesced into the last one. A client whose backlog
 * passes this is dropped (it may reconnect and ask for a replay). */
#define CLIENT_BACKLOG (64 * 1024)

struct client {
	int fd;
	pid_t pid;
	bool hello;
	char who[CONPROTO_WHO_MAX];
	size_t q_len, q_last; /* q_last: offset of the last framed message */
	char q[CLIENT_BACKLOG];
};

static struct relay {
	int qfd, lfd, pidfd;
	pid_t qpid;
	struct client cl[CONPROTO_CLIENTS_MAX];
	int holder; /* index into cl, -1: nobody */
	char ring[CONPROTO_REPLAY_MAX];
	size_t ring_len, ring_head; /* head: where the next byte goes */
	char pend[2 * CONPROTO_DATA_MAX];
	size_t pend_len;
	int logfd;
	long long log_size, log_max;
	/* The log's last line so far (after its last '\n'): a rotation moves it
	 * into the new log, so neither file starts or ends mid-line. A line
	 * longer than the buffer (line_len SIZE_MAX) is split as it comes. */
	char line[CONPROTO_DATA_MAX];
	size_t line_len;
	char log[PATH_MAX], log1[PATH_MAX], sock[PATH_MAX];
} R;

static void drop(int i)
{
	if (R.cl[i].fd < 0)
		return;
	close(R.cl[i].fd);
	R.cl[i].fd = -1;
	if (R.holder == i)
		R.holder = -1;
}

/* Send what waits, oldest first, until the socket is full. */
static void flush_client(int i)
{
	struct client *c = &R.cl[i];
	size_t off = 0;
	while (off < c->q_len) {
		size_t n = (size_t)(unsigned char)c->q[off] << 8 | (unsigned char)c->q[off + 1];
		ssize_t w = send(c->fd, c->q + off + 2, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (w != (ssize_t)n) {
			drop(i);
			return;
		}
		off += n + 2;
	}
	memmove(c->q, c->q + off, c->q_len - off);
	c->q_len -= off;
	c->q_last = c->q_last >= off ? c->q_last - off : 0;
}

/* Queue one message and send what the socket takes. Output joins the last
 * queued output message while it has room: a guest writes its serial port
 * a byte at a time, and a client that fell behind catches up in big reads. */
static void send_msg(int i, char type, const void *data, size_t n)
{
	struct client *c = &R.cl[i];
	if (n > CONPROTO_DATA_MAX)
		n = CONPROTO_DATA_MAX;
	if (type == CON_OUTPUT && c->q_len) {
		size_t m = (size_t)(unsigned char)c->q[c->q_last] << 8 | (unsigned char)c->q[c->q_last + 1];
		if (c->q[c->q_last + 2] == CON_OUTPUT && m + n <= CONPROTO_MSG_MAX &&
		    c->q_len + n <= sizeof(c->q)) {
			memcpy(c->q + c->q_len, data, n);
			c->q_len += n;
			m += n;
			c->q[c->q_last] = (char)(m >> 8);
			c->q[c->q_last + 1] = (char)m;
			flush_client(i);
			return;
		}
	}
	if (c->q_len + n + 3 > sizeof(c->q)) {
		drop(i); /* it has not read for a long time */
		return;
	}
	c->q_last = c->q_len;
	c->q[c->q_len++] = (char)((n + 1) >> 8);
	c->q[c->q_len++] = (char)(n + 1);
	c->q[c->q_len++] = type;
	memcpy(c->q + c->q_len, data, n);
	c->q_len += n;
	flush_client(i);
}

static void log_open(int trunc)
{
	R.logfd = open(R.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (trunc ? O_TRUNC : 0), 0600);
	R.log_size = 0;
}

static void log_append(const char *p, size_t n)
{
	R.log_size += supervisor_write_all(R.logfd, p, n);
}

/* serial.log -> serial.log.1 before a write would take it past log_max, at
 * a line's end: the unfinished last line is cut from the old log and goes
 * on in the new one (when it is short enough to carry). */
static void log_rotate(size_t n)
{
	size_t carry = R.line_len != SIZE_MAX && (long long)R.line_len < R.log_size &&
				       (long long)(R.line_len + n) <= R.log_max / 2
			       ? R.line_len
			       : 0;
	if (R.logfd >= 0) {
		if (carry && ftruncate(R.logfd, (off_t)(R.log_size - (long long)carry)) < 0)
			carry = 0;
		close(R.logfd);
	}
	rename(R.log, R.log1);
	log_open(1);
	if (carry && R.logfd >= 0)
		log_append(R.line, carry);
}

/* The log's last line after P[0..N) was written to it. */
static void line_track(const char *p, size_t n)
{
	const char *nl = memrchr(p, '\n', n);
	if (nl) {
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
		R.line_len = 0;
	}
	if (R.line_len == SIZE_MAX || R.line_len + n > sizeof(R.line)) {
		R.line_len = SIZE_MAX;
		return;
	}
	memcpy(R.line + R.line_len, p, n);
	R.line_len += n;
}

static void log_write(const char *p, size_t n)
{
	if (!R.log_max)
		return;
	if (R.log_size > 0 && R.log_size + (long long)n > R.log_max)
		log_rotate(n);
	if (R.logfd < 0)
		return;
	log_append(p, n);
	line_track(p, n);
}

static void ring_add(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		R.ring[R.ring_head] = p[i];
		R.ring_head = (R.ring_head + 1) % sizeof(R.ring);
	}
	R.ring_len = R.ring_len + n > sizeof(R.ring) ? sizeof(R.ring) : R.ring_len + n;
}

static void replay(int i)
{
	size_t start = (R.ring_head + sizeof(R.ring) - R.ring_len) % sizeof(R.ring), left = R.ring_len;
	char chunk[CONPROTO_DATA_MAX];
	while (left && R.cl[i].fd >= 0) {
		size_t n = 0;
		while (n < sizeof(chunk) && n < left) {
			chunk[n++] = R.ring[start];
			start = (start + 1) % sizeof(R.ring);
		}
		left -= n;
		send_msg(i, CON_OUTPUT, chunk, n);
	}
}

/* What the guest wrote: the log, the replay ring, every client. */
static bool read_guest(void)
{
	char buf[CONPROTO_DATA_MAX];
	ssize_t n = read(R.qfd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		close(R.qfd);
		R.qfd = -1;
		return false;
	}
	log_write(buf, (size_t)n);
	ring_add(buf, (size_t)n);
	for (int i = 0; i < CONPROTO_CLIENTS_MAX; i++)
		if (R.cl[i].fd >= 0 && R.cl[i].hello)
			send_msg(i, CON_OUTPUT, buf, (size_t)n);
	return true;
}

static void flush_input(void)
{
	if (R.qfd < 0) {
		R.pend_len = 0;
		return;
	}
	ssize_t w = write(R.qfd, R.pend, R.pend_len);
	if (w > 0) {
		memmove(R.pend, R.pend + w, R.pend_len - (size_t)w);
		R.pend_len -= (size_t)w;
	}
}

static void holder_text(char *out, size_t n)
{
	snprintf(out, n, "%ld %s", (long)R.cl[R.holder].pid, R.cl[R.holder].who);
}

static void attach(int i, char how)
{
	char text[CONPROTO_WHO_MAX + 32];
	if (R.holder >= 0 && R.holder != i) {
		if (how != 'f') {
			holder_text(text, sizeof(text));
			send_msg(i, CON_BUSY, text, strlen(text));
			return;
		}
		int old = R.holder;
		R.holder = i;
		holder_text(text, sizeof(text));
		send_msg(old, CON_TAKEN, text, strlen(text));
	}
	R.holder = i;
	send_msg(i, CON_HELD, "", 0);
}

static void hello(int i, const char *p, size_t n)
{
	struct client *c = &R.cl[i];
	size_t k = 0;
	for (size_t j = 1; j < n && k + 1 < sizeof(c->who); j++)
		c->who[k++] = p[j] >= 32 && p[j] < 127 ? p[j] : '?';
	c->who[k] = '\0';
	c->hello = true;
	if (n > 0 && p[0] == 'r')
		replay(i);
}

static void read_client(int i)
{
	char buf[CONPROTO_MSG_MAX];
	ssize_t n = recv(R.cl[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0 || (!R.cl[i].hello && buf[0] != CON_HELLO)) {
		drop(i);
		return;
	}
	switch (buf[0]) {
	case CON_HELLO: hello(i, buf + 1, (size_t)n - 1); break;
	case CON_ATTACH: attach(i, n > 1 ? buf[1] : 'a'); break;
	case CON_RELEASE:
		if (R.holder == i)
			R.holder = -1;
		break;
	case CON_INPUT:
		if (R.holder == i && (size_t)n - 1 <= sizeof(R.pend) - R.pend_len) {
			memcpy(R.pend + R.pend_len, buf + 1, (size_t)n - 1);
			R.pend_len += (size_t)n - 1;
			flush_input();
		}
		break;
	default: drop(i); break;
	}
}

static void accept_client(void)
{
	int fd = accept4(R.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	for (int i = 0; i < CONPROTO_CLIENTS_MAX; i++) {
		if (R.cl[i].fd >= 0)
			continue;
		R.cl[i].fd = fd;
		R.cl[i].pid = 0;
		R.cl[i].hello = false;
		R.cl[i].who[0] = '\0';
		R.cl[i].q_len = R.cl[i].q_last = 0;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0)
			R.cl[i].pid = cr.pid;
		return;
	}
	close(fd); /* full */
}

/* console.sock appears only once it listens (bound under another name and
 * renamed): a client that finds the file can connect. */
static int listen_console(void)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.new", R.sock);
	if (fd < 0 || strlen(tmp) >= sizeof(a.sun_path)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	strcpy(a.sun_path, tmp);
	unlink(tmp);
	unlink(R.sock);
	mode_t old = umask(077); /* the socket file: the owner only */
	int r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (r < 0 || listen(fd, 8) < 0 || rename(tmp, R.sock) < 0) {
		unlink(tmp);
		close(fd);
		return -1;
	}
	return fd;
}

static void setup(const char *dir, int qfd, pid_t pid, long long log_max)
{
	/* R is static, so zero: no memset, which would make every client's
	 * backlog buffer resident in each VM's supervisor. */
	R.qfd = qfd;
	R.qpid = pid;
	R.holder = -1;
	R.logfd = -1;
	R.log_max = log_max;
	for (int i = 0; i < CONPROTO_CLIENTS_MAX; i++)
		R.cl[i].fd = -1;
	fcntl(qfd, F_SETFL, fcntl(qfd, F_GETFL) | O_NONBLOCK);
	snprintf(R.log, sizeof(R.log), "%s/serial.log", dir);
	snprintf(R.log1, sizeof(R.log1), "%s/serial.log.1", dir);
	snprintf(R.sock, sizeof(R.sock), "%s/console.sock", dir);
	unlink(R.log1); /* this run's log starts afresh, like QEMU's logfile= did */
	if (log_max)
		log_open(1);
	R.lfd = listen_console();
	R.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Read what the guest wrote before QEMU went. */
static void drain(void)
{
	while (R.qfd >= 0 && read_guest())
		if (poll(&(struct pollfd){ .fd = R.qfd, .events = POLLIN }, 1, 0) <= 0)
			break;
}

static int finish(void)
{
	int st = 0;
	drain();
	while (waitpid(R.qpid, &st, 0) < 0 && errno == EINTR)
		;
	for (int i = 0; i < CONPROTO_CLIENTS_MAX; i++)
		drop(i);
	if (R.lfd >= 0) {
		close(R.lfd);
		unlink(R.sock);
	}
	if (R.qfd >= 0)
		close(R.qfd);
	if (R.logfd >= 0)
		close(R.logfd);
	if (R.pidfd >= 0)
		close(R.pidfd);
	return st;
}

static bool qemu_gone(void)
{
	siginfo_t si = { 0 };
	return waitid(P_PID, (id_t)R.qpid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid != 0;
}

int relay_run(const char *dir, int qfd, pid_t pid, long long log_max)
{
	setup(dir, qfd, pid, log_max);
	/* p: QEMU's serial port, console.sock, the pidfd, the recorder's
	 * monitor (core/recorder.h; -1 once gone: poll skips it), clients. */
	enum { FIXED = 4 };
	for (;;) {
		struct pollfd p[FIXED + CONPROTO_CLIENTS_MAX];
		int idx[CONPROTO_CLIENTS_MAX], n = FIXED;
		p[0] = (struct pollfd){ .fd = R.qfd, .events = POLLIN | (R.pend_len ? POLLOUT : 0) };
		p[1] = (struct pollfd){ .fd = R.lfd, .events = POLLIN };
		p[2] = (struct pollfd){ .fd = R.pidfd, .events = POLLIN };
		p[3] = (struct pollfd){ .fd = recorder_fd(), .events = POLLIN };
		for (int i = 0; i < CONPROTO_CLIENTS_MAX; i++) {
			if (R.cl[i].fd < 0)
				continue;
			/* The holder waits while QEMU has not taken its last keys. */
			short ev = i == R.holder && R.pend_len > CONPROTO_DATA_MAX ? 0 : POLLIN;
			if (R.cl[i].q_len)
				ev |= POLLOUT;
			idx[n - FIXED] = i;
			p[n++] = (struct pollfd){ .fd = R.cl[i].fd, .events = ev };
		}
		/* Without a pidfd, look for QEMU's exit twice a second. */
		if (poll(p, (nfds_t)n, R.pidfd >= 0 ? -1 : 500) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLOUT)
			flush_input();
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			read_guest();
		if (p[1].revents & POLLIN)
			accept_client();
		/* QEMU gone: reap it first (finish); the record goes after. */
		if (p[3].fd >= 0 && p[3].revents && !(p[2].revents & POLLIN))
			recorder_ready();
		for (int k = FIXED; k < n; k++) {
			int i = idx[k - FIXED];
			if ((p[k].revents & POLLOUT) && R.cl[i].fd >= 0)
				flush_client(i);
			if ((p[k].revents & ~POLLOUT) && R.cl[i].fd >= 0)
				read_client(i);
		}
		if (R.pidfd >= 0 ? (p[2].revents & POLLIN) != 0 : qemu_gone())
			break;
	}
	return finish();
}
