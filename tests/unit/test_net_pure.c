/* Pure network logic: the kernel's bridge MAC rule, TAP MAC policies,
 * counter wrap and rates, event JSON. No kernel, no privileges. */
#include "net/bridge.h"
#include "net/macause.h"
#include "net/linkwatch.h"
#include "net/tap.h"
#include "core/util.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void mac(const char *s, uint8_t out[6])
{
	assert_int_equal(mac_parse(s, out), 0);
}

static void assert_mac(const uint8_t m[6], const char *want)
{
	char s[18];
	mac_format(m, s);
	assert_string_equal(s, want);
}

static void test_predict_lowest(void **state)
{
	uint8_t ports[3][6], out[6];
	mac("62:93:b7:8a:03:b7", ports[0]); /* the seed's tap101 */
	mac("2e:fa:07:80:c6:23", ports[1]); /* the seed's tap102: lower, wins */
	mac("fe:ff:ff:ff:ff:ff", ports[2]);
	macause_lowest_mac((const uint8_t(*)[6])ports, 3, out);
	assert_mac(out, "2e:fa:07:80:c6:23");
	macause_lowest_mac((const uint8_t(*)[6])ports, 1, out);
	assert_mac(out, "62:93:b7:8a:03:b7");
}

static void test_predict_empty(void **state)
{
	uint8_t out[6];
	memset(out, 0xaa, 6);
	macause_lowest_mac(NULL, 0, out);
	assert_mac(out, "00:00:00:00:00:00");
}

static void test_predict_byte_order(void **state)
{
	/* Numeric (memcmp) order: the first byte dominates. */
	uint8_t ports[2][6], out[6];
	mac("02:ff:ff:ff:ff:ff", ports[0]);
	mac("03:00:00:00:00:00", ports[1]);
	macause_lowest_mac((const uint8_t(*)[6])ports, 2, out);
	assert_mac(out, "02:ff:ff:ff:ff:ff");
}

static void test_predict_join_without_model(void **state)
{
	struct bridge_prediction p;
	uint8_t t[6];
	mac("02:00:00:00:00:01", t);
	bridge_predict_join(NULL, "virbr0", t, "mac101", &p);
	assert_non_null(strstr(p.text, "virbr0 does not exist"));
}

static void test_tap_policies(void **state)
{
	uint8_t g[6], out[6];
	mac("00:16:3e:eb:ca:65", g);
	assert_true(tap_mac_for_policy(MAC_POLICY_DERIVED, g, out));
	assert_mac(out, "fe:16:3e:eb:ca:65");
	mac("fe:16:3e:eb:ca:65", g);
	assert_true(tap_mac_for_policy(MAC_POLICY_DERIVED, g, out));
	assert_mac(out, "fa:16:3e:eb:ca:65");
	assert_true(tap_mac_for_policy(MAC_POLICY_FIXED, g, out));
	assert_mac(out, "fe:ff:ff:ff:ff:ff");
	assert_false(tap_mac_for_policy(MAC_POLICY_KERNEL, g, out));
}

static void test_counter_wrap(void **state)
{
	assert_int_equal(linkwatch_counter_delta(100, 250), 150);
	/* 32-bit counter zero-extended, wrapped */
	assert_int_equal(linkwatch_counter_delta(UINT32_MAX - 9, 5), 15);
	/* a real 64-bit wrap */
	assert_true(linkwatch_counter_delta(UINT64_MAX - 1, 3) == 5);
	assert_int_equal(linkwatch_counter_delta(7, 7), 0);
	/* A reset is no wrap: counted from zero, not as a ~4 GiB spike. */
	assert_int_equal(linkwatch_counter_delta(1000000, 300), 300);
	assert_int_equal(linkwatch_counter_delta((uint64_t)UINT32_MAX + 5000, 20), 20);
}

static void test_rates(void **state)
{
	struct link_stats a = { .rx_bytes = 1000, .tx_bytes = UINT32_MAX - 499, .rx_packets = 10, .tx_packets = 0 };
	struct link_stats b = { .rx_bytes = 126000, .tx_bytes = 500, .rx_packets = 110, .tx_packets = 50 };
	struct link_rates r;
	linkwatch_rates_compute(&a, &b, 500000, &r); /* half a second */
	assert_true(r.rx_bps == 125000.0 * 8 * 2);
	assert_true(r.tx_bps == 1000.0 * 8 * 2);
	assert_true(r.rx_pps == 200.0);
	assert_true(r.tx_pps == 100.0);
	linkwatch_rates_compute(&a, &b, 0, &r);
	assert_true(r.rx_bps == 0.0);
}

static void test_event_json(void **state)
{
	struct link_info br = { .ifindex = 5, .type = LINK_TYPE_BRIDGE, .has_mac = true, .operstate_name = "UP",
				.pinned_known = true, .n_history = 1 };
	strcpy(br.name, "virbr0");
	mac("2e:fa:07:80:c6:23", br.mac);
	struct bridge_mac_change c = { .cause = BRIDGE_MAC_CAUSE_PORT_JOINED, .port_ifindex = 7 };
	mac("62:93:b7:8a:03:b7", c.old_mac);
	mac("2e:fa:07:80:c6:23", c.new_mac);
	mac("2e:fa:07:80:c6:23", c.port_mac);
	strcpy(c.port, "tap102");
	struct linkwatch_event ev = { .type = LINKWATCH_EV_BRIDGE_MAC_CHANGED, .wall_us = 1514059702123456ull,
				      .link = &br, .bridge = &br, .change = &c };
	char *s = linkwatch_event_json(&ev);
	json_object *o = json_tokener_parse(s);
	assert_non_null(o);
	json_object *v;
#define FIELD(k, want)                                                   \
	assert_true(json_object_object_get_ex(o, k, &v));                \
	assert_string_equal(json_object_get_string(v), want)
	FIELD("event", "bridge-mac-changed");
	FIELD("bridge", "virbr0");
	FIELD("old_mac", "62:93:b7:8a:03:b7");
	FIELD("new_mac", "2e:fa:07:80:c6:23");
	FIELD("cause", "port-joined");
	FIELD("port", "tap102");
	FIELD("time", "2017-12-23T20:08:22.123456Z");
	assert_true(json_object_object_get_ex(o, "ts_us", &v));
	assert_true(json_object_get_uint64(v) == 1514059702123456ull);
	json_object_put(o);
	free(s);
	s = linkwatch_event_text(&ev);
	assert_non_null(strstr(s, "bridge-mac-changed virbr0"));
	free(s);
}

static void test_names(void **state)
{
	assert_string_equal(link_type_name(LINK_TYPE_TAP), "tap");
	assert_string_equal(bridge_mac_cause_name(BRIDGE_MAC_CAUSE_PORT_LEFT), "port-left");
	assert_string_equal(linkwatch_event_name(LINKWATCH_EV_PORT_JOINED), "port-joined");
	assert_string_equal(link_type_name((enum link_type)999), "other");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_predict_lowest),  cmocka_unit_test(test_predict_empty),
		cmocka_unit_test(test_predict_byte_order), cmocka_unit_test(test_predict_join_without_model),
		cmocka_unit_test(test_tap_policies),    cmocka_unit_test(test_counter_wrap),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_event_json),      cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
