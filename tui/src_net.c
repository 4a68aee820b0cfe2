/* src_net: net/linkwatch.h -> struct model; pin through net/bridge.h; bridge
 * MAC changes recorded to, and the earlier ones loaded from, net/machist.h. */
#include "tui/src_net.h"
#include "core/loop.h"
#include "core/profile.h"
#include "core/util.h"
#include "net/bridge.h"
#include "net/linkwatch.h"
#include "net/machist.h"
#include "net/vmnet.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct src_net {
	struct loop *loop;
	struct ui *ui;
	struct linkwatch *lw;
	/* The model's history (history_rebuild()) is out of date: a bridge MAC
	 * changed, a bridge came, went or was renamed, or the watcher resynced;
	 * history_yday: the day it was built on (the marks name the day). */
	bool history_stale;
	int history_yday;
	struct machist *mh;  /* NULL: not recording (said so once) */
	struct machist_record *past; /* recorded before this vmdeck started, oldest first */
	size_t n_past;
	bool mh_failed;
	bool stale;          /* the model's network half is out of date: src_net_after rebuilds it */
	/* Each port's sparklines, by ifindex (sorted): one sample per stats
	 * interval, kept across rebuilds (the model is made afresh each time). */
	struct port_hist *hist;
	size_t n_hist, cap_hist;
};

struct port_hist {
	int ifindex;
	bool seen;
	struct spark rx, tx;
};

static struct port_hist *hist_find(const struct src_net *s, int ifindex, size_t *pos)
{
	size_t lo = 0, hi = s->n_hist;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->hist[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	return lo < s->n_hist && s->hist[lo].ifindex == ifindex ? &s->hist[lo] : NULL;
}

/* One sample per port per stats interval (LINKWATCH_EV_STATS), then the
 * ports that are gone are forgotten (mark and sweep). */
static void hist_sample(struct src_net *s)
{
	for (size_t i = 0; i < linkwatch_bridge_count(s->lw); i++) {
		int br = linkwatch_bridge(s->lw, i)->ifindex;
		for (size_t j = 0; j < linkwatch_port_count(s->lw, br); j++) {
			const struct link_info *pl = linkwatch_port(s->lw, br, j);
			size_t pos;
			struct port_hist *h = hist_find(s, pl->ifindex, &pos);
			if (!h) {
				if (s->n_hist == s->cap_hist) {
					s->cap_hist = s->cap_hist ? s->cap_hist * 2 : 16;
					s->hist = xrealloc(s->hist, s->cap_hist * sizeof(*s->hist));
				}
				memmove(&s->hist[pos + 1], &s->hist[pos], (s->n_hist - pos) * sizeof(*s->hist));
				h = &s->hist[pos];
				memset(h, 0, sizeof(*h));
				h->ifindex = pl->ifindex;
				s->n_hist++;
			}
			h->seen = true;
			spark_push(&h->rx, pl->has_rates ? (float)pl->rates.rx_bps : 0);
			spark_push(&h->tx, pl->has_rates ? (float)pl->rates.tx_bps : 0);
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < s->n_hist; i++)
		if (s->hist[i].seen) {
			s->hist[i].seen = false;
			s->hist[k++] = s->hist[i];
		}
	s->n_hist = k;
}

/* The TUI shows at most this many changes from before it started (the file
 * keeps more: `vmdeck net history`); the model is rebuilt on every refresh. */
#define SRC_NET_PAST_MAX 1000

/* "(before this session)", with the date when it was not today; it goes
 * before the text, which a narrow pane cuts. */
static void past_mark(uint64_t wall_us, char *buf, size_t n)
{
	time_t t = (time_t)(wall_us / 1000000), now = time(NULL);
	struct tm tm, tn;
	localtime_r(&t, &tm);
	localtime_r(&now, &tn);
	if (tm.tm_year == tn.tm_year && tm.tm_yday == tn.tm_yday) {
		snprintf(buf, n, "(before this session)");
		return;
	}
	char d[16];
	strftime(d, sizeof(d), "%b %d", &tm);
	snprintf(buf, n, "(before this session, %s)", d);
}

static void past_load(struct src_net *s)
{
	char *err = NULL;
	s->mh = machist_new(NULL, &err);
	struct machist_record *r = NULL;
	size_t n = 0;
	if (!s->mh || machist_load(s->mh, NULL, 0, &r, &n, &err) < 0) {
		ui_message(s->ui, true, "MAC history: %s", err ? err : "?");
		free(err);
		return;
	}
	size_t skip = n > SRC_NET_PAST_MAX ? n - SRC_NET_PAST_MAX : 0;
	if (skip)
		memmove(r, r + skip, (n - skip) * sizeof(*r));
	s->past = r;
	s->n_past = n - skip;
}

/* Append a change this vmdeck saw; machist drops it if another vmdeck
 * watching this namespace already did. */
static void past_record(struct src_net *s, const struct linkwatch_event *ev)
{
	if (!s->mh || !ev->link || !ev->change)
		return;
	struct machist_record r;
	machist_record_from_change(s->mh, ev->link, ev->change, &r);
	char *err = NULL;
	if (machist_append(s->mh, &r, NULL, &err) < 0 && !s->mh_failed) {
		ui_message(s->ui, true, "not recording MAC history: %s", err);
		s->mh_failed = true;
	}
	free(err);
}

static void fmt_hms(uint64_t wall_us, char *buf, size_t n)
{
	time_t t = (time_t)(wall_us / 1000000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, "%H:%M:%S", &tm);
}

/* Which VM owns a TAP, by the names the profiles give their NICs. */
static const char *tap_owner(struct model *m, const char *ifname)
{
	for (size_t i = 0; i < m->n_vms; i++) {
		const struct profile *p = m->vms[i].prof;
		for (size_t j = 0; p && j < p->n_nics; j++) {
			if (p->nics[j].user_net)
				continue;
			char *tap = profile_nic_tap_name(p, j);
			bool hit = strcmp(tap, ifname) == 0;
			free(tap);
			if (hit)
				return m->vms[i].name;
		}
	}
	return NULL;
}

static bool bridge_listed(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_bridges; i++)
		if (strcmp(m->bridges[i].name, name) == 0)
			return true;
	return false;
}

static void add_bridge(struct model *m, struct mbridge *b)
{
	m->bridges = xrealloc(m->bridges, (m->n_bridges + 1) * sizeof(*m->bridges));
	m->bridges[m->n_bridges++] = *b;
}

/* The H view's list: the changes from before this session, then every
 * bridge's (linkwatch keeps the newest LINKWATCH_HISTORY_MAX per bridge),
 * merged oldest first and cut to MODEL_HISTORY_MAX. Rebuilt only when
 * something it shows changed: a new change, a bridge come or gone, or the
 * day (the "before this session" marks name it). */
static void history_rebuild(struct src_net *s)
{
	struct model *m = &s->ui->m;
	size_t nb = linkwatch_bridge_count(s->lw);
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	if (!s->history_stale && tm.tm_yday == s->history_yday)
		return;
	s->history_stale = false;
	s->history_yday = tm.tm_yday;
	model_history_clear(m);
	for (size_t i = 0; i < s->n_past; i++) {
		const struct machist_record *r = &s->past[i];
		char mark[48];
		past_mark(r->wall_us, mark, sizeof(mark));
		char *cause = xasprintf("%s %s", mark, r->text);
		struct mmac_event e = { .wall_us = (int64_t)r->wall_us, .cause = cause };
		snprintf(e.bridge, sizeof(e.bridge), "%s", r->bridge);
		memcpy(e.old_mac, r->old_mac, 6);
		memcpy(e.new_mac, r->new_mac, 6);
		model_history_push(m, &e);
		free(cause);
	}
	for (size_t i = 0; i < nb; i++) {
		const struct link_info *b = linkwatch_bridge(s->lw, i);
		size_t kept = b->n_history < LINKWATCH_HISTORY_MAX ? b->n_history : LINKWATCH_HISTORY_MAX;
		for (size_t k = 0; k < kept && b->history; k++) {
			const struct bridge_mac_change *c = &b->history[k];
			struct mmac_event e = { .wall_us = (int64_t)c->wall_us, .cause = (char *)c->text };
			snprintf(e.bridge, sizeof(e.bridge), "%s", b->name);
			memcpy(e.old_mac, c->old_mac, 6);
			memcpy(e.new_mac, c->new_mac, 6);
			model_history_push(m, &e);
		}
	}
	model_history_finish(m);
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

void src_net_refresh(struct src_net *s)
{
	s->stale = true;
}

/* The network half of the model from the watcher, the VM half (TAP owners,
 * the bridges the profiles name, the selected VM) and nets. Everything it
 * reads is in memory: it runs once per loop pass that changed something. */
static void rebuild(struct src_net *s, const struct labnet_set *nets)
{
	struct ui *ui = s->ui;
	struct model *m = &ui->m;
	char sel[16] = "";
	struct mbridge *sb = ui_selected_bridge(ui);
	if (sb)
		snprintf(sel, sizeof(sel), "%s", sb->name);
	model_bridges_clear(m);
	size_t nb = s->lw ? linkwatch_bridge_count(s->lw) : 0;
	for (size_t i = 0; i < nb; i++) {
		const struct link_info *l = linkwatch_bridge(s->lw, i);
		struct mbridge b = { 0 };
		snprintf(b.name, sizeof(b.name), "%s", l->name);
		b.ifindex = l->ifindex;
		memcpy(b.mac, l->mac, 6);
		b.pinned = l->pinned;
		b.at_risk = l->at_risk;
		b.present = true;
		b.n_changes = (unsigned)l->n_history;
		b.changed_mono_us = l->mac_changed_mono_us;
		const struct machist_record *last_past = NULL;
		for (size_t k = 0; k < s->n_past; k++)
			if (strcmp(s->past[k].bridge, l->name) == 0) {
				b.n_changes++;
				last_past = &s->past[k];
			}
		size_t kept = l->n_history < LINKWATCH_HISTORY_MAX ? l->n_history : LINKWATCH_HISTORY_MAX;
		if (kept && l->history) {
			char t[16];
			const struct bridge_mac_change *c = &l->history[kept - 1];
			fmt_hms(c->wall_us, t, sizeof(t));
			b.last_change = xasprintf("last %s %s", t, c->text);
		} else if (last_past) {
			char t[16], mark[48];
			fmt_hms(last_past->wall_us, t, sizeof(t));
			past_mark(last_past->wall_us, mark, sizeof(mark));
			b.last_change = xasprintf("last %s %s %s", t, mark, last_past->text);
		}
		size_t np = linkwatch_port_count(s->lw, l->ifindex);
		b.ports = xcalloc(np ? np : 1, sizeof(*b.ports));
		for (size_t j = 0; j < np; j++) {
			const struct link_info *pl = linkwatch_port(s->lw, l->ifindex, j);
			struct mport *p = &b.ports[b.n_ports++];
			snprintf(p->name, sizeof(p->name), "%s", pl->name);
			p->ifindex = pl->ifindex;
			memcpy(p->mac, pl->mac, 6);
			snprintf(p->state, sizeof(p->state), "%s", pl->operstate_name ? pl->operstate_name : "?");
			lower(p->state);
			if (pl->has_rates) {
				p->rx_bps = pl->rates.rx_bps;
				p->tx_bps = pl->rates.tx_bps;
			}
			const struct port_hist *h = hist_find(s, pl->ifindex, NULL);
			if (h) {
				p->rx_hist = h->rx;
				p->tx_hist = h->tx;
			}
			const char *owner = tap_owner(m, pl->name);
			if (owner)
				snprintf(p->vm, sizeof(p->vm), "%s", owner);
		}
		add_bridge(m, &b);
	}
	/* Bridges the profiles name that are not there: degraded, not fatal. */
	for (size_t i = 0; i < m->n_vms; i++) {
		const struct profile *p = m->vms[i].prof;
		for (size_t j = 0; p && j < p->n_nics; j++) {
			const char *br = p->nics[j].bridge;
			if (!br || p->nics[j].user_net || bridge_listed(m, br))
				continue;
			struct mbridge b = { 0 };
			snprintf(b.name, sizeof(b.name), "%s", br);
			b.last_change = xasprintf("missing: %s needs it", m->vms[i].name);
			add_bridge(m, &b);
		}
	}
	/* What starting the selected (stopped) VM would do to its bridges. */
	struct mvm *v = ui_selected_vm(ui);
	if (s->lw && v && v->prof && (v->state == MVM_STOPPED || v->state == MVM_EXITED)) {
		struct bridge_prediction pr[8];
		size_t n = vmnet_predict(s->lw, nets, v->prof, pr, ARRAY_LEN(pr));
		for (size_t k = 0; k < n && k < ARRAY_LEN(pr); k++) {
			if (!pr[k].will_change && !pr[k].mac_unknown)
				continue;
			for (size_t i = 0; i < m->n_bridges; i++)
				if (strcmp(m->bridges[i].name, pr[k].bridge) == 0 && !m->bridges[i].prediction)
					m->bridges[i].prediction = xstrdup(pr[k].text);
		}
	}
	ui->net_sel = 0;
	for (size_t i = 0; i < m->n_bridges; i++)
		if (strcmp(m->bridges[i].name, sel) == 0)
			ui->net_sel = i;
	if (s->lw)
		history_rebuild(s);
	ui->dirty |= D_NET | D_HEADER;
	if (ui->focus == PANE_NET)
		ui->dirty |= D_STATUS;
}

bool src_net_after(struct src_net *s, const struct labnet_set *nets)
{
	if (!s->stale)
		return false;
	s->stale = false;
	rebuild(s, nets);
	return true;
}

/* A burst of link events is many calls in one pass: each marks the model
 * stale, and it is rebuilt once, in the loop's after hook. What an event
 * says once (a bridge MAC change: its message and its record) is done here. */
static void on_change(struct linkwatch *lw, const struct linkwatch_event *ev, void *arg)
{
	struct src_net *s = arg;
	(void)lw;
	if (ev->type == LINKWATCH_EV_BRIDGE_MAC_CHANGED && ev->bridge && ev->change) {
		char o[18], n[18];
		mac_format(ev->change->old_mac, o);
		mac_format(ev->change->new_mac, n);
		ui_message(s->ui, true, "%s MAC changed %s -> %s: %s", ev->bridge->name, o, n, ev->change->text);
		past_record(s, ev);
	}
	if (ev->type == LINKWATCH_EV_STATS)
		hist_sample(s);
	bool of_bridge = ev->link && ev->link->type == LINK_TYPE_BRIDGE;
	if (ev->type == LINKWATCH_EV_BRIDGE_MAC_CHANGED || ev->type == LINKWATCH_EV_RESYNC ||
	    (of_bridge && (ev->type == LINKWATCH_EV_ADDED || ev->type == LINKWATCH_EV_REMOVED ||
			   ev->type == LINKWATCH_EV_RENAMED)))
		s->history_stale = true;
	src_net_refresh(s);
}

struct src_net *src_net_new(struct loop *l, struct ui *ui, unsigned interval_ms)
{
	struct src_net *s = xcalloc(1, sizeof(*s));
	s->loop = l;
	s->ui = ui;
	s->history_stale = true;
	char *err = NULL;
	/* Before the watcher starts: what it sees from now on is this session's. */
	past_load(s);
	struct linkwatch_options lo = { .stats_interval_ms = interval_ms };
	s->lw = linkwatch_new(l, &lo, &err);
	if (!s->lw) {
		free(ui->m.net_degraded);
		ui->m.net_degraded = xasprintf("network watch unavailable: %s", err ? err : "?");
		free(err);
	} else {
		linkwatch_set_on_change(s->lw, on_change, s);
	}
	src_net_refresh(s);
	return s;
}

void src_net_free(struct src_net *s)
{
	if (!s)
		return;
	linkwatch_free(s->lw);
	machist_free(s->mh);
	free(s->past);
	free(s->hist);
	free(s);
}

int src_net_pin(struct src_net *s, const char *bridge, char **err)
{
	if (bridge_pin(bridge, NULL, true, err) < 0)
		return -1;
	/* Setting the same MAC sends no link event, so the watcher would not
	 * re-read addr_assign_type: ask it to look again (one dump). */
	if (s->lw)
		linkwatch_resync(s->lw, NULL);
	return 0;
}
