/* The outage observer's pure parts (net/outage_text.c): the classic BPF
 * program, run by the real kernel — attached to the receiving end of a
 * socketpair, it passes or drops each frame sent through it exactly as it
 * would on a port's packet socket — and the texts and JSON of an outage.
 * Needs no privilege. Also the history's guest-outage lines (net/machist.c). */
#include "net/machist.h"
#include "net/outage.h"
#include "core/util.h"

#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

static const uint8_t MA[6] = { 0x2e, 0xfa, 0x07, 0x80, 0xc6, 0x23 };
static const uint8_t MB[6] = { 0x62, 0x93, 0xb7, 0x8a, 0x03, 0xb7 };
/* Differs from MA in the last two bytes only, and in the first four only. */
static const uint8_t MA_LO[6] = { 0x2e, 0xfa, 0x07, 0x80, 0xc6, 0x24 };
static const uint8_t MA_HI[6] = { 0x2f, 0xfa, 0x07, 0x80, 0xc6, 0x23 };
static const uint8_t SENTINEL[6] = { 0x02, 0, 0, 0, 0, 0x99 };

struct pair {
	int tx, rx;
};

/* A socketpair whose receiving end runs the filter for macs (and the sentinel). */
static struct pair filtered(const uint8_t (*macs)[6], size_t n)
{
	struct pair p;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	p.tx = sv[0];
	p.rx = sv[1];
	uint8_t all[OUTAGE_FORMER_MAX + 2][6];
	memcpy(all, macs, n * 6);
	memcpy(all[n], SENTINEL, 6);
	struct sock_filter f[OUTAGE_BPF_MAX];
	size_t len = outage_bpf_build((const uint8_t(*)[6])all, n + 1, f);
	assert_true(len <= OUTAGE_BPF_MAX);
	struct sock_fprog prog = { .len = (unsigned short)len, .filter = f };
	assert_int_equal(setsockopt(p.rx, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)), 0);
	return p;
}

static void pair_close(struct pair p)
{
	close(p.tx);
	close(p.rx);
}

/* Send a frame to dst (len bytes), then the sentinel; return how many bytes
 * of the frame arrived (-1: the filter dropped it). */
static ssize_t through(struct pair p, const uint8_t *dst, size_t len)
{
	uint8_t frame[200] = { 0 };
	memcpy(frame, dst, len < 6 ? len : 6);
	memset(frame + 6, 0xab, sizeof(frame) - 6);
	assert_true(send(p.tx, frame, len, 0) >= 0);
	uint8_t s[14] = { 0 };
	memcpy(s, SENTINEL, 6);
	assert_int_equal(send(p.tx, s, sizeof(s), 0), (ssize_t)sizeof(s));
	uint8_t got[256];
	ssize_t n = recv(p.rx, got, sizeof(got), MSG_DONTWAIT);
	assert_true(n >= 0);
	if (n >= 6 && memcmp(got, SENTINEL, 6) == 0 && !(len >= 6 && memcmp(dst, SENTINEL, 6) == 0))
		return -1; /* the frame was dropped: the sentinel came first */
	assert_memory_equal(got, dst, 6);
	ssize_t s_n = recv(p.rx, got, sizeof(got), MSG_DONTWAIT); /* the sentinel */
	assert_int_equal(s_n, (ssize_t)sizeof(s));
	return n;
}

static void test_bpf_passes_only_its_macs(void **state)
{
	(void)state;
	const uint8_t macs[2][6] = { { 0x2e, 0xfa, 0x07, 0x80, 0xc6, 0x23 }, { 0x62, 0x93, 0xb7, 0x8a, 0x03, 0xb7 } };
	struct pair p = filtered(macs, 2);
	assert_int_equal(through(p, MA, 60), 60);
	assert_int_equal(through(p, MB, 98), OUTAGE_SNAPLEN); /* cut to the snap length */
	assert_int_equal(through(p, MA_LO, 60), -1);
	assert_int_equal(through(p, MA_HI, 60), -1);
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	assert_int_equal(through(p, bcast, 60), -1);
	assert_int_equal(through(p, MA, 5), -1); /* too short to hold a destination */
	pair_close(p);
}

static void test_bpf_empty_drops_all(void **state)
{
	(void)state;
	struct sock_filter f[OUTAGE_BPF_MAX];
	size_t len = outage_bpf_build(NULL, 0, f);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	struct sock_fprog prog = { .len = (unsigned short)len, .filter = f };
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)), 0);
	uint8_t frame[60] = { 0 };
	memcpy(frame, MA, 6);
	assert_true(send(sv[0], frame, sizeof(frame), 0) >= 0);
	assert_int_equal(recv(sv[1], frame, sizeof(frame), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	close(sv[0]);
	close(sv[1]);
}

/* The most MACs a filter holds: the last one's jump is the longest. */
static void test_bpf_full(void **state)
{
	(void)state;
	uint8_t macs[OUTAGE_FORMER_MAX + 1][6];
	for (size_t i = 0; i < OUTAGE_FORMER_MAX + 1; i++) {
		memcpy(macs[i], MA, 6);
		macs[i][5] = (uint8_t)(0x40 + i);
	}
	/* filtered() adds the sentinel: one more than the limit, so build the
	 * full program by hand here. */
	struct sock_filter f[OUTAGE_BPF_MAX];
	size_t len = outage_bpf_build((const uint8_t(*)[6])macs, OUTAGE_FORMER_MAX + 1, f);
	assert_int_equal(len, 6 + 4 * (OUTAGE_FORMER_MAX + 1) + 2);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	struct sock_fprog prog = { .len = (unsigned short)len, .filter = f };
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)), 0);
	for (size_t i = 0; i < OUTAGE_FORMER_MAX + 1; i += OUTAGE_FORMER_MAX) {
		uint8_t frame[60] = { 0 }, got[64];
		memcpy(frame, macs[i], 6);
		assert_true(send(sv[0], frame, sizeof(frame), 0) >= 0);
		assert_int_equal(recv(sv[1], got, sizeof(got), MSG_DONTWAIT), 60);
	}
	uint8_t frame[60] = { 0 }, got[64];
	memcpy(frame, MA, 6); /* ...:23, none of them */
	assert_true(send(sv[0], frame, sizeof(frame), 0) >= 0);
	assert_int_equal(recv(sv[1], got, sizeof(got), MSG_DONTWAIT), -1);
	close(sv[0]);
	close(sv[1]);
}

static void test_texts(void **state)
{
	(void)state;
	struct outage_guest g[2] = {
		{ .port = "vd-testguest2-0", .vm = "testguest2", .frames = 13, .duration_us = 6400000 },
		{ .port = "tap7", .frames = 1, .duration_us = 250000, .open = true },
	};
	char *s = outage_guest_text(&g[0]);
	assert_string_equal(s, "testguest2: 13 frames lost, 6.4 s");
	free(s);
	s = outage_guest_text(&g[1]);
	assert_string_equal(s, "tap7: 1 frame lost, 0.2 s so far");
	free(s);
	struct outage_change c = { .bridge = "virbr0", .guests = g, .n_guests = 2, .wall_us = 1000000 };
	s = outage_change_text(&c);
	assert_string_equal(s, "testguest2: 13 frames lost, 6.4 s; tap7: 1 frame lost, 0.2 s so far");
	free(s);
	struct outage_change none = { .bridge = "virbr0" };
	assert_null(outage_change_text(&none));

	g[0].first_us = 1100000;
	g[0].last_us = 7300000;
	g[0].new_us = 7400000;
	struct outage_event ev = { .type = OUTAGE_EV_ENDED, .change = &c, .guest = &g[0] };
	s = outage_event_json(&ev);
	json_object *o = json_tokener_parse(s), *v;
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "event", &v));
	assert_string_equal(json_object_get_string(v), "guest-outage-ended");
	assert_true(json_object_object_get_ex(o, "vm", &v));
	assert_string_equal(json_object_get_string(v), "testguest2");
	assert_true(json_object_object_get_ex(o, "frames", &v));
	assert_int_equal(json_object_get_int(v), 13);
	assert_true(json_object_object_get_ex(o, "duration", &v));
	assert_true(json_object_get_double(v) > 6.39 && json_object_get_double(v) < 6.41);
	assert_true(json_object_object_get_ex(o, "ended_by", &v));
	assert_string_equal(json_object_get_string(v), "new-mac");
	json_object_put(o);
	free(s);
}

/* A guest-outage line joins its change on load; a second watcher's copy is
 * not written again; a later line with more frames replaces the first. */
static void test_history_outages(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-test-outage-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sub = xasprintf("%s/h", dir);
	struct machist_netns ns = { 4, 4026532001u, 77, "11111111-2222-3333-4444-555555555555" };
	struct machist_options opt = { .dir = sub, .netns = &ns };
	struct machist *h = machist_new(&opt, NULL), *h2 = machist_new(&opt, NULL);
	struct machist_record r = { .wall_us = 1796000000000000ull, .ifindex = 3, .netns = ns };
	snprintf(r.bridge, sizeof(r.bridge), "virbr0");
	snprintf(r.cause, sizeof(r.cause), "port-left");
	memcpy(r.old_mac, MA, 6);
	memcpy(r.new_mac, MB, 6);
	char *err = NULL;
	assert_int_equal(machist_append(h, &r, NULL, &err), 0);
	struct machist_outage g = { .port = "vd-guesta-0", .vm = "guesta", .frames = 13, .duration_us = 6400000 };
	assert_int_equal(machist_append_outage(h, "virbr0", MA, MB, r.wall_us + 300, &g, &err), 0);
	assert_int_equal(machist_append_outage(h2, "virbr0", MA, MB, r.wall_us + 900, &g, &err), 0); /* dup */
	g.frames = 15;
	g.duration_us = 7000000;
	assert_int_equal(machist_append_outage(h, "virbr0", MA, MB, r.wall_us + 300, &g, &err), 0);
	struct machist_record *out;
	size_t n;
	assert_int_equal(machist_load(h, NULL, 0, &out, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].n_outages, 1);
	assert_string_equal(out[0].outages[0].vm, "guesta");
	assert_int_equal(out[0].outages[0].frames, 15);
	char *js = machist_record_json(&out[0]);
	assert_non_null(strstr(js, "\"outages\":[{\"port\":\"vd-guesta-0\""));
	free(js);
	machist_records_free(out, n);
	char *path = xstrdup(machist_path(h));
	char *all = file_read_all(path, NULL);
	size_t lines = 0;
	for (char *c = all; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, 3); /* the change, the outage, its update */
	free(all);
	unlink(path);
	free(path);
	rmdir(sub);
	rmdir(dir);
	free(sub);
	machist_free(h);
	machist_free(h2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bpf_passes_only_its_macs),
		cmocka_unit_test(test_bpf_empty_drops_all),
		cmocka_unit_test(test_bpf_full),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_history_outages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
