/* vmnet: TAP hooks for the VM lifecycle and per-VM bridge predictions. */
#include "net/vmnet.h"
#include "net/grant.h"
#include "net/labnet.h"
#include "net/nlact.h"
#include "net/linkwatch.h"
#include "net/tap.h"
#include "core/util.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int vmnet_nic_plan(const struct profile *p, size_t i, const struct labnet_set *nets, struct vmnet_nic_plan *plan,
		   char **err)
{
	memset(plan, 0, sizeof(*plan));
	if (i >= p->n_nics)
		return error_set(err, "VM %s: no NIC %zu", p->name, i);
	const struct profile_nic *nic = &p->nics[i];
	if (nic->user_net)
		return error_set(err, "VM %s, NIC %s: user-mode networking has no TAP", p->name, nic->id);
	plan->tap = profile_nic_tap_name(p, i);
	plan->bridge = nic->bridge;
	profile_nic_guest_mac(p, i, plan->guest_mac);
	plan->policy = MAC_POLICY_DERIVED;
	plan->policy_source = "default";
	const struct labnet *n = NULL;
	if (nic->has_tap_mac_policy) {
		plan->policy = nic->tap_mac_policy;
		plan->policy_source = "nic";
	} else if ((n = labnet_set_find_bridge(nets, nic->bridge))) {
		plan->policy = n->tap_mac_policy;
		snprintf(plan->source_buf, sizeof(plan->source_buf), "network %s", n->name);
		plan->policy_source = plan->source_buf;
	}
	plan->has_tap_mac = tap_mac_for_policy(plan->policy, plan->guest_mac, plan->tap_mac);
	return 0;
}

void vmnet_nic_plan_clear(struct vmnet_nic_plan *plan)
{
	if (!plan)
		return;
	free(plan->tap);
	plan->tap = NULL;
}

static void teardown(const char *tap) { tap_delete_unused(tap, NULL); }

/* Without CAP_NET_ADMIN: a free TAP root granted this user on the NIC's
 * bridge (its MAC set by the bridge's policy at the grant; the guest MAC is
 * QEMU's as always), else say both ways out. */
static int use_granted(const struct profile *p, size_t i, struct strv *taps, char **err)
{
	const char *bridge = p->nics[i].bridge;
	char tap[16];
	size_t n_granted = 0;
	char kind[16];
	if (nlact_link_kind(bridge, kind, sizeof(kind)) < 0 || strcmp(kind, "bridge") != 0)
		return error_set(err, "NIC %s: bridge %s does not exist", p->nics[i].id, bridge);
	struct passwd *pw = getpwuid(geteuid());
	char *user = pw ? xstrdup(pw->pw_name) : xasprintf("%u", (unsigned)geteuid());
	if (grant_find_free(bridge, geteuid(), taps, tap, &n_granted) == 0) {
		/* QEMU would only say "could not open /dev/net/tun". */
		int rc = 0;
		if (access("/dev/net/tun", R_OK | W_OK) < 0)
			rc = error_kind_set(err, ERR_PERM,
					    "NIC %s: TAP %s on bridge %s is granted to user %s, but /dev/net/tun does not let "
					    "this user open it (%s): root: 'chmod 0666 /dev/net/tun' (its usual mode; the kernel "
					    "still lets only a TAP's owner attach to it), or run vmdeck as root",
					    p->nics[i].id, tap, bridge, user, strerror(errno));
		else
			strv_push(taps, tap);
		free(user);
		return rc;
	}
	char *own = profile_nic_tap_name(p, i);
	if (n_granted)
		error_kind_set(err, ERR_PERM,
			       "NIC %s: TAP %s: operation not permitted (needs root or CAP_NET_ADMIN), and the %zu TAP%s "
			       "granted to user %s on bridge %s %s in use. Either root grants more once: 'vmdeck net grant "
			       "%s %s --taps %zu', or run vmdeck as root",
			       p->nics[i].id, own, n_granted, n_granted == 1 ? "" : "s", user, bridge,
			       n_granted == 1 ? "is" : "are all", bridge, user, n_granted + 1);
	else
		error_kind_set(err, ERR_PERM,
			       "NIC %s: TAP %s: operation not permitted (needs root or CAP_NET_ADMIN), and no TAP on "
			       "bridge %s is granted to user %s. Either root grants some once: 'vmdeck net grant %s %s "
			       "[--taps N]' (then this user starts VMs on %s without privilege), or run vmdeck as root",
			       p->nics[i].id, own, bridge, user, bridge, user, bridge);
	free(own);
	free(user);
	return -ERR_PERM;
}

static int setup(const struct profile *p, struct strv *made, struct strv *taps, char **err)
{
	struct strv mine; /* only these are ours to remove on failure */
	strv_init(&mine);
	int rc = -1;
	bool privileged = nlact_have_net_admin();
	/* The lab networks' policies in force now: read once, by the first NIC
	 * that takes its bridge's policy. */
	struct labnet_set *nets = NULL;
	for (size_t i = 0; i < p->n_nics; i++) {
		if (p->nics[i].user_net) {
			strv_push(taps, "");
			continue;
		}
		if (!privileged && p->nics[i].bridge) {
			if ((rc = use_granted(p, i, taps, err)) < 0)
				goto fail;
			continue;
		}
		strv_push(taps, "");
		if (!nets && p->nics[i].bridge && !p->nics[i].has_tap_mac_policy)
			nets = labnet_set_load(NULL);
		struct vmnet_nic_plan plan;
		if ((rc = vmnet_nic_plan(p, i, nets, &plan, err)) < 0)
			goto fail;
		struct tap_spec spec = {
			.name = plan.tap,
			.mac = plan.has_tap_mac ? plan.tap_mac : NULL,
			.owner = geteuid(), /* QEMU runs as the user vmdeck runs as */
			.group = (gid_t)-1,
			.bridge = plan.bridge,
		};
		rc = tap_create(&spec, err);
		if (rc == 0)
			strv_push(&mine, plan.tap);
		vmnet_nic_plan_clear(&plan);
		if (rc < 0) {
			error_prefix(err, "NIC %s", p->nics[i].id); /* the lifecycle adds "VM NAME: " */
			goto fail;
		}
	}
	labnet_set_free(nets);
	for (size_t i = 0; i < mine.n; i++)
		strv_push(made, mine.v[i]);
	strv_clear(&mine);
	return 0;
fail:
	labnet_set_free(nets);
	/* A TAP of that name held by another VM ("in use") was never ours. */
	for (size_t i = 0; i < mine.n; i++)
		tap_delete(mine.v[i], NULL);
	strv_clear(&mine);
	return rc; /* its kind: -ERR_PERM without CAP_NET_ADMIN */
}

const struct vm_net_hooks vmnet_hooks = { setup, teardown };

/* Whether this process may make TAPs (its capabilities do not change). */
static bool privileged_cached(void)
{
	static int v = -1;
	if (v < 0)
		v = nlact_have_net_admin();
	return v == 1;
}

/* Unprivileged, a start takes a granted TAP — a port of the bridge since
 * the grant — or fails: either way the bridge's MAC stays. */
static void predict_granted(const struct linkwatch *lw, const char *bridge, const char *vm,
			    struct bridge_prediction *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->bridge, sizeof(out->bridge), "%s", bridge);
	const struct link_info *br = lw ? linkwatch_find_name(lw, bridge) : NULL;
	if (br) {
		memcpy(out->current, br->mac, 6);
		memcpy(out->after, br->mac, 6);
	}
	snprintf(out->text, sizeof(out->text),
		 "starting VM %s takes a TAP granted on %s (a port since 'net grant'): %s's MAC stays", vm, bridge,
		 bridge);
}

size_t vmnet_predict(const struct linkwatch *lw, const struct labnet_set *nets, const struct profile *p,
		     struct bridge_prediction *out, size_t max)
{
	size_t n = 0;
	bool privileged = privileged_cached();
	for (size_t i = 0; i < p->n_nics; i++) {
		if (p->nics[i].user_net || !p->nics[i].bridge)
			continue;
		if (n < max && !privileged) {
			predict_granted(lw, p->nics[i].bridge, p->name, &out[n]);
		} else if (n < max) {
			struct vmnet_nic_plan plan;
			if (vmnet_nic_plan(p, i, nets, &plan, NULL) < 0)
				continue;
			bridge_predict_join(lw, plan.bridge, plan.has_tap_mac ? plan.tap_mac : NULL, p->name, &out[n]);
			vmnet_nic_plan_clear(&plan);
		}
		n++;
	}
	return n;
}
