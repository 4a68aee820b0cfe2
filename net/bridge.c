/* bridge: the kernel's bridge MAC rule as a pure predictor, and pinning. */
#include "net/bridge.h"
#include "net/linkwatch.h"
#include "net/macause.h"
#include "net/nlact.h"
#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t zero_mac[6];

void bridge_predict_join(const struct linkwatch *lw, const char *bridge, const uint8_t *tap_mac, const char *vm,
			 struct bridge_prediction *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->bridge, sizeof(out->bridge), "%s", bridge);
	const struct link_info *br = lw ? linkwatch_find_name(lw, bridge) : NULL;
	char who[80], cur[18], after[18], tm[18];
	if (vm)
		snprintf(who, sizeof(who), "starting VM %s", vm);
	else
		snprintf(who, sizeof(who), "a TAP joining");
	if (!br || br->type != LINK_TYPE_BRIDGE) {
		snprintf(out->text, sizeof(out->text), "%s: bridge %s does not exist", who, bridge);
		return;
	}
	memcpy(out->current, br->mac, 6);
	memcpy(out->after, br->mac, 6);
	mac_format(br->mac, cur);
	if (br->pinned) {
		snprintf(out->text, sizeof(out->text), "%s leaves %s's MAC %s alone (pinned)", who, bridge, cur);
		return;
	}
	if (!tap_mac) {
		out->mac_unknown = true;
		snprintf(out->text, sizeof(out->text),
			 "%s (TAP MAC random, policy kernel) may change %s's MAC %s: it is not pinned", who, bridge, cur);
		return;
	}
	size_t n = linkwatch_port_count(lw, br->ifindex);
	uint8_t(*macs)[6] = xcalloc(n + 1, 6);
	for (size_t i = 0; i < n; i++)
		memcpy(macs[i], linkwatch_port(lw, br->ifindex, i)->mac, 6);
	memcpy(macs[n], tap_mac, 6);
	macause_lowest_mac((const uint8_t(*)[6])macs, n + 1, out->after);
	free(macs);
	out->will_change = mac_cmp(out->after, out->current) != 0;
	mac_format(out->after, after);
	mac_format(tap_mac, tm);
	if (out->will_change)
		snprintf(out->text, sizeof(out->text), "%s (TAP MAC %s) will change %s's MAC from %s to %s", who, tm,
			 bridge, cur, after);
	else
		snprintf(out->text, sizeof(out->text), "%s (TAP MAC %s) keeps %s's MAC %s (not pinned)", who, tm, bridge,
			 cur);
}

/* Read a small sysfs file as an integer; -1 on failure. */
static long sysfs_long(const char *name, const char *attr)
{
	char *path = xasprintf("/sys/class/net/%s/%s", name, attr);
	char *s = file_read_all(path, NULL);
	free(path);
	if (!s)
		return -1;
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s)
		v = -1;
	free(s);
	return v;
}

int bridge_read_pinned(const char *name, int ifindex)
{
	/* /sys shows the namespace it was mounted for; when that is not ours
	 * the ifindex gives it away (ip netns exec remounts /sys: fine). */
	if (ifindex > 0 && sysfs_long(name, "ifindex") != ifindex)
		return -1;
	long t = sysfs_long(name, "addr_assign_type");
	if (t < 0)
		return -1;
	return t == 3; /* NET_ADDR_SET */
}

int bridge_pin(const char *bridge, const uint8_t *mac, bool arp_notify, char **err)
{
	char kind[16];
	if (nlact_link_kind(bridge, kind, sizeof(kind)) < 0)
		return error_kind_set(err, ERR_NOTFOUND, "pin: no bridge %s in this network namespace", bridge);
	if (strcmp(kind, "bridge") != 0)
		return error_kind_set(err, ERR_INVALID, "pin: %s is not a bridge (kind \"%s\")", bridge, kind);
	uint8_t m[6];
	int r;
	if (mac) {
		memcpy(m, mac, 6);
	} else {
		if ((r = nlact_get_mac(bridge, m, err)) < 0)
			return error_prefix(err, "pin"), r;
		if (mac_cmp(m, zero_mac) == 0)
			return error_set(err, "pin %s: its MAC is 00:00:00:00:00:00 (no ports); give a MAC to pin it to",
					 bridge);
	}
	if (m[0] & 1) {
		char s[18];
		mac_format(m, s);
		return error_kind_set(err, ERR_INVALID, "pin %s: %s is a multicast MAC", bridge, s);
	}
	/* Even the same value pins it: the kernel marks it NET_ADDR_SET. */
	if ((r = nlact_set_mac(bridge, m, err)) < 0)
		return r;
	if (arp_notify) {
		char *path = xasprintf("/proc/sys/net/ipv4/conf/%s/arp_notify", bridge);
		r = file_write_atomic(path, "1\n", 2, 0644, NULL);
		if (r < 0) {
			/* sysctl files cannot be replaced by rename: write in place. */
			FILE *f = fopen(path, "w");
			r = f && fputs("1\n", f) >= 0 ? 0 : -1;
			if (f && fclose(f) != 0)
				r = -1;
		}
		if (r < 0) {
			bool perm = errno == EACCES || errno == EPERM;
			r = error_kind_set(err, perm ? ERR_PERM : ERR_FAILED, "pin %s: pinned, but could not set %s: %s%s",
					   bridge, path, strerror(errno), perm ? " (needs root or CAP_NET_ADMIN)" : "");
			free(path);
			return r;
		}
		free(path);
	}
	return 0;
}
