/* net/grant's pure parts: granted TAP names (<= 15 characters, distinct for
 * long users sharing a prefix) and their MACs by policy. */
#include "net/grant.h"
#include "core/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void test_names(void **state)
{
	(void)state;
	char a[16], b[16];
	grant_tap_name("nobody", 0, a);
	assert_string_equal(a, "vdg-nobody-0");
	grant_tap_name("alice", 63, a);
	assert_string_equal(a, "vdg-alice-63");
	/* Too long: a prefix and a hash, within IFNAMSIZ - 1. */
	grant_tap_name("averyverylongusername1", 12, a);
	grant_tap_name("averyverylongusername2", 12, b);
	assert_true(strlen(a) <= 15 && strlen(b) <= 15);
	assert_true(strncmp(a, GRANT_PREFIX, strlen(GRANT_PREFIX)) == 0);
	assert_string_not_equal(a, b);
	assert_string_equal(a + strlen(a) - 3, "-12");
	/* Stable: golden. */
	char c[16];
	grant_tap_name("averyverylongusername1", 12, c);
	assert_string_equal(a, c);
}

static void test_macs(void **state)
{
	(void)state;
	uint8_t m[6], m2[6];
	char s[18];
	assert_true(grant_tap_mac(MAC_POLICY_DERIVED, "br0", "nobody", 0, m));
	mac_format(m, s);
	assert_int_equal(m[0], 0xfe); /* above any uplink's normal MAC */
	assert_true(grant_tap_mac(MAC_POLICY_DERIVED, "br0", "nobody", 0, m2));
	assert_memory_equal(m, m2, 6); /* stable */
	assert_true(grant_tap_mac(MAC_POLICY_DERIVED, "br0", "nobody", 1, m2));
	assert_memory_not_equal(m, m2, 6);
	assert_true(grant_tap_mac(MAC_POLICY_FIXED, "br0", "nobody", 3, m));
	mac_format(m, s);
	assert_string_equal(s, "fe:ff:ff:ff:ff:ff");
	assert_false(grant_tap_mac(MAC_POLICY_KERNEL, "br0", "nobody", 0, m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_macs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
