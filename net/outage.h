/* outage: what a bridge MAC change cost each guest, measured from the
 * guests' own traffic, never by sending them anything. After a change, a
 * guest whose ARP (or neighbour) entry still holds a former MAC of its
 * bridge keeps sending frames to it, and the host drops them; each port of
 * the bridge gets a packet socket whose classic BPF filter (rebuilt on every
 * change) passes only the frames the port's guest sends to a former bridge
 * MAC and, while the guest is losing frames, the first one to the new MAC:
 * normal traffic never reaches user space. Per change and port: the frames
 * lost, the first and last of them, and the outage (change -> first frame to
 * the new MAC, or -> the last lost frame). Needs root or CAP_NET_RAW; without
 * it outage_unavailable() says why. Heal (net/heal.h) is announced from here
 * right after a change. Never includes curses. */
#ifndef VMDECK_OUTAGE_H
#define VMDECK_OUTAGE_H

#include <linux/filter.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct linkwatch;
struct linkwatch_event;
struct outage;

/* At most this many former MACs per bridge are watched (the newest). */
#define OUTAGE_FORMER_MAX 16
/* Ports are watched this long after their bridge's last change; then the
 * sockets close (a guest re-resolves long before). */
#define OUTAGE_WATCH_US (300ULL * 1000000)
/* An outage with no lost frame for this long ends at its last lost frame
 * (the guest went quiet without using the new MAC). */
#define OUTAGE_IDLE_US (30ULL * 1000000)
/* The newest this many changes are kept in memory. */
#define OUTAGE_CHANGES_MAX 256
/* A filter: 6 instructions, 4 per MAC, 2 returns. */
#define OUTAGE_BPF_MAX (8 + 4 * (OUTAGE_FORMER_MAX + 1))
/* Bytes of a passed frame copied to user space (the Ethernet header and a little). */
#define OUTAGE_SNAPLEN 64

/* One port's (guest's) cost of one change. */
struct outage_guest {
	char port[IF_NAMESIZE];
	int port_ifindex;
	char vm[64];           /* the VM that owns the port ("" when none is known) */
	uint64_t frames;       /* frames sent to a former bridge MAC since the change */
	uint64_t first_us, last_us; /* CLOCK_REALTIME of the first and last of them (kernel time stamps) */
	uint64_t new_us;       /* the first frame to the new MAC after the last lost one; 0: none yet */
	uint64_t duration_us;  /* change -> new_us, else change -> last_us */
	bool open;             /* still losing frames */
	bool superseded;       /* ended by the bridge's next change */
	uint64_t counted_us;   /* (the observer's) the part of duration_us already in the totals */
};

/* One bridge MAC change and what it cost. */
struct outage_change {
	int bridge_ifindex;
	char bridge[IF_NAMESIZE];
	uint8_t old_mac[6], new_mac[6];
	uint64_t wall_us, mono_us; /* as linkwatch's change (match it with outage_find) */
	bool measured;         /* the bridge's ports were watched (false: no privilege) */
	bool healed;           /* heal announced the new MAC */
	unsigned heal_sent;    /* announcements sent (one per address) */
	struct outage_guest *guests;
	size_t n_guests;
};

/* Running totals per port since the observer started: monotonic, for
 * metrics (stale frames, outages, outage seconds per guest). */
struct outage_port_total {
	char port[IF_NAMESIZE];
	char vm[64];
	char bridge[IF_NAMESIZE];
	uint64_t frames;       /* lost frames, all changes */
	uint64_t outages;      /* changes that cost this port frames */
	uint64_t outage_us;    /* their outages added up (closed ones) */
};

/* Totals per bridge since the observer started (monotonic). */
struct outage_bridge_total {
	char bridge[IF_NAMESIZE];
	int ifindex;
	uint64_t changes;      /* changes seen */
	uint64_t frames;       /* lost frames, all ports */
	uint64_t heals;        /* changes heal announced */
	uint64_t heal_sent;    /* announcements sent */
	bool heal;             /* heal is on for it now */
};

enum outage_event_type {
	OUTAGE_EV_STARTED = 0, /* a port's first lost frame after a change */
	OUTAGE_EV_ENDED,       /* its first frame to the new MAC (or idle, or the next change) */
	OUTAGE_EV_HEALED,      /* heal announced a change's new MAC (guest NULL) */
};
const char *outage_event_name(enum outage_event_type t); /* "guest-outage-started", … */

struct outage_event {
	enum outage_event_type type;
	const struct outage_change *change; /* borrowed: valid until the next dispatch */
	const struct outage_guest *guest;
};
typedef void (*outage_event_cb)(struct outage *o, const struct outage_event *ev, void *arg);
/* The VM owning a port (a TAP), or NULL. The default reads vmdeck's TAP
 * names ("vd-NAME-N"). */
typedef const char *(*outage_namer)(const char *port, void *arg);

/* Observe the bridges lw watches, on loop. Takes linkwatch's bridge-MAC hook
 * (linkwatch_set_on_bridge_mac); the owner forwards the other link events
 * with outage_link_event. Never fails: without the privilege it observes
 * nothing and outage_unavailable() says why. */
struct outage *outage_new(struct loop *loop, struct linkwatch *lw);
void outage_free(struct outage *o);
void outage_set_on_event(struct outage *o, outage_event_cb cb, void *arg);
void outage_set_namer(struct outage *o, outage_namer fn, void *arg);
/* Whether this observer announces healed bridges' MACs (default true; a
 * --read-only vmdeck changes nothing, so it does not). */
void outage_set_heal(struct outage *o, bool announce);
/* Ports joining, leaving, changing MAC; resyncs. Cheap when nothing is watched. */
void outage_link_event(struct outage *o, const struct linkwatch_event *ev);
/* NULL while measuring works; else why not ("needs root or CAP_NET_RAW …"). */
const char *outage_unavailable(const struct outage *o);

/* The kept changes, oldest first; and the one linkwatch reported with this
 * bridge and mono_us (its struct bridge_mac_change), or NULL. Borrowed. */
size_t outage_change_count(const struct outage *o);
const struct outage_change *outage_change_at(const struct outage *o, size_t i);
const struct outage_change *outage_find(const struct outage *o, int bridge_ifindex, uint64_t mono_us);
/* Totals (borrowed arrays, valid until the next dispatch). */
const struct outage_port_total *outage_port_totals(const struct outage *o, size_t *n);
const struct outage_bridge_total *outage_bridge_totals(const struct outage *o, size_t *n);
/* How many packet sockets are open now (tests, bench). */
size_t outage_sockets(const struct outage *o);

/* An ended outage (OUTAGE_EV_ENDED) appended to mh's MAC history, under its
 * change; other events record nothing. 0, or -1 with *err. */
struct machist;
int outage_record(struct machist *mh, const struct outage_event *ev, char **err);
/* "testguest2: 13 frames lost, 6.4 s" (the VM, else the port). Caller frees. */
char *outage_guest_text(const struct outage_guest *g);
/* Every guest of a change, "; "-separated; NULL when none lost a frame. */
char *outage_change_text(const struct outage_change *c);
/* A guest-outage-started/-ended event as one JSON object (the `watch
 * --json` line): ts_us, time, event, vm, port, bridge, old_mac, new_mac,
 * frames, first_us, last_us, duration_s. Caller frees. */
char *outage_event_json(const struct outage_event *ev);
char *outage_event_text(const struct outage_event *ev);

/* Pure: the filter for a port. It passes (OUTAGE_SNAPLEN bytes of) frames
 * that are not outgoing and whose destination is one of macs[0..n) — the
 * bridge's former MACs, then its current one while the port's guest is
 * losing frames — and drops everything else. n <= OUTAGE_FORMER_MAX + 1.
 * Returns the instruction count (<= OUTAGE_BPF_MAX). */
size_t outage_bpf_build(const uint8_t (*macs)[6], size_t n, struct sock_filter *out);

#endif
