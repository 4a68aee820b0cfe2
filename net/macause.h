/* macause: why a bridge's MAC changed. Pure: events in (ports joining and
 * leaving bridges, port MAC changes, bridge MAC changes, each with its time
 * and, for a bridge, whether sysfs says it is pinned), attributed changes
 * out. No netlink, no I/O, no clock, no globals: linkwatch feeds it from its
 * netlink callbacks, tests feed it tables. Never includes curses. */
#ifndef VMDECK_MACAUSE_H
#define VMDECK_MACAUSE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A bridge MAC change is attributed to a port event this close to it: the
 * kernel sends both from one syscall, so they are read microseconds apart.
 * A change still unexplained after MACAUSE_TIMEOUT_US (a slow reader) is
 * resolved by force, accepting port events up to MACAUSE_WINDOW_US away. */
#define MACAUSE_NEAR_US 50000
#define MACAUSE_WINDOW_US 1000000
#define MACAUSE_TIMEOUT_US 200000
/* At most this many bridge changes wait for their cause (see macause_feed). */
#define MACAUSE_PENDING_MAX 64

/* Why a bridge's MAC changed. */
enum bridge_mac_cause {
	BRIDGE_MAC_CAUSE_UNKNOWN = 0,
	BRIDGE_MAC_CAUSE_PORT_JOINED,      /* port (below) joined; its MAC is now the lowest */
	BRIDGE_MAC_CAUSE_PORT_LEFT,        /* port left (or was deleted); it held the lowest MAC */
	BRIDGE_MAC_CAUSE_PORT_MAC_CHANGED, /* port changed its own MAC */
	BRIDGE_MAC_CAUSE_SET,              /* set explicitly (pinned): vmdeck net pin, ip link set address */
};

/* One change of a bridge's MAC. */
struct bridge_mac_change {
	uint64_t wall_us;     /* CLOCK_REALTIME, microseconds */
	uint64_t mono_us;     /* CLOCK_MONOTONIC, microseconds ("just changed" highlighting) */
	uint8_t old_mac[6], new_mac[6];
	enum bridge_mac_cause cause;
	char port[IF_NAMESIZE]; /* the port the cause names ("" when unknown / set) */
	int port_ifindex;
	uint8_t port_mac[6];  /* that port's MAC (for port-mac-changed: its new MAC) */
	char text[160];       /* "tap1 (2e:fa:…) joined: 62:93:… -> 2e:fa:…" for humans */
};

/* The kernel's rule (br_stp_recalculate_bridge_id): a bridge whose MAC was
 * never set explicitly takes the numerically lowest port MAC; with no ports
 * it is 00:00:00:00:00:00. The one copy of the rule: attribution and the
 * prediction (bridge_predict_join) both use it. */
void macause_lowest_mac(const uint8_t (*port_macs)[6], size_t n_ports, uint8_t out[6]);

enum macause_event_type {
	MACAUSE_PORT_PRESENT = 0, /* enslaved when watching began: joined before, explains nothing now */
	MACAUSE_PORT_JOINED,      /* port got bridge as its master */
	MACAUSE_PORT_LEFT,        /* port lost its master, or was deleted while enslaved */
	MACAUSE_PORT_MAC,         /* an enslaved port's MAC changed from old_mac to mac */
	MACAUSE_BRIDGE_MAC,       /* the bridge's own MAC changed from old_mac to mac */
	MACAUSE_BRIDGE_GONE,      /* the bridge was deleted: forget it, its ports and its pending changes */
};

struct macause_event {
	enum macause_event_type type;
	uint64_t mono_us;           /* when it was seen (CLOCK_MONOTONIC, µs) */
	uint64_t wall_us;           /* BRIDGE_MAC: CLOCK_REALTIME, for the record */
	int bridge;                 /* the bridge's ifindex */
	int port;                   /* port events: the port's ifindex */
	const char *port_name;      /* port events (copied) */
	uint8_t old_mac[6];         /* PORT_MAC, BRIDGE_MAC: the MAC before */
	uint8_t mac[6];             /* the port's (new) MAC, or the bridge's new MAC */
	bool pinned;                /* BRIDGE_MAC: sysfs addr_assign_type is 3 (set explicitly) */
};

struct macause;

/* Owns its state: the enslaved ports, and port events that moved a bridge's
 * MAC by the rule, kept for MACAUSE_WINDOW_US (1,024 at most). */
struct macause *macause_new(void);
void macause_free(struct macause *m);

/* Take one event, in the order they were read. Nothing is attributed here.
 * Before feeding a BRIDGE_MAC while MACAUSE_PENDING_MAX changes wait, resolve
 * them by force (macause_next with force); else the oldest is dropped. */
void macause_feed(struct macause *m, const struct macause_event *ev);

/* The oldest waiting change, if its cause is decided at now_mono_us: the
 * port event that explains it — the rule over the bridge's ports just before
 * and after the event gives the change's old and new MAC (any old when it had
 * no ports), and the event explained no other change — closest in time
 * (within MACAUSE_NEAR_US, or MACAUSE_WINDOW_US once forced; before or after
 * the change: the kernel sends them in either order); else "set" when the
 * bridge is pinned; once
 * forced (force, or waiting MACAUSE_TIMEOUT_US), "set" when the new MAC is no
 * port's, else unknown. Order is kept: a later change waits for an earlier.
 * Returns false when none is ready; else fills *bridge (its ifindex) and
 * *out (text included). */
bool macause_next(struct macause *m, uint64_t now_mono_us, bool force, int *bridge, struct bridge_mac_change *out);

/* How many changes wait for their cause (linkwatch arms a timer). */
size_t macause_pending(const struct macause *m);

#endif
