/* labnet_conf: the texts a lab network hands to nftables and dnsmasq (see
 * labnet_conf.h). */
#include "net/labnet_conf.h"
#include "net/labnet.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t labnet_conf_mask(unsigned prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

void labnet_conf_subnet(const struct labnet *n, char out[20])
{
	struct in_addr net = { htonl(ntohl(n->address.s_addr) & labnet_conf_mask(n->prefix)) };
	char a[16];
	inet_ntop(AF_INET, &net, a, sizeof(a));
	snprintf(out, 20, "%s/%u", a, n->prefix);
}

char *labnet_conf_nft_table(const struct labnet *n)
{
	return xasprintf("vmdeck-%s", n->name);
}

char *labnet_conf_nft(const struct labnet *n)
{
	char sub[20];
	labnet_conf_subnet(n, sub);
	char *t = labnet_conf_nft_table(n);
	/* "table {}; delete table" first: idempotent even after a crash. */
	char *s = xasprintf("table ip %s {}\n"
			    "delete table ip %s\n"
			    "table ip %s {\n"
			    "\tchain postrouting {\n"
			    "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
			    "\t\tip saddr %s ip daddr != %s masquerade\n"
			    "\t}\n"
			    "}\n",
			    t, t, t, sub, sub);
	free(t);
	return s;
}

char *labnet_conf_dnsmasq(const struct labnet *n, const char *dir)
{
	char a[16], b[16], mask[16];
	inet_ntop(AF_INET, &n->dhcp_start, a, sizeof(a));
	inet_ntop(AF_INET, &n->dhcp_end, b, sizeof(b));
	struct in_addr m = { htonl(labnet_conf_mask(n->prefix)) };
	inet_ntop(AF_INET, &m, mask, sizeof(mask));
	struct strv lines;
	strv_init(&lines);
	strv_pushf(&lines, "# written by vmdeck for lab network %s; removed by vmdeck net down", n->name);
	/* Bound to this bridge only: a host (or namespace) may run other
	 * dnsmasqs, and we must never answer on other interfaces. */
	strv_pushf(&lines, "interface=%s", n->bridge);
	strv_push(&lines, "bind-interfaces");
	strv_push(&lines, "except-interface=lo");
	strv_push(&lines, "no-hosts");
	strv_push(&lines, "dhcp-authoritative");
	strv_pushf(&lines, "dhcp-range=%s,%s,%s,%s", a, b, mask, n->lease_time);
	for (size_t i = 0; i < n->n_hosts; i++) {
		char mac[18], ip[16];
		mac_format(n->hosts[i].mac, mac);
		inet_ntop(AF_INET, &n->hosts[i].ip, ip, sizeof(ip));
		if (n->hosts[i].name)
			strv_pushf(&lines, "dhcp-host=%s,%s,%s", mac, ip, n->hosts[i].name);
		else
			strv_pushf(&lines, "dhcp-host=%s,%s", mac, ip);
	}
	strv_pushf(&lines, "dhcp-leasefile=%s/leases", dir);
	strv_pushf(&lines, "pid-file=%s/dnsmasq.pid", dir);
	/* dnsmasq drops root after opening its lease and pid files (which
	 * live in vmdeck's 0700 directory); run it as nobody. */
	strv_push(&lines, "user=nobody");
	size_t total = 0;
	for (size_t i = 0; i < lines.n; i++)
		total += strlen(lines.v[i]) + 1;
	char *s = xmalloc(total + 1), *p = s;
	for (size_t i = 0; i < lines.n; i++)
		p += sprintf(p, "%s\n", lines.v[i]);
	*p = 0;
	strv_clear(&lines);
	return s;
}
