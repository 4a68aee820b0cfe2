/* fuzz_qmp: libFuzzer target for QMP message handling (core/qmp.c) — the
 * byte stream from QEMU cut into arbitrary reads, mixed with commands sent,
 * connections freed from inside callbacks and hang-ups, over a real
 * socketpair on core/loop. The callbacks check the contract vm.c relies on:
 * an event name is a string, ready comes once, a reply has either ret or
 * err, closed comes at most once and with a reason.
 *
 * Input: segments separated by NUL bytes. A segment's first byte picks what
 * to do with the rest:
 *   'S' send a command (rest = its name, or "query-status")
 *   'F' the next reply callback frees the connection (qmp_free in a callback)
 *   'W' write the rest through the socket and run the loop (recv path)
 *   'H' hang up the QEMU side and run the loop
 *   anything else: qmp_feed() the whole segment (split reads)
 * Run by tests/fuzz/run.sh. */
#include "core/loop.h"
#include "core/qmp.h"
#include "core/util.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct st {
	struct qmp *q;
	int ready, closed;
	bool free_in_reply;
	bool freed;
};

static void on_ready(struct qmp *q, void *arg)
{
	struct st *s = arg;
	if (s->ready++)
		abort(); /* ready twice */
	(void)q;
}

static void on_event(struct qmp *q, const char *name, struct json_object *d, void *arg)
{
	(void)q;
	(void)arg;
	/* vm.c compares names with strcmp and reads data members. */
	if (!name)
		abort();
	if (strcmp(name, "SHUTDOWN") == 0 && d) {
		struct json_object *r;
		if (json_object_object_get_ex(d, "reason", &r))
			(void)json_object_get_string(r);
	}
}

static void on_closed(struct qmp *q, const char *why, void *arg)
{
	struct st *s = arg;
	(void)q;
	if (!why || s->closed++)
		abort(); /* closed twice, or without a reason */
}

static void on_reply(struct qmp *q, struct json_object *ret, const char *err, void *arg)
{
	struct st *s = arg;
	if (!err && !ret)
		abort(); /* neither a result nor an error */
	if (s->free_in_reply && !s->freed) {
		s->freed = true;
		qmp_free(q); /* deferred until the callback returns */
	}
}

static void pump(struct loop *l)
{
	for (int i = 0; i < 3; i++)
		loop_run_once(l, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	struct loop *l = loop_new();
	struct st s = { 0 };
	struct qmp_callbacks cbs = { .ready = on_ready, .event = on_event, .closed = on_closed, .arg = &s };
	s.q = qmp_new(l, &cbs);
	qmp_attach_fd(s.q, sv[0]);
	bool hung = false;
	size_t off = 0;
	while (off < size && !s.freed) {
		const uint8_t *seg = data + off;
		const uint8_t *nul = memchr(seg, 0, size - off);
		size_t n = nul ? (size_t)(nul - seg) : size - off;
		off += n + 1;
		char op = n ? (char)seg[0] : 0;
		if (op == 'S') {
			char name[64] = "query-status";
			if (n > 1) {
				size_t m = n - 1 < sizeof(name) - 1 ? n - 1 : sizeof(name) - 1;
				memcpy(name, seg + 1, m);
				name[m] = '\0';
			}
			qmp_send(s.q, name, NULL, on_reply, &s);
		} else if (op == 'F') {
			s.free_in_reply = true;
		} else if (op == 'W' && !hung) {
			if (send(sv[1], seg + 1, n - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				break;
			pump(l);
		} else if (op == 'H' && !hung) {
			close(sv[1]);
			hung = true;
			pump(l);
		} else if (!qmp_is_closed(s.q)) {
			qmp_feed(s.q, (const char *)seg, n);
		}
	}
	if (!s.freed)
		qmp_free(s.q);
	if (!hung)
		close(sv[1]);
	loop_free(l);
	return 0;
}
