/* vmnet: the network side of core/vmnet.h — the lifecycle's TAP hooks, and
 * what a VM's NICs will do to their bridges (for the TUI's predictions).
 * Policy per NIC: its own tap_mac_policy if set, else the lab network whose
 * bridge it joins, else derived. TAPs are owned by the user vmdeck runs as
 * (QEMU runs as that user). */
#ifndef VMDECK_NET_VMNET_H
#define VMDECK_NET_VMNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/profile.h"
#include "core/vmnet.h"
#include "net/bridge.h"

struct labnet_set;
struct linkwatch;

/* setup: tap_create for every TAP NIC (all-or-nothing, undoing only what
 * it made), reporting the TAPs made; teardown: tap_delete_unused of one of
 * them. A missing bridge: "VM X, NIC net0: bridge virbr0 does not exist";
 * no CAP_NET_ADMIN: says so, and returns -ERR_PERM (the kind of the
 * failure, core/util.h). */
extern const struct vm_net_hooks vmnet_hooks;

/* What vmdeck will do for NIC i of p. */
struct vmnet_nic_plan {
	char *tap;                 /* TAP name (owned) */
	const char *bridge;        /* borrowed from the profile; NULL = not enslaved */
	enum mac_policy policy;    /* effective policy */
	const char *policy_source; /* "nic", "network NAME" (static buffer per plan), "default" */
	uint8_t guest_mac[6];
	uint8_t tap_mac[6];
	bool has_tap_mac;          /* false for policy kernel (random) */
	char source_buf[48];
};
/* Fill plan for NIC i (a user_net NIC: returns -1 with err). Free with
 * vmnet_nic_plan_clear. A NIC without its own policy takes its bridge's lab
 * network's from nets (NULL: none); a VM start loads the set once for all
 * its NICs (the policy in force then). */
struct labnet_set;
int vmnet_nic_plan(const struct profile *p, size_t nic_index, const struct labnet_set *nets,
		   struct vmnet_nic_plan *plan, char **err);
void vmnet_nic_plan_clear(struct vmnet_nic_plan *plan);

/* Predict, for each TAP NIC of p with a bridge, what starting p does to that
 * bridge. Without CAP_NET_ADMIN a start takes a granted TAP, already a port
 * (net/grant.h), or fails: no change. Fills up to max entries, returns how many NICs had a bridge. The
 * lab networks come from nets (loaded with the profiles; NULL: none): a
 * prediction reads no file, however often the links change. */
size_t vmnet_predict(const struct linkwatch *lw, const struct labnet_set *nets, const struct profile *p,
		     struct bridge_prediction *out, size_t max);

#endif
