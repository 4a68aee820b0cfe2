/* linkwatch: the live link model. Events come from libnl's cache manager on
 * RTNLGRP_LINK (its fd in the loop); the model is ours (stable pointers,
 * ports grouped under bridges, bridge MAC history with causes), and events
 * are derived by diffing each new object against the model, so duplicate or
 * stale notifications are harmless and a resync after an overflow is the
 * same diff against a fresh dump. Why a bridge's MAC changed is decided in
 * net/macause.c; counters and rates are net/linkstats.c, output
 * net/linkwatch_json.c. */
#include "net/linkwatch_priv.h"
#include "net/bridge.h"
#include "core/loop.h"
#include "core/util.h"

#include <errno.h>
#include <poll.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define HISTORY_MAX LINKWATCH_HISTORY_MAX
/* Look again for the causes of waiting bridge MAC changes after this long
 * (macause then decides by force). */
#define PENDING_TIMEOUT_MS (MACAUSE_TIMEOUT_US / 1000)
#define DEFAULT_RCVBUF (8u << 20)

/* ---- names --------------------------------------------------------------- */

static const char *const type_names[] = {
	[LINK_TYPE_OTHER] = "other", [LINK_TYPE_LOOPBACK] = "loopback", [LINK_TYPE_ETHER] = "ether",
	[LINK_TYPE_BRIDGE] = "bridge", [LINK_TYPE_TAP] = "tap", [LINK_TYPE_TUN] = "tun",
	[LINK_TYPE_VETH] = "veth", [LINK_TYPE_VLAN] = "vlan", [LINK_TYPE_BOND] = "bond",
	[LINK_TYPE_DUMMY] = "dummy",
};

const char *link_type_name(enum link_type t)
{
	return (unsigned)t < ARRAY_LEN(type_names) ? type_names[t] : "other";
}

static const char *const cause_names[] = {
	[BRIDGE_MAC_CAUSE_UNKNOWN] = "unknown", [BRIDGE_MAC_CAUSE_PORT_JOINED] = "port-joined",
	[BRIDGE_MAC_CAUSE_PORT_LEFT] = "port-left", [BRIDGE_MAC_CAUSE_PORT_MAC_CHANGED] = "port-mac-changed",
	[BRIDGE_MAC_CAUSE_SET] = "set",
};

const char *bridge_mac_cause_name(enum bridge_mac_cause c)
{
	return (unsigned)c < ARRAY_LEN(cause_names) ? cause_names[c] : "unknown";
}

static const char *const event_names[] = {
	[LINKWATCH_EV_ADDED] = "added", [LINKWATCH_EV_REMOVED] = "removed", [LINKWATCH_EV_UP] = "up",
	[LINKWATCH_EV_DOWN] = "down", [LINKWATCH_EV_PORT_JOINED] = "port-joined",
	[LINKWATCH_EV_PORT_LEFT] = "port-left", [LINKWATCH_EV_MAC_CHANGED] = "mac-changed",
	[LINKWATCH_EV_BRIDGE_MAC_CHANGED] = "bridge-mac-changed", [LINKWATCH_EV_RENAMED] = "renamed",
	[LINKWATCH_EV_MTU_CHANGED] = "mtu-changed", [LINKWATCH_EV_RESYNC] = "resync",
	[LINKWATCH_EV_STATS] = "stats",
};

const char *linkwatch_event_name(enum linkwatch_event_type t)
{
	return (unsigned)t < ARRAY_LEN(event_names) ? event_names[t] : "unknown";
}

/* ip(8)'s names for IF_OPER_*. */
static const char *const oper_names[] = {
	[IF_OPER_UNKNOWN] = "UNKNOWN", [IF_OPER_NOTPRESENT] = "NOTPRESENT", [IF_OPER_DOWN] = "DOWN",
	[IF_OPER_LOWERLAYERDOWN] = "LOWERLAYERDOWN", [IF_OPER_TESTING] = "TESTING",
	[IF_OPER_DORMANT] = "DORMANT", [IF_OPER_UP] = "UP",
};

static const char *oper_name(uint8_t s)
{
	return s < ARRAY_LEN(oper_names) && oper_names[s] ? oper_names[s] : "UNKNOWN";
}

/* IFLA_INFO_KIND -> type; TUN/TAP tell apart by ARP type. */
static const struct {
	const char *kind;
	enum link_type type;
} kind_types[] = {
	{ "bridge", LINK_TYPE_BRIDGE }, { "veth", LINK_TYPE_VETH }, { "vlan", LINK_TYPE_VLAN },
	{ "bond", LINK_TYPE_BOND }, { "dummy", LINK_TYPE_DUMMY },
};

static enum link_type classify(const char *kind, unsigned arptype)
{
	if (strcmp(kind, "tun") == 0)
		return arptype == ARPHRD_ETHER ? LINK_TYPE_TAP : LINK_TYPE_TUN;
	for (size_t i = 0; i < ARRAY_LEN(kind_types); i++)
		if (strcmp(kind, kind_types[i].kind) == 0)
			return kind_types[i].type;
	if (arptype == ARPHRD_LOOPBACK)
		return LINK_TYPE_LOOPBACK;
	if (arptype == ARPHRD_ETHER && !kind[0])
		return LINK_TYPE_ETHER;
	return LINK_TYPE_OTHER;
}

/* ---- the model ----------------------------------------------------------- */

static size_t link_pos(const struct linkwatch *lw, int ifindex, bool *found)
{
	size_t lo = 0, hi = lw->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (lw->links[mid]->info.ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < lw->n && lw->links[lo]->info.ifindex == ifindex;
	return lo;
}

struct lw_link *linkwatch_get(const struct linkwatch *lw, int ifindex)
{
	bool found;
	size_t i = link_pos(lw, ifindex, &found);
	return found ? lw->links[i] : NULL;
}

static void link_free(struct lw_link *l)
{
	if (!l)
		return;
	free(l->hist);
	free(l);
}

void linkwatch_emit(struct linkwatch *lw, struct linkwatch_event *ev)
{
	if (lw->building || !lw->cb)
		return;
	if (!ev->wall_us)
		ev->wall_us = now_wall_us();
	if (!ev->mono_us)
		ev->mono_us = now_mono_us();
	lw->cb(lw, ev, lw->cb_arg);
}

static void emit_simple(struct linkwatch *lw, enum linkwatch_event_type type, struct lw_link *l, struct lw_link *br)
{
	struct linkwatch_event ev = { .type = type, .link = l ? &l->info : NULL, .bridge = br ? &br->info : NULL };
	linkwatch_emit(lw, &ev);
}

/* "Up" as a user means it: operationally up; links whose driver reports
 * no operstate (lo, some tunnels) count by admin state and carrier. */
static bool is_up(const struct link_info *i)
{
	if (i->operstate == IF_OPER_UP)
		return true;
	return i->operstate == IF_OPER_UNKNOWN && i->admin_up && i->carrier;
}

static void bridge_refresh_flags(struct linkwatch *lw, struct lw_link *br)
{
	struct link_info *b = &br->info;
	bool pinned = b->pinned;
	if (!b->pinned_known && b->n_vm_ports > 0) {
		/* /sys is another namespace's: infer. A MAC that is not the
		 * lowest port MAC can only have been set; the lowest one may
		 * or may not have been, so count it as at risk. */
		if (lw->cap_port_macs < lw->n) {
			lw->cap_port_macs = lw->n * 2;
			lw->port_macs = xrealloc(lw->port_macs, lw->cap_port_macs * 6);
		}
		uint8_t low[6];
		size_t n = 0;
		for (size_t i = 0; i < lw->n; i++) {
			const struct link_info *p = &lw->links[i]->info;
			if (p->master == b->ifindex && p->has_mac)
				memcpy(lw->port_macs[n++], p->mac, 6);
		}
		macause_lowest_mac((const uint8_t(*)[6])lw->port_macs, n, low);
		pinned = n > 0 && mac_cmp(low, b->mac) != 0;
	}
	b->at_risk = !pinned && b->n_vm_ports > 0;
}

static void port_attach(struct linkwatch *lw, struct lw_link *p, int master, int delta)
{
	struct lw_link *br = master ? linkwatch_get(lw, master) : NULL;
	if (!br)
		return;
	br->info.n_ports += delta;
	if (p->info.type == LINK_TYPE_TAP)
		br->info.n_vm_ports += delta;
	bridge_refresh_flags(lw, br);
}

/* Tell macause about a port event (building: ports found by the initial
 * fill joined before we watched and explain nothing that happens now). */
static void cause_port(struct linkwatch *lw, enum macause_event_type type, int bridge, const struct lw_link *p,
		       const uint8_t *old_mac)
{
	struct macause_event ev = {
		.type = type == MACAUSE_PORT_JOINED && lw->building ? MACAUSE_PORT_PRESENT : type,
		.mono_us = now_mono_us(), .bridge = bridge, .port = p->info.ifindex, .port_name = p->info.name,
	};
	memcpy(ev.mac, p->info.mac, 6);
	if (old_mac)
		memcpy(ev.old_mac, old_mac, 6);
	macause_feed(lw->causes, &ev);
}

static void history_push(struct lw_link *br, const struct bridge_mac_change *c)
{
	if (br->hist_len == HISTORY_MAX) {
		memmove(br->hist, br->hist + 1, (HISTORY_MAX - 1) * sizeof(*br->hist));
		br->hist_len--;
	}
	if (!br->hist)
		br->hist = xcalloc(HISTORY_MAX, sizeof(*br->hist));
	br->hist[br->hist_len++] = *c;
	br->info.history = br->hist;
	br->info.n_history++;
	br->info.mac_changed_mono_us = c->mono_us;
}

static void pending_timer_cb(struct loop_timer *t, void *arg);

/* Emit every pending bridge MAC change whose cause is known (or all, when
 * forced or too old). Order is kept: a later change waits for an earlier. */
static void pending_flush(struct linkwatch *lw, bool force)
{
	struct bridge_mac_change c;
	int bridge;
	while (macause_next(lw->causes, now_mono_us(), force, &bridge, &c)) {
		struct lw_link *br = linkwatch_get(lw, bridge);
		if (!br)
			continue;
		history_push(br, &c);
		struct linkwatch_event ev = {
			.type = LINKWATCH_EV_BRIDGE_MAC_CHANGED, .wall_us = c.wall_us, .mono_us = c.mono_us,
			.link = &br->info, .bridge = &br->info, .change = &br->hist[br->hist_len - 1],
		};
		memcpy(ev.old_mac, c.old_mac, 6);
		linkwatch_emit(lw, &ev);
	}
	if (lw->loop) {
		loop_timer_del(lw->loop, lw->pending_timer);
		lw->pending_timer = macause_pending(lw->causes)
			? loop_timer_add(lw->loop, PENDING_TIMEOUT_MS, false, pending_timer_cb, lw) : NULL;
	}
}

static void pending_timer_cb(struct loop_timer *t, void *arg)
{
	struct linkwatch *lw = arg;
	if (lw->pending_timer == t)
		lw->pending_timer = NULL; /* one-shot: the loop frees it */
	pending_flush(lw, true);
}

static void pending_add(struct linkwatch *lw, const struct lw_link *br, const uint8_t old[6])
{
	if (macause_pending(lw->causes) >= MACAUSE_PENDING_MAX)
		pending_flush(lw, true);
	struct macause_event ev = {
		.type = MACAUSE_BRIDGE_MAC, .mono_us = now_mono_us(), .wall_us = now_wall_us(),
		.bridge = br->info.ifindex, .pinned = br->info.pinned,
	};
	memcpy(ev.old_mac, old, 6);
	memcpy(ev.mac, br->info.mac, 6);
	macause_feed(lw->causes, &ev);
	if (lw->mac_cb && !lw->building)
		lw->mac_cb(lw, &br->info, old, ev.wall_us, ev.mono_us, lw->mac_cb_arg);
}

/* Fill a link_info from a libnl object (AF_UNSPEC family only). */
static void info_from_obj(struct link_info *i, struct rtnl_link *o)
{
	i->ifindex = rtnl_link_get_ifindex(o);
	const char *name = rtnl_link_get_name(o);
	snprintf(i->name, sizeof(i->name), "%s", name ? name : "");
	struct nl_addr *a = rtnl_link_get_addr(o);
	i->has_mac = a && nl_addr_get_len(a) == 6;
	if (i->has_mac)
		memcpy(i->mac, nl_addr_get_binary_addr(a), 6);
	else
		memset(i->mac, 0, 6);
	const char *kind = rtnl_link_get_type(o);
	snprintf(i->kind, sizeof(i->kind), "%s", kind ? kind : "");
	i->type = classify(i->kind, rtnl_link_get_arptype(o));
	i->operstate = rtnl_link_get_operstate(o);
	i->operstate_name = oper_name(i->operstate);
	unsigned flags = rtnl_link_get_flags(o);
	i->admin_up = flags & IFF_UP;
	i->carrier = flags & IFF_LOWER_UP;
	i->master = rtnl_link_get_master(o);
	i->mtu = rtnl_link_get_mtu(o);
}

static void bridge_read_pin(struct linkwatch *lw, struct lw_link *l)
{
	int r = bridge_read_pinned(l->info.name, l->info.ifindex);
	l->info.pinned_known = r >= 0;
	l->info.pinned = r == 1;
	bridge_refresh_flags(lw, l);
}

/* A link the model did not have: insert it at pos, emitting its events. */
static void link_add(struct linkwatch *lw, size_t pos, const struct link_info *ni)
{
	struct lw_link *l = xcalloc(1, sizeof(*l));
	l->info = *ni;
	l->info.seen_mono_us = now_mono_us();
	if (lw->n == lw->cap) {
		lw->cap = lw->cap ? lw->cap * 2 : 64;
		lw->links = xrealloc(lw->links, lw->cap * sizeof(*lw->links));
	}
	memmove(lw->links + pos + 1, lw->links + pos, (lw->n - pos) * sizeof(*lw->links));
	lw->links[pos] = l;
	lw->n++;
	l->seen = true;
	lw->views_dirty = true;
	/* Ports that arrived before their bridge (dump order) count now. */
	if (l->info.type == LINK_TYPE_BRIDGE) {
		for (size_t k = 0; k < lw->n; k++) {
			struct link_info *p = &lw->links[k]->info;
			if (p->master == l->info.ifindex) {
				l->info.n_ports++;
				if (p->type == LINK_TYPE_TAP)
					l->info.n_vm_ports++;
			}
		}
		bridge_read_pin(lw, l);
	}
	port_attach(lw, l, l->info.master, +1);
	if (l->info.master)
		cause_port(lw, MACAUSE_PORT_JOINED, l->info.master, l, NULL);
	emit_simple(lw, LINKWATCH_EV_ADDED, l, NULL);
	if (l->info.master)
		emit_simple(lw, LINKWATCH_EV_PORT_JOINED, l, linkwatch_get(lw, l->info.master));
}

/* Apply the current state of one link, emitting events for what changed. */
static void link_update(struct linkwatch *lw, struct rtnl_link *o)
{
	struct link_info ni = { 0 };
	info_from_obj(&ni, o);
	if (ni.ifindex <= 0)
		return;
	bool found;
	size_t pos = link_pos(lw, ni.ifindex, &found);
	if (!found) {
		link_add(lw, pos, &ni);
		return;
	}

	struct lw_link *l = lw->links[pos];
	l->seen = true;
	struct link_info old = l->info;
	/* Keep what the netlink object does not carry. */
	ni.seen_mono_us = old.seen_mono_us;
	ni.stats = old.stats;
	ni.rates = old.rates;
	ni.has_stats = old.has_stats;
	ni.has_rates = old.has_rates;
	ni.pinned = old.pinned;
	ni.pinned_known = old.pinned_known;
	ni.n_ports = old.n_ports;
	ni.n_vm_ports = old.n_vm_ports;
	ni.history = old.history;
	ni.n_history = old.n_history;
	ni.mac_changed_mono_us = old.mac_changed_mono_us;
	ni.at_risk = old.at_risk;
	l->info = ni;

	if (strcmp(old.name, ni.name) != 0) {
		lw->views_dirty = true;
		struct linkwatch_event ev = { .type = LINKWATCH_EV_RENAMED, .link = &l->info };
		snprintf(ev.old_name, sizeof(ev.old_name), "%s", old.name);
		linkwatch_emit(lw, &ev);
	}
	if (ni.type == LINK_TYPE_BRIDGE)
		bridge_read_pin(lw, l);
	if (old.master != ni.master) {
		lw->views_dirty = true;
		if (old.master) {
			port_attach(lw, l, old.master, -1);
			cause_port(lw, MACAUSE_PORT_LEFT, old.master, l, NULL);
			emit_simple(lw, LINKWATCH_EV_PORT_LEFT, l, linkwatch_get(lw, old.master));
		}
		if (ni.master) {
			port_attach(lw, l, ni.master, +1);
			cause_port(lw, MACAUSE_PORT_JOINED, ni.master, l, NULL);
			emit_simple(lw, LINKWATCH_EV_PORT_JOINED, l, linkwatch_get(lw, ni.master));
		}
	}
	if (old.has_mac && ni.has_mac && mac_cmp(old.mac, ni.mac) != 0) {
		if (ni.type == LINK_TYPE_BRIDGE) {
			pending_add(lw, l, old.mac);
		} else {
			if (ni.master)
				cause_port(lw, MACAUSE_PORT_MAC, ni.master, l, old.mac);
			struct linkwatch_event ev = { .type = LINKWATCH_EV_MAC_CHANGED, .link = &l->info };
			memcpy(ev.old_mac, old.mac, 6);
			linkwatch_emit(lw, &ev);
		}
	}
	if (old.mtu != ni.mtu) {
		struct linkwatch_event ev = { .type = LINKWATCH_EV_MTU_CHANGED, .link = &l->info, .old_mtu = old.mtu };
		linkwatch_emit(lw, &ev);
	}
	if (is_up(&old) != is_up(&ni))
		emit_simple(lw, is_up(&ni) ? LINKWATCH_EV_UP : LINKWATCH_EV_DOWN, l, NULL);
}

static void link_remove(struct linkwatch *lw, int ifindex)
{
	bool found;
	size_t pos = link_pos(lw, ifindex, &found);
	if (!found)
		return;
	struct lw_link *l = lw->links[pos];
	if (l->info.master) {
		port_attach(lw, l, l->info.master, -1);
		cause_port(lw, MACAUSE_PORT_LEFT, l->info.master, l, NULL);
		emit_simple(lw, LINKWATCH_EV_PORT_LEFT, l, linkwatch_get(lw, l->info.master));
	}
	/* Ports of a removed bridge are released by the kernel with their own
	 * messages; drop the dangling master meanwhile. */
	if (l->info.type == LINK_TYPE_BRIDGE)
		for (size_t k = 0; k < lw->n; k++)
			if (lw->links[k]->info.master == ifindex)
				lw->links[k]->info.master = 0;
	if (l->info.type == LINK_TYPE_BRIDGE) {
		struct macause_event ev = { .type = MACAUSE_BRIDGE_GONE, .mono_us = now_mono_us(), .bridge = ifindex };
		macause_feed(lw->causes, &ev);
	}
	memmove(lw->links + pos, lw->links + pos + 1, (lw->n - pos - 1) * sizeof(*lw->links));
	lw->n--;
	lw->views_dirty = true;
	emit_simple(lw, LINKWATCH_EV_REMOVED, l, NULL);
	if (lw->n_grave == lw->cap_grave) {
		lw->cap_grave = lw->cap_grave ? lw->cap_grave * 2 : 16;
		lw->graveyard = xrealloc(lw->graveyard, lw->cap_grave * sizeof(*lw->graveyard));
	}
	lw->graveyard[lw->n_grave++] = l;
}

static void graveyard_empty(struct linkwatch *lw)
{
	for (size_t i = 0; i < lw->n_grave; i++)
		link_free(lw->graveyard[i]);
	lw->n_grave = 0;
}

/* Which cache objects are links. One ifindex appears as several objects
 * keyed by family: libnl files a bridge's own link under AF_BRIDGE (its kind
 * maps to that family), a bridge port's AF_BRIDGE messages become a second
 * object without a kind, and IPv6 link info a third (AF_INET6). Only the
 * AF_UNSPEC object, or the AF_BRIDGE one of kind "bridge", is the link. */
static bool obj_is_link(struct rtnl_link *o)
{
	int fam = rtnl_link_get_family(o);
	if (fam == AF_UNSPEC)
		return true;
	const char *type = rtnl_link_get_type(o);
	return fam == AF_BRIDGE && type && strcmp(type, "bridge") == 0;
}

static void mngr_change(struct nl_cache *cache, struct nl_object *obj, int action, void *arg)
{
	struct linkwatch *lw = arg;
	struct rtnl_link *o = (struct rtnl_link *)obj;
	if (!obj_is_link(o)) {
		/* Another family's object of a link that is not (or no longer)
		 * in the model: see purge_stale(). */
		if (action != NL_ACT_DEL && !linkwatch_get(lw, rtnl_link_get_ifindex(o)))
			lw->stale_objs = true;
		return;
	}
	if (action == NL_ACT_DEL) {
		link_remove(lw, rtnl_link_get_ifindex(o));
		lw->stale_objs = true;
	} else {
		link_update(lw, o);
	}
}

struct stale {
	struct linkwatch *lw;
	struct nl_object **v;
	size_t n, cap;
};

static void stale_collect(struct nl_object *obj, void *arg)
{
	struct stale *st = arg;
	struct rtnl_link *o = (struct rtnl_link *)obj;
	if (obj_is_link(o) || linkwatch_get(st->lw, rtnl_link_get_ifindex(o)))
		return;
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 16;
		st->v = xrealloc(st->v, st->cap * sizeof(*st->v));
	}
	nl_object_get(obj);
	st->v[st->n++] = obj;
}

/* Drop the cache's objects of links that are gone. The kernel deletes a
 * link with RTM_DELLINK for AF_UNSPEC (and for a bridge port's AF_BRIDGE
 * object), but the AF_INET6 object libnl filed for the same ifindex, once
 * the link had IPv6 (carrier up), never gets a delete of its own: without
 * this, every TAP a VM ever had stays in the cache — about 1.5 KB each (the
 * TUI's heap grew by that much per VM run in the VM-cycles soak; a libnl
 * test program adding and deleting veth pairs in a namespace: one stale
 * AF_INET6 object per deleted link end). The model holds every live link, so an object
 * whose ifindex it does not know is stale; a new link's early object
 * dropped by mistake comes back with its next message (the model ignores
 * such objects anyway). */
static void purge_stale(struct linkwatch *lw)
{
	if (!lw->stale_objs)
		return;
	lw->stale_objs = false;
	struct stale st = { .lw = lw };
	nl_cache_foreach(lw->cache, stale_collect, &st);
	for (size_t i = 0; i < st.n; i++) {
		nl_cache_remove(st.v[i]); /* drops the cache's reference */
		nl_object_put(st.v[i]);   /* and ours */
	}
	free(st.v);
}

static void sweep_from_cache(struct nl_object *obj, void *arg)
{
	struct rtnl_link *o = (struct rtnl_link *)obj;
	if (obj_is_link(o))
		link_update(arg, o);
}

/* Mark-and-sweep the model against the manager's cache. */
static void model_sync(struct linkwatch *lw)
{
	for (size_t i = 0; i < lw->n; i++)
		lw->links[i]->seen = false;
	nl_cache_foreach(lw->cache, sweep_from_cache, lw);
	for (size_t i = lw->n; i-- > 0;)
		if (!lw->links[i]->seen)
			link_remove(lw, lw->links[i]->info.ifindex);
	/* Port counts from scratch: increments may have missed orderings. */
	for (size_t i = 0; i < lw->n; i++)
		if (lw->links[i]->info.type == LINK_TYPE_BRIDGE)
			lw->links[i]->info.n_ports = lw->links[i]->info.n_vm_ports = 0;
	for (size_t i = 0; i < lw->n; i++) {
		struct link_info *p = &lw->links[i]->info;
		struct lw_link *br = p->master ? linkwatch_get(lw, p->master) : NULL;
		if (br) {
			br->info.n_ports++;
			if (p->type == LINK_TYPE_TAP)
				br->info.n_vm_ports++;
		}
	}
	for (size_t i = 0; i < lw->n; i++)
		if (lw->links[i]->info.type == LINK_TYPE_BRIDGE)
			bridge_refresh_flags(lw, lw->links[i]);
}

static void resync_timer_cb(struct loop_timer *t, void *arg);

int linkwatch_resync(struct linkwatch *lw, char **err)
{
	/* A dump racing with changes is interrupted (NLM_F_DUMP_INTR) and
	 * leaves the cache partial: retry, and if it keeps failing, retry
	 * from a timer — a stale model must never be left in place quietly. */
	int r = -NLE_FAILURE;
	for (int attempt = 0; attempt < 5; attempt++) {
		r = nl_cache_refill(lw->sync_sk, lw->cache);
		if (r >= 0)
			break;
	}
	if (r < 0) {
		lw->need_resync = true;
		if (lw->loop && !lw->resync_timer)
			lw->resync_timer = loop_timer_add(lw->loop, 100, false, resync_timer_cb, lw);
		return error_set(err, "link dump: %s", nl_geterror(r));
	}
	lw->need_resync = false;
	if (!lw->building) {
		struct linkwatch_event ev = { .type = LINKWATCH_EV_RESYNC };
		linkwatch_emit(lw, &ev);
	}
	model_sync(lw);
	pending_flush(lw, false);
	graveyard_empty(lw);
	return 0;
}

static void resync_timer_cb(struct loop_timer *t, void *arg)
{
	struct linkwatch *lw = arg;
	lw->resync_timer = NULL; /* one-shot */
	if (lw->need_resync)
		linkwatch_resync(lw, NULL);
}

/* Read and drop everything queued on the event socket. */
static void drain(int fd)
{
	char buf[65536];
	for (int i = 0; i < 100000; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS)
			continue; /* overflowed again meanwhile: keep draining */
		if (n <= 0)
			break;
	}
}

/* Read everything pending on the netlink socket (non-blocking), update the
 * model, fire events; on overflow, resync. Returns 0, or -1 on a socket error. */
static int dispatch(struct linkwatch *lw, char **err)
{
	int r = nl_cache_mngr_data_ready(lw->mngr);
	if (r == -NLE_NOMEM || lw->need_resync) {
		/* ENOBUFS: the kernel dropped events. The error is reported
		 * before messages still queued, which are older than the dropped
		 * ones: applied after a dump they would leave stale state that
		 * nothing corrects. So discard the queue, then dump; whatever
		 * arrives from here on is newer than the queue was. */
		drain(lw->fd);
		if (linkwatch_resync(lw, err) < 0)
			return -1;
		r = 0;
	}
	purge_stale(lw);
	pending_flush(lw, false);
	graveyard_empty(lw);
	if (r < 0)
		return error_set(err, "netlink link events: %s", nl_geterror(r));
	return 0;
}

static void fd_cb(int fd, short revents, void *arg)
{
	struct linkwatch *lw = arg;
	char *err = NULL;
	if (dispatch(lw, &err) < 0) {
		/* Keep going: a transient socket error must not kill the view. */
		free(err);
	}
}

/* ---- lifetime ------------------------------------------------------------ */

static void set_rcvbuf(int fd, size_t bytes)
{
	int v = bytes > INT32_MAX ? INT32_MAX : (int)bytes;
	/* FORCE passes rmem_max with CAP_NET_ADMIN; unprivileged we get what
	 * rmem_max allows, and overflow resync covers the rest. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

struct linkwatch *linkwatch_new(struct loop *loop, const struct linkwatch_options *opts, char **err)
{
	struct linkwatch *lw = xcalloc(1, sizeof(*lw));
	lw->loop = loop;
	lw->fd = -1;
	lw->building = true;
	lw->causes = macause_new();
	unsigned stats_ms = opts && opts->stats_interval_ms ? opts->stats_interval_ms : 1000;
	if (stats_ms == UINT32_MAX)
		stats_ms = 0;
	size_t rcvbuf = opts && opts->rcvbuf_bytes ? opts->rcvbuf_bytes : DEFAULT_RCVBUF;
	int r;

	lw->ev_sk = nl_socket_alloc();
	lw->sync_sk = nl_socket_alloc();
	if (!lw->ev_sk || !lw->sync_sk)
		fatal("out of memory");
	if ((r = nl_connect(lw->sync_sk, NETLINK_ROUTE)) < 0) {
		error_set(err, "netlink: %s", nl_geterror(r));
		goto fail;
	}
	if ((r = nl_cache_mngr_alloc(lw->ev_sk, NETLINK_ROUTE, 0, &lw->mngr)) < 0) {
		error_set(err, "netlink cache manager: %s", nl_geterror(r));
		goto fail;
	}
	lw->fd = nl_cache_mngr_get_fd(lw->mngr);
	set_rcvbuf(lw->fd, rcvbuf);
	if ((r = nl_cache_mngr_add(lw->mngr, "route/link", mngr_change, lw, &lw->cache)) < 0) {
		error_set(err, "netlink link cache: %s", nl_geterror(r));
		goto fail;
	}
	model_sync(lw);
	lw->building = false;
	if (loop) {
		loop_fd_add(loop, lw->fd, POLLIN, fd_cb, lw);
		if (stats_ms)
			lw->stats_timer = linkstats_timer_add(lw, stats_ms);
	}
	return lw;
fail:
	linkwatch_free(lw);
	return NULL;
}

void linkwatch_free(struct linkwatch *lw)
{
	if (!lw)
		return;
	if (lw->loop) {
		if (lw->fd >= 0)
			loop_fd_del(lw->loop, lw->fd);
		loop_timer_del(lw->loop, lw->stats_timer);
		loop_timer_del(lw->loop, lw->pending_timer);
		loop_timer_del(lw->loop, lw->resync_timer);
	}
	if (lw->mngr)
		nl_cache_mngr_free(lw->mngr); /* frees its caches and the event socket's connection */
	nl_socket_free(lw->ev_sk);
	nl_socket_free(lw->sync_sk);
	for (size_t i = 0; i < lw->n; i++)
		link_free(lw->links[i]);
	graveyard_empty(lw);
	free(lw->graveyard);
	free(lw->port_macs);
	free(lw->links);
	free(lw->bridges);
	free(lw->ports);
	macause_free(lw->causes);
	free(lw);
}

void linkwatch_set_on_change(struct linkwatch *lw, linkwatch_change_cb cb, void *arg)
{
	lw->cb = cb;
	lw->cb_arg = arg;
}

void linkwatch_set_on_bridge_mac(struct linkwatch *lw, linkwatch_bridge_mac_cb cb, void *arg)
{
	lw->mac_cb = cb;
	lw->mac_cb_arg = arg;
}

