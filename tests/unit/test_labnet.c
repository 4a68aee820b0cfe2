/* Lab network files: the bundled seed network, defaults, and every
 * diagnostic naming FILE:LINE:COL; the generated dnsmasq and nft text
 * (net/labnet_conf.c), whole. */
#include "net/labnet.h"
#include "net/labnet_conf.h"
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
	char *conf = labnet_conf_dnsmasq(n, "/run/x");
	assert_non_null(strstr(conf, "\ninterface=virbr0\n"));
	assert_non_null(strstr(conf, "\nbind-interfaces\n"));
	assert_non_null(strstr(conf, "\nexcept-interface=lo\n"));
	assert_non_null(strstr(conf, "dhcp-range=172.16.1.100,172.16.1.199,255.255.255.0,1h"));
	assert_non_null(strstr(conf, "dhcp-host=00:16:3e:eb:ca:65,172.16.1.101,macos101"));
	assert_non_null(strstr(conf, "dhcp-leasefile=/run/x/leases"));
	assert_non_null(strstr(conf, "pid-file=/run/x/dnsmasq.pid"));
	char *nft = labnet_conf_nft(n);
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
	assert_true(n->pin && n->nat && !n->dhcp && !n->heal);
	/* Stable, derived from the name by the one mac_from_name (guest MACs
	 * of profiles too): pinned here, a change would move every bridge. */
	char m[18];
	mac_format(n->mac, m);
	assert_string_equal(m, "52:54:00:20:82:49");
	struct labnet *again = parse("address: 10.1.2.3/16\n", &err);
	assert_memory_equal(n->mac, again->mac, 6);
	labnet_free(again);
	/* Names one letter apart get unrelated MACs (without the finaliser
	 * lab1..lab3 were 52:54:00:07:0c:1f, :07:0d:b2, :07:0f:45). */
	struct labnet *l1 = parse("name: lab1\naddress: 10.1.2.3/16\n", &err);
	struct labnet *l2 = parse("name: lab2\naddress: 10.1.2.3/16\n", &err);
	mac_format(l1->mac, m);
	assert_string_equal(m, "52:54:00:b4:1c:44");
	mac_format(l2->mac, m);
	assert_string_equal(m, "52:54:00:0f:6f:42");
	labnet_free(l1);
	labnet_free(l2);
	/* A profile's NIC without mac: the same function on "VMNAME/INDEX". */
	struct profile_diag *d = NULL;
	size_t nd = 0;
	const char *web = "name: web\nnics:\n  - model: e1000\n";
	struct profile *p = profile_parse("/p/web.yaml", web, strlen(web), &d, &nd);
	assert_non_null(p);
	uint8_t g[6], want[6];
	profile_nic_guest_mac(p, 0, g);
	mac_from_name("web/0", want);
	assert_memory_equal(g, want, 6);
	mac_format(g, m);
	assert_string_equal(m, "52:54:00:ef:3d:ab");
	profile_free(p);
	profile_diags_free(d, nd);
	labnet_free(n);
	n = parse("address: 10.1.2.3/16\npin: false\nnat: no\ntap_mac_policy: kernel\nheal: true\n", &err);
	assert_non_null(n);
	assert_false(n->pin);
	assert_true(n->heal);
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
		{ "address: 172.16.1.1/33\n", "net.yaml:1:10: 'address': bad prefix '33' (expected 1-30)" },
		{ "address: 172.16.1.1/0\n", "net.yaml:1:10: 'address': bad prefix '0'" },
		{ "address: 172.16.1.1\n", "net.yaml:1:10: 'address': '172.16.1.1' needs a prefix" },
		{ "address: 172.16.1.0/24\n", "net.yaml:1:10: 'address': 172.16.1.0 is the network or broadcast address of /24" },
		{ "address: 300.1.1.1/24\n", "net.yaml:1:10: 'address': '300.1.1.1' is not an IPv4 address" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.2.10-172.16.2.20\n",
		  "net.yaml:3:10: dhcp range 172.16.2.10-172.16.2.20 is outside the subnet 172.16.1.0/24" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.20-172.16.1.10\n", "first is after last" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.1-172.16.1.10\n", "contains the bridge address" },
		{ "address: 172.16.1.1/24\ndhcp:\n  lease_time: 1h\n", "net.yaml:3:3: 'dhcp' needs 'range' (FIRST-LAST)" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.10-172.16.1.20\n  hosts:\n    - { mac: 00:16:3e:00:00:01, ip: 10.0.0.1 }\n",
		  "net.yaml:5:7: host 10.0.0.1 is outside the subnet 172.16.1.0/24" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.10-172.16.1.20\n  hosts:\n    - { mac: 00:16:3e:00:00:01 }\n",
		  "net.yaml:5:7: each item of 'hosts' needs 'mac' and 'ip'" },
		{ "address: 172.16.1.1/24\nmac: 01:00:00:00:00:01\n", "net.yaml:2:6: 'mac': 01:00:00:00:00:01 is a multicast address" },
		{ "address: 172.16.1.1/24\nbridge: this-name-is-too-long\n", "net.yaml:2:9: 'bridge': 'this-name-is-too-long' is not an interface name" },
		{ "address: 172.16.1.1/24\npin: maybe\n", "net.yaml:2:6: 'pin' must be true or false, got 'maybe'" },
		{ "address: 172.16.1.1/24\nheal: sometimes\n", "net.yaml:2:7: 'heal' must be true or false, got 'sometimes'" },
		{ "address: 172.16.1.1/24\ntap_mac_policy: random\n", "net.yaml:2:17: 'tap_mac_policy' must be one of derived, fixed, kernel; got 'random'" },
		{ "address: 172.16.1.1/24\nbrige: x\n", "net.yaml:2:1: unknown key 'brige'; did you mean 'bridge'?" },
		{ "address: [1, 2\n", "net.yaml:" },
		{ "- a\n- b\n", "net.yaml:1:1: a lab network must be a mapping of keys (name: …, address: …), not a list" },
		{ "", "net.yaml:1:1: empty lab network: expected a mapping with at least 'address'" },
		{ "name: seed\n", "net.yaml:1:1: missing required key 'address'" },
		{ "address: 172.16.1.1/24\nmac: 00:00:00:00:00:00\n", "net.yaml:2:6: 'mac': 00:00:00:00:00:00 is no interface's MAC (all zero)" },
		{ "address: 172.16.1.1/24\nname: a-name-longer-than-fifteen\n",
		  "net.yaml:2:7: name 'a-name-longer-than-fifteen' is too long for a bridge name (at most 15 characters): give 'bridge'" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.10-172.16.1.20\n  lease_time: 1y\n",
		  "net.yaml:4:15: 'lease_time': '1y' is not a lease time like 3600, 45m, 1h, 1d or infinite" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.10-172.16.1.20\n  hosts: { mac: 00:16:3e:00:00:01 }\n",
		  "net.yaml:4:10: 'hosts' must be a list (items start with '- '), not a mapping" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *err = NULL;
		struct labnet *n = parse(cases[i].text, &err);
		if (n || !err || !strstr(err, cases[i].want))
			fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].want, err ? err : "(parsed)");
		free(err);
	}
}

/* labnet_conf: the whole texts, to the byte (pure functions; a change
 * here changes what dnsmasq and nft are told). */
static void test_conf_golden(void **state)
{
	char *err = NULL;
	struct labnet *n = parse("name: lab\nbridge: br-lab\naddress: 10.9.8.1/23\ndhcp:\n"
				 "  range: 10.9.8.100-10.9.9.200\n  lease_time: 45m\n  hosts:\n"
				 "    - { mac: 52:54:00:00:00:0a, ip: 10.9.8.10, name: ten }\n"
				 "    - { mac: 52:54:00:00:00:0b, ip: 10.9.8.11 }\n",
				 &err);
	if (!n)
		fail_msg("%s", err);
	char *conf = labnet_conf_dnsmasq(n, "/run/vmdeck/net/lab");
	assert_string_equal(conf, "# written by vmdeck for lab network lab; removed by vmdeck net down\n"
				  "interface=br-lab\n"
				  "bind-interfaces\n"
				  "except-interface=lo\n"
				  "no-hosts\n"
				  "dhcp-authoritative\n"
				  "dhcp-range=10.9.8.100,10.9.9.200,255.255.254.0,45m\n"
				  "dhcp-host=52:54:00:00:00:0a,10.9.8.10,ten\n"
				  "dhcp-host=52:54:00:00:00:0b,10.9.8.11\n"
				  "dhcp-leasefile=/run/vmdeck/net/lab/leases\n"
				  "pid-file=/run/vmdeck/net/lab/dnsmasq.pid\n"
				  "user=nobody\n");
	char *nft = labnet_conf_nft(n);
	assert_string_equal(nft, "table ip vmdeck-lab {}\n"
				 "delete table ip vmdeck-lab\n"
				 "table ip vmdeck-lab {\n"
				 "\tchain postrouting {\n"
				 "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
				 "\t\tip saddr 10.9.8.0/23 ip daddr != 10.9.8.0/23 masquerade\n"
				 "\t}\n"
				 "}\n");
	char sub[20];
	labnet_conf_subnet(n, sub);
	assert_string_equal(sub, "10.9.8.0/23");
	assert_int_equal(labnet_conf_mask(23), 0xfffffe00u);
	assert_int_equal(labnet_conf_mask(0), 0);
	assert_int_equal(labnet_conf_mask(30), 0xfffffffcu);
	free(conf);
	free(nft);
	labnet_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_conf_golden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
