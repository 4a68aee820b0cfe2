/* nlact: small rtnetlink actions on links by name (libnl-route), shared by
 * bridge, tap and labnet. Each opens its own short-lived socket: actions are
 * rare, and the watcher's sockets stay event-only. Changes are made with a
 * fresh object holding only the ifindex (a cached object would resend stale
 * attributes). Errors name the interface; EPERM mentions CAP_NET_ADMIN and
 * returns -ERR_PERM, no such interface -ERR_NOTFOUND (core/util.h). */
#ifndef VMDECK_NLACT_H
#define VMDECK_NLACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ifindex of name in this namespace, 0 if none. */
int nlact_ifindex(const char *name);
int nlact_set_mac(const char *name, const uint8_t mac[6], char **err);
int nlact_set_up(const char *name, bool up, char **err);
int nlact_set_mtu(const char *name, unsigned mtu, char **err);
/* master NULL: release from its master. */
int nlact_set_master(const char *name, const char *master, char **err);
int nlact_delete(const char *name, char **err);
/* Create a bridge; mac != NULL creates it pinned (IFLA_ADDRESS). */
int nlact_bridge_add(const char *name, const uint8_t *mac, char **err);
/* The kind of a link ("bridge", "tun", …; "" none), into buf. -1 if no link. */
int nlact_link_kind(const char *name, char *buf, size_t len);
/* The names of this namespace's bridges (one RTM_GETLINK dump), pushed
 * onto out in ifindex order: 0, or -1 when netlink cannot be opened. */
struct strv;
int nlact_bridges(struct strv *out);
/* The link's alias (IFLA_IFALIAS, `ip link set NAME alias TEXT`): any user
 * who can see the link can read it. get: "" when none; -1 if no link. */
int nlact_set_alias(const char *name, const char *alias, char **err);
int nlact_get_alias(const char *name, char *buf, size_t len);
/* Current MAC. */
int nlact_get_mac(const char *name, uint8_t mac[6], char **err);
/* Add / delete an IPv4 address with prefix on a link. */
int nlact_addr4(const char *name, uint32_t addr_be, unsigned prefix, bool add, char **err);
/* CAP_NET_ADMIN in this process's effective set (capability 12 of CapEff). */
bool nlact_have_net_admin(void);

#endif
