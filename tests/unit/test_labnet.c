/* Lab network files: the bundled seed network, defaults, and every
 * diagnostic naming FILE:LINE:COL; the generated dnsmasq and nft text. */
#include "net/labnet.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static struct labnet *parse(const char *text, char **err)
{
	return labnet_parse("net.yaml", text, strlen(text), err);
}

static void test_seed_file(void **state)
{
	const char *src = getenv("VMDECK_SRC");
	assert_non_null(src);
	char *path = xasprintf("%s/profiles/networks/virbr0.yaml", src);
	char *err = NULL;
	struct labnet *n = labnet_load(path, &err);
	if (!n)
		fail_msg("%s", err);
	assert_string_equal(n->name, "virbr0");
	assert_string_equal(n->bridge, "virbr0");
	assert_string_equal(inet_ntoa(n->address), "172.16.1.1");
	assert_int_equal(n->prefix, 24);
	assert_true(n->pin);
	assert_true(n->nat);
	assert_true(n->dhcp);
	assert_int_equal(n->n_hosts, 2);
	assert_int_equal(n->tap_mac_policy, MAC_POLICY_DERIVED);
	char m[18];
	mac_format(n->mac, m);
	assert_string_equal(m, "52:54:00:ac:10:01");
	char *conf = labnet_dnsmasq_conf(n, "/run/x");
	assert_non_null(strstr(conf, "\ninterface=virbr0\n"));
	assert_non_null(strstr(conf, "\nbind-interfaces\n"));
	assert_non_null(strstr(conf, "\nexcept-interface=lo\n"));
	assert_non_null(strstr(conf, "dhcp-range=172.16.1.100,172.16.1.199,255.255.255.0,1h"));
	assert_non_null(strstr(conf, "dhcp-host=00:16:3e:eb:ca:65,172.16.1.101,macos101"));
	assert_non_null(strstr(conf, "dhcp-leasefile=/run/x/leases"));
	assert_non_null(strstr(conf, "pid-file=/run/x/dnsmasq.pid"));
	char *nft = labnet_nft_rules(n);
	assert_non_null(strstr(nft, "table ip vmdeck-virbr0 {"));
	assert_non_null(strstr(nft, "ip saddr 172.16.1.0/24 ip daddr != 172.16.1.0/24 masquerade"));
	free(conf);
	free(nft);
	labnet_free(n);
	free(path);
}

static void test_defaults(void **state)
{
	char *err = NULL;
	struct labnet *n = parse("address: 10.1.2.3/16\n", &err);
	assert_non_null(n);
	assert_string_equal(n->name, "net");      /* from the file name */
	assert_string_equal(n->bridge, "net");
	assert_true(n->pin && n->nat && !n->dhcp);
	assert_int_equal(n->mac[0], 0x52);         /* stable, derived from the name */
	struct labnet *again = parse("address: 10.1.2.3/16\n", &err);
	assert_memory_equal(n->mac, again->mac, 6);
	labnet_free(again);
	labnet_free(n);
	n = parse("address: 10.1.2.3/16\npin: false\nnat: no\ntap_mac_policy: kernel\n", &err);
	assert_non_null(n);
	assert_false(n->pin);
	assert_false(n->nat);
	assert_int_equal(n->tap_mac_policy, MAC_POLICY_KERNEL);
	labnet_free(n);
}

struct bad {
	const char *text, *want;
};

static void test_errors(void **state)
{
	static const struct bad cases[] = {
		{ "address: 172.16.1.1/33\n", "net.yaml:1:10: address: bad prefix \"33\"" },
		{ "address: 172.16.1.1/0\n", "net.yaml:1:10: address: bad prefix" },
		{ "address: 172.16.1.1\n", "net.yaml:1:10: address: \"172.16.1.1\" needs a prefix" },
		{ "address: 172.16.1.0/24\n", "is the network or broadcast address" },
		{ "address: 300.1.1.1/24\n", "net.yaml:1:10: address: \"300.1.1.1\" is not an IPv4 address" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.2.10-172.16.2.20\n",
		  "net.yaml:3:10: dhcp range 172.16.2.10-172.16.2.20 is outside the subnet 172.16.1.0/24" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.20-172.16.1.10\n", "first is after last" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.1-172.16.1.10\n", "contains the bridge address" },
		{ "address: 172.16.1.1/24\ndhcp:\n  lease_time: 1h\n", "net.yaml:3:3: dhcp: needs a range" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.10-172.16.1.20\n  hosts:\n    - { mac: 00:16:3e:00:00:01, ip: 10.0.0.1 }\n",
		  "net.yaml:5:7: hosts: 10.0.0.1 is outside the subnet" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.10-172.16.1.20\n  hosts:\n    - { mac: 00:16:3e:00:00:01 }\n",
		  "hosts: an entry needs both mac and ip" },
		{ "address: 172.16.1.1/24\nmac: 01:00:00:00:00:01\n", "net.yaml:2:6: mac: 01:00:00:00:00:01 is not a unicast MAC" },
		{ "address: 172.16.1.1/24\nbridge: this-name-is-too-long\n", "net.yaml:2:9: bridge:" },
		{ "address: 172.16.1.1/24\npin: maybe\n", "net.yaml:2:6: pin: expected true or false" },
		{ "address: 172.16.1.1/24\ntap_mac_policy: random\n", "tap_mac_policy: \"random\" is not one of" },
		{ "address: 172.16.1.1/24\nbrige: x\n", "net.yaml:2:1: network: unknown key \"brige\"" },
		{ "address: [1, 2\n", "net.yaml:" },
		{ "- a\n- b\n", "net.yaml:1:1: expected a mapping" },
		{ "", "empty file" },
		{ "name: seed\n", "address: missing" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *err = NULL;
		struct labnet *n = parse(cases[i].text, &err);
		if (n || !err || !strstr(err, cases[i].want))
			fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].want, err ? err : "(parsed)");
		free(err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
