/* linkwatch_priv: what the link watcher's files share and nobody else may
 * see: the model's structures, lookup by ifindex and the event callback
 * (net/linkwatch.c), and the statistics timer (net/linkstats.c). The public
 * contract is net/linkwatch.h. */
#ifndef VMDECK_LINKWATCH_PRIV_H
#define VMDECK_LINKWATCH_PRIV_H

#include "net/linkwatch.h"

struct loop_timer;
struct nl_sock;
struct nl_cache_mngr;
struct nl_cache;

struct lw_link {
	struct link_info info;
	struct bridge_mac_change *hist;
	size_t hist_len;
	/* Stats sample the rates were computed from. */
	uint64_t stats_mono_us;
	bool seen;
};

struct linkwatch {
	struct loop *loop;
	struct nl_sock *ev_sk, *sync_sk;
	struct nl_cache_mngr *mngr;
	struct nl_cache *cache;
	int fd;

	struct lw_link **links; /* sorted by ifindex */
	size_t n, cap;

	/* Sorted views, rebuilt lazily when views_dirty. */
	bool views_dirty;
	const struct link_info **bridges, **ports; /* ports grouped by bridge, by name */
	size_t n_bridges, n_ports;

	struct macause *causes; /* bridge MAC cause attribution, fed from link_update/link_remove */
	struct loop_timer *pending_timer, *stats_timer;

	linkwatch_change_cb cb;
	void *cb_arg;
	linkwatch_bridge_mac_cb mac_cb; /* linkwatch_set_on_bridge_mac */
	void *mac_cb_arg;
	bool need_resync;
	struct loop_timer *resync_timer;
	bool building; /* initial fill: no events */
	bool stale_objs; /* the cache may hold objects of links that are gone (purge_stale()) */
	/* Links removed during a dispatch are freed after it (events hold pointers). */
	struct lw_link **graveyard;
	size_t n_grave, cap_grave;
	/* bridge_refresh_flags' port MACs, kept between calls (grown, never
	 * shrunk): a port joining or leaving allocates nothing. */
	uint8_t (*port_macs)[6];
	size_t cap_port_macs;
};

/* net/linkwatch.c */
/* The model's link of this ifindex, or NULL. */
struct lw_link *linkwatch_get(const struct linkwatch *lw, int ifindex);
/* The same, as the link_info callers see. */
const struct link_info *linkwatch_find(const struct linkwatch *lw, int ifindex);
/* Hand an event to the callback (none while building the initial model);
 * fills in the times left 0. */
void linkwatch_emit(struct linkwatch *lw, struct linkwatch_event *ev);

/* net/linkstats.c */
/* Start reading counters (one RTM_GETSTATS dump) every interval_ms on the
 * watcher's loop, recomputing rates and emitting LINKWATCH_EV_STATS. */
struct loop_timer *linkstats_timer_add(struct linkwatch *lw, unsigned interval_ms);

#endif
