/* What lab-network files gained from core/yamldoc: the profile parser's
 * nearest-key suggestions and input checks (size cap, tabs, bad UTF-8, empty
 * file, binary data, a second document), each with FILE:LINE:COL. Exact
 * messages: they are the user interface. */
#include "net/labnet.h"
#include "core/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static void expect(size_t i, const char *text, size_t len, const char *want)
{
	char *err = NULL;
	struct labnet *n = labnet_parse("net.yaml", text, len, &err);
	if (n || !err || strcmp(err, want) != 0)
		fail_msg("case %zu: want \"%s\", got \"%s\"", i, want, err ? err : "(parsed)");
	free(err);
}

static void test_gains(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t len; /* 0: strlen */
		const char *want;
	} cases[] = {
		{ "address: 172.16.1.1/24\nbrige: x\n", 0,
		  "net.yaml:2:1: unknown key 'brige'; did you mean 'bridge'?" },
		{ "address: 172.16.1.1/24\ntap_mac_polcy: fixed\n", 0,
		  "net.yaml:2:1: unknown key 'tap_mac_polcy'; did you mean 'tap_mac_policy'?" },
		{ "address: 172.16.1.1/24\nzzzzzzzz: 1\n", 0,
		  "net.yaml:2:1: unknown key 'zzzzzzzz' (known keys: name, description, bridge, address, mac, "
		  "pin, heal, nat, dhcp, tap_mac_policy)" },
		{ "address: 172.16.1.1/24\ndhcp:\n  rnage: 172.16.1.10-172.16.1.20\n", 0,
		  "net.yaml:3:3: unknown key 'rnage' in 'dhcp'; did you mean 'range'?" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.10-172.16.1.20\n  hosts:\n"
		  "    - { mac: 00:16:3e:00:00:01, ipp: 172.16.1.11 }\n", 0,
		  "net.yaml:5:33: unknown key 'ipp' in 'hosts'; did you mean 'ip'?" },
		{ "address: 172.16.1.1/24\ndhcp:\n\trange: 172.16.1.10-172.16.1.20\n", 0,
		  "net.yaml:3:1: tab character in indentation: YAML indents with spaces only" },
		{ "address: 172.16.1.1/24\ndhcp:\n    \trange: 172.16.1.10-172.16.1.20\n", 0,
		  "net.yaml:3:5: tab character in indentation: YAML indents with spaces only" },
		{ "", 0, "net.yaml:1:1: empty lab network: expected a mapping with at least 'address'" },
		{ "# only a comment\n", 0, "net.yaml:1:1: empty lab network: expected a mapping with at least 'address'" },
		{ "~\n", 0, "net.yaml:1:1: empty lab network: expected a mapping with at least 'address'" },
		{ "address: 172.16.1.1/24\nname: caf\xe9\n", 0,
		  "net.yaml:2:10: not valid UTF-8 text: byte 0xe9 at offset 32 (save the file as UTF-8)" },
		{ "address: 172.16.1.1/24\n\x7f" "ELF\0\0\0", 30,
		  "net.yaml:2:5: binary data (a NUL byte at offset 27): not a YAML text file" },
		{ "address: 172.16.1.1/24\n---\naddress: 172.16.2.1/24\n", 0,
		  "net.yaml:3:1: a second YAML document ('---'): a lab network file holds one network" },
		/* Every problem at once, in file order within each pass. */
		{ "address: 172.16.1.1/24\nbrige: x\nnat: perhaps\n", 0,
		  "net.yaml:2:1: unknown key 'brige'; did you mean 'bridge'?\n"
		  "net.yaml:3:6: 'nat' must be true or false, got 'perhaps'" },
		/* Every tab in indentation, as in a profile (only the first was named). */
		{ "address: 172.16.1.1/24\ndhcp:\n\trange: 172.16.1.10-172.16.1.20\n\tlease_time: 1h\n", 0,
		  "net.yaml:3:1: tab character in indentation: YAML indents with spaces only\n"
		  "net.yaml:4:1: tab character in indentation: YAML indents with spaces only" },
		{ "address: 172.16.1.0/24\ndhcp:\n  range: 172.16.1.1-172.16.2.9\n  hosts:\n"
		  "    - { mac: 00:16:3e:00:00:01, ip: 10.0.0.1 }\n", 0,
		  "net.yaml:1:10: 'address': 172.16.1.0 is the network or broadcast address of /24\n"
		  "net.yaml:3:10: dhcp range 172.16.1.1-172.16.2.9 is outside the subnet 172.16.1.0/24\n"
		  "net.yaml:5:7: host 10.0.0.1 is outside the subnet 172.16.1.0/24" },
		{ "address: [1, 2\n", 0,
		  "net.yaml:2:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line "
		  "1, column 10)" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		expect(i, cases[i].text, cases[i].len ? cases[i].len : strlen(cases[i].text), cases[i].want);
}

static void test_size_cap(void **state)
{
	(void)state;
	size_t len = LABNET_MAX_SIZE + 1;
	char *big = xmalloc(len);
	memcpy(big, "address: 172.16.1.1/24\n", 23);
	memset(big + 23, '#', len - 23);
	char *want = xasprintf("net.yaml:1:1: file too large: %zu bytes (a lab network may be at most %d bytes)", len,
			       LABNET_MAX_SIZE);
	expect(0, big, len, want);
	free(want);
	free(big);
}

/* labnet_load names the real file. */
static void test_load_names_file(void **state)
{
	(void)state;
	char path[] = "/tmp/vmdeck-labnet-yaml.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "address: 172.16.1.1/24\nnat: true\n\tpin: false\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	char *err = NULL;
	assert_null(labnet_load(path, &err));
	char *want = xasprintf("%s:3:1: tab character in indentation: YAML indents with spaces only", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	unlink(path);
	/* Whole-file problems name the file without a position. */
	assert_int_equal(mkfifo(path, 0600), 0);
	err = NULL;
	assert_null(labnet_load(path, &err));
	want = xasprintf("%s: not a regular file", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	unlink(path);
	err = NULL;
	assert_null(labnet_load(path, &err));
	want = xasprintf("%s: cannot open: No such file or directory", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	assert_null(labnet_load(path, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gains),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_load_names_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
