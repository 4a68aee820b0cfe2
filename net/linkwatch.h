/* linkwatch: a live model of the links of the network namespace vmdeck runs
 * in, driven by netlink events (libnl cache manager on RTNLGRP_LINK; its fd
 * sits in the loop's poll, nothing sleeps or polls for link changes), with
 * traffic rates from one cheap RTM_GETSTATS dump per interval, bridges with
 * their ports, and each bridge's MAC history with the cause of every change.
 * Watching needs no privilege. Never includes curses. */
#ifndef VMDECK_LINKWATCH_H
#define VMDECK_LINKWATCH_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/macause.h"

struct loop;
struct linkwatch;

/* Per-bridge MAC history keeps the last this many changes. */
#define LINKWATCH_HISTORY_MAX 256

/* What kind of link, from IFLA_INFO_KIND and the ARP type. */
enum link_type {
	LINK_TYPE_OTHER = 0,
	LINK_TYPE_LOOPBACK,
	LINK_TYPE_ETHER,    /* a physical NIC or anything Ethernet without a kind */
	LINK_TYPE_BRIDGE,
	LINK_TYPE_TAP,      /* kind "tun" in TAP mode (Ethernet): a VM port */
	LINK_TYPE_TUN,      /* kind "tun" in TUN mode (no Ethernet header) */
	LINK_TYPE_VETH,
	LINK_TYPE_VLAN,
	LINK_TYPE_BOND,
	LINK_TYPE_DUMMY,
};
const char *link_type_name(enum link_type t); /* "bridge", "tap", "veth", … */

/* Cumulative counters as the kernel reports them (64-bit). */
struct link_stats {
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
	uint64_t rx_errors, tx_errors, rx_dropped, tx_dropped;
};

/* Per-second rates over the last stats interval. */
struct link_rates {
	double rx_bps, tx_bps;       /* bits per second */
	double rx_pps, tx_pps;       /* packets per second */
};

/* Why a bridge's MAC changed (enum bridge_mac_cause) and one change (struct
 * bridge_mac_change): net/macause.h, where attribution lives. */
const char *bridge_mac_cause_name(enum bridge_mac_cause c); /* "port-joined", … */

/* One link. Borrowed from the model: valid until the next dispatch/resync. */
struct link_info {
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	bool has_mac;           /* false for links without a link-layer address */
	enum link_type type;
	char kind[16];          /* IFLA_INFO_KIND as the kernel says ("bridge", "tun", …), or "" */
	uint8_t operstate;      /* IF_OPER_* (linux/if.h) */
	const char *operstate_name; /* "UP", "DOWN", "UNKNOWN", "LOWERLAYERDOWN", … (ip's names) */
	bool admin_up;          /* IFF_UP */
	bool carrier;           /* IFF_LOWER_UP */
	int master;             /* ifindex of the master (bridge), 0 = none */
	unsigned mtu;
	uint64_t seen_mono_us;  /* when the model first saw it */

	/* Traffic (after the first two stats reads; has_rates says so). */
	struct link_stats stats;
	struct link_rates rates;
	bool has_stats, has_rates;

	/* Bridges only. */
	bool pinned;            /* MAC set explicitly: sysfs addr_assign_type == 3 */
	bool pinned_known;      /* false when sysfs is not this namespace's */
	bool at_risk;           /* unpinned and has at least one TAP (VM) port (without sysfs:
	                         * pinned is inferred when its MAC is not the lowest port MAC) */
	size_t n_ports, n_vm_ports;
	const struct bridge_mac_change *history; /* oldest first; min(n_history, LINKWATCH_HISTORY_MAX) entries */
	size_t n_history;       /* total changes seen while watched */
	uint64_t mac_changed_mono_us; /* 0 = never changed while watched */
};

/* Events for the UI and `vmdeck watch`. */
enum linkwatch_event_type {
	LINKWATCH_EV_ADDED = 0,       /* link appeared */
	LINKWATCH_EV_REMOVED,         /* link went away (link is a final snapshot) */
	LINKWATCH_EV_UP,              /* operstate became UP (or admin up + carrier) */
	LINKWATCH_EV_DOWN,            /* no longer up */
	LINKWATCH_EV_PORT_JOINED,     /* link got a master (bridge) */
	LINKWATCH_EV_PORT_LEFT,       /* link lost its master */
	LINKWATCH_EV_MAC_CHANGED,     /* a non-bridge link's MAC changed */
	LINKWATCH_EV_BRIDGE_MAC_CHANGED, /* change points at the history entry */
	LINKWATCH_EV_RENAMED,
	LINKWATCH_EV_MTU_CHANGED,
	LINKWATCH_EV_RESYNC,          /* receive buffer overflowed: model rebuilt from a dump */
	LINKWATCH_EV_STATS,           /* rates refreshed (no link: all links) */
};
const char *linkwatch_event_name(enum linkwatch_event_type t); /* "added", "bridge-mac-changed", … */

struct linkwatch_event {
	enum linkwatch_event_type type;
	uint64_t wall_us, mono_us;
	const struct link_info *link;   /* the link (NULL for RESYNC / STATS) */
	const struct link_info *bridge; /* PORT_JOINED/LEFT: the bridge; BRIDGE_MAC_CHANGED: the bridge */
	const struct bridge_mac_change *change; /* BRIDGE_MAC_CHANGED only */
	uint8_t old_mac[6];             /* MAC_CHANGED */
	char old_name[IF_NAMESIZE];     /* RENAMED */
	unsigned old_mtu;               /* MTU_CHANGED */
};

typedef void (*linkwatch_change_cb)(struct linkwatch *lw, const struct linkwatch_event *ev, void *arg);

struct linkwatch_options {
	unsigned stats_interval_ms; /* 0 = default 1000; UINT32_MAX = never */
	size_t rcvbuf_bytes;        /* 0 = default 8 MiB (tests force tiny ones to exercise resync) */
};

/* Start watching the current namespace: subscribe, dump, build the model.
 * With a loop, the netlink fd and the stats timer are registered there;
 * with loop == NULL the model is a snapshot (no events, no rates) that
 * linkwatch_resync() can refresh. opts may be NULL. */
struct linkwatch *linkwatch_new(struct loop *loop, const struct linkwatch_options *opts, char **err);
void linkwatch_free(struct linkwatch *lw);

/* Called for every event, after the model is updated. One callback. */
void linkwatch_set_on_change(struct linkwatch *lw, linkwatch_change_cb cb, void *arg);

/* Called at once when a bridge's own MAC changes, while its cause is still
 * being decided (the LINKWATCH_EV_BRIDGE_MAC_CHANGED event with the same
 * wall_us and mono_us follows, up to MACAUSE_TIMEOUT_US later): for what
 * cannot wait, like re-aiming packet filters at the former MAC and
 * announcing the new one (net/outage.h). One hook; NULL removes it. */
typedef void (*linkwatch_bridge_mac_cb)(struct linkwatch *lw, const struct link_info *bridge,
					const uint8_t old_mac[6], uint64_t wall_us, uint64_t mono_us, void *arg);
void linkwatch_set_on_bridge_mac(struct linkwatch *lw, linkwatch_bridge_mac_cb cb, void *arg);

/* Rebuild the model from a fresh dump, firing events for the differences. */
int linkwatch_resync(struct linkwatch *lw, char **err);

/* Iteration. All pointers are borrowed and valid until the next dispatch,
 * resync or stats refresh. */
size_t linkwatch_count(const struct linkwatch *lw);
const struct link_info *linkwatch_link(const struct linkwatch *lw, size_t i); /* by ifindex */
const struct link_info *linkwatch_find_name(const struct linkwatch *lw, const char *name);
/* Bridges sorted by name. */
size_t linkwatch_bridge_count(const struct linkwatch *lw);
const struct link_info *linkwatch_bridge(const struct linkwatch *lw, size_t i);
/* Ports of a bridge, sorted by name. */
size_t linkwatch_port_count(const struct linkwatch *lw, int bridge_ifindex);
const struct link_info *linkwatch_port(const struct linkwatch *lw, int bridge_ifindex, size_t i);

/* Pure helpers (unit-tested). */
/* Counter delta that survives a wrap (64-bit, and 32-bit counters
 * zero-extended) and a reset (counted from zero). */
uint64_t linkwatch_counter_delta(uint64_t old, uint64_t now);
/* Rates from two samples interval_us apart. */
void linkwatch_rates_compute(const struct link_stats *old, const struct link_stats *now, uint64_t interval_us,
			     struct link_rates *out);

/* The model as JSON: an array of {ifindex, ifname, address, kind, type,
 * operstate, master, mtu, flags…} comparable with `ip -j -d link`
 * (tests/net/model_eq.sh). Caller frees. */
char *linkwatch_dump_json(const struct linkwatch *lw);
/* One event as a JSON object string (the `vmdeck watch --json` line), and as
 * a human line. Caller frees. */
char *linkwatch_event_json(const struct linkwatch_event *ev);
char *linkwatch_event_text(const struct linkwatch_event *ev);

#endif
