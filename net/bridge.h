/* bridge: the Linux bridge MAC rule as a pure predictor, and the actions
 * that make a bridge's MAC stable (pin: set it explicitly, which the kernel
 * then never re-picks; optional arp_notify). Actions need CAP_NET_ADMIN and
 * work in the network namespace vmdeck runs in. */
#ifndef VMDECK_BRIDGE_H
#define VMDECK_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct linkwatch;

/* What a TAP joining a bridge would do to it. */
struct bridge_prediction {
	char bridge[16];
	bool mac_unknown;     /* TAP MAC policy "kernel": random, so it may or may not change */
	bool will_change;     /* joining changes the bridge MAC (pinned bridges never do) */
	uint8_t current[6];   /* bridge MAC now */
	uint8_t after[6];     /* bridge MAC after the join */
	char text[200];       /* "starting VM X (TAP MAC m) will change virbr0's MAC from a to m" */
};
/* Predict for a TAP with tap_mac (NULL = random, policy kernel) joining
 * bridge, from the live model. vm may be NULL (text then says "a TAP"). */
void bridge_predict_join(const struct linkwatch *lw, const char *bridge, const uint8_t *tap_mac,
			 const char *vm, struct bridge_prediction *out);

/* Read /sys/class/net/NAME/addr_assign_type: 1 = pinned (3), 0 = not,
 * -1 = unknown (no such file, or /sys belongs to another namespace: the
 * file's ifindex must match ifindex when ifindex > 0). */
int bridge_read_pinned(const char *name, int ifindex);

/* Pin: set the bridge's MAC explicitly — to mac, or to its current MAC when
 * mac is NULL (which still pins it: addr_assign_type becomes 3). With
 * arp_notify, also write 1 to /proc/sys/net/ipv4/conf/BR/arp_notify. Errors
 * name the bridge; EPERM says CAP_NET_ADMIN is needed (-ERR_PERM), no such
 * bridge is -ERR_NOTFOUND (core/util.h). */
int bridge_pin(const char *bridge, const uint8_t *mac, bool arp_notify, char **err);

#endif
