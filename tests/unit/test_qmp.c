/* Unit tests for core/qmp: greeting and capabilities, replies matched by id
 * with events in between, errors, split and joined messages, garbage and
 * hang-up — all with canned JSON over a socketpair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <poll.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/qmp.h"
#include "core/util.h"

struct rec {
	int ready, closed;
	char events[256];
	char replies[512];
	char why[128];
};

static void on_ready(struct qmp *q, void *arg) { (void)q; ((struct rec *)arg)->ready++; }
static void on_event(struct qmp *q, const char *name, struct json_object *data, void *arg)
{
	(void)q;
	(void)data;
	struct rec *r = arg;
	strcat(r->events, name);
	strcat(r->events, ";");
}
static void on_closed(struct qmp *q, const char *why, void *arg)
{
	(void)q;
	struct rec *r = arg;
	r->closed++;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

static struct rec *reply_rec;
static void on_reply(struct qmp *q, struct json_object *ret, const char *err, void *arg)
{
	(void)q;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s=%s;", (const char *)arg,
		 err ? err : json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PLAIN));
	strcat(reply_rec->replies, buf);
}

struct fx {
	struct loop *l;
	struct qmp *q;
	int peer;
	struct rec r;
};

static void pump(struct fx *f)
{
	for (int i = 0; i < 5; i++)
		loop_run_once(f->l, 10);
}

static void peer_send(struct fx *f, const char *s)
{
	assert_int_equal(write(f->peer, s, strlen(s)), (ssize_t)strlen(s));
	pump(f);
}

/* Read what the client wrote; returns a malloc'd string. */
static char *peer_read(struct fx *f)
{
	pump(f);
	char buf[4096];
	struct pollfd p = { .fd = f->peer, .events = POLLIN };
	if (poll(&p, 1, 1000) != 1)
		return xstrdup("");
	ssize_t n = read(f->peer, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	return xstrdup(buf);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	f->l = loop_new();
	struct qmp_callbacks cbs = { on_ready, on_event, on_closed, &f->r };
	f->q = qmp_new(f->l, &cbs);
	qmp_attach_fd(f->q, sv[0]);
	f->peer = sv[1];
	reply_rec = &f->r;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	qmp_free(f->q);
	close(f->peer);
	loop_free(f->l);
	free(f);
	return 0;
}

static void handshake(struct fx *f)
{
	peer_send(f, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 19, \"minor\": 2, \"major\": 7}}, \"capabilities\": [\"oob\"]}}\r\n");
	char *s = peer_read(f);
	assert_non_null(strstr(s, "\"execute\":\"qmp_capabilities\""));
	assert_non_null(strstr(s, "\"id\":0"));
	free(s);
	assert_int_equal(f->r.ready, 0);
	peer_send(f, "{\"return\": {}, \"id\": 0}\r\n");
	assert_int_equal(f->r.ready, 1);
	assert_true(qmp_is_ready(f->q));
}

static void test_handshake_and_queue(void **state)
{
	struct fx *f = *state;
	/* A command before the greeting waits until capabilities are agreed. */
	assert_int_equal(qmp_send(f->q, "query-status", NULL, on_reply, "a"), 0);
	handshake(f);
	char *s = peer_read(f);
	assert_non_null(strstr(s, "\"execute\":\"query-status\""));
	assert_non_null(strstr(s, "\"id\":1"));
	free(s);
	peer_send(f, "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": 1}\r\n");
	assert_string_equal(f->r.replies, "a={\"status\":\"running\",\"running\":true};");
}

/* Pipelined (one-shot calls): qmp_capabilities goes at once, a command
 * right behind it, both before the greeting; ready() still comes first,
 * and the greeting sends no second negotiation. */
static void test_pipelined(void **state)
{
	struct fx *f = *state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct qmp_callbacks cbs = { on_ready, on_event, on_closed, &f->r };
	struct qmp *q = qmp_new(f->l, &cbs);
	qmp_set_pipelined(q);
	qmp_attach_fd(q, sv[0]);
	assert_int_equal(qmp_send(q, "query-status", NULL, on_reply, "p"), 0);
	int peer = sv[1];
	for (int i = 0; i < 5; i++)
		loop_run_once(f->l, 10);
	char buf[1024];
	ssize_t n = read(peer, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	char *caps = strstr(buf, "\"execute\":\"qmp_capabilities\""), *qs = strstr(buf, "\"execute\":\"query-status\"");
	assert_non_null(caps);
	assert_non_null(qs);
	assert_true(caps < qs);
	const char *in = "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n{\"return\": {}, \"id\": 0}\r\n"
			 "{\"return\": {\"running\": true}, \"id\": 1}\r\n";
	assert_int_equal(write(peer, in, strlen(in)), (ssize_t)strlen(in));
	for (int i = 0; i < 5; i++)
		loop_run_once(f->l, 10);
	assert_int_equal(f->r.ready, 1);
	assert_string_equal(f->r.replies, "p={\"running\":true};");
	struct pollfd p = { .fd = peer, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 0); /* nothing more was sent */
	qmp_free(q);
	close(peer);
}

static void test_events_between_and_out_of_order(void **state)
{
	struct fx *f = *state;
	handshake(f);
	qmp_send(f->q, "stop", NULL, on_reply, "stop");
	qmp_send(f->q, "cont", NULL, on_reply, "cont");
	free(peer_read(f));
	/* An event first, both replies in one read, in reverse order. */
	peer_send(f, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\r\n"
		     "{\"return\": {}, \"id\": 2}\r\n{\"return\": {}, \"id\": 1}\r\n"
		     "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 3}}\r\n");
	assert_string_equal(f->r.events, "STOP;RESUME;");
	assert_string_equal(f->r.replies, "cont={};stop={};");
}

static void test_error_and_split(void **state)
{
	struct fx *f = *state;
	handshake(f);
	qmp_send(f->q, "nonsense", NULL, on_reply, "x");
	free(peer_read(f));
	const char *msg = "{\"id\": 1, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nonsense has not been found\"}}\r\n";
	/* Byte by byte: the tokener must carry state across reads. */
	for (size_t i = 0; msg[i]; i++) {
		assert_int_equal(write(f->peer, &msg[i], 1), 1);
		loop_run_once(f->l, 5);
	}
	pump(f);
	assert_string_equal(f->r.replies, "x=The command nonsense has not been found;");
	/* A reply to an id nobody waits for is ignored. */
	peer_send(f, "{\"return\": {}, \"id\": 77}\r\n");
	assert_int_equal(f->r.closed, 0);
}

static void test_hangup_fails_pending(void **state)
{
	struct fx *f = *state;
	handshake(f);
	qmp_send(f->q, "query-status", NULL, on_reply, "p");
	free(peer_read(f));
	close(f->peer);
	f->peer = -1;
	pump(f);
	assert_int_equal(f->r.closed, 1);
	assert_non_null(strstr(f->r.replies, "p="));
	assert_true(qmp_is_closed(f->q));
	assert_int_equal(qmp_send(f->q, "x", NULL, on_reply, "late"), -1);
	f->peer = open("/dev/null", 0);
}

static void test_garbage_closes(void **state)
{
	struct fx *f = *state;
	handshake(f);
	peer_send(f, "this is not json\r\n");
	assert_int_equal(f->r.closed, 1);
	assert_non_null(strstr(f->r.why, "protocol"));
}

static void test_feed_without_socket(void **state)
{
	(void)state;
	struct rec r = { 0 };
	struct qmp_callbacks cbs = { on_ready, on_event, on_closed, &r };
	struct qmp *q = qmp_new(NULL, &cbs);
	const char *s = "{\"QMP\": {}}\n{\"return\": {}, \"id\": 0}\n{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}\n";
	qmp_feed(q, s, strlen(s));
	assert_int_equal(r.ready, 1);
	assert_string_equal(r.events, "SHUTDOWN;");
	qmp_free(q);
	qmp_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_and_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_between_and_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_and_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hangup_fails_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_closes, setup, teardown),
		cmocka_unit_test(test_feed_without_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
