/* outage: the observer. One packet socket per port of a bridge that changed
 * its MAC in the last OUTAGE_WATCH_US, each with a filter (outage_text.c
 * builds it) passing only frames to a former bridge MAC and, while its guest
 * is losing frames, the first to the new MAC; fds on the loop, non-blocking.
 * Sockets are made with protocol 0 (deaf), given their filter, and only then
 * bound to ETH_P_ALL on their port: no unfiltered frame ever queues. */
#include "net/outage.h"
#include "net/heal.h"
#include "net/linkwatch.h"
#include "core/closer.h"
#include "core/loop.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif
/* Frames read per wakeup of one socket: a flood cannot hold the loop. */
#define READ_BATCH 64
#define TICK_MS 1000

struct ob_bridge;

struct ob_port {
	struct ob_bridge *br;
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	int fd;
	bool awaiting; /* the filter passes the current MAC too */
	bool seen;
	uint8_t filt[OUTAGE_FORMER_MAX + 1][6]; /* what the filter passes now */
	size_t n_filt;
	bool filt_set;
};

struct ob_bridge {
	struct outage *o;
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t cur[6];
	uint8_t former[OUTAGE_FORMER_MAX][6]; /* newest first */
	size_t n_former;
	uint64_t last_change_mono;
	struct outage_change *change; /* the latest (in the ring), or NULL */
	struct ob_port **ports;
	size_t n_ports;
	bool armed;   /* its ports are watched */
	bool arm_due; /* changed: arm (and heal) once the change's line is out */
};

struct outage {
	struct loop *loop;
	struct linkwatch *lw;
	char *why;
	struct ob_bridge **bridges;
	size_t n_bridges;
	struct outage_change *ring[OUTAGE_CHANGES_MAX];
	size_t ring_start, ring_n;
	struct loop_timer *tick;
	struct loop_timer *arm_timer; /* 0 ms: after this loop pass's fds */
	bool sync_due;                /* ports came or went: resync armed bridges */
	outage_event_cb cb;
	void *cb_arg;
	outage_namer namer;
	void *namer_arg;
	struct outage_port_total *ptot;
	size_t n_ptot;
	struct outage_bridge_total *btot;
	size_t n_btot;
	size_t n_sockets;
	bool no_heal; /* outage_set_heal(false) */
};

static const uint8_t zero_mac[6];

static void emit(struct outage *o, enum outage_event_type t, const struct outage_change *c,
		 const struct outage_guest *g)
{
	if (!o->cb)
		return;
	struct outage_event ev = { .type = t, .change = c, .guest = g };
	o->cb(o, &ev, o->cb_arg);
}

/* "vd-NAME-N" -> NAME; a 15-character name may be the hashed form of a
 * longer one (profile_nic_tap_name): no guess then. */
static const char *default_namer(const char *port, void *arg)
{
	static char buf[IF_NAMESIZE];
	(void)arg;
	size_t n = strlen(port);
	if (strncmp(port, "vd-", 3) != 0 || n >= IF_NAMESIZE - 1)
		return NULL;
	const char *dash = strrchr(port, '-');
	if (dash <= port + 3 || !dash[1] || strspn(dash + 1, "0123456789") != strlen(dash + 1))
		return NULL;
	snprintf(buf, sizeof(buf), "%.*s", (int)(dash - port - 3), port + 3);
	return buf;
}

/* ---- totals -------------------------------------------------------------- */

static struct outage_bridge_total *btot_get(struct outage *o, const struct ob_bridge *br)
{
	for (size_t i = 0; i < o->n_btot; i++)
		if (o->btot[i].ifindex == br->ifindex && strcmp(o->btot[i].bridge, br->name) == 0)
			return &o->btot[i];
	o->btot = xrealloc(o->btot, (o->n_btot + 1) * sizeof(*o->btot));
	struct outage_bridge_total *t = &o->btot[o->n_btot++];
	memset(t, 0, sizeof(*t));
	snprintf(t->bridge, sizeof(t->bridge), "%s", br->name);
	t->ifindex = br->ifindex;
	return t;
}

static struct outage_port_total *ptot_get(struct outage *o, const struct ob_bridge *br, const struct outage_guest *g)
{
	for (size_t i = 0; i < o->n_ptot; i++)
		if (strcmp(o->ptot[i].port, g->port) == 0 && strcmp(o->ptot[i].bridge, br->name) == 0)
			return &o->ptot[i];
	o->ptot = xrealloc(o->ptot, (o->n_ptot + 1) * sizeof(*o->ptot));
	struct outage_port_total *t = &o->ptot[o->n_ptot++];
	memset(t, 0, sizeof(*t));
	snprintf(t->port, sizeof(t->port), "%s", g->port);
	snprintf(t->bridge, sizeof(t->bridge), "%s", br->name);
	snprintf(t->vm, sizeof(t->vm), "%s", g->vm);
	return t;
}

/* ---- packet sockets ------------------------------------------------------ */

static void port_cb(int fd, short revents, void *arg);

static int sock_open(struct outage *o, int ifindex, char **err)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_kind_set(err, errno == EPERM || errno == EACCES ? ERR_PERM : ERR_FAILED,
				      "packet socket: %s", strerror(errno));
	/* Deaf until bound: give it a filter that drops all first. */
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop };
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)); /* the filter checks too */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex };
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;
		closer_close(fd);
		return error_set(err, "packet socket on ifindex %d: %s", ifindex, strerror(e));
	}
	o->n_sockets++;
	return fd;
}

/* Aim the port's filter at the bridge's former MACs (not its own: frames to
 * a port's own MAC reach the host) and, while awaiting, the current one. */
static void filter_apply(struct ob_port *p)
{
	struct ob_bridge *br = p->br;
	uint8_t macs[OUTAGE_FORMER_MAX + 1][6];
	size_t n = 0;
	for (size_t i = 0; i < br->n_former; i++)
		if (mac_cmp(br->former[i], br->cur) != 0 && mac_cmp(br->former[i], p->mac) != 0 &&
		    mac_cmp(br->former[i], zero_mac) != 0)
			memcpy(macs[n++], br->former[i], 6);
	if (p->awaiting && mac_cmp(br->cur, zero_mac) != 0)
		memcpy(macs[n++], br->cur, 6);
	if (p->filt_set && n == p->n_filt && memcmp(macs, p->filt, n * 6) == 0)
		return;
	struct sock_filter f[OUTAGE_BPF_MAX];
	struct sock_fprog prog = { .len = (unsigned short)outage_bpf_build((const uint8_t(*)[6])macs, n, f), .filter = f };
	if (setsockopt(p->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) == 0) {
		memcpy(p->filt, macs, n * 6);
		p->n_filt = n;
		p->filt_set = true;
	}
}

static void port_free(struct outage *o, struct ob_port *p)
{
	if (!p)
		return;
	if (p->fd >= 0) {
		if (o->loop)
			loop_fd_del(o->loop, p->fd);
		/* Deaf again (nothing queues while it waits), then closed off the
		 * loop: closing a packet socket waits for an RCU grace period. */
		struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
		struct sock_fprog prog = { .len = 1, .filter = &drop };
		setsockopt(p->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
		closer_close(p->fd);
		o->n_sockets--;
	}
	free(p);
}

/* The bridge's ports as the model has them now: sockets for new ports,
 * closed for gone ones, filters re-aimed for changed MACs. */
static void ports_sync(struct outage *o, struct ob_bridge *br)
{
	for (size_t i = 0; i < br->n_ports; i++)
		br->ports[i]->seen = false;
	size_t np = linkwatch_port_count(o->lw, br->ifindex);
	for (size_t k = 0; k < np; k++) {
		const struct link_info *l = linkwatch_port(o->lw, br->ifindex, k);
		struct ob_port *p = NULL;
		for (size_t i = 0; i < br->n_ports && !p; i++)
			if (br->ports[i]->ifindex == l->ifindex)
				p = br->ports[i];
		if (!p) {
			int fd = sock_open(o, l->ifindex, NULL);
			if (fd < 0)
				continue;
			p = xcalloc(1, sizeof(*p));
			p->br = br;
			p->fd = fd;
			p->ifindex = l->ifindex;
			p->awaiting = true;
			br->ports = xrealloc(br->ports, (br->n_ports + 1) * sizeof(*br->ports));
			br->ports[br->n_ports++] = p;
			if (o->loop)
				loop_fd_add(o->loop, fd, POLLIN, port_cb, p);
		}
		snprintf(p->name, sizeof(p->name), "%s", l->name);
		memcpy(p->mac, l->mac, 6);
		p->seen = true;
		filter_apply(p);
	}
	size_t w = 0;
	for (size_t i = 0; i < br->n_ports; i++) {
		if (br->ports[i]->seen)
			br->ports[w++] = br->ports[i];
		else
			port_free(o, br->ports[i]);
	}
	br->n_ports = w;
}

static void bridge_disarm(struct outage *o, struct ob_bridge *br)
{
	for (size_t i = 0; i < br->n_ports; i++)
		port_free(o, br->ports[i]);
	br->n_ports = 0;
	br->armed = false;
}

/* ---- guests -------------------------------------------------------------- */

static struct outage_guest *guest_get(struct outage *o, struct outage_change *c, const struct ob_port *p, bool add)
{
	for (size_t i = 0; i < c->n_guests; i++)
		if (c->guests[i].port_ifindex == p->ifindex)
			return &c->guests[i];
	if (!add)
		return NULL;
	c->guests = xrealloc(c->guests, (c->n_guests + 1) * sizeof(*c->guests));
	struct outage_guest *g = &c->guests[c->n_guests++];
	memset(g, 0, sizeof(*g));
	snprintf(g->port, sizeof(g->port), "%s", p->name);
	g->port_ifindex = p->ifindex;
	const char *vm = o->namer ? o->namer(p->name, o->namer_arg) : NULL;
	snprintf(g->vm, sizeof(g->vm), "%s", vm ? vm : "");
	return g;
}

static uint64_t since(uint64_t from, uint64_t to)
{
	return to > from ? to - from : 0;
}

/* End a guest's outage at end_us (0: at its last lost frame). */
static void guest_end(struct outage *o, struct ob_bridge *br, struct outage_change *c, struct outage_guest *g,
		      uint64_t end_us)
{
	g->open = false;
	g->new_us = end_us;
	g->duration_us = since(c->wall_us, end_us ? end_us : g->last_us);
	struct outage_port_total *t = ptot_get(o, br, g);
	/* A reopened outage adds what it grew by. */
	t->outage_us += g->duration_us > g->counted_us ? g->duration_us - g->counted_us : 0;
	g->counted_us = g->duration_us > g->counted_us ? g->duration_us : g->counted_us;
	emit(o, OUTAGE_EV_ENDED, c, g);
}

static void frame_seen(struct outage *o, struct ob_port *p, const uint8_t *dst, uint64_t ts)
{
	struct ob_bridge *br = p->br;
	struct outage_change *c = br->change;
	if (!c)
		return;
	if (mac_cmp(dst, br->cur) == 0) {
		struct outage_guest *g = guest_get(o, c, p, false);
		if (g && g->open)
			guest_end(o, br, c, g, ts);
		p->awaiting = false;
		filter_apply(p);
		return;
	}
	bool former = false;
	for (size_t i = 0; i < br->n_former && !former; i++)
		former = mac_cmp(dst, br->former[i]) == 0;
	if (!former || mac_cmp(dst, p->mac) == 0)
		return; /* queued before the filter moved on */
	struct outage_guest *g = guest_get(o, c, p, true);
	bool first = g->frames == 0;
	g->frames++;
	if (first)
		g->first_us = ts;
	g->last_us = ts > g->last_us ? ts : g->last_us;
	g->open = true;
	g->duration_us = since(c->wall_us, g->last_us);
	ptot_get(o, br, g)->frames++;
	btot_get(o, br)->frames++;
	if (first) {
		ptot_get(o, br, g)->outages++;
		emit(o, OUTAGE_EV_STARTED, c, g);
	}
	if (!p->awaiting) {
		p->awaiting = true;
		filter_apply(p);
	}
}

static uint64_t cmsg_time(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
		}
	return now_wall_us();
}

static void port_cb(int fd, short revents, void *arg)
{
	struct ob_port *p = arg;
	struct outage *o = p->br->o;
	(void)revents;
	for (int i = 0; i < READ_BATCH; i++) {
		uint8_t buf[OUTAGE_SNAPLEN];
		char ctl[CMSG_SPACE(sizeof(struct timespec)) + 64];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n >= 6)
			frame_seen(o, p, buf, cmsg_time(&m));
	}
}

/* ---- changes ------------------------------------------------------------- */

static struct ob_bridge *bridge_get(struct outage *o, const struct link_info *b, bool add)
{
	for (size_t i = 0; i < o->n_bridges; i++)
		if (o->bridges[i]->ifindex == b->ifindex)
			return o->bridges[i];
	if (!add)
		return NULL;
	struct ob_bridge *br = xcalloc(1, sizeof(*br));
	br->o = o;
	br->ifindex = b->ifindex;
	o->bridges = xrealloc(o->bridges, (o->n_bridges + 1) * sizeof(*o->bridges));
	o->bridges[o->n_bridges++] = br;
	return br;
}

static void change_free(struct outage_change *c)
{
	if (c)
		free(c->guests);
	free(c);
}

static void ring_push(struct outage *o, struct outage_change *c)
{
	if (o->ring_n == OUTAGE_CHANGES_MAX) {
		struct outage_change *old = o->ring[o->ring_start];
		for (size_t i = 0; i < o->n_bridges; i++)
			if (o->bridges[i]->change == old)
				o->bridges[i]->change = NULL;
		change_free(old);
		o->ring[o->ring_start] = c;
		o->ring_start = (o->ring_start + 1) % OUTAGE_CHANGES_MAX;
		return;
	}
	o->ring[(o->ring_start + o->ring_n++) % OUTAGE_CHANGES_MAX] = c;
}

static void former_push(struct ob_bridge *br, const uint8_t old[6], const uint8_t cur[6])
{
	size_t w = 0;
	for (size_t i = 0; i < br->n_former; i++) /* the MAC it has again is not former */
		if (mac_cmp(br->former[i], cur) != 0 && mac_cmp(br->former[i], old) != 0)
			memcpy(br->former[w++], br->former[i], 6);
	br->n_former = w;
	if (mac_cmp(old, zero_mac) == 0)
		return;
	if (br->n_former == OUTAGE_FORMER_MAX)
		br->n_former--;
	memmove(br->former[1], br->former[0], br->n_former * 6);
	memcpy(br->former[0], old, 6);
	br->n_former++;
}

static void tick_cb(struct loop_timer *t, void *arg);

static void tick_arm(struct outage *o)
{
	if (!o->tick && o->loop)
		o->tick = loop_timer_add(o->loop, TICK_MS, true, tick_cb, o);
}

/* Idle outages end at their last lost frame; a bridge quiet for
 * OUTAGE_WATCH_US with none open stops being watched. */
static void tick_cb(struct loop_timer *t, void *arg)
{
	struct outage *o = arg;
	(void)t;
	uint64_t wall = now_wall_us(), mono = now_mono_us();
	bool busy = false;
	for (size_t i = 0; i < o->n_bridges; i++) {
		struct ob_bridge *br = o->bridges[i];
		struct outage_change *c = br->change;
		bool open = false;
		for (size_t k = 0; c && k < c->n_guests; k++) {
			struct outage_guest *g = &c->guests[k];
			if (g->open && wall > g->last_us + OUTAGE_IDLE_US)
				guest_end(o, br, c, g, 0);
			open |= g->open;
		}
		if (br->armed && !open && mono > br->last_change_mono + OUTAGE_WATCH_US)
			bridge_disarm(o, br);
		busy |= br->armed || open;
	}
	if (!busy) {
		loop_timer_del(o->loop, o->tick);
		o->tick = NULL;
	}
}

static void heal_now(struct outage *o, struct ob_bridge *br, struct outage_change *c)
{
	struct outage_bridge_total *bt = btot_get(o, br);
	bt->heal = heal_get(NULL, br->name, br->ifindex);
	if (!bt->heal || o->no_heal || mac_cmp(br->cur, zero_mac) == 0)
		return;
	unsigned sent = 0;
	heal_announce(br->name, br->ifindex, br->cur, &sent, NULL);
	c->healed = sent > 0;
	c->heal_sent = sent;
	bt->heals += c->healed;
	bt->heal_sent += sent;
	if (c->healed)
		emit(o, OUTAGE_EV_HEALED, c, NULL);
}

/* Filters first (the guests' next frames count), then heal. */
static void bridge_arm(struct outage *o, struct ob_bridge *br)
{
	br->arm_due = false;
	br->armed = true;
	ports_sync(o, br);
	for (size_t i = 0; i < br->n_ports; i++) {
		br->ports[i]->awaiting = true;
		filter_apply(br->ports[i]);
	}
	tick_arm(o);
	if (br->change)
		heal_now(o, br, br->change);
}

static void arm_cb(struct loop_timer *t, void *arg)
{
	struct outage *o = arg;
	if (o->arm_timer == t)
		o->arm_timer = NULL; /* one-shot: the loop frees it */
	bool sync = o->sync_due;
	o->sync_due = false;
	for (size_t i = 0; i < o->n_bridges; i++)
		if (o->bridges[i]->arm_due)
			bridge_arm(o, o->bridges[i]);
		else if (sync && o->bridges[i]->armed)
			ports_sync(o, o->bridges[i]);
}

/* The sockets' work after the lines: in this loop pass, once the netlink
 * messages at hand are read and their lines written. */
static void soon(struct outage *o)
{
	if (!o->arm_timer)
		o->arm_timer = loop_timer_add(o->loop, 0, false, arm_cb, o);
}

/* linkwatch's hook, at once on a bridge MAC change, before the change's
 * line is written: only the bookkeeping here; the sockets (a syscall or
 * three per port) and the heal follow in the same loop pass, after the
 * netlink messages at hand are read and the line is out. */
static void on_bridge_mac(struct linkwatch *lw, const struct link_info *b, const uint8_t old[6], uint64_t wall_us,
			  uint64_t mono_us, void *arg)
{
	struct outage *o = arg;
	(void)lw;
	struct ob_bridge *br = bridge_get(o, b, true);
	snprintf(br->name, sizeof(br->name), "%s", b->name);
	struct outage_change *prev = br->change;
	for (size_t k = 0; prev && k < prev->n_guests; k++)
		if (prev->guests[k].open) {
			prev->guests[k].superseded = true;
			guest_end(o, br, prev, &prev->guests[k], 0);
		}
	struct outage_change *c = xcalloc(1, sizeof(*c));
	c->bridge_ifindex = b->ifindex;
	snprintf(c->bridge, sizeof(c->bridge), "%s", b->name);
	memcpy(c->old_mac, old, 6);
	memcpy(c->new_mac, b->mac, 6);
	c->wall_us = wall_us;
	c->mono_us = mono_us;
	ring_push(o, c);
	br->change = c;
	memcpy(br->cur, b->mac, 6);
	former_push(br, old, b->mac);
	br->last_change_mono = mono_us;
	btot_get(o, br)->changes++;
	if (!o->why && o->loop) {
		c->measured = true;
		br->arm_due = true;
		soon(o);
		return;
	}
	heal_now(o, br, c);
}

void outage_link_event(struct outage *o, const struct linkwatch_event *ev)
{
	if (!o)
		return;
	switch (ev->type) {
	case LINKWATCH_EV_PORT_JOINED:
	case LINKWATCH_EV_PORT_LEFT:
	case LINKWATCH_EV_MAC_CHANGED:
	case LINKWATCH_EV_RENAMED:
	case LINKWATCH_EV_RESYNC:
		break;
	case LINKWATCH_EV_REMOVED:
		if (ev->link && ev->link->type == LINK_TYPE_BRIDGE) {
			for (size_t i = 0; i < o->n_bridges; i++)
				if (o->bridges[i]->ifindex == ev->link->ifindex) {
					struct ob_bridge *br = o->bridges[i];
					bridge_disarm(o, br);
					free(br->ports);
					free(br);
					o->bridges[i] = o->bridges[--o->n_bridges];
					break;
				}
			return;
		}
		break;
	default:
		return;
	}
	if (!o->loop) {
		for (size_t i = 0; i < o->n_bridges; i++)
			if (o->bridges[i]->armed)
				ports_sync(o, o->bridges[i]);
		return;
	}
	for (size_t i = 0; i < o->n_bridges && !o->sync_due; i++)
		o->sync_due = o->bridges[i]->armed;
	if (o->sync_due)
		soon(o);
}

/* ---- lifetime and access ------------------------------------------------- */

struct outage *outage_new(struct loop *loop, struct linkwatch *lw)
{
	struct outage *o = xcalloc(1, sizeof(*o));
	o->loop = loop;
	o->lw = lw;
	o->namer = default_namer;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		o->why = xasprintf("cannot measure guest outages: %s (packet sockets need root or CAP_NET_RAW)",
				   strerror(errno));
	else
		closer_close(fd);
	if (lw)
		linkwatch_set_on_bridge_mac(lw, on_bridge_mac, o);
	return o;
}

void outage_free(struct outage *o)
{
	if (!o)
		return;
	if (o->lw)
		linkwatch_set_on_bridge_mac(o->lw, NULL, NULL);
	for (size_t i = 0; i < o->n_bridges; i++) {
		bridge_disarm(o, o->bridges[i]);
		free(o->bridges[i]->ports);
		free(o->bridges[i]);
	}
	free(o->bridges);
	for (size_t i = 0; i < o->ring_n; i++)
		change_free(o->ring[(o->ring_start + i) % OUTAGE_CHANGES_MAX]);
	if (o->loop) {
		loop_timer_del(o->loop, o->tick);
		loop_timer_del(o->loop, o->arm_timer);
	}
	free(o->ptot);
	free(o->btot);
	free(o->why);
	free(o);
}

void outage_set_on_event(struct outage *o, outage_event_cb cb, void *arg)
{
	o->cb = cb;
	o->cb_arg = arg;
}

void outage_set_heal(struct outage *o, bool announce)
{
	o->no_heal = !announce;
}

void outage_set_namer(struct outage *o, outage_namer fn, void *arg)
{
	o->namer = fn ? fn : default_namer;
	o->namer_arg = fn ? arg : NULL;
}

const char *outage_unavailable(const struct outage *o)
{
	return o ? o->why : "not observing";
}

size_t outage_change_count(const struct outage *o)
{
	return o ? o->ring_n : 0;
}

const struct outage_change *outage_change_at(const struct outage *o, size_t i)
{
	return o && i < o->ring_n ? o->ring[(o->ring_start + i) % OUTAGE_CHANGES_MAX] : NULL;
}

const struct outage_change *outage_find(const struct outage *o, int bridge_ifindex, uint64_t mono_us)
{
	for (size_t i = outage_change_count(o); i-- > 0;) {
		const struct outage_change *c = outage_change_at(o, i);
		if (c->bridge_ifindex == bridge_ifindex && c->mono_us == mono_us)
			return c;
	}
	return NULL;
}

const struct outage_port_total *outage_port_totals(const struct outage *o, size_t *n)
{
	*n = o ? o->n_ptot : 0;
	return o ? o->ptot : NULL;
}

const struct outage_bridge_total *outage_bridge_totals(const struct outage *o, size_t *n)
{
	*n = o ? o->n_btot : 0;
	return o ? o->btot : NULL;
}

size_t outage_sockets(const struct outage *o)
{
	return o ? o->n_sockets : 0;
}
