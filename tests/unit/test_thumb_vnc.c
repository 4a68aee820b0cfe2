/* test_thumb_vnc: the VNC client's pure parts — target syntax, a profile's
 * target and password, PNG output — and the client against no server
 * (gone with a reason, a retry scheduled, nothing blocks) and against fake
 * servers that stall, announce huge screens or stream updates: the loop
 * never waits on them, and freeing the client mid-way ends its worker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <fcntl.h>
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

/* $VMDECK_THUMB_FPS: one strict parser for the TUI, screenshot and vnc_new. */
static void test_fps_env(void **state)
{
	(void)state;
	unsigned fps = 0;
	char *err = NULL;
	assert_int_equal(vnc_fps_env(NULL, &fps, &err), 0);
	assert_int_equal(fps, VNC_DEFAULT_FPS);
	assert_int_equal(vnc_fps_env("", &fps, &err), 0);
	assert_int_equal(fps, VNC_DEFAULT_FPS);
	assert_int_equal(vnc_fps_env("1", &fps, &err), 0);
	assert_int_equal(fps, 1);
	assert_int_equal(vnc_fps_env("60", &fps, &err), 0);
	assert_int_equal(fps, 60);
	assert_null(err);
	static const char *const bad[] = { "0", "61", "-1", "+5", " 5", "4x", "x", "999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fps = 0;
		assert_int_equal(vnc_fps_env(bad[i], &fps, &err), -1);
		assert_int_equal(fps, VNC_DEFAULT_FPS);
		assert_non_null(strstr(err, "VMDECK_THUMB_FPS='"));
		assert_non_null(strstr(err, "use a whole number from 1 to 60"));
		free(err);
		err = NULL;
	}
	assert_int_equal(vnc_fps_env("0", &fps, NULL), -1); /* no message wanted */
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
	/* A name that is no VM name never becomes a socket path. */
	assert_null(vnc_profile_target(NULL, "../../x"));
	assert_null(vnc_profile_target(NULL, "net"));
	assert_null(vnc_profile_target(NULL, "-x"));
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

enum fake_mode {
	FAKE_SILENT,  /* accepts, never speaks */
	FAKE_GREET,   /* "RFB 003.008", then nothing */
	FAKE_INIT,    /* the whole handshake, then nothing */
	FAKE_UPDATES, /* the handshake, then a raw update every 10 ms, each one filled with its number */
	FAKE_INPUT,   /* the handshake, then every key and pointer event the client sends, logged to PATH.log */
};

static bool read_full(int fd, void *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* The client's messages (RFB 3.8, 7.5): key and pointer events as lines
 * "key KEYSYM DOWN" / "ptr X Y BUTTONS"; the rest is skipped. */
static void fake_log_input(int fd, const char *path)
{
	char *log = xasprintf("%s.log", path);
	FILE *lf = fopen(log, "w");
	if (!lf)
		_exit(1);
	setvbuf(lf, NULL, _IONBF, 0);
	unsigned char t, b[4096];
	while (read_full(fd, &t, 1)) {
		bool ok = true;
		if (t == 0) /* SetPixelFormat */
			ok = read_full(fd, b, 19);
		else if (t == 2 && (ok = read_full(fd, b, 3))) /* SetEncodings */
			ok = read_full(fd, b, 4u * (unsigned)(b[1] << 8 | b[2]));
		else if (t == 3) /* FramebufferUpdateRequest */
			ok = read_full(fd, b, 9);
		else if (t == 4 && (ok = read_full(fd, b, 7)))
			fprintf(lf, "key %x %d\n", (unsigned)b[3] << 24 | b[4] << 16 | b[5] << 8 | b[6], b[0]);
		else if (t == 5 && (ok = read_full(fd, b, 5)))
			fprintf(lf, "ptr %d %d %d\n", b[1] << 8 | b[2], b[3] << 8 | b[4], b[0]);
		else if (t != 4 && t != 5)
			_exit(2);
		if (!ok)
			break;
	}
	fclose(lf);
	_exit(0);
}

/* Read and drop what the client sent, without waiting. */
static void fake_drain(int fd)
{
	char buf[256];
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* A fake RFB 3.8 server on a UNIX socket that announces a w x h screen,
 * run in a child; it serves one client as mode says, then waits to be
 * dropped. */
static pid_t fake_server(const char *path, unsigned w, unsigned h, enum fake_mode mode)
{
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(ls >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0) {
		close(ls);
		return pid;
	}
	int fd = accept(ls, NULL, NULL);
	char buf[64];
	if (fd < 0)
		_exit(1);
	if (mode == FAKE_SILENT)
		goto hold;
	if (write(fd, "RFB 003.008\n", 12) != 12)
		_exit(1);
	if (mode == FAKE_GREET)
		goto hold;
	if (read(fd, buf, 12) != 12)
		_exit(1);
	if (write(fd, "\x01\x01", 2) != 2 || read(fd, buf, 1) != 1) /* one type: None */
		_exit(1);
	if (write(fd, "\0\0\0\0", 4) != 4 || read(fd, buf, 1) != 1) /* SecurityResult OK; ClientInit */
		_exit(1);
	unsigned char init[24 + 4] = { w >> 8, w & 255, h >> 8, h & 255,
				       32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0, /* pixel format */
				       0, 0, 0, 4, 'h', 'u', 'g', 'e' };
	if (write(fd, init, sizeof(init)) != (ssize_t)sizeof(init))
		_exit(1);
	if (mode == FAKE_INPUT)
		fake_log_input(fd, path);
	if (mode == FAKE_UPDATES) {
		size_t n = (size_t)w * h * 4;
		unsigned char *msg = malloc(16 + n);
		unsigned char head[16] = { 0, 0, 0, 1, 0, 0, 0, 0, w >> 8, w & 255, h >> 8, h & 255, 0, 0, 0, 0 };
		memcpy(msg, head, 16); /* FramebufferUpdate, one Raw rectangle: the whole screen */
		for (unsigned k = 1;; k++) {
			memset(msg + 16, (int)(k & 255), n);
			if (write(fd, msg, 16 + n) != (ssize_t)(16 + n))
				_exit(0); /* the client hung up */
			fake_drain(fd);
			usleep(10000);
		}
	}
hold:
	while (read(fd, buf, sizeof(buf)) > 0) /* until the client hangs up */
		;
	_exit(0);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Wait up to ms for every VNC worker thread to end. */
static bool workers_end(unsigned ms)
{
	uint64_t t0 = now_mono_us();
	while (vnc_workers() > 0 && now_mono_us() - t0 < ms * 1000u)
		usleep(5000);
	return vnc_workers() == 0;
}

/* Run the loop until the state leaves VNC_CONNECTING or secs pass; the
 * longest single pass, in ms. */
static unsigned run_while_connecting(struct loop *l, struct vnc *v, unsigned secs)
{
	uint64_t t0 = now_mono_us(), longest = 0;
	while (vnc_state(v) == VNC_CONNECTING && now_mono_us() - t0 < secs * 1000000u) {
		uint64_t a = now_mono_us();
		loop_run_once(l, 20);
		uint64_t d = now_mono_us() - a;
		longest = d > longest ? d : longest;
	}
	return (unsigned)(longest / 1000);
}

/* A server that accepts and never speaks, and one that greets and then
 * stalls: the loop never waits on either (no pass of a second or more,
 * a freeze: a pass waits 20 ms at most here), the connect timeout drops them with a reason,
 * and the worker ends. The handshake used to run in the loop, where the
 * stalled greeting held a pass for libvncclient's 3 s read timeout. */
static void test_stalled_server(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sock = path_join(dir, "vnc.sock");
	static const struct {
		enum fake_mode mode;
		const char *reason;
	} cases[] = {
		{ FAKE_SILENT, "no answer within 1500 ms (waiting for the server to greet)" },
		{ FAKE_GREET, "no answer within 1500 ms (in the VNC handshake)" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		unlink(sock);
		pid_t pid = fake_server(sock, 640, 480, cases[i].mode);
		struct loop *l = loop_new();
		struct seen s = { 0 };
		struct vnc_callbacks cb = { on_state, NULL };
		struct vnc_config cfg = { .target = sock, .once = true, .connect_timeout_ms = 1500 };
		char *err = NULL;
		struct vnc *v = vnc_new(l, &cfg, &cb, &s, &err);
		assert_non_null(v);
		unsigned longest = run_while_connecting(l, v, 10);
		if (longest >= 1000) /* a freeze (the old handshake held it 3 s), not a busy machine's slow pass */
			fail_msg("mode %zu: a loop pass took %u ms", i, longest);
		assert_int_equal(vnc_state(v), VNC_GONE);
		if (!strstr(vnc_reason(v), cases[i].reason))
			fail_msg("mode %zu: reason: %s", i, vnc_reason(v));
		vnc_free(v);
		assert_true(workers_end(10000));
		loop_free(l);
		reap(pid);
	}
	unlink(sock);
	rmdir(dir);
	free(sock);
}

/* The same over TCP, with a name to look up ("localhost"): the connect
 * timeout starts after the lookup and names the stage it cut short. The
 * listener never accepts: the kernel completes the connection anyway. */
static void test_stalled_tcp(void **state)
{
	(void)state;
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(ls >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 4), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &len), 0);
	char target[64];
	snprintf(target, sizeof(target), "localhost::%d", ntohs(sa.sin_port));
	struct loop *l = loop_new();
	struct vnc_config cfg = { .target = target, .once = true, .connect_timeout_ms = 500 };
	char *err = NULL;
	struct vnc *v = vnc_new(l, &cfg, NULL, NULL, &err);
	assert_non_null(v);
	unsigned longest = run_while_connecting(l, v, 10);
	if (longest >= 1000) /* a freeze, not a busy machine's slow pass */
		fail_msg("a loop pass took %u ms", longest);
	assert_int_equal(vnc_state(v), VNC_GONE);
	if (!strstr(vnc_reason(v), "no answer within 500 ms (waiting for the server to greet)"))
		fail_msg("reason: %s", vnc_reason(v));
	vnc_free(v);
	assert_true(workers_end(10000));
	loop_free(l);
	close(ls);
}

/* vnc_free while the handshake is pending (the worker blocked inside
 * libvncclient): the worker is woken and ends, nothing is touched after
 * the free (the ASan build runs this too). */
static void test_cancel_pending(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sock = path_join(dir, "vnc.sock");
	pid_t pid = fake_server(sock, 640, 480, FAKE_GREET);
	struct loop *l = loop_new();
	struct vnc_config cfg = { .target = sock };
	char *err = NULL;
	struct vnc *v = vnc_new(l, &cfg, NULL, NULL, &err);
	assert_non_null(v);
	for (int i = 0; i < 10; i++) /* ~200 ms: greeted, now in the handshake's read */
		loop_run_once(l, 20);
	assert_int_equal(vnc_state(v), VNC_CONNECTING);
	assert_int_equal(vnc_workers(), 1);
	/* Woken, it ends at once; not woken, only libvncclient's own 3 s read
	 * timeout would end it: 2 s tells the two apart on a loaded machine. */
	uint64_t t0 = now_mono_us();
	vnc_free(v);
	if (!workers_end(2000))
		fail_msg("the cancelled worker was still there after %llu ms",
			 (unsigned long long)((now_mono_us() - t0) / 1000));
	loop_free(l);
	reap(pid);
	unlink(sock);
	rmdir(dir);
	free(sock);
}

struct frames {
	int n;
	uint8_t last;
};

static void on_frame(struct vnc *v, const struct vnc_rect *rects, size_t n, void *arg)
{
	struct frames *f = arg;
	struct thumb_frame tf;
	(void)rects;
	(void)n;
	assert_int_equal(vnc_frame(v, &tf), 0);
	f->n++;
	f->last = tf.px[(size_t)(tf.h / 2) * tf.stride + 4];
}

/* A server streaming updates (100 a second): frames reach the loop, capped
 * at cfg.fps, the loop's copy of the screen holds the last update taken,
 * and vnc_free while the worker waits with a frame ends it cleanly. */
static void test_frames_and_cancel(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sock = path_join(dir, "vnc.sock");
	pid_t pid = fake_server(sock, 64, 48, FAKE_UPDATES);
	struct loop *l = loop_new();
	struct frames f = { 0 };
	struct vnc_callbacks cb = { NULL, on_frame };
	struct vnc_config cfg = { .target = sock, .fps = 5, .once = true };
	char *err = NULL;
	struct vnc *v = vnc_new(l, &cfg, &cb, &f, &err);
	assert_non_null(v);
	run_while_connecting(l, v, 5);
	assert_int_equal(vnc_state(v), VNC_CONNECTED);
	/* The server sends 100 updates a second; the cap lets 5 a second
	 * through. Judged by the cap (an upper bound over the time it took),
	 * never by how fast a loaded machine delivers them. */
	uint64_t t0 = now_mono_us();
	while (f.n < 3 && now_mono_us() - t0 < 30000000)
		loop_run_once(l, 20);
	double secs = (double)(now_mono_us() - t0) / 1e6;
	if (f.n < 3 || f.n > 5 * secs + 3)
		fail_msg("%d frames in %.2f s at a cap of 5", f.n, secs);
	assert_true(f.last != 0); /* an update's number, not the empty screen */
	assert_true(vnc_updates(v) >= (uint64_t)f.n);
	struct thumb_frame tf;
	assert_int_equal(vnc_frame(v, &tf), 0);
	assert_int_equal(tf.w, 64);
	assert_int_equal(tf.h, 48);
	assert_int_equal(vnc_workers(), 1);
	vnc_free(v);
	assert_true(workers_end(10000));
	loop_free(l);
	reap(pid);
	unlink(sock);
	rmdir(dir);
	free(sock);
}

/* Input: a chord (Ctrl-C) and clicks reach the server as RFB KeyEvent and
 * PointerEvent messages in order — presses, then releases in reverse; a
 * click is a move, the press and the release, clamped to the screen —
 * queued by the loop without waiting, sent by the worker. Nothing can be
 * queued before the connection is up. */
static void test_input(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sock = path_join(dir, "vnc.sock"), *log = xasprintf("%s.log", sock);
	pid_t pid = fake_server(sock, 64, 48, FAKE_INPUT);
	struct loop *l = loop_new();
	struct vnc_config cfg = { .target = sock, .once = true };
	char *err = NULL;
	struct vnc *v = vnc_new(l, &cfg, NULL, NULL, &err);
	assert_non_null(v);
	const uint32_t ctrl_c[] = { 0xffe3, 'c' };
	assert_int_equal(vnc_send_chord(v, ctrl_c, 2), -1); /* not connected yet */
	run_while_connecting(l, v, 5);
	assert_int_equal(vnc_state(v), VNC_CONNECTED);
	assert_int_equal(vnc_send_chord(v, ctrl_c, 2), 0);
	assert_int_equal(vnc_send_click(v, 10, 20, 1), 0);
	assert_int_equal(vnc_send_click(v, 1000, -5, 4), 0);
	assert_int_equal(vnc_inputs(v), 10);
	static const char want[] = "key ffe3 1\nkey 63 1\nkey 63 0\nkey ffe3 0\n"
				   "ptr 10 20 0\nptr 10 20 1\nptr 10 20 0\nptr 63 0 0\nptr 63 0 4\nptr 63 0 0\n";
	char got[512] = "";
	uint64_t t0 = now_mono_us();
	while (strcmp(got, want) != 0 && now_mono_us() - t0 < 20000000) {
		loop_run_once(l, 20);
		FILE *fp = fopen(log, "r");
		size_t n = fp ? fread(got, 1, sizeof(got) - 1, fp) : 0;
		got[n] = 0;
		if (fp)
			fclose(fp);
	}
	assert_string_equal(got, want);
	/* A paste: 80 chords at once (320 events; <limits.h>'s MAX_INPUT is
	 * 255) are queued, none lost, and paced: a burst of 64 key events,
	 * then one every 11 ms (QEMU takes one every 10 and drops what
	 * overflows its queue) — so they take at least 2.8 s. */
	const uint32_t shift_a[] = { 0xffe1, 'A' };
	uint64_t t_paste = now_mono_us();
	for (int i = 0; i < 80; i++)
		if (vnc_send_chord(v, shift_a, 2) < 0)
			fail_msg("chord %d: %s (%s)", i, vnc_state_name(vnc_state(v)), vnc_reason(v));
	size_t lines = 0;
	t0 = now_mono_us();
	while (lines < 10 + 320 && now_mono_us() - t0 < 30000000) {
		loop_run_once(l, 20);
		FILE *fp = fopen(log, "r");
		lines = 0;
		for (int ch; fp && (ch = fgetc(fp)) != EOF;)
			lines += ch == '\n';
		if (fp)
			fclose(fp);
	}
	assert_int_equal(lines, 10 + 320);
	assert_int_equal(vnc_inputs(v), 10 + 320);
	if (now_mono_us() - t_paste < (320 - 64) * 11000u)
		fail_msg("320 key events in %.2f s: not paced", (double)(now_mono_us() - t_paste) / 1e6);
	vnc_free(v);
	assert_true(workers_end(10000));
	loop_free(l);
	reap(pid);
	unlink(log);
	unlink(sock);
	rmdir(dir);
	free(log);
	free(sock);
}

/* A server may announce any size up to 65535x65535; more than
 * VNC_MAX_FB_SIDE a side is refused with a reason, never allocated. */
static void test_huge_screen(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sock = path_join(dir, "vnc.sock");
	struct {
		unsigned w, h;
		bool ok;
	} cases[] = { { 640, 480, true }, { 32768, 32768, false }, { VNC_MAX_FB_SIDE + 1, 16, false } };
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		unlink(sock);
		pid_t pid = fake_server(sock, cases[i].w, cases[i].h, FAKE_INIT);
		struct loop *l = loop_new();
		struct seen s = { 0 };
		struct vnc_callbacks cb = { on_state, NULL };
		struct vnc_config cfg = { .target = sock, .once = true };
		char *err = NULL;
		struct vnc *v = vnc_new(l, &cfg, &cb, &s, &err);
		assert_non_null(v);
		uint64_t t0 = now_mono_us();
		while (vnc_state(v) == VNC_CONNECTING && now_mono_us() - t0 < 5000000)
			loop_run_once(l, 50);
		if (cases[i].ok) {
			assert_int_equal(vnc_state(v), VNC_CONNECTED);
		} else {
			assert_int_equal(vnc_state(v), VNC_GONE);
			char want[96];
			snprintf(want, sizeof(want), "screen is %ux%u, more than vmdeck takes (%dx%d at most)", cases[i].w,
				 cases[i].h, VNC_MAX_FB_SIDE, VNC_MAX_FB_SIDE);
			if (!strstr(vnc_reason(v), want))
				fail_msg("reason: %s", vnc_reason(v));
		}
		vnc_free(v);
		assert_true(workers_end(10000));
		loop_free(l);
		reap(pid);
	}
	unlink(sock);
	rmdir(dir);
	free(sock);
}

/* libvncclient waits with select(): a socket at or past FD_SETSIZE would
 * overrun its fd_set. With every lower descriptor taken (vmdeck raises its
 * open-files limit for many VMs), the connection is refused with the reason,
 * not corrupted. */
static void test_fd_beyond_select(void **state)
{
	(void)state;
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rlim_t want = FD_SETSIZE + 64;
	struct rlimit use = { want, rl.rlim_max > want ? rl.rlim_max : want };
	if (setrlimit(RLIMIT_NOFILE, &use) < 0) {
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			fail_msg("cannot raise the open-files limit past %d (needs root)", FD_SETSIZE);
		skip();
	}
	char dir[] = "/tmp/vmdeck-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sock = path_join(dir, "vnc.sock");
	pid_t pid = fake_server(sock, 64, 48, FAKE_INIT);
	struct loop *l = loop_new();
	/* Every descriptor below FD_SETSIZE taken. */
	int fill[FD_SETSIZE], n = 0, fd;
	while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0 && fd < FD_SETSIZE)
		fill[n++] = fd;
	if (fd >= FD_SETSIZE)
		close(fd);
	struct vnc_config cfg = { .target = sock, .once = true };
	char *err = NULL;
	struct vnc *v = vnc_new(l, &cfg, NULL, NULL, &err);
	assert_non_null(v);
	uint64_t t0 = now_mono_us();
	while (vnc_state(v) == VNC_CONNECTING && now_mono_us() - t0 < 30000000)
		loop_run_once(l, 50);
	for (int i = 0; i < n; i++)
		close(fill[i]);
	assert_int_equal(vnc_state(v), VNC_GONE);
	if (!strstr(vnc_reason(v), "too many open files for the VNC client"))
		fail_msg("reason: %s", vnc_reason(v));
	vnc_free(v);
	assert_true(workers_end(10000));
	loop_free(l);
	reap(pid);
	unlink(sock);
	rmdir(dir);
	free(sock);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_parse),
		cmocka_unit_test(test_fps_env),
		cmocka_unit_test(test_profile_target),
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_no_server),
		cmocka_unit_test(test_huge_screen),
		cmocka_unit_test(test_stalled_server),
		cmocka_unit_test(test_stalled_tcp),
		cmocka_unit_test(test_cancel_pending),
		cmocka_unit_test(test_frames_and_cancel),
		cmocka_unit_test(test_input),
		cmocka_unit_test(test_fd_beyond_select),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
