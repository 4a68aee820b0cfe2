/* linkwatch_json: the link watcher's output: the model as JSON (comparable
 * with `ip -j -d link`), and one event as a JSON object or a human line (the
 * lines of `vmdeck watch`). Reads the model only through its accessors. */
#include "net/linkwatch_priv.h"
#include "core/util.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

static json_object *json_mac(const uint8_t mac[6])
{
	char s[18];
	mac_format(mac, s);
	return json_object_new_string(s);
}

/* The members of "stats" (counters) and "rates" (reals), in output order. */
struct json_member {
	const char *key;
	size_t off;
	bool real; /* a double, else a uint64_t */
};

static const struct json_member stats_members[] = {
	{ "rx_bytes", offsetof(struct link_stats, rx_bytes), false },
	{ "tx_bytes", offsetof(struct link_stats, tx_bytes), false },
	{ "rx_packets", offsetof(struct link_stats, rx_packets), false },
	{ "tx_packets", offsetof(struct link_stats, tx_packets), false },
	{ "rx_errors", offsetof(struct link_stats, rx_errors), false },
	{ "tx_errors", offsetof(struct link_stats, tx_errors), false },
	{ "rx_dropped", offsetof(struct link_stats, rx_dropped), false },
	{ "tx_dropped", offsetof(struct link_stats, tx_dropped), false },
};

static const struct json_member rates_members[] = {
	{ "rx_bps", offsetof(struct link_rates, rx_bps), true },
	{ "tx_bps", offsetof(struct link_rates, tx_bps), true },
	{ "rx_pps", offsetof(struct link_rates, rx_pps), true },
	{ "tx_pps", offsetof(struct link_rates, tx_pps), true },
};

static json_object *members_json(const void *base, const struct json_member *m, size_t n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		const char *p = (const char *)base + m[i].off;
		json_object_object_add(o, m[i].key, m[i].real ? json_object_new_double(*(const double *)p)
							      : json_object_new_uint64(*(const uint64_t *)p));
	}
	return o;
}

static json_object *link_json(const struct link_info *l, const struct linkwatch *lw)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ifindex", json_object_new_int(l->ifindex));
	json_object_object_add(o, "ifname", json_object_new_string(l->name));
	if (l->has_mac)
		json_object_object_add(o, "address", json_mac(l->mac));
	json_object_object_add(o, "type", json_object_new_string(link_type_name(l->type)));
	if (l->kind[0])
		json_object_object_add(o, "kind", json_object_new_string(l->kind));
	json_object_object_add(o, "operstate", json_object_new_string(l->operstate_name));
	json_object_object_add(o, "up", json_object_new_boolean(l->admin_up));
	json_object_object_add(o, "lower_up", json_object_new_boolean(l->carrier));
	json_object_object_add(o, "mtu", json_object_new_int((int)l->mtu));
	if (l->master) {
		const struct link_info *m = lw ? linkwatch_find(lw, l->master) : NULL;
		json_object_object_add(o, "master_ifindex", json_object_new_int(l->master));
		if (m)
			json_object_object_add(o, "master", json_object_new_string(m->name));
	}
	if (l->type == LINK_TYPE_BRIDGE) {
		if (l->pinned_known)
			json_object_object_add(o, "pinned", json_object_new_boolean(l->pinned));
		json_object_object_add(o, "at_risk", json_object_new_boolean(l->at_risk));
		json_object_object_add(o, "ports", json_object_new_int((int)l->n_ports));
		json_object_object_add(o, "vm_ports", json_object_new_int((int)l->n_vm_ports));
		json_object_object_add(o, "mac_changes", json_object_new_int((int)l->n_history));
	}
	if (l->has_stats)
		json_object_object_add(o, "stats", members_json(&l->stats, stats_members, ARRAY_LEN(stats_members)));
	if (l->has_rates)
		json_object_object_add(o, "rates", members_json(&l->rates, rates_members, ARRAY_LEN(rates_members)));
	return o;
}

char *linkwatch_dump_json(const struct linkwatch *lw)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < linkwatch_count(lw); i++)
		json_object_array_add(a, link_json(linkwatch_link(lw, i), lw));
	char *s = xstrdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
	json_object_put(a);
	return s;
}

char *linkwatch_event_json(const struct linkwatch_event *ev)
{
	json_object *o = json_object_new_object();
	char ts[40];
	time_iso_us(ev->wall_us, ts);
	json_object_object_add(o, "time", json_object_new_string(ts));
	json_object_object_add(o, "ts_us", json_object_new_uint64(ev->wall_us));
	json_object_object_add(o, "event", json_object_new_string(linkwatch_event_name(ev->type)));
	const struct link_info *l = ev->link;
	if (l) {
		json_object_object_add(o, "ifname", json_object_new_string(l->name));
		json_object_object_add(o, "ifindex", json_object_new_int(l->ifindex));
		json_object_object_add(o, "type", json_object_new_string(link_type_name(l->type)));
		if (l->has_mac)
			json_object_object_add(o, "mac", json_mac(l->mac));
		json_object_object_add(o, "operstate", json_object_new_string(l->operstate_name));
	}
	if (ev->bridge && ev->type != LINKWATCH_EV_BRIDGE_MAC_CHANGED)
		json_object_object_add(o, "bridge", json_object_new_string(ev->bridge->name));
	switch (ev->type) {
	case LINKWATCH_EV_MAC_CHANGED:
		json_object_object_add(o, "old_mac", json_mac(ev->old_mac));
		break;
	case LINKWATCH_EV_RENAMED:
		json_object_object_add(o, "old_ifname", json_object_new_string(ev->old_name));
		break;
	case LINKWATCH_EV_MTU_CHANGED:
		json_object_object_add(o, "old_mtu", json_object_new_int((int)ev->old_mtu));
		json_object_object_add(o, "mtu", json_object_new_int((int)l->mtu));
		break;
	case LINKWATCH_EV_BRIDGE_MAC_CHANGED: {
		const struct bridge_mac_change *c = ev->change;
		json_object_object_add(o, "bridge", json_object_new_string(l->name));
		json_object_object_add(o, "old_mac", json_mac(c->old_mac));
		json_object_object_add(o, "new_mac", json_mac(c->new_mac));
		json_object_object_add(o, "cause", json_object_new_string(bridge_mac_cause_name(c->cause)));
		if (c->port[0]) {
			json_object_object_add(o, "port", json_object_new_string(c->port));
			json_object_object_add(o, "port_ifindex", json_object_new_int(c->port_ifindex));
			json_object_object_add(o, "port_mac", json_mac(c->port_mac));
		}
		if (l->pinned_known)
			json_object_object_add(o, "pinned", json_object_new_boolean(l->pinned));
		json_object_object_add(o, "changes", json_object_new_int((int)l->n_history));
		break;
	}
	default:
		break;
	}
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

char *linkwatch_event_text(const struct linkwatch_event *ev)
{
	char ts[40], mac[18] = "", old[18];
	time_iso_us(ev->wall_us, ts);
	const struct link_info *l = ev->link;
	const char *name = l ? l->name : "-";
	if (l && l->has_mac)
		mac_format(l->mac, mac);
	const char *what = linkwatch_event_name(ev->type);
	switch (ev->type) {
	case LINKWATCH_EV_ADDED:
		return xasprintf("%s %s %s %s %s %s", ts, what, name, link_type_name(l->type), mac, l->operstate_name);
	case LINKWATCH_EV_PORT_JOINED:
	case LINKWATCH_EV_PORT_LEFT:
		return xasprintf("%s %s %s %s bridge %s", ts, what, name, mac, ev->bridge ? ev->bridge->name : "?");
	case LINKWATCH_EV_MAC_CHANGED:
		mac_format(ev->old_mac, old);
		return xasprintf("%s %s %s %s -> %s", ts, what, name, old, mac);
	case LINKWATCH_EV_BRIDGE_MAC_CHANGED:
		return xasprintf("%s %s %s %s", ts, what, name, ev->change->text);
	case LINKWATCH_EV_RENAMED:
		return xasprintf("%s %s %s -> %s", ts, what, ev->old_name, name);
	case LINKWATCH_EV_MTU_CHANGED:
		return xasprintf("%s %s %s %u -> %u", ts, what, name, ev->old_mtu, l->mtu);
	case LINKWATCH_EV_UP:
	case LINKWATCH_EV_DOWN:
		return xasprintf("%s %s %s %s", ts, what, name, l->operstate_name);
	default:
		return xasprintf("%s %s %s", ts, what, name);
	}
}
