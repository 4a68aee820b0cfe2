/* test_forward: the port-forward rule (core/forward.c) — grammar, defaults,
 * QEMU spellings, clashes, RUN/forwards — the argv of a NIC with forwards,
 * and the bind test naming this very process as the holder of a port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/forward.h"
#include "core/profile.h"
#include "core/qemu_args.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct forward parse_ok(const char *rule, const char *dflt)
{
	struct forward f;
	char *err = NULL;
	if (forward_parse(rule, dflt, &f, &err) < 0)
		fail_msg("%s: %s", rule, err);
	return f;
}

static void parse_bad(const char *rule, const char *want)
{
	struct forward f;
	char *err = NULL;
	assert_int_equal(forward_parse(rule, NULL, &f, &err), -1);
	assert_non_null(err);
	if (!strstr(err, want))
		fail_msg("%s: '%s' lacks '%s'", rule, err, want);
	free(err);
}

static void test_grammar(void **state)
{
	(void)state;
	struct forward f = parse_ok("tcp:2222:22", NULL);
	assert_int_equal(f.proto, FORWARD_TCP);
	assert_string_equal(f.host, "127.0.0.1");
	assert_int_equal(f.host_port, 2222);
	assert_int_equal(f.guest_port, 22);
	f = parse_ok("udp:5353:53", "0.0.0.0");
	assert_int_equal(f.proto, FORWARD_UDP);
	assert_string_equal(f.host, "0.0.0.0");
	assert_true(forward_public(&f));
	f = parse_ok("tcp:127.0.0.2:8080:80", "0.0.0.0");
	assert_string_equal(f.host, "127.0.0.2");
	assert_false(forward_public(&f));
	f = parse_ok("tcp:1:65535", "");
	assert_string_equal(f.host, ""); /* filled in by the caller */

	parse_bad("sctp:2222:22", "protocol 'sctp' is not tcp or udp");
	parse_bad("TCP:2222:22", "is not tcp or udp");
	parse_bad("tcp:2222", "is not PROTO:[HOST:]HOSTPORT:GUESTPORT");
	parse_bad("tcp:1:2:3:4", "is not PROTO:");
	parse_bad("tcp:0:22", "host port '0' is not a port number");
	parse_bad("tcp:65536:22", "host port '65536'");
	parse_bad("tcp:22:-1", "guest port '-1'");
	parse_bad("tcp::2222:22", "an empty host means every address");
	parse_bad("tcp:localhost:2222:22", "host 'localhost' is not an IPv4 address");
	parse_bad("tcp:1.2.3.4,x:2222:22", "is not an IPv4 address");
}

static void test_spellings(void **state)
{
	(void)state;
	struct forward f = parse_ok("tcp:2222:22", NULL);
	char *s = forward_format(&f), *q = forward_qemu(&f), *r = forward_qemu_remove(&f);
	assert_string_equal(s, "tcp:127.0.0.1:2222:22");
	assert_string_equal(q, "tcp:127.0.0.1:2222-:22");
	assert_string_equal(r, "tcp:127.0.0.1:2222");
	free(s);
	free(q);
	free(r);
}

static void test_clash(void **state)
{
	(void)state;
	struct forward a = parse_ok("tcp:2222:22", NULL), b = parse_ok("tcp:127.0.0.1:2222:80", NULL),
		       c = parse_ok("udp:2222:22", NULL), d = parse_ok("tcp:0.0.0.0:2222:22", NULL),
		       e = parse_ok("tcp:127.0.0.2:2222:22", NULL), g = parse_ok("tcp:2223:22", NULL);
	assert_true(forward_clash(&a, &b));
	assert_false(forward_clash(&a, &c)); /* another protocol */
	assert_true(forward_clash(&a, &d));  /* every address overlaps */
	assert_true(forward_clash(&d, &e));
	assert_false(forward_clash(&a, &e)); /* another loopback address */
	assert_false(forward_clash(&a, &g));
}

static void test_live_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_forward.XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct forward *f = NULL;
	size_t n = 9;
	assert_int_equal(forward_live_read(dir, &f, &n), -1); /* absent */
	struct forward w[2] = { parse_ok("tcp:2222:22", NULL), parse_ok("udp:0.0.0.0:5353:53", NULL) };
	snprintf(w[0].nic, sizeof(w[0].nic), "net0");
	snprintf(w[1].nic, sizeof(w[1].nic), "lan1");
	assert_int_equal(forward_live_write(dir, w, 2, NULL), 0);
	char *path = path_join(dir, "forwards");
	char *text = file_read_all(path, NULL);
	assert_string_equal(text, "net0 tcp:127.0.0.1:2222:22\nlan1 udp:0.0.0.0:5353:53\n");
	free(text);
	assert_int_equal(forward_live_read(dir, &f, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(f[1].nic, "lan1");
	assert_true(forward_clash(&f[1], &w[1]));
	free(f);
	unlink(path);
	free(path);
	rmdir(dir);
}

static void test_argv(void **state)
{
	(void)state;
	const char *y = "name: fw\n"
			"nics:\n"
			"  - user: true\n"
			"    forwards: [\"tcp:2222:22\", \"udp:5353:53\", \"tcp:127.0.0.1:8080:80\"]\n"
			"  - {network: user, host: 0.0.0.0, forwards: [\"tcp:9000:90\"]}\n"
			"  - {user: true}\n";
	struct profile_diag *d = NULL;
	size_t nd = 0;
	struct profile *p = profile_parse("/t/fw.yaml", y, strlen(y), &d, &nd);
	assert_non_null(p);
	assert_int_equal(nd, 0);
	struct strv a;
	strv_init(&a);
	struct qemu_runtime rt = { .dir = "/RUN/fw" };
	assert_int_equal(qemu_args_build(p, VM_MODE_BOOT, &rt, &a, NULL), 0);
	const char *want[] = {
		"user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp:127.0.0.1:5353-:53,"
		"hostfwd=tcp:127.0.0.1:8080-:80",
		"user,id=net1,hostfwd=tcp:0.0.0.0:9000-:90",
		"user,id=net2",
	};
	size_t k = 0;
	for (size_t i = 0; i + 1 < a.n; i++)
		if (strcmp(a.v[i], "-netdev") == 0) {
			assert_true(k < 3);
			assert_string_equal(a.v[i + 1], want[k++]);
		}
	assert_int_equal(k, 3);
	assert_int_equal(p->nics[0].forwards[1].line, 4);
	strv_clear(&a);
	profile_free(p);
}

/* A port this process listens on: the bind test refuses it and names us. */
static void test_port_check_names_holder(void **state)
{
	(void)state;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 1), 0);
	socklen_t len = sizeof(sa);
	getsockname(s, (struct sockaddr *)&sa, &len);
	char *rule = xasprintf("tcp:%u:22", ntohs(sa.sin_port));
	struct forward f = parse_ok(rule, NULL);
	char *err = NULL;
	assert_int_equal(forward_port_check(&f, &err), -ERR_BUSY);
	char *want = xasprintf("is in use by test_forward (pid %ld)", (long)getpid());
	if (!strstr(err, want))
		fail_msg("'%s' lacks '%s'", err, want);
	free(want);
	free(err);
	close(s);
	err = NULL;
	assert_int_equal(forward_port_check(&f, &err), 0); /* free again */
	f.proto = FORWARD_UDP;
	assert_int_equal(forward_port_check(&f, &err), 0);
	free(rule);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_spellings),
		cmocka_unit_test(test_clash),
		cmocka_unit_test(test_live_file),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_port_check_names_holder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
