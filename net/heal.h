/* heal: announce a bridge's MAC to the guests behind it — a gratuitous ARP
 * for each of its IPv4 addresses and an unsolicited neighbour advertisement
 * for each IPv6 one — so that a guest whose ARP entry holds a former MAC
 * learns the new one at once instead of after its ARP timers (seconds).
 * The fix for a bridge that cannot be pinned (someone else's).
 *
 * Whether a bridge is healed is kept per network namespace, like a pin: it
 * lasts as long as that bridge (a new bridge of the same name, another
 * ifindex, is not healed), and every vmdeck of the user in the namespace sees
 * it: <runtime>/heal/net-<dev>-<ino>.json (the namespace's identity as in
 * net/machist.h). Any vmdeck watching (the TUI, `vmdeck watch`) announces
 * right after a change (net/outage.c). Announcing needs root or CAP_NET_RAW.
 * Never includes curses. */
#ifndef VMDECK_HEAL_H
#define VMDECK_HEAL_H

#include <stdbool.h>
#include <stdint.h>

/* Turn heal on or off for bridge (which must exist and be a bridge:
 * -ERR_NOTFOUND / -ERR_INVALID; on without CAP_NET_RAW: -ERR_PERM, nothing
 * saved). dir NULL: <runtime>/heal. */
int heal_set(const char *dir, const char *bridge, bool on, char **err);
/* Whether heal is on for this bridge (name and ifindex). Reads the small
 * file each time: a change made by another vmdeck counts at once. */
bool heal_get(const char *dir, const char *bridge, int ifindex);

/* Announce mac (the bridge's current MAC) for every address of the bridge.
 * *sent: how many announcements went out. -ERR_PERM without CAP_NET_RAW; a
 * bridge with no address sends nothing and returns 0. */
int heal_announce(const char *bridge, int ifindex, const uint8_t mac[6], unsigned *sent, char **err);

#endif
