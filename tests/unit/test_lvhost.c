/* Unit tests for libvirt hosts without a daemon: the host name of a URI,
 * the URI libvirt is given (no password prompt over ssh), config.yaml's
 * connections through the schema walker, and a host whose libvirtd is not
 * there (core/lvhost.c with the real libvirt, dlopen()ed): unreachable with
 * libvirt's error, retried by itself with backoff, actions refused at once,
 * the loop never blocked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/loop.h"
#include "core/lvhost.h"
#include "core/util.h"

static void name_is(const char *uri, const char *want)
{
	char *n = lvhost_uri_name(uri);
	assert_string_equal(n, want);
	free(n);
}

static void test_uri_name(void **st)
{
	(void)st;
	name_is("qemu+ssh://me@lab2/system", "lab2");
	name_is("qemu+ssh://me@lab2:2222/system?keyfile=/k", "lab2");
	name_is("qemu+tcp://[fd00::1]:16509/system", "fd00::1");
	name_is("qemu:///system", "local");
	name_is("qemu+unix:///system?socket=/tmp/x/libvirt-sock", "local");
	name_is("test:///default", "local");
}

static void eff_is(const char *uri, const char *want)
{
	char *e = lvhost_uri_effective(uri);
	assert_string_equal(e, want);
	free(e);
}

static void test_uri_effective(void **st)
{
	(void)st;
	eff_is("qemu+ssh://me@lab2/system", "qemu+ssh://me@lab2/system?no_tty=1");
	eff_is("qemu+ssh://lab2/system?keyfile=/k", "qemu+ssh://lab2/system?keyfile=/k&no_tty=1");
	eff_is("qemu+libssh2://lab2/system", "qemu+libssh2://lab2/system?no_tty=1");
	eff_is("qemu+ssh://lab2/system?no_tty=0", "qemu+ssh://lab2/system?no_tty=0");
	eff_is("qemu:///system", "qemu:///system");
}

static void test_config(void **st)
{
	(void)st;
	const char *good = "connections:\n  - uri: qemu+ssh://me@lab2/system\n    name: lab2\n  - uri: qemu:///system\n";
	struct config c;
	char *err = NULL;
	assert_int_equal(config_parse("/c.yaml", good, strlen(good), &c, &err), 0);
	assert_int_equal(c.n_conns, 2);
	assert_string_equal(c.conns[0].name, "lab2");
	assert_string_equal(c.conns[1].uri, "qemu:///system");
	assert_null(c.conns[1].name);
	config_clear(&c);
	const char *bad = "connections:\n  - uri: qemu:///system\n    nmae: x\n  - name: y\n";
	assert_int_equal(config_parse("/c.yaml", bad, strlen(bad), &c, &err), -1);
	assert_non_null(strstr(err, "/c.yaml:3:5: unknown key 'nmae' in 'connections'; did you mean 'name'"));
	assert_non_null(strstr(err, "/c.yaml:4:5: a connection needs 'uri'"));
	assert_int_equal(c.n_conns, 0);
	free(err);
	err = NULL;
	const char *notalist = "connections: qemu:///system\n";
	assert_int_equal(config_parse("/c.yaml", notalist, strlen(notalist), &c, &err), -1);
	assert_non_null(strstr(err, "/c.yaml:1:"));
	free(err);
	assert_int_equal(config_load("/nonexistent/vmdeck/config.yaml", &c, NULL), 0);
	assert_int_equal(c.n_conns, 0);
}

struct seen {
	unsigned changes, unreachable;
};

static void on_change(struct lvhost *h, void *arg)
{
	struct seen *s = arg;
	s->changes++;
	s->unreachable += lvhost_conn(h) == LVHOST_UNREACHABLE;
}

/* No libvirtd at the socket: unreachable with libvirt's words, then tried
 * again by itself (1 s, 2 s …); every loop pass returns at once. */
static void test_unreachable(void **st)
{
	(void)st;
	char sock[128];
	snprintf(sock, sizeof sock, "qemu+unix:///system?socket=/nonexistent/%d/libvirt-sock", (int)getpid());
	struct loop *l = loop_new();
	struct lvhost *h = lvhost_new(l, sock, "lab");
	struct seen s = { 0 };
	lvhost_set_on_change(h, on_change, &s);
	assert_string_equal(lvhost_name(h), "lab");
	uint64_t t0 = now_mono_us(), worst = 0;
	while (s.unreachable < 2 && now_mono_us() - t0 < 20000000) {
		uint64_t a = now_mono_us();
		loop_run_once(l, 100);
		if (now_mono_us() - a > worst)
			worst = now_mono_us() - a;
	}
	assert_true(s.unreachable >= 2); /* the first attempt and a retry */
	assert_true(lvhost_settled(h));
	assert_int_equal(lvhost_conn(h), LVHOST_UNREACHABLE);
	assert_non_null(strstr(lvhost_error(h), "Failed to connect socket"));
	assert_false(lvhost_stale(h)); /* nothing was ever known */
	char *err = NULL;
	assert_true(lvhost_act(h, "web", LVHOST_START, NULL, NULL, &err) < 0);
	assert_non_null(strstr(err, "lab/web: host unreachable: Failed to connect socket"));
	free(err);
	/* A pass waits 100 ms at most here; a blocked loop would show. */
	assert_true(worst < 2000000);
	lvhost_free(h);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_name),
		cmocka_unit_test(test_uri_effective),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_unreachable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
