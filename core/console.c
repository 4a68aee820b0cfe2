/* console: one non-blocking connection to a VM's console relay. */
#include "core/console.h"
#include "core/conproto.h"
#include "core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* What may wait for the relay: a paste's worth; more and the caller waits. */
#define CONSOLE_QUEUE_MAX (64 * 1024)

struct console {
	int fd;
	bool closed;
	/* Queued messages, each a 2-byte length and the message. */
	struct strbuf q;
	size_t q_off;
};

int console_open(const char *dir, const char *who, bool replay, struct console **out, char **err)
{
	*out = NULL;
	char *path = path_join(dir, "console.sock");
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path)) {
		int r = error_set(err, "%s: path too long for a socket", path);
		free(path);
		return r;
	}
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;
		int r = e == ENOENT || e == ECONNREFUSED
				? error_kind_set(err, ERR_NOTFOUND, "%s: no console relay (the VM is not running)", path)
				: error_kind_set(err, e == EACCES || e == EPERM ? ERR_PERM : ERR_FAILED, "%s: %s", path,
						 strerror(e));
		if (fd >= 0)
			close(fd);
		free(path);
		return r;
	}
	free(path);
	struct console *c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	char hello[2 + CONPROTO_WHO_MAX];
	size_t wl = strlen(who);
	if (wl > CONPROTO_WHO_MAX - 1)
		wl = CONPROTO_WHO_MAX - 1;
	hello[0] = CON_HELLO;
	hello[1] = replay ? 'r' : '-';
	memcpy(hello + 2, who, wl);
	/* A fresh socket has room: this send does not wait. */
	if (send(fd, hello, 2 + wl, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		int r = error_set(err, "%s: console relay: %s", dir, strerror(errno));
		console_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void console_free(struct console *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->q.s);
	free(c);
}

int console_fd(const struct console *c) { return c->fd; }

bool console_wants_write(const struct console *c) { return c->q_off < c->q.len; }

int console_flush(struct console *c)
{
	while (c->q_off < c->q.len) {
		const unsigned char *m = (const unsigned char *)c->q.s + c->q_off;
		size_t n = (size_t)m[0] << 8 | m[1];
		if (send(c->fd, m + 2, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return error_set(NULL, "console: %s", strerror(errno));
		}
		c->q_off += n + 2;
	}
	c->q.len = c->q_off = 0;
	return 0;
}

static int queue_msg(struct console *c, char type, const void *data, size_t n)
{
	if (c->closed)
		return error_set(NULL, "console closed");
	if (c->q.len - c->q_off + n + 3 > CONSOLE_QUEUE_MAX)
		return error_kind_set(NULL, ERR_BUSY, "console: the relay is not taking input");
	unsigned char hdr[3] = { (unsigned char)((n + 1) >> 8), (unsigned char)((n + 1) & 0xff), (unsigned char)type };
	strbuf_add(&c->q, (const char *)hdr, 3);
	strbuf_add(&c->q, data, n);
	return console_flush(c);
}

int console_send(struct console *c, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		size_t k = n > CONPROTO_DATA_MAX ? CONPROTO_DATA_MAX : n;
		int r = queue_msg(c, CON_INPUT, p, k);
		if (r < 0)
			return r;
		p += k;
		n -= k;
	}
	return 0;
}

int console_attach(struct console *c, bool force) { return queue_msg(c, CON_ATTACH, force ? "f" : "a", 1); }
int console_release(struct console *c) { return queue_msg(c, CON_RELEASE, "", 0); }

int console_read(struct console *c, console_cb cb, void *arg)
{
	char buf[CONPROTO_MSG_MAX];
	while (!c->closed) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			c->closed = true;
			cb(c, CONSOLE_CLOSED, NULL, 0, arg);
			return -1;
		}
		enum console_event ev;
		switch (buf[0]) {
		case CON_OUTPUT: ev = CONSOLE_OUTPUT; break;
		case CON_HELD: ev = CONSOLE_HELD; break;
		case CON_BUSY: ev = CONSOLE_BUSY; break;
		case CON_TAKEN: ev = CONSOLE_TAKEN; break;
		default: continue; /* a newer relay's message: ignore it */
		}
		cb(c, ev, buf + 1, (size_t)n - 1, arg);
	}
	return -1;
}

char *console_holder_text(const char *data, size_t n)
{
	char *s = xstrndup(data ? data : "", n);
	char *sp = strchr(s, ' ');
	char *r = sp ? xasprintf("%s (pid %.*s)", sp + 1, (int)(sp - s), s) : xasprintf("pid %s", s);
	free(s);
	return r;
}
