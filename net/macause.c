/* macause: bridge MAC cause attribution, pure. Keeps each bridge's ports as
 * the events describe them, a short log of port events (the candidates) and
 * the bridge changes waiting for theirs. A port event can explain a change
 * only when the kernel's rule, applied to the ports before and after it,
 * gives the change's old and new MAC; and it explains one change at most. */
#include "net/macause.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Port events kept as candidates. Only events that moved the kernel's pick
 * are kept, and only for the window; this bounds a burst (a lab of hundreds
 * of bridges made at once: each first port moves its bridge's MAC). */
#define EVENTS_MAX 1024

static const uint8_t zero_mac[6];

struct mc_port {
	int bridge, ifindex;
	uint8_t mac[6];
};

struct mc_event {
	enum macause_event_type type; /* PORT_JOINED, PORT_LEFT or PORT_MAC */
	int bridge, port;
	char name[IF_NAMESIZE];
	uint8_t mac[6], old_mac[6];
	uint64_t mono_us;
	/* The bridge's lowest port MAC before and after the event, by the
	 * ports this module knows (before_empty: it had none, so its MAC was
	 * anything: random when new, zero when the last port had left). */
	uint8_t before[6], after[6];
	bool before_empty;
	bool used; /* explained a change already */
};

struct mc_pending {
	int bridge;
	uint8_t old_mac[6], new_mac[6];
	uint64_t mono_us, wall_us;
	bool pinned;
};

struct macause {
	struct mc_port *ports;
	size_t n_ports, cap_ports;
	struct mc_event events[EVENTS_MAX]; /* oldest first */
	size_t n_events;
	struct mc_pending pending[MACAUSE_PENDING_MAX]; /* oldest first */
	size_t n_pending;
	uint8_t (*scratch)[6]; /* one bridge's port MACs, for macause_lowest_mac */
	size_t cap_scratch;
};

void macause_lowest_mac(const uint8_t (*port_macs)[6], size_t n_ports, uint8_t out[6])
{
	/* br_stp_recalculate_bridge_id: start from zero, take any port MAC
	 * lower than the current pick (or the first one). */
	memset(out, 0, 6);
	for (size_t i = 0; i < n_ports; i++)
		if (mac_cmp(out, zero_mac) == 0 || mac_cmp(port_macs[i], out) < 0)
			memcpy(out, port_macs[i], 6);
}

struct macause *macause_new(void)
{
	return xcalloc(1, sizeof(struct macause));
}

void macause_free(struct macause *m)
{
	if (!m)
		return;
	free(m->ports);
	free(m->scratch);
	free(m);
}

size_t macause_pending(const struct macause *m)
{
	return m->n_pending;
}

/* ---- ports ----------------------------------------------------------------- */

static struct mc_port *port_find(struct macause *m, int bridge, int ifindex)
{
	for (size_t i = 0; i < m->n_ports; i++)
		if (m->ports[i].bridge == bridge && m->ports[i].ifindex == ifindex)
			return &m->ports[i];
	return NULL;
}

static void port_drop(struct macause *m, struct mc_port *p)
{
	*p = m->ports[--m->n_ports];
}

static struct mc_port *port_add(struct macause *m, int bridge, int ifindex, const uint8_t mac[6])
{
	struct mc_port *p = port_find(m, bridge, ifindex);
	if (!p) {
		if (m->n_ports == m->cap_ports) {
			m->cap_ports = m->cap_ports ? m->cap_ports * 2 : 16;
			m->ports = xrealloc(m->ports, m->cap_ports * sizeof(*m->ports));
		}
		p = &m->ports[m->n_ports++];
		p->bridge = bridge;
		p->ifindex = ifindex;
	}
	memcpy(p->mac, mac, 6);
	return p;
}

/* The kernel's pick for bridge from the ports it has now; false if none. */
static bool bridge_lowest(struct macause *m, int bridge, uint8_t out[6])
{
	size_t n = 0;
	if (m->cap_scratch < m->n_ports) {
		m->cap_scratch = m->cap_ports;
		m->scratch = xrealloc(m->scratch, m->cap_scratch * sizeof(*m->scratch));
	}
	for (size_t i = 0; i < m->n_ports; i++)
		if (m->ports[i].bridge == bridge)
			memcpy(m->scratch[n++], m->ports[i].mac, 6);
	macause_lowest_mac((const uint8_t(*)[6])m->scratch, n, out);
	return n > 0;
}

static bool is_port_mac(const struct macause *m, int bridge, const uint8_t mac[6])
{
	for (size_t i = 0; i < m->n_ports; i++)
		if (m->ports[i].bridge == bridge && mac_cmp(m->ports[i].mac, mac) == 0)
			return true;
	return false;
}

/* ---- the log of port events ---------------------------------------------- */

static void events_drop(struct macause *m, size_t from, size_t count)
{
	memmove(m->events + from, m->events + from + count, (m->n_events - from - count) * sizeof(*m->events));
	m->n_events -= count;
}

/* Forget port events too old to explain anything still to come: a change
 * waiting, or one read after now. */
static void events_prune(struct macause *m, uint64_t now)
{
	uint64_t horizon = m->n_pending && m->pending[0].mono_us < now ? m->pending[0].mono_us : now;
	size_t old = 0;
	while (old < m->n_events && m->events[old].mono_us + MACAUSE_WINDOW_US < horizon)
		old++;
	events_drop(m, 0, old);
}

/* Log a port event whose effect on the port set has just been applied;
 * before is the bridge's pick from the ports as they were. */
static void event_log(struct macause *m, const struct macause_event *ev, const uint8_t mac[6], const uint8_t before[6],
		      bool had_ports)
{
	uint8_t after[6];
	events_prune(m, ev->mono_us);
	/* The kernel's pick did not move: this event changed nothing, so it
	 * can explain nothing (most joins: a TAP with a higher MAC). */
	if (bridge_lowest(m, ev->bridge, after) && had_ports && mac_cmp(before, after) == 0)
		return;
	if (m->n_events == EVENTS_MAX) {
		size_t drop = 0; /* one that explained a change already, else the oldest */
		while (drop < m->n_events && !m->events[drop].used)
			drop++;
		events_drop(m, drop < m->n_events ? drop : 0, 1);
	}
	struct mc_event *e = &m->events[m->n_events++];
	memset(e, 0, sizeof(*e));
	e->type = ev->type;
	e->bridge = ev->bridge;
	e->port = ev->port;
	snprintf(e->name, sizeof(e->name), "%s", ev->port_name ? ev->port_name : "");
	memcpy(e->mac, mac, 6);
	memcpy(e->old_mac, ev->old_mac, 6);
	e->mono_us = ev->mono_us;
	memcpy(e->before, before, 6);
	e->before_empty = !had_ports;
	memcpy(e->after, after, 6);
}

static void pending_add(struct macause *m, const struct macause_event *ev)
{
	if (m->n_pending == MACAUSE_PENDING_MAX) {
		memmove(m->pending, m->pending + 1, (MACAUSE_PENDING_MAX - 1) * sizeof(*m->pending));
		m->n_pending--;
	}
	struct mc_pending *pd = &m->pending[m->n_pending++];
	pd->bridge = ev->bridge;
	memcpy(pd->old_mac, ev->old_mac, 6);
	memcpy(pd->new_mac, ev->mac, 6);
	pd->mono_us = ev->mono_us;
	pd->wall_us = ev->wall_us;
	pd->pinned = ev->pinned;
}

static void bridge_forget(struct macause *m, int bridge)
{
	for (size_t i = m->n_ports; i-- > 0;)
		if (m->ports[i].bridge == bridge)
			port_drop(m, &m->ports[i]);
	for (size_t i = m->n_events; i-- > 0;)
		if (m->events[i].bridge == bridge)
			events_drop(m, i, 1);
	for (size_t i = m->n_pending; i-- > 0;)
		if (m->pending[i].bridge == bridge) {
			memmove(m->pending + i, m->pending + i + 1, (m->n_pending - i - 1) * sizeof(*m->pending));
			m->n_pending--;
		}
}

void macause_feed(struct macause *m, const struct macause_event *ev)
{
	struct mc_port *p;
	uint8_t before[6], mac[6];
	bool had_ports;
	switch (ev->type) {
	case MACAUSE_PORT_PRESENT:
		port_add(m, ev->bridge, ev->port, ev->mac);
		break;
	case MACAUSE_PORT_JOINED:
	case MACAUSE_PORT_MAC:
		had_ports = bridge_lowest(m, ev->bridge, before);
		port_add(m, ev->bridge, ev->port, ev->mac);
		event_log(m, ev, ev->mac, before, had_ports);
		break;
	case MACAUSE_PORT_LEFT:
		/* The MAC it held as a port is the one that counted. */
		had_ports = bridge_lowest(m, ev->bridge, before);
		p = port_find(m, ev->bridge, ev->port);
		memcpy(mac, p ? p->mac : ev->mac, 6);
		if (p)
			port_drop(m, p);
		event_log(m, ev, mac, before, had_ports);
		break;
	case MACAUSE_BRIDGE_MAC:
		pending_add(m, ev);
		break;
	case MACAUSE_BRIDGE_GONE:
		bridge_forget(m, ev->bridge);
		break;
	}
}

/* ---- attribution ----------------------------------------------------------- */

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Could event e have made the bridge's MAC go from old to new? Only if the
 * kernel's rule gives exactly that across it. This is what keeps an older
 * event from taking the blame for a change whose own event is still to be
 * read (a deleted port's DELLINK comes after the bridge's NEWLINK): a port
 * that joined, changing nothing or already explained, explains nothing. */
static bool event_explains(const struct mc_event *e, const struct mc_pending *pd)
{
	return e->bridge == pd->bridge && !e->used && mac_cmp(e->after, pd->new_mac) == 0 &&
	       (e->before_empty || mac_cmp(e->before, pd->old_mac) == 0);
}

static const enum bridge_mac_cause event_causes[] = {
	[MACAUSE_PORT_JOINED] = BRIDGE_MAC_CAUSE_PORT_JOINED,
	[MACAUSE_PORT_LEFT] = BRIDGE_MAC_CAUSE_PORT_LEFT,
	[MACAUSE_PORT_MAC] = BRIDGE_MAC_CAUSE_PORT_MAC_CHANGED,
};

static bool resolve(struct macause *m, const struct mc_pending *pd, bool forced, struct bridge_mac_change *c)
{
	memset(c, 0, sizeof(*c));
	c->wall_us = pd->wall_us;
	c->mono_us = pd->mono_us;
	memcpy(c->old_mac, pd->old_mac, 6);
	memcpy(c->new_mac, pd->new_mac, 6);
	uint64_t window = forced ? MACAUSE_WINDOW_US : MACAUSE_NEAR_US;
	uint64_t best = UINT64_MAX;
	struct mc_event *found = NULL;

	/* The kernel sends the port's and the bridge's messages in either
	 * order (a deleted TAP's DELLINK comes after the bridge's NEWLINK), so
	 * events after the change count too. */
	for (size_t i = 0; i < m->n_events; i++) {
		uint64_t dt = absdiff(m->events[i].mono_us, pd->mono_us);
		if (dt < window && dt < best && event_explains(&m->events[i], pd)) {
			best = dt;
			found = &m->events[i];
		}
	}
	if (found) {
		found->used = true;
		c->cause = event_causes[found->type];
		snprintf(c->port, sizeof(c->port), "%s", found->name);
		c->port_ifindex = found->port;
		memcpy(c->port_mac, found->mac, 6);
		return true;
	}
	if (pd->pinned) {
		c->cause = BRIDGE_MAC_CAUSE_SET;
		return true;
	}
	/* A new MAC that is not the lowest port MAC can only have been set. */
	if (forced && mac_cmp(pd->new_mac, zero_mac) != 0 && !is_port_mac(m, pd->bridge, pd->new_mac)) {
		c->cause = BRIDGE_MAC_CAUSE_SET;
		return true;
	}
	return forced;
}

static void change_text(struct bridge_mac_change *c)
{
	char o[18], n[18], pm[18];
	mac_format(c->old_mac, o);
	mac_format(c->new_mac, n);
	mac_format(c->port_mac, pm);
	switch (c->cause) {
	case BRIDGE_MAC_CAUSE_PORT_JOINED:
		snprintf(c->text, sizeof(c->text), "%s -> %s: port %s (%s) joined", o, n, c->port, pm);
		break;
	case BRIDGE_MAC_CAUSE_PORT_LEFT:
		snprintf(c->text, sizeof(c->text), "%s -> %s: port %s (%s) left", o, n, c->port, pm);
		break;
	case BRIDGE_MAC_CAUSE_PORT_MAC_CHANGED:
		snprintf(c->text, sizeof(c->text), "%s -> %s: port %s changed its MAC to %s", o, n, c->port, pm);
		break;
	case BRIDGE_MAC_CAUSE_SET:
		snprintf(c->text, sizeof(c->text), "%s -> %s: set explicitly", o, n);
		break;
	default:
		snprintf(c->text, sizeof(c->text), "%s -> %s: cause unknown", o, n);
		break;
	}
}

bool macause_next(struct macause *m, uint64_t now_mono_us, bool force, int *bridge, struct bridge_mac_change *out)
{
	if (!m->n_pending)
		return false;
	const struct mc_pending *pd = &m->pending[0];
	bool forced = force || now_mono_us >= pd->mono_us + MACAUSE_TIMEOUT_US;
	if (!resolve(m, pd, forced, out))
		return false;
	change_text(out);
	*bridge = pd->bridge;
	memmove(m->pending, m->pending + 1, (m->n_pending - 1) * sizeof(*m->pending));
	m->n_pending--;
	return true;
}
