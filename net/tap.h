/* tap: a TAP per VM NIC, made natively — the seed's qemu-ifup.sh without a
 * script: TUNSETIFF (IFF_TAP|IFF_NO_PI), TUNSETPERSIST, TUNSETOWNER to the
 * user QEMU runs as, MAC set by policy BEFORE it joins the bridge (so the
 * bridge never sees a random MAC), up, enslaved. QEMU opens it by name with
 * script=no. Needs CAP_NET_ADMIN. */
#ifndef VMDECK_TAP_H
#define VMDECK_TAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/profile.h"

/* The TAP MAC for a policy (pure):
 *   derived  libvirt's rule: the guest MAC with first byte 0xFE (0xFA if it
 *            already is 0xFE)
 *   fixed    fe:ff:ff:ff:ff:ff (the seed's 2017 fix)
 *   kernel   none: the kernel's random MAC (returns false)
 * Returns true when out holds a MAC to set. */
bool tap_mac_for_policy(enum mac_policy policy, const uint8_t guest_mac[6], uint8_t out[6]);

struct tap_spec {
	const char *name;      /* <= 15 chars */
	const uint8_t *mac;    /* NULL: leave the kernel's */
	uid_t owner;           /* (uid_t)-1: no owner */
	gid_t group;           /* (gid_t)-1: no group */
	const char *bridge;    /* NULL: not enslaved */
	unsigned mtu;          /* 0: default; else set before joining */
};

/* Create (or adopt an existing persistent TAP of that name, e.g. left by a
 * crash), set MAC, up, enslave. All-or-nothing: on failure the TAP is
 * deleted again. Errors name the TAP and the bridge ("bridge virbr0 does not
 * exist"); no privilege is -ERR_PERM, a TAP another process holds -ERR_BUSY. */
int tap_create(const struct tap_spec *spec, char **err);
/* Delete a TAP (clears persistence). A TAP already gone returns 0. */
int tap_delete(const char *name, char **err);
/* Delete a TAP this vmdeck made, unless it is no longer a TAP or another
 * process holds it open (then it is someone else's now: -1, err says so,
 * and it stays). A TAP already gone returns 0. */
int tap_delete_unused(const char *name, char **err);

#endif
