/* Unit tests for core/util: quoting, MACs, string vectors, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static void test_shell_quote(void **state)
{
	(void)state;
	struct { const char *in, *out; } cases[] = {
		{ "plain", "plain" },
		{ "-device", "-device" },
		{ "isa-applesmc,osk=abc(c)Apple", "'isa-applesmc,osk=abc(c)Apple'" },
		{ "it's", "'it'\\''s'" },
		{ "", "''" },
		{ "a b", "'a b'" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *q = shell_quote(cases[i].in);
		assert_string_equal(q, cases[i].out);
		free(q);
	}
}

static void test_strv_join(void **state)
{
	(void)state;
	struct strv s = { 0 };
	strv_push(&s, "qemu-system-x86_64");
	strv_pushf(&s, "-m %u", 2048u);
	strv_push(&s, "x;rm -rf /");
	assert_int_equal(s.n, 3);
	assert_null(s.v[3]);
	char *j = strv_shell_join(&s);
	assert_string_equal(j, "qemu-system-x86_64 '-m 2048' 'x;rm -rf /'");
	free(j);
	strv_clear(&s);
	strv_clear(&s);
}

static void test_mac(void **state)
{
	(void)state;
	uint8_t m[6];
	char out[18];
	assert_int_equal(mac_parse("52:54:00:C9:18:27", m), 0);
	mac_format(m, out);
	assert_string_equal(out, "52:54:00:c9:18:27");
	const char *bad[] = { "52:54:00:c9:18", "52:54:00:c9:18:2g", "525400c91827", "52-54-00-c9-18-27",
			      "52:54:00:c9:18:27:00", "", " 52:54:00:c9:18:27" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(mac_parse(bad[i], m), -1);
	uint8_t a[6] = { 0, 1, 2, 3, 4, 5 }, b[6] = { 0, 1, 2, 3, 4, 6 };
	assert_true(mac_cmp(a, b) < 0);
}

static void test_error(void **state)
{
	(void)state;
	char *err = NULL;
	assert_int_equal(error_set(&err, "bridge %s vanished", "virbr0"), -1);
	error_prefix(&err, "vm %s", "mac");
	assert_string_equal(err, "vm mac: bridge virbr0 vanished");
	free(err);
	assert_int_equal(error_set(NULL, "ignored"), -1);
}

static void test_error_kind(void **state)
{
	(void)state;
	char *err = NULL;
	assert_int_equal(error_kind_set(&err, ERR_PERM, "TAP %s: not permitted", "t0"), -ERR_PERM);
	assert_string_equal(err, "TAP t0: not permitted");
	assert_int_equal(error_kind_set(&err, ERR_NOTFOUND, "no bridge %s", "br9"), -ERR_NOTFOUND);
	assert_string_equal(err, "no bridge br9"); /* the previous message freed */
	free(err);
	assert_int_equal(error_kind_set(NULL, ERR_BUSY, "ignored"), -ERR_BUSY);
	/* error_set is the kind ERR_FAILED: -1, as ever. */
	assert_int_equal(-ERR_FAILED, -1);
	assert_int_equal(error_kind(error_set(NULL, "x")), ERR_FAILED);
	static const enum err_kind kinds[] = { ERR_FAILED, ERR_INVALID, ERR_NOTFOUND, ERR_PERM, ERR_BUSY };
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		assert_true(error_kind_set(NULL, kinds[i], "k") < 0);
		assert_int_equal(error_kind(error_kind_set(NULL, kinds[i], "k")), kinds[i]);
	}
	/* Any other negative value (a plain -errno, say) is just a failure. */
	assert_int_equal(error_kind(-99), ERR_FAILED);
	assert_int_equal(error_kind(-(int)ERR_BUSY - 1), ERR_FAILED);
}

static void test_path_join(void **state)
{
	(void)state;
	char *p = path_join("/a/b", "c.img");
	assert_string_equal(p, "/a/b/c.img");
	free(p);
	p = path_join("/a/b/", "/abs.img");
	assert_string_equal(p, "/abs.img");
	free(p);
}

static void test_parse_uint(void **state)
{
	(void)state;
	unsigned long long v = 7;
	assert_int_equal(parse_uint("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint("60", 1, 60, &v), 0);
	assert_int_equal(v, 60);
	assert_int_equal(parse_uint("18446744073709551615", 0, ~0ULL, &v), 0);
	v = 7;
	static const char *const bad[] = { "", "-1", "+1", " 1", "1 ", "1x", "x", "0x10", "61", "18446744073709551616" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(parse_uint(bad[i], 0, 60, &v), -1);
	assert_int_equal(parse_uint(NULL, 0, 60, &v), -1);
	assert_int_equal(parse_uint("0", 1, 60, &v), -1);
	assert_int_equal(v, 7); /* untouched on error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shell_quote), cmocka_unit_test(test_strv_join),
		cmocka_unit_test(test_mac), cmocka_unit_test(test_error),
		cmocka_unit_test(test_error_kind),
		cmocka_unit_test(test_path_join), cmocka_unit_test(test_parse_uint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
