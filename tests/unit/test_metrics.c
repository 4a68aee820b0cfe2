/* The Prometheus exporter's pure parts: the text exposition writer
 * (core/promtext), --listen parsing (core/promhttp), the whole exposition
 * from a snapshot (tui/metrics), /proc/PID/stat parsing (core/proc), and
 * counters that never go backwards (metrics_collect over a live model is in
 * tests/net/metrics_prom.sh). */
#include "core/proc.h"
#include "core/promhttp.h"
#include "core/promtext.h"
#include "core/util.h"
#include "tui/metrics.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static void test_names(void **state)
{
	(void)state;
	assert_true(promtext_name_valid("vmdeck_vm_state"));
	assert_true(promtext_name_valid("a:b_c9"));
	assert_false(promtext_name_valid("9abc"));
	assert_false(promtext_name_valid("vm-state"));
	assert_false(promtext_name_valid(""));
	assert_true(promtext_label_name_valid("vm"));
	assert_false(promtext_label_name_valid("__name__"));
	assert_false(promtext_label_name_valid("a:b"));
}

static void test_escaping(void **state)
{
	(void)state;
	struct strbuf b = { 0 };
	promtext_family(&b, "x_total", PROMTEXT_COUNTER, "help with \\ and\nnewline");
	struct promtext_label l[] = { { "vm", "a\"b\\c\nd" }, { "bridge", NULL } };
	promtext_sample_u64(&b, "x_total", l, 2, 18446744073709551615ULL);
	promtext_sample_u64(&b, "x_total", NULL, 0, 0);
	assert_string_equal(b.s, "# HELP x_total help with \\\\ and\\nnewline\n"
				 "# TYPE x_total counter\n"
				 "x_total{vm=\"a\\\"b\\\\c\\nd\",bridge=\"\"} 18446744073709551615\n"
				 "x_total 0\n");
	free(b.s);
}

static void test_doubles(void **state)
{
	(void)state;
	struct strbuf b = { 0 };
	promtext_sample_double(&b, "g", NULL, 0, 1.5);
	promtext_sample_double(&b, "g", NULL, 0, 0.0 / 0.0);
	promtext_sample_double(&b, "g", NULL, 0, 1.0 / 0.0);
	promtext_sample_double(&b, "g", NULL, 0, 12345678.25);
	assert_string_equal(b.s, "g 1.5\ng NaN\ng +Inf\ng 12345678.25\n");
	free(b.s);
}

static void test_addr_parse(void **state)
{
	(void)state;
	struct promhttp_addr a;
	char *err = NULL;
	assert_int_equal(promhttp_addr_parse(PROMHTTP_DEFAULT_ADDR, &a, &err), 0);
	assert_string_equal(a.text, "127.0.0.1:9177");
	assert_true(a.loopback);
	assert_int_equal(promhttp_addr_parse("0.0.0.0:9177", &a, &err), 0);
	assert_false(a.loopback);
	assert_int_equal(promhttp_addr_parse("[::1]:80", &a, &err), 0);
	assert_string_equal(a.text, "[::1]:80");
	assert_true(a.loopback);
	assert_int_equal(promhttp_addr_parse("[::]:0", &a, &err), 0);
	assert_false(a.loopback);
	assert_int_equal(promhttp_addr_parse("localhost:9", &a, &err), 0);
	assert_string_equal(a.text, "127.0.0.1:9");
	assert_int_equal(promhttp_addr_parse("127.1.2.3:9", &a, &err), 0);
	assert_true(a.loopback);
	static const char *const bad[] = { "9177", ":9177", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:x",
					   "1.2.3:4", "[::1:9", "example.com:9177", "[zz]:1", "127.0.0.1:-1" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		assert_int_equal(error_kind(promhttp_addr_parse(bad[i], &a, &err)), ERR_INVALID);
		assert_non_null(strstr(err, bad[i]));
	}
	free(err);
}

static void test_render(void **state)
{
	(void)state;
	struct metrics_vm vms[] = {
		{ .name = "web1", .state = VM_RUNNING, .uptime_s = 42, .has_usage = true, .cpu_seconds = 1.25,
		  .rss_bytes = 4096 },
		{ .name = "db", .state = VM_STOPPED },
	};
	struct metrics_link links[] = {
		{ .name = "tap-web1-0", .type = "tap", .bridge = "virbr0", .vm = "web1", .rx_bytes = 100,
		  .tx_bytes = 200, .rx_packets = 3, .tx_packets = 4 },
	};
	struct metrics_bridge br[] = { { .name = "virbr0", .pinned_known = true, .n_ports = 1, .n_vm_ports = 1,
					 .changes = { [BRIDGE_MAC_CAUSE_PORT_JOINED] = 2 } } };
	struct metrics_snap s = { "9.9", vms, 2, links, 1, br, 1, true, 7 };
	struct strbuf b = { 0 };
	metrics_render(&s, &b);
	static const char *const want[] = {
		"vmdeck_build_info{version=\"9.9\"} 1\n",
		"vmdeck_vm_state{vm=\"web1\",state=\"running\"} 1\n",
		"vmdeck_vm_state{vm=\"web1\",state=\"stopped\"} 0\n",
		"vmdeck_vm_state{vm=\"db\",state=\"stopped\"} 1\n",
		"vmdeck_vm_uptime_seconds{vm=\"web1\"} 42\n",
		"vmdeck_vm_cpu_seconds_total{vm=\"web1\"} 1.25\n",
		"vmdeck_vm_resident_memory_bytes{vm=\"web1\"} 4096\n",
		"vmdeck_links_watched 1\n",
		"vmdeck_metrics_snapshots_total 7\n",
		"vmdeck_link_receive_bytes_total{link=\"tap-web1-0\",bridge=\"virbr0\",vm=\"web1\"} 100\n",
		"vmdeck_link_transmit_bytes_total{link=\"tap-web1-0\",bridge=\"virbr0\",vm=\"web1\"} 200\n",
		"vmdeck_link_receive_packets_total{link=\"tap-web1-0\",bridge=\"virbr0\",vm=\"web1\"} 3\n",
		"vmdeck_link_transmit_packets_total{link=\"tap-web1-0\",bridge=\"virbr0\",vm=\"web1\"} 4\n",
		"vmdeck_bridge_mac_changes_total{bridge=\"virbr0\",cause=\"port-joined\"} 2\n",
		"vmdeck_bridge_mac_changes_total{bridge=\"virbr0\",cause=\"set\"} 0\n",
		"vmdeck_bridge_pinned{bridge=\"virbr0\"} 0\n",
		"# TYPE vmdeck_vm_cpu_seconds_total counter\n",
		"# TYPE vmdeck_vm_state gauge\n",
	};
	for (size_t i = 0; i < ARRAY_LEN(want); i++)
		if (!strstr(b.s, want[i]))
			fail_msg("missing: %s\n--- in:\n%s", want[i], b.s);
	/* A stopped VM has no process: no uptime, CPU or memory series. */
	assert_null(strstr(b.s, "vmdeck_vm_uptime_seconds{vm=\"db\"}"));
	assert_null(strstr(b.s, "vmdeck_vm_cpu_seconds_total{vm=\"db\"}"));
	/* Every family's samples follow its own header, each header once. */
	const char *p = b.s;
	size_t types = 0;
	while ((p = strstr(p, "# TYPE ")) != NULL)
		types++, p++;
	assert_int_equal(types, 15);
	free(b.s);
}

static void test_proc_parse(void **state)
{
	(void)state;
	/* /proc/PID/stat after "(comm)": fields 3.. ; utime 14 = 700, stime 15 = 300,
	 * starttime 22 = 123456, rss 24 = 2500. */
	const char *t = " S 1 2 3 0 -1 4194560 100 0 0 0 700 300 0 0 20 0 1 0 123456 1000000 2500 18446744073709551615";
	struct proc_usage u;
	assert_int_equal(proc_usage_parse(t, &u), 0);
	assert_int_equal(u.cpu_ticks, 1000);
	assert_int_equal(u.start_ticks, 123456);
	assert_int_equal(u.rss_pages, 2500);
	assert_int_equal(proc_usage_parse(" S 1 2 3", &u), -1);
	assert_int_equal(proc_usage_read(getpid(), &u), 0);
	assert_true(u.rss_pages > 0);
	assert_int_equal(u.start_ticks, proc_start_ticks(getpid()));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),       cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_doubles),     cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_render),      cmocka_unit_test(test_proc_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
