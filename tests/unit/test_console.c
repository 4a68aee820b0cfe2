/* test_console: the serial console's pieces without QEMU. The console
 * pane's keys (tui/conkeys.c: Esc Esc, a held Esc, PgUp/PgDn), the bytes a
 * key becomes (tui/vtscreen.c, libvterm's keyboard: the guest's modes
 * followed), what the pane draws (colours, scrollback, the alternate screen,
 * answers to the guest's queries), and the supervisor's relay (core/relay.c)
 * with a fake QEMU on the other end of the socketpair: output to every
 * client, one holder, busy/force/taken, serial.log rotation, the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/console.h"
#include "core/relay.h"
#include "core/util.h"
#include "tui/conkeys.h"
#include "tui/keys.h"
#include "tui/theme.h"
#include "tui/vtscreen.h"

/* ---- conkeys ---- */

static void test_esc_esc_leaves(void **state)
{
	(void)state;
	struct conkeys k = { 0 };
	struct conkeys_verdict v = conkeys_feed(&k, K_ESC, 1000000, 10, false);
	assert_true(v.hold_esc);
	assert_false(v.send_esc || v.send_key || v.leave);
	v = conkeys_feed(&k, K_ESC, 1000000 + CONKEYS_ESC_US - 1, 10, false);
	assert_true(v.leave);
	assert_false(v.send_esc || v.send_key);
	assert_false(k.esc_pending);
}

static void test_esc_then_key_passes(void **state)
{
	(void)state;
	struct conkeys k = { 0 };
	conkeys_feed(&k, K_ESC, 0, 10, false);
	struct conkeys_verdict v = conkeys_feed(&k, 'x', 50000, 10, false); /* Alt+x */
	assert_true(v.send_esc);
	assert_true(v.send_key);
	assert_false(v.leave);
	/* Esc then PgUp is Alt+PgUp: the guest's, not a scroll. */
	conkeys_feed(&k, K_ESC, 100000, 10, false);
	v = conkeys_feed(&k, K_PGUP, 150000, 10, false);
	assert_true(v.send_esc && v.send_key);
	assert_int_equal(v.scroll, 0);
}

static void test_lone_esc_is_sent_later(void **state)
{
	(void)state;
	struct conkeys k = { 0 };
	conkeys_feed(&k, K_ESC, 0, 10, false);
	assert_false(conkeys_expire(&k, CONKEYS_ESC_US - 1));
	assert_true(conkeys_expire(&k, CONKEYS_ESC_US));
	assert_false(conkeys_expire(&k, CONKEYS_ESC_US * 2)); /* once */
	/* Two Escs further apart than the limit: the first goes, the second waits. */
	conkeys_feed(&k, K_ESC, 0, 10, false);
	struct conkeys_verdict v = conkeys_feed(&k, K_ESC, CONKEYS_ESC_US + 1, 10, false);
	assert_true(v.send_esc);
	assert_true(v.hold_esc);
	assert_false(v.leave);
}

static void test_pgup_scrolls_unless_alt(void **state)
{
	(void)state;
	struct conkeys k = { 0 };
	struct conkeys_verdict v = conkeys_feed(&k, K_PGUP, 0, 10, false);
	assert_int_equal(v.scroll, 9);
	assert_false(v.send_key);
	v = conkeys_feed(&k, K_PGDN, 0, 10, false);
	assert_int_equal(v.scroll, -9);
	v = conkeys_feed(&k, K_PGUP, 0, 10, true); /* top, vi: their key */
	assert_int_equal(v.scroll, 0);
	assert_true(v.send_key);
	v = conkeys_feed(&k, 'a', 0, 10, false);
	assert_true(v.send_key);
}

/* ---- vtscreen: keys ---- */

struct sink {
	char buf[256];
	size_t n;
};

static void sink_out(const char *b, size_t n, void *arg)
{
	struct sink *s = arg;
	if (s->n + n < sizeof(s->buf)) {
		memcpy(s->buf + s->n, b, n);
		s->n += n;
	}
	s->buf[s->n] = '\0';
}

static const char *key_bytes(struct vtscreen *vt, struct sink *s, int key)
{
	s->n = 0;
	s->buf[0] = '\0';
	assert_true(vtscreen_key(vt, key));
	return s->buf;
}

static void test_key_bytes(void **state)
{
	(void)state;
	struct sink s = { 0 };
	struct vtscreen *vt = vtscreen_new(10, 40, sink_out, &s);
	static const struct {
		int key;
		const char *bytes;
	} cases[] = {
		{ K_UP, "\033[A" }, { K_DOWN, "\033[B" }, { K_RIGHT, "\033[C" }, { K_LEFT, "\033[D" },
		{ K_HOME, "\033[H" }, { K_END, "\033[F" }, { K_PGUP, "\033[5~" }, { K_PGDN, "\033[6~" },
		{ K_INSERT, "\033[2~" }, { K_DELETE, "\033[3~" }, { K_ENTER, "\r" }, { K_TAB, "\t" },
		{ K_BTAB, "\033[Z" }, { K_BACKSPACE, "\x7f" }, { K_ESC, "\033" }, { K_F1, "\033OP" },
		{ K_F4, "\033OS" }, { K_F5, "\033[15~" }, { K_F10, "\033[21~" }, { K_F12, "\033[24~" },
		{ 1, "\x01" }, /* Ctrl-A */
		{ 3, "\x03" }, /* Ctrl-C */
		{ 'a', "a" }, { 0xe9, "\xc3\xa9" }, /* é as UTF-8 */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const char *got = key_bytes(vt, &s, cases[i].key);
		if (strcmp(got, cases[i].bytes) != 0)
			fail_msg("key %#x: want %s, got %s", cases[i].key, shell_quote(cases[i].bytes), shell_quote(got));
	}
	/* The guest asks for application cursor keys (vi, top): SS3 arrows. */
	vtscreen_feed(vt, "\033[?1h", 5);
	assert_string_equal(key_bytes(vt, &s, K_UP), "\033OA");
	vtscreen_feed(vt, "\033[?1l", 5);
	assert_string_equal(key_bytes(vt, &s, K_UP), "\033[A");
	assert_false(vtscreen_key(vt, K_MOUSE));
	vtscreen_free(vt);
}

/* ---- vtscreen: the screen ---- */

static char *row(struct vtscreen *vt, struct grid *g, int y, int scroll)
{
	int rows, cols;
	vtscreen_size(vt, &rows, &cols);
	vtscreen_draw(vt, g, (struct rect){ 0, 0, cols, rows }, scroll, false);
	return grid_row_text(g, y);
}

static void test_screen_colours_and_answers(void **state)
{
	(void)state;
	struct sink s = { 0 };
	struct vtscreen *vt = vtscreen_new(5, 30, sink_out, &s);
	struct grid *g = grid_new(30, 5);
	const char *text = "\033[1;31mred\033[m \033[7mrev\033[m";
	vtscreen_feed(vt, text, strlen(text));
	char *r = row(vt, g, 0, 0);
	assert_string_equal(r, "red rev");
	free(r);
	const struct grid_cell *c = grid_cget(g, 0, 0);
	assert_int_equal(c->pen.fg, 1);
	assert_true(c->pen.attr & GRID_BOLD);
	assert_int_equal(grid_cget(g, 3, 0)->pen.fg, -1);
	assert_true(grid_cget(g, 4, 0)->pen.attr & GRID_REVERSE);
	/* 256 colours and 24-bit colour come through. */
	const char *colours = "\r\n\033[38;5;208mo\033[38;2;1;2;3mt";
	vtscreen_feed(vt, colours, strlen(colours));
	r = row(vt, g, 1, 0);
	assert_int_equal(grid_cget(g, 0, 1)->pen.fg, 208);
	assert_int_equal(grid_cget(g, 1, 1)->pen.fg, GRID_RGB_OF(1, 2, 3));
	free(r);
	/* A shell asks where the cursor is (ESC [ 6 n): the terminal answers. */
	s.n = 0;
	vtscreen_feed(vt, "\033[6n", 4);
	assert_string_equal(s.buf, "\033[2;3R");
	grid_free(g);
	vtscreen_free(vt);
}

static void test_scrollback_and_altscreen(void **state)
{
	(void)state;
	struct vtscreen *vt = vtscreen_new(4, 20, NULL, NULL);
	struct grid *g = grid_new(20, 4);
	for (int i = 0; i < 10; i++) {
		char l[32];
		int n = snprintf(l, sizeof(l), "line %d\r\n", i);
		vtscreen_feed(vt, l, (size_t)n);
	}
	/* Rows show lines 7..9 and the empty cursor line; 0..6 scrolled off. */
	assert_int_equal(vtscreen_scrollback(vt), 7);
	char *r = row(vt, g, 0, 0);
	assert_string_equal(r, "line 7");
	free(r);
	r = row(vt, g, 0, 7);
	assert_string_equal(r, "line 0");
	free(r);
	r = row(vt, g, 0, 100); /* clamped */
	assert_string_equal(r, "line 0");
	free(r);
	/* A full-screen program: its own screen, no scrollback to page. */
	const char *alt = "\033[?1049h\033[2J\033[Htop";
	vtscreen_feed(vt, alt, strlen(alt));
	assert_true(vtscreen_altscreen(vt));
	assert_int_equal(vtscreen_scrollback(vt), 0);
	r = row(vt, g, 0, 0);
	assert_string_equal(r, "top");
	free(r);
	vtscreen_feed(vt, "\033[?1049l", 8);
	assert_false(vtscreen_altscreen(vt));
	r = row(vt, g, 0, 0);
	assert_string_equal(r, "line 7");
	free(r);
	/* The pane grows (zoom): lines come back from the scrollback. */
	vtscreen_resize(vt, 8, 20);
	grid_resize(g, 20, 8);
	assert_int_equal(vtscreen_scrollback(vt), 3);
	r = row(vt, g, 0, 0);
	assert_string_equal(r, "line 3");
	free(r);
	vtscreen_reset(vt);
	assert_int_equal(vtscreen_scrollback(vt), 0);
	grid_free(g);
	vtscreen_free(vt);
}

/* ---- relay ---- */

struct rig {
	char dir[64];
	int qemu;      /* the test's end of the serial socketpair: it plays QEMU */
	int quit;      /* closing it ends the fake QEMU */
	pid_t relay;
};

/* A relay process whose "QEMU" is a child waiting for rig.quit to close. */
static void rig_start(struct rig *r, long long log_max)
{
	snprintf(r->dir, sizeof(r->dir), "/tmp/vmdeck-relay.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	int sp[2], qp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(pipe(qp), 0);
	r->relay = fork();
	assert_true(r->relay >= 0);
	if (r->relay == 0) {
		close(sp[1]);
		close(qp[1]);
		pid_t q = fork();
		if (q == 0) {
			char c;
			while (read(qp[0], &c, 1) > 0)
				;
			_exit(0);
		}
		close(qp[0]);
		_exit(relay_run(r->dir, sp[0], q, log_max) == 0 ? 0 : 1);
	}
	close(sp[0]);
	close(qp[0]);
	r->qemu = sp[1];
	r->quit = qp[1];
	char *sock = path_join(r->dir, "console.sock");
	for (int i = 0; i < 400 && access(sock, F_OK) != 0; i++)
		usleep(10000);
	assert_int_equal(access(sock, F_OK), 0);
	free(sock);
}

struct seen {
	char out[8192];
	size_t n;
	int held, busy, taken, closed;
	char holder[128];
};

static void on_ev(struct console *c, enum console_event ev, const char *data, size_t n, void *arg)
{
	(void)c;
	struct seen *s = arg;
	switch (ev) {
	case CONSOLE_OUTPUT:
		if (s->n + n < sizeof(s->out)) {
			memcpy(s->out + s->n, data, n);
			s->n += n;
			s->out[s->n] = '\0';
		}
		break;
	case CONSOLE_HELD: s->held++; break;
	case CONSOLE_BUSY: s->busy++; snprintf(s->holder, sizeof(s->holder), "%.*s", (int)n, data); break;
	case CONSOLE_TAKEN: s->taken++; snprintf(s->holder, sizeof(s->holder), "%.*s", (int)n, data); break;
	case CONSOLE_CLOSED: s->closed++; break;
	}
}

/* Read c until pred holds (bounded: 5 s). */
static bool pump(struct console *c, struct seen *s, bool (*pred)(const struct seen *, const void *), const void *arg)
{
	for (int i = 0; i < 500 && !pred(s, arg); i++) {
		struct pollfd p = { console_fd(c), POLLIN, 0 };
		if (poll(&p, 1, 10) > 0)
			console_read(c, on_ev, s);
	}
	return pred(s, arg);
}

static bool has_text(const struct seen *s, const void *t) { return strstr(s->out, t) != NULL; }
static bool got_held(const struct seen *s, const void *t) { (void)t; return s->held > 0; }
static bool got_busy(const struct seen *s, const void *t) { (void)t; return s->busy > 0; }
static bool got_taken(const struct seen *s, const void *t) { (void)t; return s->taken > 0; }
static bool got_closed(const struct seen *s, const void *t) { (void)t; return s->closed > 0; }

/* What the fake QEMU reads from the serial port within 5 s. */
static bool qemu_reads(struct rig *r, const char *want)
{
	char buf[512];
	size_t n = 0;
	for (int i = 0; i < 500 && n < sizeof(buf) - 1; i++) {
		struct pollfd p = { r->qemu, POLLIN, 0 };
		if (poll(&p, 1, 10) > 0) {
			ssize_t k = read(r->qemu, buf + n, sizeof(buf) - 1 - n);
			if (k > 0)
				n += (size_t)k;
			buf[n] = '\0';
			if (strstr(buf, want))
				return true;
		}
	}
	return false;
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		assert_true(w > 0);
		s += w;
		n -= (size_t)w;
	}
}

static void test_relay_clients(void **state)
{
	(void)state;
	struct rig r;
	rig_start(&r, 0);
	write_all(r.qemu, "early\r\n", 7); /* before anyone connects: kept for a replay */
	struct console *a = NULL, *b = NULL;
	struct seen sa = { 0 }, sb = { 0 };
	assert_int_equal(console_open(r.dir, "client a", true, &a, NULL), 0);
	assert_true(pump(a, &sa, has_text, "early"));
	assert_int_equal(console_open(r.dir, "client b", false, &b, NULL), 0);
	assert_int_equal(console_attach(a, false), 0);
	assert_true(pump(a, &sa, got_held, NULL));
	/* b asks too: refused, naming a's pid and who it said it is. */
	assert_int_equal(console_attach(b, false), 0);
	assert_true(pump(b, &sb, got_busy, NULL));
	char want[64];
	snprintf(want, sizeof(want), "%ld client a", (long)getpid());
	assert_string_equal(sb.holder, want);
	char *h = console_holder_text(sb.holder, strlen(sb.holder));
	snprintf(want, sizeof(want), "client a (pid %ld)", (long)getpid());
	assert_string_equal(h, want);
	free(h);
	/* Output reaches both; only the holder's keys reach QEMU. */
	write_all(r.qemu, "to both\r\n", 9);
	assert_true(pump(a, &sa, has_text, "to both"));
	assert_true(pump(b, &sb, has_text, "to both"));
	assert_false(strstr(sb.out, "early")); /* b asked for no replay */
	assert_int_equal(console_send(b, "from-b\r", 7), 0);
	assert_int_equal(console_send(a, "from-a\r", 7), 0);
	assert_true(qemu_reads(&r, "from-a"));
	/* b takes over: a is told who took it; now b's keys go. */
	assert_int_equal(console_attach(b, true), 0);
	assert_true(pump(b, &sb, got_held, NULL));
	assert_true(pump(a, &sa, got_taken, NULL));
	assert_non_null(strstr(sa.holder, "client b"));
	assert_int_equal(console_send(a, "lost-a\r", 7), 0);
	assert_int_equal(console_send(b, "second-b\r", 9), 0);
	assert_true(qemu_reads(&r, "second-b"));
	/* QEMU ends: the clients see the console close, the socket goes. */
	close(r.quit);
	assert_true(pump(a, &sa, got_closed, NULL));
	assert_true(pump(b, &sb, got_closed, NULL));
	int st;
	assert_int_equal(waitpid(r.relay, &st, 0), r.relay);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char *sock = path_join(r.dir, "console.sock");
	assert_int_not_equal(access(sock, F_OK), 0);
	free(sock);
	console_free(a);
	console_free(b);
	close(r.qemu);
	char *cmd = xasprintf("rm -rf %s", r.dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static long long file_size(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	struct stat st;
	long long n = stat(p, &st) == 0 ? (long long)st.st_size : -1;
	free(p);
	return n;
}

/* 100 numbered lines of 64 bytes over a 4,096-byte limit, written PIECE
 * bytes at a time (a guest writes its serial port a byte at a time). */
static void rotation_run(size_t piece)
{
	struct rig r;
	rig_start(&r, 4096);
	struct console *c = NULL;
	struct seen s = { 0 };
	/* A replay: output written before the relay took the hello counts too. */
	assert_int_equal(console_open(r.dir, "watcher", true, &c, NULL), 0);
	/* 100 numbered lines of 64 bytes: 6,400 bytes over a 4,096 limit. */
	for (int i = 0; i < 100; i++) {
		char l[65];
		snprintf(l, sizeof(l), "%04d %-57s\r\n", i, "serial line of the fake guest");
		for (size_t o = 0; o < 64; o += piece)
			write_all(r.qemu, l + o, o + piece > 64 ? 64 - o : piece);
	}
	assert_true(pump(c, &s, has_text, "0099 "));
	close(r.quit);
	assert_true(pump(c, &s, got_closed, NULL));
	waitpid(r.relay, NULL, 0);
	long long l0 = file_size(r.dir, "serial.log"), l1 = file_size(r.dir, "serial.log.1");
	assert_true(l1 > 0 && l1 <= 4096);
	assert_true(l0 > 0 && l0 <= 4096);
	/* Two files: the oldest may have been rotated away (a rotation
	 * drops the previous .1), but the lines run on without a gap from
	 * the first in .1 to the last in the log, and each file holds whole
	 * lines (a rotation waits for a line's end), however the bytes came. */
	assert_int_equal(l1 % 64, 0);
	assert_int_equal(l0 % 64, 0);
	char *p1 = path_join(r.dir, "serial.log.1"), *p0 = path_join(r.dir, "serial.log");
	char *t1 = file_read_all(p1, NULL), *t0 = file_read_all(p0, NULL);
	char *both = xasprintf("%s%s", t1, t0);
	int first = atoi(both), n = 0;
	for (const char *q = both; *q; q = strchr(q, '\n') ? strchr(q, '\n') + 1 : q + strlen(q), n++)
		assert_int_equal(atoi(q), first + n);
	assert_int_equal(first + n, 100);
	assert_int_equal(l0 + l1, 64 * n);
	free(both);
	free(t0);
	free(t1);
	free(p0);
	free(p1);
	assert_int_equal(file_size(r.dir, "serial.log.2"), -1);
	char *p = path_join(r.dir, "serial.log");
	char *text = file_read_all(p, NULL);
	assert_non_null(strstr(text, "0099 "));
	free(text);
	free(p);
	console_free(c);
	close(r.qemu);
	char *cmd = xasprintf("rm -rf %s", r.dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void test_relay_log_rotation(void **state)
{
	(void)state;
	rotation_run(64); /* whole lines */
	rotation_run(7);  /* lines cut anywhere */
	rotation_run(1);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	theme_init(false, THEME_256);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esc_esc_leaves),
		cmocka_unit_test(test_esc_then_key_passes),
		cmocka_unit_test(test_lone_esc_is_sent_later),
		cmocka_unit_test(test_pgup_scrolls_unless_alt),
		cmocka_unit_test(test_key_bytes),
		cmocka_unit_test(test_screen_colours_and_answers),
		cmocka_unit_test(test_scrollback_and_altscreen),
		cmocka_unit_test(test_relay_clients),
		cmocka_unit_test(test_relay_log_rotation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
