/* test_thumb_vnc: the VNC client's pure parts — target syntax, a profile's
 * target and password, PNG output — and the client against no server
 * (gone with a reason, a retry scheduled, nothing blocks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/loop.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"
#include "core/vnc.h"

static void test_target_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *unix_path, *host;
		int port;
	} ok[] = {
		{ "/run/vmdeck/a/vnc.sock", "/run/vmdeck/a/vnc.sock", NULL, 0 },
		{ "./vnc.sock", "./vnc.sock", NULL, 0 },
		{ "127.0.0.1:1", NULL, "127.0.0.1", 5901 },
		{ "localhost::5999", NULL, "localhost", 5999 },
		{ ":0", NULL, "localhost", 5900 },
		{ "[::1]:2", NULL, "::1", 5902 },
		{ "[::1]::6000", NULL, "::1", 6000 },
	};
	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		char *u, *h, *err = NULL;
		int port;
		assert_int_equal(vnc_target_parse(ok[i].in, &u, &h, &port, &err), 0);
		if (ok[i].unix_path)
			assert_string_equal(u, ok[i].unix_path);
		else
			assert_null(u);
		if (ok[i].host) {
			assert_string_equal(h, ok[i].host);
			assert_int_equal(port, ok[i].port);
		} else
			assert_null(h);
		free(u);
		free(h);
	}
	static const char *const bad[] = { "", "host", "host:", "host:x", "host::70000", "host:60000", "[::1]5",
					   "host:1x" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *u, *h, *err = NULL;
		int port;
		assert_int_equal(vnc_target_parse(bad[i], &u, &h, &port, &err), -1);
		assert_non_null(err);
		if (*bad[i])
			assert_non_null(strstr(err, bad[i]));
		free(err);
	}
}

static void test_profile_target(void **state)
{
	(void)state;
	setenv("VMDECK_RUNTIME_DIR", "/tmp/vmdeck-unit-run", 1);
	struct profile p = { .name = "vm1" };
	char *t = vnc_profile_target(&p, "vm1");
	assert_non_null(strstr(t, "/vm1/vnc.sock"));
	free(t);
	t = vnc_profile_target(NULL, "other");
	assert_non_null(strstr(t, "/other/vnc.sock"));
	free(t);
	static const struct {
		const char *vnc, *want;
	} cases[] = {
		{ "unix", NULL },
		{ "127.0.0.1:3", "127.0.0.1:3" },
		{ "0.0.0.0:1,websocket=5701", "127.0.0.1:1" },
		{ ":2", "localhost:2" },
		{ "[::]:4", "[::1]:4" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		p.vnc = (char *)cases[i].vnc;
		t = vnc_profile_target(&p, "vm1");
		if (cases[i].want)
			assert_string_equal(t, cases[i].want);
		else
			assert_non_null(strstr(t, "/vm1/vnc.sock"));
		free(t);
	}

	char dir[] = "/tmp/vmdeck-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *pw = path_join(dir, "pw");
	assert_int_equal(file_write_atomic(pw, "s3cret\nrest\n", 12, 0600, NULL), 0);
	p.vnc_password_file = pw;
	char *got = NULL, *err = NULL;
	assert_int_equal(vnc_profile_password(&p, &got, &err), 0);
	assert_string_equal(got, "s3cret\nrest\n"); /* verbatim, like QEMU */
	free(got);
	assert_int_equal(vnc_password_file_read(pw, &got, &err), 0);
	assert_string_equal(got, "s3cret"); /* first line */
	free(got);
	p.vnc_password_file = "/nonexistent/pw";
	assert_int_equal(vnc_profile_password(&p, &got, &err), -1);
	assert_non_null(strstr(err, "/nonexistent/pw"));
	free(err);
	p.vnc_password_file = NULL;
	assert_int_equal(vnc_profile_password(&p, &got, NULL), 0);
	assert_null(got);
	unlink(pw);
	rmdir(dir);
	free(pw);
}

static void test_png(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = path_join(dir, "s.png");
	uint8_t px[3 * 2 * 4] = { 255, 0, 0, 9, 0, 255, 0, 9, 0, 0, 255, 9, 1, 2, 3, 9, 4, 5, 6, 9, 7, 8, 9, 9 };
	struct thumb_frame f = { px, 3, 2, 12 };
	char *err = NULL;
	assert_int_equal(vnc_write_png(&f, path, &err), 0);
	size_t len;
	unsigned char *b = (unsigned char *)file_read_all(path, &len);
	assert_non_null(b);
	assert_true(len > 33);
	assert_memory_equal(b, "\x89PNG\r\n\x1a\n", 8);
	assert_int_equal((b[16] << 24) | (b[17] << 16) | (b[18] << 8) | b[19], 3); /* IHDR width */
	assert_int_equal((b[20] << 24) | (b[21] << 16) | (b[22] << 8) | b[23], 2); /* height */
	assert_int_equal(b[24], 8); /* bit depth */
	assert_int_equal(b[25], 2); /* RGB */
	free(b);
	unlink(path);
	assert_int_equal(vnc_write_png(&f, "/nonexistent/dir/s.png", &err), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/s.png"));
	free(err);
	err = NULL;
	struct thumb_frame none = { 0 };
	assert_int_equal(vnc_write_png(&none, path, &err), -1);
	free(err);
	rmdir(dir);
	free(path);
}

struct seen {
	int states;
	enum vnc_state last;
};

static void on_state(struct vnc *v, void *arg)
{
	struct seen *s = arg;
	s->states++;
	s->last = vnc_state(v);
}

/* No server: gone at once with a reason, retried, never blocking. */
static void test_no_server(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct seen s = { 0 };
	struct vnc_callbacks cb = { on_state, NULL };
	struct vnc_config cfg = { .target = "/nonexistent/vnc.sock", .backoff_min_ms = 20, .backoff_max_ms = 40 };
	char *err = NULL;
	struct vnc *v = vnc_new(l, &cfg, &cb, &s, &err);
	assert_non_null(v);
	assert_int_equal(vnc_state(v), VNC_GONE);
	assert_non_null(strstr(vnc_reason(v), "no VNC socket at /nonexistent/vnc.sock"));
	assert_int_equal(vnc_frame(v, &(struct thumb_frame){ 0 }), -1);
	uint64_t t0 = now_mono_us();
	while (now_mono_us() - t0 < 300000)
		loop_run_once(l, 50);
	/* Retries do not repeat an unchanged state to the callback. */
	assert_int_equal(s.states, 1);
	assert_int_equal(s.last, VNC_GONE);
	assert_int_equal(vnc_connections(v), 0);
	vnc_free(v);
	vnc_free(NULL);

	/* A target that cannot be parsed is an error at once. */
	cfg.target = "nonsense";
	assert_null(vnc_new(l, &cfg, &cb, &s, &err));
	assert_non_null(err);
	free(err);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_parse),
		cmocka_unit_test(test_profile_target),
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_no_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
