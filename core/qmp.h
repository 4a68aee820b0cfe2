/* qmp: one non-blocking QMP client connection on core/loop, with json-c.
 * Greeting, then qmp_capabilities, then commands whose replies are matched
 * by "id" — events may arrive in between and go to the event callback. */
#ifndef VMDECK_QMP_H
#define VMDECK_QMP_H

#include "core/loop.h"

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct qmp;

/* ret: the reply's "return" member (borrowed, valid during the call) or
 * NULL when err is set: the error's "desc", or "connection closed". */
typedef void (*qmp_reply_cb)(struct qmp *q, struct json_object *ret, const char *err, void *arg);

struct qmp_callbacks {
	void (*ready)(struct qmp *q, void *arg);  /* capabilities accepted */
	/* data: the event's "data" (borrowed; may be NULL). */
	void (*event)(struct qmp *q, const char *name, struct json_object *data, void *arg);
	/* The connection is gone (hang-up, error, protocol garbage). Pending
	 * replies have already been failed. Called at most once. */
	void (*closed)(struct qmp *q, const char *why, void *arg);
	void *arg;
};

/* Callbacks are copied; any member may be NULL. */
struct qmp *qmp_new(struct loop *l, const struct qmp_callbacks *cbs);
/* Fails pending replies with "connection closed" (closed() is not called).
 * Safe inside this connection's own callbacks (freed after they return).
 * NULL is a no-op. */
void qmp_free(struct qmp *q);

/* Before qmp_connect: send qmp_capabilities at once, and commands right
 * behind it, without waiting for the greeting or the negotiation's answer
 * (QEMU handles a connection's requests in order): one round trip for a
 * one-shot command instead of three. ready() still comes first. */
void qmp_set_pipelined(struct qmp *q);
/* Start a non-blocking connect to a UNIX socket. -1 with err when the socket
 * is absent or refuses (the caller may retry). */
int qmp_connect(struct qmp *q, const char *path, char **err);
/* Use an already connected socket (tests: a socketpair). Takes ownership. */
void qmp_attach_fd(struct qmp *q, int fd);

/* Send a command; args (may be NULL) is consumed. Before the greeting has
 * been answered the command waits in a queue. Returns -1 only when the
 * connection is already closed (cb is then not called). */
int qmp_send(struct qmp *q, const char *cmd, struct json_object *args, qmp_reply_cb cb, void *arg);
bool qmp_is_ready(const struct qmp *q);
bool qmp_is_closed(const struct qmp *q);

/* Read and dispatch whatever is already buffered on the socket (a peer
 * that just exited leaves its last events there). Never blocks. */
void qmp_drain(struct qmp *q);

/* Feed bytes as if read from the socket (unit tests). */
void qmp_feed(struct qmp *q, const char *buf, size_t len);

#endif
