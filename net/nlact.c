/* nlact: rtnetlink link/address actions by name (see nlact.h). */
#include "net/nlact.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int nlact_ifindex(const char *name)
{
	return (int)if_nametoindex(name);
}

static int nl_fail(char **err, int r, const char *what, const char *name)
{
	if (r == -NLE_PERM)
		return error_kind_set(err, ERR_PERM, "%s %s: operation not permitted (needs root or CAP_NET_ADMIN)",
				      what, name);
	enum err_kind k = r == -NLE_NODEV || r == -NLE_OBJ_NOTFOUND ? ERR_NOTFOUND : r == -NLE_BUSY ? ERR_BUSY : ERR_FAILED;
	return error_kind_set(err, k, "%s %s: %s", what, name, nl_geterror(r));
}

static struct nl_sock *sock_open(char **err)
{
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk)
		fatal("out of memory");
	int r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		error_set(err, "netlink: %s", nl_geterror(r));
		return NULL;
	}
	return sk;
}

/* Apply `change` to the link called name (orig = fresh object, only ifindex). */
static int link_change(const char *name, struct rtnl_link *change, const char *what, char **err)
{
	int idx = nlact_ifindex(name);
	if (!idx) {
		rtnl_link_put(change);
		return error_kind_set(err, ERR_NOTFOUND, "%s: no interface %s in this network namespace", what, name);
	}
	struct nl_sock *sk = sock_open(err);
	if (!sk) {
		rtnl_link_put(change);
		return -1;
	}
	struct rtnl_link *orig = rtnl_link_alloc();
	rtnl_link_set_ifindex(orig, idx);
	int r = rtnl_link_change(sk, orig, change, 0);
	rtnl_link_put(orig);
	rtnl_link_put(change);
	nl_socket_free(sk);
	return r < 0 ? nl_fail(err, r, what, name) : 0;
}

int nlact_set_mac(const char *name, const uint8_t mac[6], char **err)
{
	struct rtnl_link *c = rtnl_link_alloc();
	struct nl_addr *a = nl_addr_build(AF_LLC, mac, 6);
	rtnl_link_set_addr(c, a);
	nl_addr_put(a);
	return link_change(name, c, "set MAC of", err);
}

int nlact_set_up(const char *name, bool up, char **err)
{
	struct rtnl_link *c = rtnl_link_alloc();
	if (up)
		rtnl_link_set_flags(c, IFF_UP);
	else
		rtnl_link_unset_flags(c, IFF_UP);
	return link_change(name, c, up ? "bring up" : "bring down", err);
}

int nlact_set_mtu(const char *name, unsigned mtu, char **err)
{
	struct rtnl_link *c = rtnl_link_alloc();
	rtnl_link_set_mtu(c, mtu);
	return link_change(name, c, "set MTU of", err);
}

int nlact_set_master(const char *name, const char *master, char **err)
{
	int m = 0;
	if (master && !(m = nlact_ifindex(master)))
		return error_set(err, "attach %s: bridge %s does not exist", name, master);
	struct rtnl_link *c = rtnl_link_alloc();
	rtnl_link_set_master(c, m);
	int r = link_change(name, c, master ? "attach" : "release", err);
	if (r < 0 && master)
		error_prefix(err, "bridge %s", master);
	return r < 0 ? r : 0;
}

int nlact_delete(const char *name, char **err)
{
	int idx = nlact_ifindex(name);
	if (!idx)
		return error_kind_set(err, ERR_NOTFOUND, "delete %s: no such interface", name);
	struct nl_sock *sk = sock_open(err);
	if (!sk)
		return -1;
	struct rtnl_link *l = rtnl_link_alloc();
	rtnl_link_set_ifindex(l, idx);
	int r = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	nl_socket_free(sk);
	return r < 0 ? nl_fail(err, r, "delete", name) : 0;
}

int nlact_bridge_add(const char *name, const uint8_t *mac, char **err)
{
	struct nl_sock *sk = sock_open(err);
	if (!sk)
		return -1;
	struct rtnl_link *l = rtnl_link_bridge_alloc();
	rtnl_link_set_name(l, name);
	if (mac) {
		struct nl_addr *a = nl_addr_build(AF_LLC, mac, 6);
		rtnl_link_set_addr(l, a);
		nl_addr_put(a);
	}
	int r = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	nl_socket_free(sk);
	return r < 0 ? nl_fail(err, r, "create bridge", name) : 0;
}

static struct rtnl_link *link_get(const char *name)
{
	struct nl_sock *sk = sock_open(NULL);
	if (!sk)
		return NULL;
	struct rtnl_link *l = NULL;
	if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
		l = NULL;
	nl_socket_free(sk);
	return l;
}

int nlact_link_kind(const char *name, char *buf, size_t len)
{
	struct rtnl_link *l = link_get(name);
	if (!l)
		return -1;
	const char *k = rtnl_link_get_type(l);
	snprintf(buf, len, "%s", k ? k : "");
	rtnl_link_put(l);
	return 0;
}

int nlact_bridges(struct strv *out)
{
	struct nl_sock *sk = sock_open(NULL);
	struct nl_cache *cache = NULL;
	if (!sk)
		return -1;
	int r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	nl_socket_free(sk);
	if (r < 0)
		return -1;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		/* The type, not rtnl_link_is_bridge(): that is true for ports too. */
		const char *k = rtnl_link_get_type(l);
		if (k && strcmp(k, "bridge") == 0 && rtnl_link_get_name(l))
			strv_push(out, rtnl_link_get_name(l));
	}
	nl_cache_free(cache);
	return 0;
}

int nlact_set_alias(const char *name, const char *alias, char **err)
{
	struct rtnl_link *c = rtnl_link_alloc();
	rtnl_link_set_ifalias(c, alias);
	return link_change(name, c, "set the alias of", err);
}

int nlact_get_alias(const char *name, char *buf, size_t len)
{
	struct rtnl_link *l = link_get(name);
	if (!l)
		return -1;
	const char *a = rtnl_link_get_ifalias(l);
	snprintf(buf, len, "%s", a ? a : "");
	rtnl_link_put(l);
	return 0;
}

int nlact_get_mac(const char *name, uint8_t mac[6], char **err)
{
	struct rtnl_link *l = link_get(name);
	if (!l)
		return error_kind_set(err, ERR_NOTFOUND, "no interface %s in this network namespace", name);
	struct nl_addr *a = rtnl_link_get_addr(l);
	int r = 0;
	if (a && nl_addr_get_len(a) == 6)
		memcpy(mac, nl_addr_get_binary_addr(a), 6);
	else
		r = error_set(err, "%s has no MAC address", name);
	rtnl_link_put(l);
	return r;
}

int nlact_addr4(const char *name, uint32_t addr_be, unsigned prefix, bool add, char **err)
{
	int idx = nlact_ifindex(name);
	if (!idx)
		return error_kind_set(err, ERR_NOTFOUND, "address on %s: no such interface", name);
	struct nl_sock *sk = sock_open(err);
	if (!sk)
		return -1;
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET, &addr_be, 4);
	nl_addr_set_prefixlen(local, (int)prefix);
	rtnl_addr_set_ifindex(a, idx);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, (int)prefix);
	if (add) {
		/* The broadcast address, as `ip addr add ... brd +` would. */
		uint32_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
		uint32_t brd = addr_be | ~mask;
		struct nl_addr *b = nl_addr_build(AF_INET, &brd, 4);
		rtnl_addr_set_broadcast(a, b);
		nl_addr_put(b);
	}
	int r = add ? rtnl_addr_add(sk, a, NLM_F_CREATE | NLM_F_EXCL) : rtnl_addr_delete(sk, a, 0);
	nl_addr_put(local);
	rtnl_addr_put(a);
	nl_socket_free(sk);
	return r < 0 ? nl_fail(err, r, add ? "add address on" : "delete address on", name) : 0;
}

bool nlact_have_net_admin(void)
{
	char *s = file_read_all("/proc/self/status", NULL);
	char *c = s ? strstr(s, "\nCapEff:") : NULL;
	bool r = c && (strtoull(c + 8, NULL, 16) >> 12 & 1);
	free(s);
	return r;
}
