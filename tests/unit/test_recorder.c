/* test_recorder: the supervisor's recorder (core/recorder.c) with a fake
 * QEMU on the other end of its socketpair: greeting → negotiation and one
 * query-status together; the reply and STOP/RESUME/SUSPEND/SHUTDOWN make
 * RUN/qemu-state say the right word or go; an error, garbage or a hang-up
 * cost the record; a QEMU that reads nothing never blocks it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/recorder.h"
#include "core/util.h"

struct fake {
	char dir[64];
	int q; /* QEMU's end */
};

/* Start a recorder on a fresh socketpair, naming this process as QEMU. */
static void fake_start(struct fake *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/vmdeck-rec.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	int sp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	f->q = sp[0];
	recorder_start(f->dir, sp[1], getpid(), proc_start_ticks(getpid()));
	assert_int_equal(recorder_fd(), sp[1]);
}

static void fake_end(struct fake *f)
{
	recorder_finish();
	close(f->q);
	char p[128];
	snprintf(p, sizeof(p), "%s/" RECORDER_FILE, f->dir);
	unlink(p);
	rmdir(f->dir);
}

/* QEMU says text; the recorder reads it (as its poll loop would). */
static void say(struct fake *f, const char *text)
{
	assert_int_equal(write(f->q, text, strlen(text)), (ssize_t)strlen(text));
	recorder_ready();
}

/* What the recorder sent so far (empty: nothing). */
static char *heard(struct fake *f)
{
	static char buf[4096];
	ssize_t n = recv(f->q, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* The record's word, "" when there is none; checks its names too. */
static const char *word(struct fake *f)
{
	static char w[16];
	char p[128];
	snprintf(p, sizeof(p), "%s/" RECORDER_FILE, f->dir);
	char *t = file_read_all(p, NULL);
	w[0] = '\0';
	if (!t)
		return w;
	long qpid, spid;
	unsigned long long qt, st;
	assert_int_equal(sscanf(t, "%ld %llu %ld %llu %15s", &qpid, &qt, &spid, &st, w), 5);
	assert_int_equal(qpid, getpid());
	assert_int_equal(spid, getpid());
	assert_true(qt == proc_start_ticks(getpid()) && st == qt);
	free(t);
	return w;
}

#define GREETING "{\"QMP\": {\"version\": {}, \"capabilities\": [\"oob\"]}}\r\n"
#define RUNNING "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": \"rs\"}\r\n"
#define PAUSED "{\"return\": {\"status\": \"paused\", \"running\": false}, \"id\": \"rs\"}\r\n"
#define EVENT(e) "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"" e "\"}\r\n"

static void connected(struct fake *f)
{
	say(f, GREETING);
	const char *h = heard(f);
	assert_non_null(strstr(h, "qmp_capabilities"));
	assert_non_null(strstr(h, "query-status"));
	assert_string_equal(word(f), "");
	say(f, "{\"return\": {}}\r\n" RUNNING);
	assert_string_equal(word(f), "running");
}

static void test_events_keep_the_record(void **state)
{
	(void)state;
	struct fake f;
	fake_start(&f);
	connected(&f);
	say(&f, EVENT("STOP"));
	assert_string_equal(word(&f), "paused");
	assert_non_null(strstr(heard(&f), "query-status")); /* one more look */
	say(&f, PAUSED);
	assert_string_equal(word(&f), "paused");
	say(&f, EVENT("RESUME"));
	assert_string_equal(word(&f), "running");
	assert_string_equal(heard(&f), ""); /* RESUME needs no look */
	say(&f, EVENT("RESET"));
	assert_string_equal(word(&f), "running");
	/* Suspended: no STOP; the look says so. Split across two reads. */
	say(&f, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"ev");
	say(&f, "ent\": \"SUSPEND\"}\r\n");
	assert_non_null(strstr(heard(&f), "query-status"));
	say(&f, "{\"return\": {\"status\": \"suspended\", \"running\": false}, \"id\": \"rs\"}\r\n");
	assert_string_equal(word(&f), "paused");
	/* SHUTDOWN: no record again, whatever a late answer says. */
	say(&f, EVENT("SHUTDOWN"));
	assert_string_equal(word(&f), "");
	say(&f, RUNNING);
	assert_string_equal(word(&f), "");
	fake_end(&f);
}

static void test_failures_cost_the_record(void **state)
{
	(void)state;
	const char *bad[] = {
		"{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}, \"id\": \"rs\"}\r\n",
		"not json at all\r\n",
		NULL, /* hang-up */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fake f;
		fake_start(&f);
		connected(&f);
		if (bad[i]) {
			say(&f, bad[i]);
		} else {
			shutdown(f.q, SHUT_WR);
			recorder_ready();
		}
		assert_string_equal(word(&f), "");
		assert_int_equal(recorder_fd(), -1);
		fake_end(&f);
	}
}

/* A QEMU that takes nothing (stopped): the recorder's send fails at once
 * and it gives up, never waiting. */
static void test_a_deaf_qemu_never_blocks(void **state)
{
	(void)state;
	struct fake f;
	fake_start(&f);
	connected(&f);
	int sz = 4096;
	setsockopt(recorder_fd(), SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(f.q, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	for (int i = 0; i < 10000 && recorder_fd() >= 0; i++) {
		say(&f, EVENT("SUSPEND")); /* each asks query-status; nobody reads */
	}
	assert_int_equal(recorder_fd(), -1);
	assert_string_equal(word(&f), "");
	fake_end(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_keep_the_record),
		cmocka_unit_test(test_failures_cost_the_record),
		cmocka_unit_test(test_a_deaf_qemu_never_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
