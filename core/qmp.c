/* qmp: a non-blocking QMP client (see qmp.h). json-c's streaming tokener
 * cuts the byte stream into messages; nothing here parses JSON by hand. */
#include "core/qmp.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct pending {
	struct pending *next;
	unsigned long id;
	qmp_reply_cb cb;
	void *arg;
};

struct qmp {
	struct loop *l;
	struct qmp_callbacks cbs;
	int fd;
	bool connecting, greeted, ready, closed;
	bool pipelined; /* qmp_capabilities at connect, commands right behind it */
	bool caps_sent;
	struct json_tokener *tok;
	char *out; size_t out_len, out_cap;     /* bytes waiting for the socket */
	char *held; size_t held_len, held_cap;  /* commands sent before ready */
	struct pending *pend, **pend_tail;
	unsigned long next_id;
	int depth;      /* >0 while dispatching callbacks */
	bool dead;      /* qmp_free called during a callback */
};

static void buf_add(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n > *cap) {
		*cap = (*len + n) * 2 + 256;
		*b = xrealloc(*b, *cap);
	}
	memcpy(*b + *len, s, n);
	*len += n;
}

struct qmp *qmp_new(struct loop *l, const struct qmp_callbacks *cbs)
{
	struct qmp *q = xcalloc(1, sizeof(*q));
	q->l = l;
	if (cbs)
		q->cbs = *cbs;
	q->fd = -1;
	q->tok = json_tokener_new();
	q->pend_tail = &q->pend;
	q->next_id = 1;
	return q;
}

static void fail_pending(struct qmp *q, const char *why)
{
	while (q->pend) {
		struct pending *p = q->pend;
		q->pend = p->next;
		if (!q->pend)
			q->pend_tail = &q->pend;
		if (p->cb && p->id) /* id 0 is our own qmp_capabilities */
			p->cb(q, NULL, why, p->arg);
		free(p);
	}
}

static void destroy(struct qmp *q)
{
	if (q->fd >= 0) {
		if (q->l)
			loop_fd_del(q->l, q->fd);
		close(q->fd);
	}
	json_tokener_free(q->tok);
	free(q->out);
	free(q->held);
	free(q);
}

void qmp_free(struct qmp *q)
{
	if (!q)
		return;
	if (q->dead)
		return;
	q->dead = true;
	q->depth++;
	fail_pending(q, "connection closed");
	q->depth--;
	if (q->depth == 0)
		destroy(q);
}

bool qmp_is_ready(const struct qmp *q) { return q->ready && !q->closed; }
bool qmp_is_closed(const struct qmp *q) { return q->closed; }

static void update_events(struct qmp *q)
{
	if (q->fd < 0 || !q->l || q->closed)
		return;
	short ev = POLLIN;
	if (q->out_len || q->connecting)
		ev |= POLLOUT;
	loop_fd_events(q->l, q->fd, ev);
}

/* Close the connection from inside: fail replies, tell the owner once. */
static void do_close(struct qmp *q, const char *why)
{
	if (q->closed)
		return;
	q->closed = true;
	if (q->fd >= 0) {
		if (q->l)
			loop_fd_del(q->l, q->fd);
		close(q->fd);
		q->fd = -1;
	}
	fail_pending(q, why);
	if (!q->dead && q->cbs.closed)
		q->cbs.closed(q, why, q->cbs.arg);
}

static void flush_out(struct qmp *q)
{
	while (q->out_len && q->fd >= 0 && !q->connecting) {
		ssize_t w = send(q->fd, q->out, q->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			do_close(q, strerror(errno));
			return;
		}
		memmove(q->out, q->out + w, q->out_len - (size_t)w);
		q->out_len -= (size_t)w;
	}
	update_events(q);
}

static void queue_msg(struct qmp *q, unsigned long id, const char *cmd, struct json_object *args, bool hold)
{
	struct json_object *msg = json_object_new_object();
	json_object_object_add(msg, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(msg, "arguments", args);
	json_object_object_add(msg, "id", json_object_new_uint64(id));
	const char *s = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	if (hold) {
		buf_add(&q->held, &q->held_len, &q->held_cap, s, strlen(s));
		buf_add(&q->held, &q->held_len, &q->held_cap, "\n", 1);
	} else {
		buf_add(&q->out, &q->out_len, &q->out_cap, s, strlen(s));
		buf_add(&q->out, &q->out_len, &q->out_cap, "\n", 1);
	}
	json_object_put(msg);
}

static void add_pending(struct qmp *q, unsigned long id, qmp_reply_cb cb, void *arg)
{
	struct pending *p = xcalloc(1, sizeof(*p));
	p->id = id;
	p->cb = cb;
	p->arg = arg;
	*q->pend_tail = p;
	q->pend_tail = &p->next;
}

int qmp_send(struct qmp *q, const char *cmd, struct json_object *args, qmp_reply_cb cb, void *arg)
{
	if (q->closed || q->dead) {
		json_object_put(args);
		return -1;
	}
	unsigned long id = q->next_id++;
	add_pending(q, id, cb, arg);
	bool now = q->ready || q->caps_sent; /* QEMU runs them in order, after the negotiation */
	queue_msg(q, id, cmd, args, !now);
	if (now)
		flush_out(q);
	return 0;
}

static struct pending *take_pending(struct qmp *q, unsigned long id)
{
	for (struct pending **pp = &q->pend; *pp; pp = &(*pp)->next) {
		if ((*pp)->id != id)
			continue;
		struct pending *p = *pp;
		*pp = p->next;
		if (!*pp)
			q->pend_tail = pp;
		return p;
	}
	return NULL;
}

static void on_message(struct qmp *q, struct json_object *msg)
{
	struct json_object *v, *idv;
	if (!json_object_is_type(msg, json_type_object))
		return;
	if (json_object_object_get_ex(msg, "QMP", &v)) {
		if (q->greeted)
			return;
		q->greeted = true;
		if (q->caps_sent)
			return; /* pipelined: it is on its way already */
		/* id 0: our own negotiation, answered before anything queued. */
		add_pending(q, 0, NULL, NULL);
		queue_msg(q, 0, "qmp_capabilities", NULL, false);
		flush_out(q);
		return;
	}
	if (json_object_object_get_ex(msg, "event", &v)) {
		/* Callers compare the name with strcmp: a null or non-string
		 * name (found by tests/fuzz/fuzz_qmp.c) is dropped here. */
		if (!json_object_is_type(v, json_type_string))
			return;
		struct json_object *data = NULL;
		json_object_object_get_ex(msg, "data", &data);
		if (q->cbs.event)
			q->cbs.event(q, json_object_get_string(v), data, q->cbs.arg);
		return;
	}
	if (!json_object_object_get_ex(msg, "id", &idv))
		return; /* a reply we cannot match: nothing waits for it */
	unsigned long id = (unsigned long)json_object_get_uint64(idv);
	struct pending *p = take_pending(q, id);
	if (!p)
		return;
	struct json_object *ret = NULL, *error = NULL;
	const char *err = NULL;
	if (json_object_object_get_ex(msg, "error", &error)) {
		struct json_object *desc;
		err = json_object_object_get_ex(error, "desc", &desc) ? json_object_get_string(desc)
								       : "QMP error";
	} else if (!json_object_object_get_ex(msg, "return", &ret)) {
		err = "QMP reply without return";
	}
	if (id == 0) {
		free(p);
		if (err) {
			do_close(q, err);
			return;
		}
		q->ready = true;
		if (q->held_len) {
			buf_add(&q->out, &q->out_len, &q->out_cap, q->held, q->held_len);
			q->held_len = 0;
		}
		flush_out(q);
		if (q->cbs.ready && !q->closed)
			q->cbs.ready(q, q->cbs.arg);
		return;
	}
	if (p->cb)
		p->cb(q, err ? NULL : ret, err, p->arg);
	free(p);
}

void qmp_feed(struct qmp *q, const char *buf, size_t len)
{
	q->depth++;
	size_t off = 0;
	while (off < len && !q->dead && !q->closed) {
		struct json_object *obj = json_tokener_parse_ex(q->tok, buf + off, (int)(len - off));
		enum json_tokener_error e = json_tokener_get_error(q->tok);
		size_t used = json_tokener_get_parse_end(q->tok);
		if (obj) {
			on_message(q, obj);
			json_object_put(obj);
			off += used;
			continue;
		}
		if (e == json_tokener_continue)
			break; /* the rest of the message comes with the next read */
		/* QMP puts "\r\n" between messages; the tokener only skips
		 * leading whitespace inside a message, so skip it here. */
		if (buf[off] == '\r' || buf[off] == '\n' || buf[off] == ' ' || buf[off] == '\t') {
			json_tokener_reset(q->tok);
			off++;
			continue;
		}
		char why[128];
		snprintf(why, sizeof(why), "QMP protocol error: %s", json_tokener_error_desc(e));
		do_close(q, why);
		break;
	}
	q->depth--;
	if (q->dead && q->depth == 0)
		destroy(q);
}

static void on_fd(int fd, short rev, void *arg)
{
	struct qmp *q = arg;
	(void)fd;
	if (q->connecting && (rev & (POLLOUT | POLLERR | POLLHUP))) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			q->depth++;
			do_close(q, strerror(soerr));
			q->depth--;
			if (q->dead && q->depth == 0)
				destroy(q);
			return;
		}
		q->connecting = false;
		update_events(q);
	}
	if (rev & POLLOUT)
		flush_out(q);
	if (q->closed)
		return;
	if (rev & (POLLIN | POLLHUP | POLLERR)) {
		char buf[8192];
		for (;;) {
			ssize_t r = recv(q->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r > 0) {
				q->depth++;
				qmp_feed(q, buf, (size_t)r);
				q->depth--;
				if (q->dead || q->closed) {
					if (q->dead && q->depth == 0)
						destroy(q);
					return;
				}
				continue;
			}
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno == EAGAIN)
				break;
			q->depth++;
			do_close(q, r == 0 ? "QEMU closed the monitor connection" : strerror(errno));
			q->depth--;
			if (q->dead && q->depth == 0)
				destroy(q);
			return;
		}
	}
}

void qmp_drain(struct qmp *q)
{
	if (q && q->fd >= 0 && !q->closed && !q->connecting)
		on_fd(q->fd, POLLIN, q);
}

void qmp_set_pipelined(struct qmp *q) { q->pipelined = true; }

void qmp_attach_fd(struct qmp *q, int fd)
{
	q->fd = fd;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (q->l)
		loop_fd_add(q->l, fd, POLLIN, on_fd, q);
	if (q->pipelined && !q->caps_sent) {
		/* id 0: our own negotiation, before any command; the greeting
		 * is not waited for (QEMU reads requests once it sent it). */
		q->caps_sent = true;
		add_pending(q, 0, NULL, NULL);
		queue_msg(q, 0, "qmp_capabilities", NULL, false);
	}
	update_events(q);
}

int qmp_connect(struct qmp *q, const char *path, char **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return error_set(err, "%s: socket path too long", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno; /* EMFILE: the caller tells "out of descriptors" by errno */
		error_set(err, "socket: %s", strerror(e));
		errno = e;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* AF_UNIX has no connect in progress: EAGAIN means the listen
		 * backlog is full (QEMU busy with another client) — retry later. */
		if (errno != EINPROGRESS) {
			int e = errno;
			close(fd);
			error_set(err, "%s: %s", path, strerror(e));
			errno = e;
			return -1;
		}
		q->connecting = true;
	}
	qmp_attach_fd(q, fd);
	return 0;
}
