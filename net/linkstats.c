/* linkstats: the link watcher's traffic counters and rates. One RTM_GETSTATS
 * dump per interval (libnl has no wrapper for it, and link events carry no
 * fresh stats), and the pure arithmetic from two samples to rates. */
#include "net/linkwatch_priv.h"
#include "core/loop.h"
#include "core/util.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <string.h>
#include <sys/socket.h>

/* ---- pure helpers -------------------------------------------------------- */

uint64_t linkwatch_counter_delta(uint64_t old, uint64_t now)
{
	if (now >= old)
		return now - old;
	/* A 32-bit counter zero-extended into 64 bits wrapped at 2^32: only
	 * from its upper half, and to below it. */
	if (old <= UINT32_MAX && old > UINT32_MAX / 2 && now <= UINT32_MAX / 2)
		return ((uint64_t)UINT32_MAX - old) + now + 1;
	if (old > UINT64_MAX / 2 && now <= UINT64_MAX / 2)
		return (UINT64_MAX - old) + now + 1; /* a real 64-bit wrap */
	/* Anything else went backwards because the counters were reset (a
	 * driver reset, a re-created device): count from zero, no spike. */
	return now;
}

void linkwatch_rates_compute(const struct link_stats *o, const struct link_stats *n, uint64_t interval_us,
			     struct link_rates *out)
{
	memset(out, 0, sizeof(*out));
	if (interval_us == 0)
		return;
	double s = (double)interval_us / 1e6;
	out->rx_bps = (double)linkwatch_counter_delta(o->rx_bytes, n->rx_bytes) * 8.0 / s;
	out->tx_bps = (double)linkwatch_counter_delta(o->tx_bytes, n->tx_bytes) * 8.0 / s;
	out->rx_pps = (double)linkwatch_counter_delta(o->rx_packets, n->rx_packets) / s;
	out->tx_pps = (double)linkwatch_counter_delta(o->tx_packets, n->tx_packets) / s;
}

/* ---- the RTM_GETSTATS dump ----------------------------------------------- */

struct stats_ctx {
	struct linkwatch *lw;
	uint64_t now;
};

static int stats_msg(struct nl_msg *msg, void *arg)
{
	struct stats_ctx *ctx = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	if (nlh->nlmsg_type != RTM_NEWSTATS)
		return NL_SKIP;
	struct if_stats_msg *ifsm = nlmsg_data(nlh);
	struct nlattr *tb[IFLA_STATS_MAX + 1];
	if (nlmsg_parse(nlh, sizeof(*ifsm), tb, IFLA_STATS_MAX, NULL) < 0 || !tb[IFLA_STATS_LINK_64])
		return NL_SKIP;
	if (nla_len(tb[IFLA_STATS_LINK_64]) < (int)sizeof(struct rtnl_link_stats64))
		return NL_SKIP;
	struct lw_link *l = linkwatch_get(ctx->lw, (int)ifsm->ifindex);
	if (!l)
		return NL_OK;
	struct rtnl_link_stats64 s64;
	memcpy(&s64, nla_data(tb[IFLA_STATS_LINK_64]), sizeof(s64));
	struct link_stats s = {
		.rx_bytes = s64.rx_bytes, .tx_bytes = s64.tx_bytes,
		.rx_packets = s64.rx_packets, .tx_packets = s64.tx_packets,
		.rx_errors = s64.rx_errors, .tx_errors = s64.tx_errors,
		.rx_dropped = s64.rx_dropped, .tx_dropped = s64.tx_dropped,
	};
	if (l->info.has_stats && ctx->now > l->stats_mono_us) {
		linkwatch_rates_compute(&l->info.stats, &s, ctx->now - l->stats_mono_us, &l->info.rates);
		l->info.has_rates = true;
	}
	l->info.stats = s;
	l->info.has_stats = true;
	l->stats_mono_us = ctx->now;
	return NL_OK;
}

/* Read counters now (one RTM_GETSTATS dump) and recompute rates. */
static int linkstats_refresh(struct linkwatch *lw, char **err)
{
	struct if_stats_msg ifsm = { .family = AF_UNSPEC, .filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64) };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETSTATS, NLM_F_REQUEST | NLM_F_DUMP);
	if (!msg)
		fatal("out of memory");
	if (nlmsg_append(msg, &ifsm, sizeof(ifsm), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return error_set(err, "stats request: message too small");
	}
	int r = nl_send_auto(lw->sync_sk, msg);
	nlmsg_free(msg);
	if (r < 0)
		return error_set(err, "stats request: %s", nl_geterror(r));
	struct stats_ctx ctx = { lw, now_mono_us() };
	nl_socket_modify_cb(lw->sync_sk, NL_CB_VALID, NL_CB_CUSTOM, stats_msg, &ctx);
	r = nl_recvmsgs_default(lw->sync_sk);
	nl_socket_modify_cb(lw->sync_sk, NL_CB_VALID, NL_CB_DEFAULT, NULL, NULL);
	if (r < 0)
		return error_set(err, "stats dump: %s", nl_geterror(r));
	struct linkwatch_event ev = { .type = LINKWATCH_EV_STATS };
	linkwatch_emit(lw, &ev);
	return 0;
}

static void stats_timer_cb(struct loop_timer *t, void *arg)
{
	char *err = NULL;
	linkstats_refresh(arg, &err);
	free(err);
}

struct loop_timer *linkstats_timer_add(struct linkwatch *lw, unsigned interval_ms)
{
	return loop_timer_add(lw->loop, interval_ms, true, stats_timer_cb, lw);
}
