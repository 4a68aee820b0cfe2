/* labnet_libvirt: lab network -> libvirt network XML (see the header). */
#include "net/labnet_libvirt.h"

#include <arpa/inet.h>
#include <libxml/xmlwriter.h>
#include "core/xmlso.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nw {
	xmlTextWriterPtr w;
	int rc; /* the first libxml2 failure (< 0), else 0 */
};

static void ok(struct nw *w, int r)
{
	if (r < 0 && !w->rc)
		w->rc = r;
}

static void empty(struct nw *w, const char *name, const char *const *kv)
{
	ok(w, xmlTextWriterStartElement(w->w, BAD_CAST name));
	for (; kv && kv[0]; kv += 2)
		if (kv[1])
			ok(w, xmlTextWriterWriteAttribute(w->w, BAD_CAST kv[0], BAD_CAST kv[1]));
	ok(w, xmlTextWriterEndElement(w->w));
}

/* dnsmasq's lease time ("1h", "45m", "3600", "2d", "infinite") as libvirt's
 * <lease expiry unit>: 0, or -1 when it is none of those. */
static int lease(const char *s, char expiry[24], const char **unit)
{
	unsigned long long n;
	size_t d = strspn(s, "0123456789");
	if (!strcmp(s, "infinite")) {
		snprintf(expiry, 24, "0");
		*unit = "hours";
		return 0;
	}
	char *digits = xstrndup(s, d);
	int rc = d && !(s[d] && s[d + 1]) ? parse_uint(digits, 1, 1ull << 31, &n) : -1;
	free(digits);
	if (rc < 0)
		return -1;
	static const struct { char c; const char *unit; unsigned mul; } units[] = {
		{ '\0', "seconds", 1 }, { 's', "seconds", 1 }, { 'm', "minutes", 1 }, { 'h', "hours", 1 },
		{ 'd', "hours", 24 }, { 'w', "hours", 168 },
	};
	for (size_t i = 0; i < ARRAY_LEN(units); i++)
		if (s[d] == units[i].c) {
			snprintf(expiry, 24, "%llu", n * units[i].mul);
			*unit = units[i].unit;
			return 0;
		}
	return -1;
}

static void write_dhcp(struct nw *w, const struct labnet *n, struct strv *notes)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], expiry[24];
	const char *unit = NULL;
	ok(w, xmlTextWriterStartElement(w->w, BAD_CAST "dhcp"));
	inet_ntop(AF_INET, &n->dhcp_start, a, sizeof a);
	inet_ntop(AF_INET, &n->dhcp_end, b, sizeof b);
	ok(w, xmlTextWriterStartElement(w->w, BAD_CAST "range"));
	ok(w, xmlTextWriterWriteAttribute(w->w, BAD_CAST "start", BAD_CAST a));
	ok(w, xmlTextWriterWriteAttribute(w->w, BAD_CAST "end", BAD_CAST b));
	const char *lt = n->lease_time ? n->lease_time : "1h";
	if (lease(lt, expiry, &unit) == 0)
		empty(w, "lease", (const char *const[]){ "expiry", expiry, "unit", unit, NULL });
	else
		strv_pushf(notes, "dhcp.lease_time '%s': not a time libvirt's <lease> takes; libvirt's default (1 hour)", lt);
	ok(w, xmlTextWriterEndElement(w->w));
	for (size_t i = 0; i < n->n_hosts; i++) {
		char mac[18], ip[INET_ADDRSTRLEN];
		mac_format(n->hosts[i].mac, mac);
		inet_ntop(AF_INET, &n->hosts[i].ip, ip, sizeof ip);
		empty(w, "host", (const char *const[]){ "mac", mac, "name", n->hosts[i].name, "ip", ip, NULL });
	}
	ok(w, xmlTextWriterEndElement(w->w));
}

static void write_network(struct nw *w, const struct labnet *n, struct strv *notes)
{
	char mac[18], ip[INET_ADDRSTRLEN], prefix[8];
	uint8_t m[6];
	if (n->has_mac)
		memcpy(m, n->mac, 6);
	else
		mac_from_name(n->name, m);
	mac_format(m, mac);
	inet_ntop(AF_INET, &n->address, ip, sizeof ip);
	snprintf(prefix, sizeof prefix, "%u", n->prefix);
	ok(w, xmlTextWriterStartDocument(w->w, NULL, NULL, NULL));
	ok(w, xmlTextWriterStartElement(w->w, BAD_CAST "network"));
	ok(w, xmlTextWriterWriteElement(w->w, BAD_CAST "name", BAD_CAST n->name));
	if (n->nat)
		empty(w, "forward", (const char *const[]){ "mode", "nat", NULL });
	empty(w, "bridge", (const char *const[]){ "name", n->bridge, "stp", "on", "delay", "0", NULL });
	empty(w, "mac", (const char *const[]){ "address", mac, NULL });
	ok(w, xmlTextWriterStartElement(w->w, BAD_CAST "ip"));
	ok(w, xmlTextWriterWriteAttribute(w->w, BAD_CAST "address", BAD_CAST ip));
	ok(w, xmlTextWriterWriteAttribute(w->w, BAD_CAST "prefix", BAD_CAST prefix));
	if (n->dhcp)
		write_dhcp(w, n, notes);
	ok(w, xmlTextWriterEndElement(w->w));
	ok(w, xmlTextWriterEndElement(w->w));
	ok(w, xmlTextWriterEndDocument(w->w));
	if (!n->pin)
		strv_pushf(notes, "pin: false does not cross over: libvirt always creates its bridge with the MAC given (%s)",
			   mac);
	if (n->tap_mac_policy != MAC_POLICY_DERIVED)
		strv_pushf(notes, "tap_mac_policy %s does not cross over: libvirt gives each TAP the guest's MAC with the "
			   "first byte 0xFE (vmdeck's 'derived')", mac_policy_name(n->tap_mac_policy));
}

int labnet_libvirt_xml(const struct labnet *n, char **xml, struct strv *notes, char **err)
{
	*xml = NULL;
	if (xmlso_load(err) < 0)
		return -1;
	xmlBufferPtr buf = xmlBufferCreate();
	struct nw w = { .w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL };
	if (!w.w)
		fatal("out of memory");
	xmlTextWriterSetIndent(w.w, 1);
	xmlTextWriterSetIndentString(w.w, BAD_CAST "  ");
	write_network(&w, n, notes);
	xmlFreeTextWriter(w.w);
	int rc = 0;
	if (w.rc < 0)
		rc = error_set(err, "%s: libxml2 could not write the network XML", n->name);
	else
		*xml = xstrdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	return rc;
}
