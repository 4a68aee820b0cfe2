/* heal: which bridges are healed (a small JSON file per namespace), and the
 * announcements: gratuitous ARP through a packet socket on the bridge (as the
 * kernel's arp_notify sends it: an ARP request for the address from the
 * address, to broadcast), unsolicited NA through a raw ICMPv6 socket (as
 * ndisc_notify sends it: to all nodes, override set, router as forwarding). */
#include "net/heal.h"
#include "core/closer.h"
#include "net/machist.h"
#include "net/nlact.h"
#include "core/paths.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the state ----------------------------------------------------------- */

static char *state_path(const char *dir, struct machist_netns *ns, char **err)
{
	if (machist_netns_self(ns, err) < 0)
		return NULL;
	char *d = dir ? xstrdup(dir) : path_join(paths_runtime_dir(), "heal");
	char *p = xasprintf("%s/net-%" PRIu64 "-%" PRIu64 ".json", d, ns->dev, ns->ino);
	free(d);
	return p;
}

/* The file's bridge list when it is this namespace's; else NULL. *doc is
 * the document to put. */
static json_object *state_bridges(const char *path, const struct machist_netns *ns, json_object **doc)
{
	*doc = NULL;
	char *s = file_read_all(path, NULL);
	json_object *o = s ? json_tokener_parse(s) : NULL;
	free(s);
	json_object *n, *v, *b;
	struct machist_netns rec = { 0 };
	if (!o || !json_object_object_get_ex(o, "netns", &n) || !json_object_object_get_ex(o, "bridges", &b) ||
	    !json_object_is_type(b, json_type_array)) {
		json_object_put(o);
		return NULL;
	}
	if (json_object_object_get_ex(n, "dev", &v))
		rec.dev = json_object_get_uint64(v);
	if (json_object_object_get_ex(n, "ino", &v))
		rec.ino = json_object_get_uint64(v);
	if (json_object_object_get_ex(n, "cookie", &v))
		rec.cookie = json_object_get_uint64(v);
	if (json_object_object_get_ex(n, "boot_id", &v))
		snprintf(rec.boot_id, sizeof(rec.boot_id), "%s", json_object_get_string(v));
	if (!machist_netns_same(ns, &rec)) {
		json_object_put(o);
		return NULL;
	}
	*doc = o;
	return b;
}

static bool entry_is(json_object *e, const char *bridge, int ifindex)
{
	json_object *v;
	return json_object_object_get_ex(e, "bridge", &v) && strcmp(json_object_get_string(v), bridge) == 0 &&
	       json_object_object_get_ex(e, "ifindex", &v) && json_object_get_int(v) == ifindex;
}

bool heal_get(const char *dir, const char *bridge, int ifindex)
{
	struct machist_netns ns;
	char *path = state_path(dir, &ns, NULL);
	if (!path)
		return false;
	json_object *doc, *b = state_bridges(path, &ns, &doc);
	free(path);
	bool on = false;
	for (size_t i = 0; b && i < json_object_array_length(b) && !on; i++)
		on = entry_is(json_object_array_get_idx(b, i), bridge, ifindex);
	json_object_put(doc);
	return on;
}

int heal_set(const char *dir, const char *bridge, bool on, char **err)
{
	char kind[16];
	if (nlact_link_kind(bridge, kind, sizeof(kind)) < 0)
		return error_kind_set(err, ERR_NOTFOUND, "heal: no bridge %s in this network namespace", bridge);
	if (strcmp(kind, "bridge") != 0)
		return error_kind_set(err, ERR_INVALID, "heal: %s is not a bridge (kind \"%s\")", bridge, kind);
	if (on) { /* a heal nobody here may announce would only look like one */
		int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 && (errno == EPERM || errno == EACCES))
			return error_kind_set(err, ERR_PERM, "heal %s: announcing its MAC needs root or CAP_NET_RAW", bridge);
		closer_close(fd);
	}
	int ifindex = (int)if_nametoindex(bridge);
	struct machist_netns ns;
	char *path = state_path(dir, &ns, err);
	if (!path)
		return -1;
	json_object *doc, *old = state_bridges(path, &ns, &doc);
	json_object *list = json_object_new_array();
	/* Keep the other bridges that still are what they were. */
	for (size_t i = 0; old && i < json_object_array_length(old); i++) {
		json_object *e = json_object_array_get_idx(old, i), *v, *x;
		if (!json_object_object_get_ex(e, "bridge", &v) || !json_object_object_get_ex(e, "ifindex", &x))
			continue;
		const char *name = json_object_get_string(v);
		if (strcmp(name, bridge) == 0 || (int)if_nametoindex(name) != json_object_get_int(x))
			continue;
		json_object_array_add(list, json_object_get(e));
	}
	json_object_put(doc);
	if (on) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "bridge", json_object_new_string(bridge));
		json_object_object_add(e, "ifindex", json_object_new_int(ifindex));
		json_object_array_add(list, e);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "netns", machist_netns_json(&ns));
	json_object_object_add(o, "bridges", list);
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	char *d = xstrndup(path, (size_t)(strrchr(path, '/') - path));
	int rc = paths_private_dir(d, err);
	if (rc == 0)
		rc = file_write_atomic(path, s, strlen(s), 0600, err);
	free(d);
	free(path);
	json_object_put(o);
	return rc < 0 ? -1 : 0;
}

/* ---- announcing ---------------------------------------------------------- */

struct arp_eth_ipv4 {
	uint16_t htype, ptype;
	uint8_t hlen, plen;
	uint16_t op;
	uint8_t sha[6], spa[4], tha[6], tpa[4];
} __attribute__((packed));

static int garp(int fd, int ifindex, const uint8_t mac[6], const struct in_addr *a)
{
	struct arp_eth_ipv4 p = { .htype = htons(1), .ptype = htons(ETH_P_IP), .hlen = 6, .plen = 4, .op = htons(1) };
	memcpy(p.sha, mac, 6);
	memcpy(p.spa, a, 4);
	memcpy(p.tpa, a, 4);
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP), .sll_ifindex = ifindex,
				  .sll_halen = 6 };
	memset(to.sll_addr, 0xff, 6);
	return sendto(fd, &p, sizeof(p), 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)sizeof(p) ? 0 : -1;
}

static bool forwarding6(const char *bridge)
{
	char *path = xasprintf("/proc/sys/net/ipv6/conf/%s/forwarding", bridge);
	char *s = file_read_all(path, NULL);
	free(path);
	bool on = s && s[0] == '1';
	free(s);
	return on;
}

static int unsol_na(const char *bridge, int ifindex, const uint8_t mac[6], const struct sockaddr_in6 *src)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -1;
	int hops = 255;
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
	struct sockaddr_in6 from = *src;
	if (IN6_IS_ADDR_LINKLOCAL(&from.sin6_addr))
		from.sin6_scope_id = (uint32_t)ifindex;
	struct {
		struct nd_neighbor_advert na;
		uint8_t opt[8];
	} m = { 0 };
	m.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	m.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE | (forwarding6(bridge) ? ND_NA_FLAG_ROUTER : 0);
	m.na.nd_na_target = src->sin6_addr;
	m.opt[0] = ND_OPT_TARGET_LINKADDR;
	m.opt[1] = 1;
	memcpy(m.opt + 2, mac, 6);
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	int rc = bind(fd, (struct sockaddr *)&from, sizeof(from)) == 0 && /* a tentative address will not bind */
			 sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)sizeof(m)
		 ? 0 : -1;
	close(fd);
	return rc;
}

int heal_announce(const char *bridge, int ifindex, const uint8_t mac[6], unsigned *sent, char **err)
{
	*sent = 0;
	struct ifaddrs *ifs;
	if (getifaddrs(&ifs) < 0)
		return error_set(err, "heal %s: addresses: %s", bridge, strerror(errno));
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 0;
	if (fd < 0) {
		bool perm = errno == EPERM || errno == EACCES;
		rc = error_kind_set(err, perm ? ERR_PERM : ERR_FAILED, "heal %s: packet socket: %s%s", bridge,
				    strerror(errno), perm ? " (needs root or CAP_NET_RAW)" : "");
	}
	for (struct ifaddrs *i = ifs; i && fd >= 0; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, bridge) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET &&
		    garp(fd, ifindex, mac, &((struct sockaddr_in *)i->ifa_addr)->sin_addr) == 0)
			(*sent)++;
		else if (i->ifa_addr->sa_family == AF_INET6 &&
			 unsol_na(bridge, ifindex, mac, (struct sockaddr_in6 *)i->ifa_addr) == 0)
			(*sent)++;
	}
	closer_close(fd); /* a packet socket's close waits for a grace period */
	freeifaddrs(ifs);
	return rc;
}
