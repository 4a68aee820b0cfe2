/* outage_text: the observer's pure parts — the classic BPF program a port's
 * packet socket gets, and an outage as text and as JSON. */
#include "net/outage.h"
#include "core/util.h"
#include "net/machist.h"

#include <json-c/json.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The frame's destination is loaded once into scratch memory (M[0]: bytes
 * 0-3, M[1]: bytes 4-5); then 4 instructions per MAC. A frame too short to
 * load from ends the program: dropped. Outgoing frames (to the guest) are
 * dropped first: only what the guest sends counts. */
size_t outage_bpf_build(const uint8_t (*macs)[6], size_t n, struct sock_filter *out)
{
	if (n > OUTAGE_FORMER_MAX + 1)
		n = OUTAGE_FORMER_MAX + 1;
	size_t k = 0;
	size_t total = 6 + 4 * n + 2;
	size_t drop = total - 2, accept = total - 1;
	out[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE));
	out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, (uint8_t)(drop - k - 1), 0);
	k++;
	out[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
	out[k++] = (struct sock_filter)BPF_STMT(BPF_ST, 0);
	out[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4);
	out[k++] = (struct sock_filter)BPF_STMT(BPF_ST, 1);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *m = macs[i];
		uint32_t hi = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
		uint32_t lo = (uint32_t)m[4] << 8 | m[5];
		out[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_MEM, 0);
		out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hi, 0, 2);
		k++;
		out[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_MEM, 1);
		out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, lo, (uint8_t)(accept - k - 1), 0);
		k++;
	}
	out[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	out[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, OUTAGE_SNAPLEN);
	return k;
}

static const char *const event_names[] = {
	[OUTAGE_EV_STARTED] = "guest-outage-started",
	[OUTAGE_EV_ENDED] = "guest-outage-ended",
	[OUTAGE_EV_HEALED] = "bridge-healed",
};

const char *outage_event_name(enum outage_event_type t)
{
	return (unsigned)t < ARRAY_LEN(event_names) ? event_names[t] : "unknown";
}

char *outage_guest_text(const struct outage_guest *g)
{
	return xasprintf("%s: %llu frame%s lost, %.1f s%s", g->vm[0] ? g->vm : g->port, (unsigned long long)g->frames,
			 g->frames == 1 ? "" : "s", (double)g->duration_us / 1e6, g->open ? " so far" : "");
}

char *outage_change_text(const struct outage_change *c)
{
	struct strbuf sb = { 0 };
	for (size_t i = 0; i < c->n_guests; i++) {
		if (!c->guests[i].frames)
			continue;
		char *t = outage_guest_text(&c->guests[i]);
		strbuf_addf(&sb, "%s%s", sb.len ? "; " : "", t);
		free(t);
	}
	if (c->healed)
		strbuf_addf(&sb, "%shealed", sb.len ? "; " : "");
	return sb.s;
}

static json_object *json_mac(const uint8_t mac[6])
{
	char s[18];
	mac_format(mac, s);
	return json_object_new_string(s);
}

char *outage_event_json(const struct outage_event *ev)
{
	const struct outage_change *c = ev->change;
	const struct outage_guest *g = ev->guest;
	uint64_t ts = !g ? c->wall_us : ev->type == OUTAGE_EV_STARTED ? g->first_us : g->new_us ? g->new_us : g->last_us;
	char iso[40];
	time_iso_us(ts, iso);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ts_us", json_object_new_uint64(ts));
	json_object_object_add(o, "time", json_object_new_string(iso));
	json_object_object_add(o, "event", json_object_new_string(outage_event_name(ev->type)));
	if (g) {
		json_object_object_add(o, "vm", g->vm[0] ? json_object_new_string(g->vm) : NULL);
		json_object_object_add(o, "port", json_object_new_string(g->port));
	}
	json_object_object_add(o, "bridge", json_object_new_string(c->bridge));
	json_object_object_add(o, "old_mac", json_mac(c->old_mac));
	json_object_object_add(o, "new_mac", json_mac(c->new_mac));
	json_object_object_add(o, "change_ts_us", json_object_new_uint64(c->wall_us));
	if (g) {
		json_object_object_add(o, "frames", json_object_new_uint64(g->frames));
		json_object_object_add(o, "first_us", json_object_new_uint64(g->first_us));
		json_object_object_add(o, "last_us", json_object_new_uint64(g->last_us));
		if (ev->type == OUTAGE_EV_ENDED) {
			json_object_object_add(o, "duration", json_object_new_double((double)g->duration_us / 1e6));
			json_object_object_add(o, "ended_by", json_object_new_string(g->new_us ? "new-mac"
										     : g->superseded ? "next-change"
												     : "idle"));
		}
	} else {
		json_object_object_add(o, "sent", json_object_new_int((int)c->heal_sent));
	}
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

char *outage_event_text(const struct outage_event *ev)
{
	const struct outage_change *c = ev->change;
	if (!ev->guest)
		return xasprintf("%s %s: announced %u time%s", outage_event_name(ev->type), c->bridge, c->heal_sent,
				 c->heal_sent == 1 ? "" : "s");
	char *t = outage_guest_text(ev->guest);
	char *s = xasprintf("%s %s %s", outage_event_name(ev->type), c->bridge, t);
	free(t);
	return s;
}

int outage_record(struct machist *mh, const struct outage_event *ev, char **err)
{
	if (ev->type != OUTAGE_EV_ENDED)
		return 0;
	const struct outage_guest *g = ev->guest;
	struct machist_outage mo = { .frames = g->frames, .first_us = g->first_us, .last_us = g->last_us,
				     .duration_us = g->duration_us };
	snprintf(mo.port, sizeof(mo.port), "%s", g->port);
	snprintf(mo.vm, sizeof(mo.vm), "%s", g->vm);
	return machist_append_outage(mh, ev->change->bridge, ev->change->old_mac, ev->change->new_mac,
				     ev->change->wall_us, &mo, err);
}
